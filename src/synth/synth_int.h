/* Private to src/synth: the node builder, istiod's model of the registry
 * (services, ports, endpoints) as one proxy sees it, the configs that apply
 * to it, and the builders of each part of the config dump. See synth.h for
 * the contract; each .c file says which of istiod's rules it reproduces. */
#ifndef MESHLUA_SYNTH_INT_H
#define MESHLUA_SYNTH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "meshlua/arena.h"
#include "meshlua/mesh.h"
#include "meshlua/node.h"
#include "meshlua/profile.h"
#include "meshlua/strmap.h"
#include "meshlua/synth.h"

/* ---- sset.c: a set of borrowed strings ------------------------------------ */

struct sset_slot {
	const char *key; /* NULL: empty */
	uint64_t hash;
};

struct sset {
	struct sset_slot *slots;
	size_t cap, count;
};

uint64_t sset_hash(const char *key);
void sset_init(struct sset *s);
/* Room for n more keys without growing. 0, or -1 when memory runs out. */
int sset_reserve(struct sset *s, size_t n);
int sset_has(const struct sset *s, const char *key);
int sset_has_h(const struct sset *s, const char *key, uint64_t hash);
/* Adds key (borrowed: it must outlive the set): 1 when added, 0 when it was
 * there, -1 when memory runs out. */
int sset_add(struct sset *s, const char *key);
int sset_add_h(struct sset *s, const char *key, uint64_t hash);
void sset_free(struct sset *s);

/* ---- jb.c: JSON trees in an arena ---------------------------------------- */

struct jb_key {
	const char *ptr;
	struct node *node;
};

struct jb_int {
	long long value;
	struct node *node;
};

#define JB_CACHE 1024

struct jb {
	struct arena *a;
	struct strmap keys; /* interned key scalars */
	/* Keys are nearly always string literals: a cache by address first. */
	struct jb_key kcache[JB_CACHE];
	struct jb_key scache[JB_CACHE]; /* string scalars by address */
	struct jb_key ocache[JB_CACHE]; /* jb_own copies by source address */
	struct jb_int icache[JB_CACHE]; /* int scalars by value */
	struct node *bools[2];
	struct node *empty;
	int oom;           /* an allocation failed: everything after is a no-op */
	struct node dummy; /* returned after a failure */
};

int jb_init(struct jb *b, struct arena *a);
void jb_free(struct jb *b);
struct node *jb_map(struct jb *b);
struct node *jb_seq(struct jb *b);
/* A map or sequence with room for n entries (no regrowth up to n). */
struct node *jb_map_n(struct jb *b, size_t n);
struct node *jb_seq_n(struct jb *b, size_t n);
/* The shared empty map ({}): never to be filled. */
struct node *jb_empty(struct jb *b);
/* A string scalar borrowing s: a literal, or a string of the snapshot's
 * arena (jb_fmt, jb_strdup, jb_own) -- never the mesh's, whose objects may go
 * while the snapshot lives. */
struct node *jb_lit(struct jb *b, const char *s);
/* A string scalar with a copy of s. */
struct node *jb_str(struct jb *b, const char *s);
/* A copy of s in the arena, made once per address: for strings the tree
 * must not borrow (the mesh's, the manifests', the build's scratch), which
 * stay unchanged while the build runs. NULL for NULL. */
