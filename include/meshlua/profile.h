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
	int route_max_stream_duration;   /* routes carry max_stream_duration {0s} (1.8, 1.9) rather
	                                    than max_grpc_timeout */
	int sniffed_route_keeps_domains; /* the "<fqdn>:<port>" route of a sniffed port keeps its
	                                    vhost's domains, or all vhosts when none matches
	                                    (before 1.12); else the one vhost gets ["*"] */
	int rds_fetch_timeout;     /* RDS config sources set initial_fetch_timeout 0s (1.10+) */
	int route_ignore_port;     /* RDS configs set ignore_port_in_host_matching (1.16+) */
	int route_max_direct_body; /* RDS configs set max_direct_response_body_size_bytes (1.18+) */
	int inbound_route_retries; /* inbound default routes retry reset-before-request (1.24+) */
	int legacy_route_api;      /* 1.9's route protos: header matchers exact_match /
	                              prefix_match / safe_regex_match, regexes with the
	                              google_re2 engine, header options with "append" */
	const char *config_api;    /* istio.config metadata: /apis/networking.istio.io/<this> */
	int external_name_alias;   /* ExternalName Services alias mesh Services (1.20+), else
	                              they are DNS services */
	int headless_skip_self;    /* no per-pod listener for the proxy's own pod IP (master) */
	int send_unhealthy_endpoints; /* EDS lists not-ready pods as UNHEALTHY (master) */
	int gateway_domain_port;      /* gateway vhosts also match "<host>:*" (before 1.12) */
	int default_lb_least_request; /* outbound clusters default to LEAST_REQUEST (1.14+), else
	                                 ROUND_ROBIN */
	int cluster_extras;           /* clusters carry alt_stat_name, common_lb_config {},
	                                 track_remaining circuit breakers and
	                                 default_original_port metadata (later releases) */
	int cluster_legacy_protocol;  /* http2_protocol_options and protocol_selection on the
	                                 cluster itself (before 1.10), else
	                                 typed_extension_protocol_options */
	int inbound_cluster_static;   /* inbound|<p>|| is STATIC to 127.0.0.1 (1.9 and before),
	                                 else ORIGINAL_DST with no bind */
	/* istioctl (views) */
	const char *listener_address_header; /* "ADDRESS" (before 1.19) or "ADDRESSES" */
	int domains_trailing_dot_view;       /* DOMAINS column abbreviation of 1.27+ */
	int route_vhost_name_view;           /* routes table has a VHOST NAME column (1.18+) */
	int listener_more_addresses_view;    /* ADDRESSES adds additional addresses, pipe paths
	                                        (1.19+); before, the socket address alone */
	int match_path_separated_view;       /* MATCH shows PathPrefix:<p> (1.21+) */
	const char *management_prefix;       /* istio.config paths describeManagement reads:
	                                        ".../v1alpha3/namespaces/" before 1.24 */
	int go_sort; /* istioctl's sort.Slice, which decides the order of ties and of the
	                routes' inconsistent comparison: 0 Go 1.24+ pdqsort, 1 Go 1.19-1.23
	                pdqsort, 2 Go 1.18 and before quickSort (src/xds/gosort.h) */
};

/* The profile named name ("seed", "current"), or NULL. */
const struct istio_profile *istio_profile_find(const char *name);

/* The default profile for new meshes and loaded dumps: "current". */
const struct istio_profile *istio_profile_default(void);

/* The known profiles, NULL-terminated, in release order. */
const struct istio_profile *const *istio_profile_all(void);

#endif
