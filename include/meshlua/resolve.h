/* resolve: where does this request go, and why. The resolution engine
 * follows one request through a snapshot exactly as Envoy would (see
 * ../shared/reference/envoy.md sections 2-5): listener, filter chain,
 * HTTP connection manager or TCP proxy, route configuration, virtual host,
 * route, action, cluster, endpoint. Indexes are built once per snapshot
 * (resolve_route_set_get, then resolve_index_get); a resolver holds the
 * state that changes between requests (round-robin positions, the random
 * source, scratch space), so resolving allocates nothing. The route-level engine also runs on a
 * bare RouteConfiguration (resolve_routes_compile), as Envoy's router check tool does. Every
 * candidate considered can be reported to a note callback with the reason it was chosen or
 * rejected; text is left to the caller. No Lua here. */
#ifndef MESHLUA_RESOLVE_H
#define MESHLUA_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "meshlua/arena.h"
#include "meshlua/error.h"
#include "meshlua/node.h"
#include "meshlua/xds.h"

/* ---- Requests -------------------------------------------------------- */

enum resolve_protocol {
	RESOLVE_PROTO_HTTP,  /* plaintext HTTP/1.1 (ALPN "http/1.1" as http_inspector sets) */
	RESOLVE_PROTO_HTTP2, /* plaintext HTTP/2 (ALPN "h2c") */
	RESOLVE_PROTO_TCP,   /* opaque TCP bytes (transport "raw_buffer", no ALPN) */
	RESOLVE_PROTO_TLS,   /* TLS from the client (transport "tls", sni and alpn as given) */
};

#define RESOLVE_MAX_HEADERS 64 /* additional request headers */
#define RESOLVE_MAX_ALPN    8

struct resolve_header {
	const char *name; /* any case; compared case-insensitively */
	const char *value;
};

/* What a client sends. Strings are borrowed for the call (and for as long as
 * a result that points into them is used). */
struct resolve_request {
	/* Where to start: by default the listener of address:port. listener
	 * names one (an internal listener such as "main_internal" too);
	 * route_config skips the listener level and routes through that route
	 * configuration. */
	const char *listener;
	const char *route_config;
	/* Connection: listener and filter chain selection. */
	const char *address; /* destination IP (numeric v4 or v6); NULL: route level only */
	uint32_t port;       /* destination port, 1..65535 */
	enum resolve_protocol protocol;
	const char *sni;                    /* TLS server name, NULL when none */
	const char *alpn[RESOLVE_MAX_ALPN]; /* requested ALPN, in order (TLS) */
	size_t alpn_count;                  /* 0: the protocol's default */
	const char *source_address;         /* NULL: "127.0.0.6"-like external source */
	uint32_t source_port;               /* 0 when unknown */
	/* HTTP */
	const char *authority; /* :authority as sent, port included if any; NULL: absent */
	const char *path;      /* :path with the query; NULL: absent */
	const char *method;    /* :method */
	const char *scheme;    /* :scheme and x-forwarded-proto, "http" or "https" */
	int internal;          /* adds x-envoy-internal: true */
	const struct resolve_header *headers; /* additional headers, in order (at most
	                                         RESOLVE_MAX_HEADERS); the caller's */
	size_t header_count;
	/* Choices Envoy makes at random, fixed here to reproduce one request. */
	int has_random_value;
	uint64_t random_value; /* the stream's random value (weighted clusters, runtime) */
	int has_hash_key;
	const char *hash_key; /* hashed with xxHash64 for RING_HASH/MAGLEV */
	/* Runtime: by default every runtime_fraction uses its default_value.
	 * With runtime_mock (Envoy's router check tool), a fraction is on only
	 * when its key equals runtime_key and the default value says so. */
	int runtime_mock;
	const char *runtime_key;
};

/* Sets r to an HTTP/1.1 GET of "/" with no address: every field zero or
 * its default. */
void resolve_request_init(struct resolve_request *r);

/* ---- Results ---------------------------------------------------------- */