const char *jb_own(struct jb *b, const char *s);
struct node *jb_int(struct jb *b, long long v);
struct node *jb_bool(struct jb *b, int v);
/* A copy of s, or printf-formatted text, in the arena ("" after a failure). */
char *jb_strdup(struct jb *b, const char *s);
char *jb_fmt(struct jb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends key (interned) with v to map; appends v to seq. */
void jb_set(struct jb *b, struct node *map, const char *key, struct node *v);
void jb_push(struct jb *b, struct node *seq, struct node *v);
struct node *jb_set_map(struct jb *b, struct node *map, const char *key);
struct node *jb_set_seq(struct jb *b, struct node *map, const char *key);
void jb_set_str(struct jb *b, struct node *map, const char *key, const char *s);
void jb_set_lit(struct jb *b, struct node *map, const char *key, const char *s);
void jb_set_int(struct jb *b, struct node *map, const char *key, long long v);
void jb_set_bool(struct jb *b, struct node *map, const char *key, int v);
/* A map whose first field is "@type": type (an Any, or a typed_config). */
struct node *jb_typed(struct jb *b, const char *type);
struct node *jb_set_typed(struct jb *b, struct node *map, const char *key, const char *type);
void jb_push_lit(struct jb *b, struct node *seq, const char *s);
void jb_push_str(struct jb *b, struct node *seq, const char *s);
/* A sequence of the NULL-terminated literals. */
struct node *jb_lits(struct jb *b, const char *const *list);
/* A new map with the same pairs (values shared): to extend a shared map. */
struct node *jb_copy_map(struct jb *b, const struct node *src);

/* ---- protocol.c: protocol.Parse and kube conversion ------------------- */

enum proto {
	P_UNSUPPORTED, /* auto-detected (sniffed) */
	P_HTTP,
	P_HTTP2,
	P_GRPC,
	P_GRPC_WEB,
	P_HTTP_PROXY,
	P_HTTPS,
	P_TLS,
	P_TCP,
	P_MONGO,
	P_REDIS,
	P_MYSQL,
	P_UDP,
};

/* What a listener does with a port: HCM, tcp_proxy, both (sniffed), none. */
enum lproto { LP_HTTP, LP_TCP, LP_AUTO, LP_NONE };

/* istio's protocol.Parse of a protocol name, case-insensitive. */
enum proto proto_parse(const char *s);
/* pkg/config/kube ConvertProtocol: appProtocol, then the name prefix, then
 * the well-known TCP ports (25, 53, 3306, 27017); UDP/SCTP ports give P_UDP. */
enum proto proto_of_kube_port(const struct mesh_port *p);
/* ServiceEntry ports: their protocol field (Unsupported when unknown). */
enum proto proto_of_name(const char *protocol, int port);
enum lproto proto_listener(enum proto p);
int proto_is_http(enum proto p);  /* HTTP, HTTP2, GRPC, GRPC-Web, HTTP_PROXY */
int proto_is_http2(enum proto p); /* HTTP2, GRPC, GRPC-Web */
int proto_is_grpc(enum proto p);
int proto_is_tls(enum proto p); /* HTTPS, TLS */
const char *proto_name(enum proto p);

/* ---- registry.c: services, ports and endpoints ------------------------- */

enum resolution {
	RES_EDS,         /* ClientSideLB: EDS */
	RES_DNS,         /* STRICT_DNS */
	RES_DNS_RR,      /* LOGICAL_DNS */
	RES_PASSTHROUGH, /* headless, resolution NONE: ORIGINAL_DST */
	RES_ALIAS,       /* an ExternalName Service aliasing a mesh Service */
};

struct sport {
	const char *name; /* "" when unnamed */
	int port;
	enum proto proto;
	const struct mesh_port *kport; /* the Service port; NULL for ServiceEntries */
	int target_port;               /* ServiceEntry targetPort; 0 when none */
};

/* One endpoint of a service (a pod, a ServiceEntry endpoint, or a DNS host). */
struct ep {
	const char *address;              /* IP, or a host name for DNS resolution */
	const struct mesh_object *pod;    /* NULL for ServiceEntry endpoints */
	const struct mesh_labels *labels; /* never NULL */
	const struct node *ports;         /* ServiceEntry endpoint ports map, or NULL */
	const char *sa;                   /* service account, NULL when none */
	const char *network, *locality;   /* NULL when none */
	int weight;                       /* 0: unset (1) */
	int port;                         /* serves every service port on this one (the API
	                                     server's 6443); 0: per port */
	int healthy;
	/* built once per build and shared by every cluster listing it (endpoints.c) */
	const char *workload;    /* the istio workload metadata string */
	struct node *metadata;   /* its LbEndpoint metadata, or NULL */
	int cached_port;         /* the port of cached_lbe */
	struct node *cached_lbe; /* the LbEndpoint for cached_port */
};

struct svc {
	const char *hostname; /* FQDN */
	const char *name;     /* the Service's (or ServiceEntry's) name */
	const char *ns;
	const struct mesh_object *obj;
	int is_se; /* from a ServiceEntry */
	int k8s;   /* Kubernetes registry */
	int headless;
	const char *address; /* the VIP; "0.0.0.0" when there is none */
	size_t naddr;        /* every address (ServiceEntry addresses) */
	const char **addrs;
	enum resolution res;
	int mesh_external;
	const char *alias_target; /* ExternalName: the host it names */
	size_t nports;
	struct sport *ports;
	size_t neps;
	struct ep *eps;
	/* exportTo: all, private ("."), or the namespaces listed */
	int export_all, export_private;
	size_t nexport;
	const char **export_ns;
	uint64_t uid;
	int64_t created;
	/* Alias Services (ExternalName) naming this one (current profile). */
	size_t naliases;
	struct svc **aliases;
	/* built once per build and shared by its clusters (clusters.c) */
	struct node *sans;        /* the SPIFFE identities of its endpoints */
	struct node *tls_common;  /* the common_tls_context of its Istio mTLS */
	struct node *md_services; /* the istio "services" metadata list */
	/* The visible service of the same host name seen first (scope.c): its
	 * cluster names win. NULL when this one is the first. */
	const struct svc *dup_of;
};

/* An Istio config object as synth uses it: VirtualService, DestinationRule,
 * Gateway, ServiceEntry, Sidecar, PeerAuthentication. */
struct cfg {
	const struct mesh_object *obj;
	const struct node *spec; /* never NULL (an empty map when absent) */
	const char *name, *ns;
	size_t nhosts;
	const char **hosts; /* VS hosts / DR host, short names resolved in ns */
	int export_all, export_private;
	size_t nexport;
	const char **export_ns;
	struct cfg *dr_next; /* the next DestinationRule of the same exact host (scope.c) */
};

/* ---- the build ---------------------------------------------------------- */

struct synth;

/* One sidecar's view: what it imports (Sidecar egress, exportTo). */
/* A VirtualService host in the scope's index (scope.c). */
struct vsref {
	const struct cfg *vs;
	const char *host;
	size_t order; /* the VirtualService's place in scope.vs */
	struct vsref *next;
};

struct scope {
	size_t nsvcs;
	struct svc **svcs;     /* visible services, in the registry's order */
	struct strmap by_host; /* hostname -> struct svc (visible) */
	size_t nvs;
	struct cfg **vs; /* VirtualServices for this proxy, oldest first */
	size_t ndr;
	struct cfg **dr;          /* DestinationRules for this proxy, oldest first */
	struct strmap vs_by_host; /* exact VirtualService host -> struct vsref chain */
	size_t nvs_wild;
	struct vsref *vs_wild;    /* wildcard VirtualService hosts, in VS order */
	struct strmap dr_by_host; /* exact host -> first struct cfg of a chain (dr_next) */
	size_t ndr_wild;
	struct cfg **dr_wild;      /* DestinationRules with a wildcard host */
	const struct cfg *sidecar; /* the Sidecar resource in force, or NULL */
	int registry_only;         /* outboundTrafficPolicy REGISTRY_ONLY */
};

/* The LbEndpoint metadata built last, for the next pod of its workload
 * (endpoints.c). */
struct md_cache {
	const char *part[4]; /* workload, namespace, canonical service, revision */
	int tls, has_wl;
	const char *workload;
	struct node *md; /* NULL: nothing cached */
};

struct synth {
	const struct mesh *m;
	const struct istio_profile *prof;
	const struct mesh_object *pod;
	int gateway;            /* an Istio gateway (router), else a sidecar */
	const char *ns;         /* the pod's namespace */
	const char *ip;         /* the pod IP */
	const char *domain;     /* "cluster.local" */
	const char *dns_domain; /* "<ns>.svc.cluster.local" */
	const char *config_ns;  /* the root namespace: "istio-system" */
	struct jb jb;           /* builds into the snapshot's arena */
	struct arena tmp;       /* scratch that dies with the build */
	struct mesh_error *err;
	int failed;

	/* registry.c */
	size_t nall;
	struct svc *all; /* every service of the mesh, creation order */
	struct strmap all_by_host;
	size_t ncfg[MESH_KIND_COUNT];
	struct cfg *cfgs[MESH_KIND_COUNT];

	/* scope.c */
	struct scope sc;

	/* the dump being built */
	struct node *static_listeners, *dynamic_listeners;
	struct node *static_clusters, *dynamic_clusters;
	struct node *static_routes, *dynamic_routes;
	struct node *static_eds, *dynamic_eds;
	struct node *secrets;
	const char *version_info; /* "<time>/<mesh version>" */
	const char *last_updated; /* RFC 3339 of the mesh clock */
	/* route configs asked for by listeners, by name (value: the listener port) */
	struct strmap rds;
	size_t nrds;
	const char **rds_names;

	struct strmap cache; /* per-build memo (routes.c) */
	/* subtrees shared by many resources (hcm.c) */
	struct node *ads_source, *eds_config, *http_filters_out, *tcp_stats_filter;
	struct node *tls_inspector, *http_inspector, *sds_default, *sds_rootca;
	struct node *tsm_disabled, *tls_params, *mx_cluster_filters;
	struct node *circuit_breakers;   /* the default, unmodified */
	struct node *default_thresholds; /* its one threshold */
	struct node *hpo_h2, *hpo_auto;  /* typed_extension_protocol_options by protocol */
	struct node *cla_policy;         /* the CLA policy {overprovisioning_factor: 140} */
	struct md_cache md_last;         /* endpoints.c */
	struct node *match_istio;        /* {tlsMode: istio} */
	struct node *match_all;          /* {prefix: "/"} */
	struct node *default_retries;    /* the default route's retry policy */
};

/* Marks the build failed (first message wins). Returns -1. */
int synth_fail(struct synth *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -1 when the build failed or memory ran out, else 0. */
int synth_check(struct synth *s);

/* registry.c: builds s->all and the config lists from the mesh. */
int registry_build(struct synth *s);
void registry_free(struct synth *s);
/* The service named hostname in the whole registry, or NULL. */
struct svc *registry_find(struct synth *s, const char *hostname);
/* The port of svc numbered port, or NULL. */
const struct sport *svc_port(const struct svc *v, int port);
/* The port an endpoint serves svc port p on (targetPort resolved per pod). 0
 * when the endpoint does not serve it. */
int ep_port(const struct svc *v, const struct ep *e, const struct sport *p);
/* istio's ResolveShortnameToFQDN: "name" -> "name.<ns>.svc.<domain>". */
const char *resolve_short(struct synth *s, const char *host, const char *ns);
/* exportTo: is a thing in ns with that exportTo visible from namespace to? */
int exported_to(int all, int priv, const char *const *list, size_t n, const char *ns,
                const char *to);
/* host.Name.Matches: a (maybe wildcard) matches b (maybe wildcard). */
int host_matches(const char *a, const char *b);
/* Sorts configs oldest first (creation time, then name, then namespace). */
void cfg_sort(struct cfg **list, size_t n);

/* scope.c: fills s->sc for the proxy. */
int scope_build(struct synth *s);
void scope_free(struct synth *s);
/* The service visible to the proxy named hostname, or NULL. */
struct svc *scope_find(struct synth *s, const char *hostname);
/* The VirtualServices of the scope one of whose hosts matches host (a
 * wildcard on either side), oldest first; at most cap into out. Returns the
 * count. */
size_t scope_vs_for_host(struct synth *s, const char *host, const struct cfg **out, size_t cap);
/* The VirtualService whose host names hostname most specifically: an exact
 * host, else the longest wildcard; the oldest among equals. NULL: none. */
const struct cfg *scope_vs_most_specific(struct synth *s, const char *hostname);
/* The DestinationRule for hostname that applies to the proxy, or NULL. */
const struct cfg *scope_dr(struct synth *s, const char *hostname);
/* PeerAuthentication mode for port (0: any) of the proxy's workload:
 * "STRICT", "PERMISSIVE" or "DISABLE". */
const char *scope_mtls_mode(struct synth *s, int port);

/* hcm.c: shared pieces of listeners. */
struct node *hcm_outbound(struct synth *s, const char *stat_prefix, const char *rds, enum proto p);
/* An HCM with an inline route configuration (inbound chains, gateways'
 * statics). */
struct node *hcm_inline(struct synth *s, const char *stat_prefix, struct node *route_config,
                        enum proto p, int inbound);
struct node *net_stats_filter(struct synth *s);
struct node *tls_inspector(struct synth *s);
struct node *http_inspector(struct synth *s);
/* {"socket_address": {"address": ip, "port_value": port}} */
struct node *address_node(struct synth *s, const char *ip, int port);
struct node *tcp_proxy_filter(struct synth *s, const char *stat_prefix, const char *cluster);
struct node *filter_stack_tcp(struct synth *s, const char *stat_prefix, const char *cluster);
struct node *ads_config_source(struct synth *s);
struct node *route_metadata(struct synth *s, const struct cfg *c, const char *kind_path);
/* The Istio "config" metadata path of c ("/apis/networking.istio.io/<v>/..."). */
const char *config_path(struct synth *s, const struct cfg *c, const char *kind_path);
/* "0s", "1.500s": protobuf Duration JSON of an Istio duration text ("1.5s",
 * "100ms", "1m"); NULL when text is not a duration. */
const char *duration_json(struct synth *s, const char *text);
struct node *sds_secret_config(struct synth *s, const char *name);

/* domains.c */
/* Appends the domains of svc's vhost on port (listener_port 0: http_proxy)
 * to seq, skipping those in taken (lowercased, then recorded there); known
 * FQDNs guard expanded names. */
void vhost_domains(struct synth *s, const struct svc *v, int port, struct node *seq,
                   struct sset *taken, const struct sset *known);

/* route_vs.c: VirtualService HTTP routes. */
struct vs_route_opts {
	int listen_port;
	const char *const *gateways; /* gateway names this proxy is, NULL-terminated ("mesh") */
	int gateway;                 /* building for a gateway */
};
/* Appends the routes of VirtualService vs for the listener port to seq.
 * Returns the number appended. */
size_t vs_http_routes(struct synth *s, const struct cfg *vs, const struct vs_route_opts *o,
                      struct node *seq);
/* The default route to cluster (retry policy per profile). */
struct node *default_route(struct synth *s, const char *cluster, const char *operation);
/* outbound|port|subset|host */
const char *cluster_name(struct synth *s, const char *dir, int port, const char *subset,
                         const char *host);
/* GetDestinationCluster of a VS destination node. */
const char *destination_cluster(struct synth *s, const struct node *dest, int listen_port);
/* The max-duration/max_grpc_timeout fields of a route action per profile. */
void route_set_timeout(struct synth *s, struct node *action, const char *timeout);
struct node *retry_policy(struct synth *s, const struct node *retries);

/* routes.c: sidecar outbound route configurations. */
struct node *sidecar_route_config(struct synth *s, const char *name);
/* Frees what routes.c memoized in s->cache. */
void routes_cache_free(struct synth *s);

/* listeners.c, inbound.c */
int outbound_listeners(struct synth *s);
int virtual_outbound(struct synth *s);
int inbound_listener(struct synth *s);
int inbound_clusters(struct synth *s);
int inbound_passthrough_cluster_add(struct synth *s);
/* Adds listener l (named name) to the dynamic listeners of the dump. */
void listener_add(struct synth *s, struct node *l, const char *name);
/* Adds an inline route configuration to the dump's static route configs,
 * as Envoy reports those of HCMs. */
void static_route_add(struct synth *s, struct node *route_config);
/* Adds a route configuration to the dump's dynamic (RDS) route configs. */
void dynamic_route_add(struct synth *s, struct node *rc);
/* Records that route configuration name is needed (RDS). */
void need_rds(struct synth *s, const char *name);

/* clusters.c, policy.c, endpoints.c */

/* A Cluster's fields before they are written in field-number order (NULL
 * and 0 are left out). */
struct cfields {
	const char *name, *type;
	struct node *eds;
	const char *connect_timeout;
	const char *lb_policy; /* NULL: ROUND_ROBIN, the default Envoy leaves out */
	long long max_requests_per_connection;
	struct node *thresholds; /* circuit_breakers.thresholds[0] */
	struct node *http2_legacy;
	const char *dns_refresh_rate, *dns_lookup_family;
	struct node *outlier;
	const char *cleanup_interval;
	struct node *upstream_bind;
	struct node *ring_hash;
	struct node *transport_socket;
	struct node *metadata;
	const char *protocol_selection;
	struct node *common_lb;
	const char *alt_stat_name;
	struct node *load_assignment;
	struct node *original_dst_lb;
	struct node *typed_ext;
	struct node *least_request;
	int respect_dns_ttl;
	struct node *filters;
	struct node *tsm; /* transport_socket_matches */
	struct node *maglev;
};

struct node *cluster_emit(struct synth *s, const struct cfields *f);
struct node *default_thresholds(struct synth *s);
int outbound_clusters(struct synth *s, int gateway);
int fixed_clusters(struct synth *s);
/* Adds a cluster to the static or dynamic active list of the dump. */
void cluster_add(struct synth *s, struct node *cluster, int is_static);
/* The auto-mTLS transport_socket_matches (tlsMode-istio, tlsMode-disabled)
 * for sni with the common_tls_context common. */
struct node *auto_mtls_matches(struct synth *s, const char *sni, struct node *common);
/* The common_tls_context of Istio mTLS verifying the identities in sans
 * (a list of StringMatchers; NULL or empty: none). */
struct node *istio_tls_common(struct synth *s, struct node *sans);
/* An Istio mTLS transport socket for sni (common NULL: no identities). */
struct node *istio_upstream_tls(struct synth *s, const char *sni, struct node *common);
/* Applies a DestinationRule trafficPolicy (port level and subset merged as
 * istiod merges them) to the fields of a cluster of v's port p. */
void apply_traffic_policy(struct synth *s, struct cfields *f, const struct svc *v,
                          const struct sport *p, const struct node *policy,
                          const struct node *subset_policy, const char *subset);
/* A route hash_policy for a DR consistentHash, or NULL. */
struct node *hash_policy_for(struct synth *s, const char *host, int port);
void endpoints_add(struct synth *s, const char *cluster, const struct svc *v, const struct sport *p,
                   const struct node *subset_labels, int is_static);
void endpoints_add_empty(struct synth *s, const char *cluster, int is_static);
/* One locality group of v's endpoints for port p (subset labels filter
 * them), or NULL when none serves it. */
struct node *locality_endpoints(struct synth *s, const struct svc *v, const struct sport *p,
                                const struct node *subset_labels);
struct node *lb_endpoint(struct synth *s, const char *address, int port, int healthy,
                         const struct ep *e);
/* Labels match a DR subset's labels map (every key=value present). */
int labels_match_node(const struct node *want, const struct mesh_labels *have);

/* gateway.c */
int gateway_build(struct synth *s);

/* bootstrap.c */
struct node *bootstrap_build(struct synth *s);
int static_resources(struct synth *s);
int secrets_build(struct synth *s);

#endif
