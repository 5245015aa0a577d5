/* profile: the Istio release line whose rules and output formats meshlua
 * reproduces. Istio's output changed across releases (see
 * ../shared/reference/istio.md's version notes); every difference lives in
 * this one table, never in scattered ifs. The synthesizer reads the istiod
 * rules, the views the istioctl formats. No Lua here. */
#ifndef MESHLUA_PROFILE_H
#define MESHLUA_PROFILE_H

struct istio_profile {
	const char *name;          /* "seed", "current" */
	const char *istio_version; /* what the bootstrap node and `istioctl version` report */
	const char *envoy_version; /* the Envoy build of that release */
	/* istiod (synthesizer) */
	int domains_with_port;    /* vhost domains also as "<d>:<port>" (before 1.12) */
	int domains_all_suffixes; /* "name.ns.svc.cluster" variants (old generateAltVirtualHosts) */
	int fqdn_trailing_dot;    /* "<fqdn>." domain (1.27+) */
	int retry_on_503;         /* default route retriable_status_codes [503] (before 1.24) */
	const char *const
	    *http_alpn;             /* outbound HTTP chain application_protocols, NULL-terminated */
	int http_chain_raw_buffer;  /* outbound HTTP chain also matches transport raw_buffer */
	int inbound_passthrough_v4; /* "InboundPassthroughClusterIpv4" and Addr 0.0.0.0/0
	                               (before 1.23) */
	/* istioctl (views) */
	const char *listener_address_header; /* "ADDRESS" (before 1.19) or "ADDRESSES" */
	int domains_trailing_dot_view;       /* DOMAINS column abbreviation of 1.27+ */
	int route_vhost_name_view;           /* routes table has a VHOST NAME column (1.18+) */
};

/* The profile named name ("seed", "current"), or NULL. */
const struct istio_profile *istio_profile_find(const char *name);

/* The default profile for new meshes and loaded dumps: "current". */
const struct istio_profile *istio_profile_default(void);

/* The known profiles, NULL-terminated, in release order. */
const struct istio_profile *const *istio_profile_all(void);

#endif