enum resolve_outcome {
	RESOLVE_FORWARDED,       /* an upstream endpoint was chosen */
	RESOLVE_NOT_FOUND,       /* 404 NR: no virtual host or route */
	RESOLVE_NO_CLUSTER,      /* 503 NC (or the route's cluster_not_found_response_code) */
	RESOLVE_NO_HEALTHY,      /* 503 UH: the cluster has no eligible endpoint */
	RESOLVE_REDIRECT,        /* a redirect (route redirect or require_tls) */
	RESOLVE_DIRECT_RESPONSE, /* a direct_response */
	RESOLVE_PASSTHROUGH,     /* ORIGINAL_DST / PassthroughCluster: to the requested address */
	RESOLVE_BLACKHOLE,       /* BlackHoleCluster: the connection is dropped */
	RESOLVE_NO_LISTENER,     /* nothing listens on address:port */
	RESOLVE_NO_FILTER_CHAIN, /* the listener closes the connection: no chain matched */
	RESOLVE_UNSUPPORTED,     /* the path needs something meshlua does not model */
};

/* "forwarded", "404 NR", "503 NC", "503 UH", "redirect", "direct_response",
 * "passthrough", "blackhole", "no_listener", "no_filter_chain",
 * "unsupported". (503 NC reads "404 NC"/"500 NC" when the route says so:
 * see resolve_result.status.) */
const char *resolve_outcome_name(enum resolve_outcome o);

/* What a resolution found. Pointers point into the snapshot (or the compiled
 * route configuration) and into the request; they stay valid while both do. */
struct resolve_result {
	enum resolve_outcome outcome;
	uint32_t status;   /* HTTP status (404, 503, 301, 200 ...); 0 for TCP */
	const char *flags; /* Envoy response flags: "NR", "NC", "UH", or "" */
	/* listener level (NULL/-1 when not reached) */
	const char *listener;
	const struct node *listener_json;
	int chain_index; /* position in filter_chains; -1: default_filter_chain or none */
	const char *chain_name;
	const struct node *chain_json;
	const char *network_filter; /* the terminal filter's name */
	int tcp;                    /* 1 when a tcp_proxy decided (no HTTP routing) */
	/* HTTP level */
	const char *route_config;
	const struct node *route_config_json;
	const char *authority; /* the :authority used for the virtual host lookup */
	size_t authority_len;
	const char *virtual_host;
	int vhost_index;
	const struct node *virtual_host_json;
	const char *route_name;
	int route_index;
	const struct node *route_json;
	const char *virtual_cluster; /* NULL when the vhost has none; "other" as catch-all */
	int tls_redirect;            /* require_tls answered with a redirect */
	/* action */
	const char *cluster; /* chosen cluster name (may point into a request header) */
	size_t cluster_len;
	int weighted_index; /* weighted_clusters pick, -1 when none */
	uint64_t weighted_value, weighted_total;
	/* cluster and endpoint */
	const struct node *cluster_json;
	const char *cluster_type;         /* "EDS", "STATIC", "ORIGINAL_DST" ... */
	const char *lb_policy;            /* "ROUND_ROBIN" ... */
	const struct node *endpoint_json; /* the LbEndpoint, NULL when none */
	const char *endpoint_address;     /* "10.42.1.28", or the original destination */
	uint32_t endpoint_port;
	uint32_t priority;  /* of the chosen endpoint */
	int locality_index; /* within the priority's localities, -1 when none */
	int endpoint_index; /* within the locality's lb_endpoints, -1 when none */
	/* the LocalityLbEndpoints the locality scheduler chose (a locality
	 * weighted cluster), NULL when no scheduler chose the locality */
	const struct node *locality_json;
	int panic;             /* the chosen priority was in panic mode */
	uint64_t random_value; /* the stream's random value this resolution used */
	/* private to the engine */
	const void *priv_rc, *priv_vhost, *priv_route, *priv_weight, *priv_chain;
};

/* ---- Explanations ------------------------------------------------------ */

enum resolve_step {
	RESOLVE_STEP_LISTENER,
	RESOLVE_STEP_FILTER_CHAIN,
	RESOLVE_STEP_NETWORK_FILTER,
	RESOLVE_STEP_ROUTE_CONFIG,
	RESOLVE_STEP_VIRTUAL_HOST,
	RESOLVE_STEP_ROUTE,
	RESOLVE_STEP_ACTION,
	RESOLVE_STEP_CLUSTER,
	RESOLVE_STEP_ENDPOINT,
	RESOLVE_STEP_COUNT
};

/* "listener", "filter_chain", "network_filter", "route_config",
 * "virtual_host", "route", "action", "cluster", "endpoint". */
const char *resolve_step_name(enum resolve_step s);

/* One candidate considered at one step, chosen or rejected, or a fact about
 * the step (verdict RESOLVE_INFO). Strings are borrowed for the callback;
 * expected/actual may not be NUL-terminated: use their lengths. */
enum resolve_verdict { RESOLVE_REJECTED, RESOLVE_CHOSEN, RESOLVE_INFO };

struct resolve_note {
	enum resolve_step step;
	enum resolve_verdict verdict;
	const char *candidate; /* its name ("0.0.0.0_80", a vhost or route name); may be "" */
	int index;             /* its position in its list, or -1 */
	const char *why;       /* a stable reason code, e.g. "prefix", "header_missing" */
	const char *field;     /* the header, parameter or config field concerned, or NULL */
	const char *expected;  /* the configuration's side, or NULL */
	size_t expected_len;
	const char *actual; /* the request's side, or NULL */
	size_t actual_len;
};

typedef void (*resolve_note_fn)(void *ctx, const struct resolve_note *note);

/* ---- Compiled route configurations ------------------------------------- */

struct resolve_routes;

/* Compiling options. */
enum {
	/* As Envoy's router check tool: a runtime_fraction whose default
	 * numerator is 0 becomes 1 (assignRuntimeFraction). */
	RESOLVE_ROUTES_ROUTER_CHECK = 1,
};

/* Compiles the RouteConfiguration tree rc (snake_case or lowerCamel) named
 * source in errors. Returns the compiled table, which the caller frees with
 * resolve_routes_free and which borrows rc (keep its tree alive), or NULL
 * with err naming the place (source:line:col) of the first problem: an
 * invalid regex, a duplicate domain, two "*" domains, a route without a
 * path specifier or action ... */
struct resolve_routes *resolve_routes_compile(const struct node *rc, const char *source,
                                              unsigned flags, struct mesh_error *err);

void resolve_routes_free(struct resolve_routes *rt);

/* Counts for coverage reports: virtual hosts, routes, and "route targets"
 * (a weighted route counts once per cluster, as Envoy's tool counts). */
size_t resolve_routes_vhost_count(const struct resolve_routes *rt);
size_t resolve_routes_route_count(const struct resolve_routes *rt, size_t vhost);
size_t resolve_routes_target_count(const struct resolve_routes *rt);
const char *resolve_routes_vhost_name(const struct resolve_routes *rt, size_t vhost);
const struct node *resolve_routes_route_json(const struct resolve_routes *rt, size_t vhost,
                                             size_t route);

/* ---- Resolvers --------------------------------------------------------- */

/* Per-proxy state: round-robin positions, the seedable random source for
 * RANDOM/LEAST_REQUEST and requests without random_value, and scratch space.
 * It keeps a reference to the last snapshot it resolved through (and that
 * snapshot's index), released by the next snapshot or resolver_free. Use
 * one resolver from one thread at a time. */
struct resolver;

/* A new resolver seeded with seed (the same seed gives the same picks).
 * NULL when memory runs out. */
struct resolver *resolver_new(uint64_t seed);

void resolver_free(struct resolver *r);

/* Reseeds the random source and forgets round-robin positions. */
void resolver_reset(struct resolver *r, uint64_t seed);

/* Routes req through the compiled route configuration rt only (virtual
 * host, route, action): no listener, cluster or endpoint. Fills *out;
 * outcome FORWARDED means a route entry with a cluster name was found.
 * note (may be NULL) hears every candidate. Returns 0, or -1 with err
 * filled for a malformed request. */
int resolve_routes_route(struct resolver *r, const struct resolve_routes *rt,
                         const struct resolve_request *req, struct resolve_result *out,
                         resolve_note_fn note, void *note_ctx, struct mesh_error *err);

/* Replays the resolution that gave prev (same request, same random value)
 * telling note every candidate. Returns as resolve_routes_route. */
int resolve_routes_explain(struct resolver *r, const struct resolve_routes *rt,
                           const struct resolve_request *req, const struct resolve_result *prev,
                           resolve_note_fn note, void *note_ctx, struct mesh_error *err);

/* ---- Snapshots --------------------------------------------------------- */

struct resolve_route_set;
struct resolve_index;

/* The first stage of s's resolution index, built on first use and kept
 * with the snapshot (slot XDS_DERIVED_ROUTES): every route configuration a
 * resolution can reach compiled, the RDS ones (static or active, the first
 * of each name) and those inline in the HTTP connection managers of its
 * listeners, with what Envoy rejects at config time in them checked
 * (regexes compiled, duplicate domains, routes without an action ...).
 * NULL with err filled (source:line:col, route configuration, virtual
 * host, route number) for the first problem. Loading a dump calls it so
 * those errors are reported at load; it costs a fraction of the index. */
const struct resolve_route_set *resolve_route_set_get(struct xds_snapshot *s,
                                                      struct mesh_error *err);

/* The resolution index of s, built on first use and kept with the snapshot
 * (slot XDS_DERIVED_RESOLVE): listeners by address:port, filter chains,
 * clusters and endpoints by name, on top of the route set above (built
 * first if need be, never compiled twice) with routes linked to clusters.
 * NULL with err filled when the snapshot cannot be resolved through (an
 * invalid regex, a duplicate domain, a tcp_proxy without a cluster ...),
 * naming the resource and place. */
const struct resolve_index *resolve_index_get(struct xds_snapshot *s, struct mesh_error *err);

/* Follows req through s. Returns 0 with *out filled (whatever the outcome),
 * or -1 with err filled for a malformed request (no address, port 0 or over
 * 65535, too many headers) or an index error. note (may be NULL) hears every
 * candidate. */
int resolve(struct resolver *r, struct xds_snapshot *s, const struct resolve_request *req,
            struct resolve_result *out, resolve_note_fn note, void *note_ctx,
            struct mesh_error *err);

/* Replays the resolution that gave prev (same request, random value and
 * endpoint pick, without moving round-robin positions), telling note every
 * candidate. Returns as resolve. */
int resolve_explain(struct resolver *r, struct xds_snapshot *s, const struct resolve_request *req,
                    const struct resolve_result *prev, resolve_note_fn note, void *note_ctx,
                    struct mesh_error *err);

/* ---- What the request becomes ------------------------------------------ */

/* A header list built in an arena (finalized request or response headers). */
struct resolve_header_list {
	struct resolve_header *items;
	size_t count, cap;
};

/* The request as it leaves Envoy and the local reply, as the router (and
 * the router check tool) finalize them: header mutations of route, virtual
 * host and route configuration, then host and path rewrites (keeping
 * x-envoy-original-path), or for redirects and direct responses the local
 * reply's headers (content-type, content-length) and Location. */
struct resolve_final {
	struct resolve_header_list request;  /* final request headers, pseudo-headers first */
	struct resolve_header_list response; /* response headers: additional_response, then
	                                        local reply, then mutations */
	const char *path;                    /* final :path, "" when there is no route entry */
	const char *host;                    /* final :authority, "" when there is no route entry */
	const char *location; /* redirect or direct-response URI (newUri), "" when none */
	const char *body;     /* direct response body, NULL when none */
	size_t body_len;
	uint32_t status; /* redirect or direct response code, 0 when none */
};

/* Computes *out for a result of resolve or resolve_routes_route with the
 * same request, allocating in a (released by the caller with the arena).
 * response_seed (may be NULL, count n) seeds the response headers, as the
 * router check tool's additional_response_headers. Returns 0 or -1 when
 * memory runs out. */
int resolve_finalize(const struct resolve_result *res, const struct resolve_request *req,
                     const struct resolve_header *response_seed, size_t n, struct arena *a,
                     struct resolve_final *out);

/* The virtual cluster of res's virtual host that the headers in list match
 * (the first whose header matchers all match; "other" when none does), or
 * NULL when the virtual host has no virtual clusters or res has none. The
 * router check tool asks with the finalized request headers. */
const char *resolve_virtual_cluster(const struct resolve_result *res,
                                    const struct resolve_header_list *list);

/* The header named name in list (case-insensitive): all its values joined
 * with ",", in arena a; NULL when absent. */
const char *resolve_header_list_get(const struct resolve_header_list *list, const char *name,
                                    struct arena *a);

/* Envoy's HeaderMatcher (a tree of config/route/v3 HeaderMatcher) applied to
 * list, as the router check tool validates headers. Returns 1 (matches), 0
 * (does not), or -1 with err when the matcher is malformed (a bad regex). */
int resolve_header_matcher_eval(const struct node *matcher, const struct resolve_header_list *list,
                                const char *source, struct mesh_error *err);

/* xxHash64 of len bytes with seed, as Envoy's HashUtil::xxHash64. */
uint64_t resolve_xxhash64(const void *data, size_t len, uint64_t seed);

#endif
