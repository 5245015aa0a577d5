/* The resolution engine's private structures, shared by the files of
 * src/resolve/: compiled matchers, route configurations, listeners, clusters
 * and the resolver's scratch state. Everything compiled lives in an arena
 * owned by its route table or snapshot index; PCRE2 codes are chained on a
 * list their owner frees. Nothing here allocates while resolving. */
#ifndef MESHLUA_RESOLVE_INT_H
#define MESHLUA_RESOLVE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "meshlua/arena.h"
#include "meshlua/error.h"
#include "meshlua/node.h"
#include "meshlua/resolve.h"
#include "meshlua/xds.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

/* ---- compiling context ---- */

struct rs_regex {
	struct pcre2_real_code_8 *code;
	const char *pattern;
	struct rs_regex *next; /* the owner's list, freed with rs_regex_free_all */
};

/* What every compile function needs: where to allocate, whom to blame. */
struct rs_build {
	struct arena *arena;
	struct rs_regex **regexes; /* the owner's list head */
	const char *source;        /* input name for errors */
	struct mesh_error *err;
	unsigned flags; /* RESOLVE_ROUTES_* */
	/* What is being compiled, prefixed to messages: "listener \"x\"",
	 * "route configuration \"80\", virtual host \"a\", route 2". */
	char where[384];
	/* The snapshot's compiled route configurations, where listeners find
	 * their inline ones (index build); NULL: compile them in place. */
	const struct resolve_route_set *routes;
};

/* A resource resolution takes: static or dynamic active (warming and
 * draining ones do not serve). */
static inline int rs_serving(const struct xds_resource *r)
{
	return r->state == XDS_STATIC || r->state == XDS_DYNAMIC_ACTIVE;
}

/* Sets b->where (printf-style); "" clears it. */
void rs_where(struct rs_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fills err with the place of n (source:line:col) and a message; returns -1. */
int rs_fail(struct rs_build *b, const struct node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Small readers over node trees (proto JSON in either field-name form). */
const char *rs_text(const struct node *msg, const char *field); /* NULL when absent */
int rs_bool(const struct node *msg, const char *field, int dflt);
/* A uint32 field or a wrapper {"value": n}; dflt when absent. -1 on error. */
int rs_uint(struct rs_build *b, const struct node *msg, const char *field, uint64_t dflt,
            uint64_t max, uint64_t *out);
/* Lowercased copy in the arena. */
char *rs_lower_dup(struct arena *a, const char *s, size_t len);

/* ---- regexes (regex.c) ---- */

/* Compiles an RE2-style pattern for full matching. Returns NULL with err
 * (placed at n) when PCRE2 refuses it or it uses what RE2 lacks
 * (backreferences, lookaround). */
struct rs_regex *rs_regex_compile(struct rs_build *b, const struct node *n, const char *pattern);
/* 1 when the whole of s[0..len) matches. */
int rs_regex_full(const struct rs_regex *re, const char *s, size_t len,
                  struct pcre2_real_match_data_8 *md);
/* Replaces every match in s with subst (\1 style groups), into out (NUL
 * terminated, in arena a). Returns 0 or -1. */
int rs_regex_replace_all(const struct rs_regex *re, const char *s, size_t len, const char *subst,
                         struct arena *a, char **out);
void rs_regex_free_all(struct rs_regex *list);
/* An unanchored regex, for replacement (regex_rewrite, host_rewrite_path_regex). */
struct rs_regex *rs_regex_compile_search(struct rs_build *b, const struct node *n,
                                         const char *pattern);
/* Match data for rs_regex_full (one per resolver). */
struct pcre2_real_match_data_8 *rs_match_data_new(void);
void rs_match_data_free(struct pcre2_real_match_data_8 *md);

/* ---- string tables (strtab.c): arena-backed, keys compared exactly;
 * lookups may lowercase on the fly. ---- */

#define RS_INLINE_KEY 36

/* One cache line: a key of up to RS_INLINE_KEY bytes is verified without
 * leaving it (domains usually are that short). */
struct rs_strtab_slot {
	uint64_t hash;
	void *value;
	const char *key;
	uint32_t len;
	char inline_key[RS_INLINE_KEY];
};

struct rs_strtab {
	struct rs_strtab_slot *slots;
	size_t mask; /* capacity - 1; slots NULL when empty */
	size_t count;
};

/* A table from 64-bit integers to non-NULL pointers. */
struct rs_intslot {
	uint64_t key;
	void *value;
};

struct rs_inttab {
	struct rs_intslot *slots;
	size_t mask;
};

int rs_inttab_init(struct rs_inttab *t, struct arena *a, size_t n);
/* Returns 0, or 1 when key was there already (nothing changes). */
int rs_inttab_put(struct rs_inttab *t, uint64_t key, void *value);
void *rs_inttab_get(const struct rs_inttab *t, uint64_t key);

uint64_t rs_hash(const char *s, size_t len);
uint64_t rs_hash_lower(const char *s, size_t len);
/* Sizes t for n keys. Returns 0 or -1 (memory). */
int rs_strtab_init(struct rs_strtab *t, struct arena *a, size_t n);
/* Inserts key (not copied); returns the existing value when key was already
 * there (then nothing changes), else NULL. */
void *rs_strtab_put(struct rs_strtab *t, const char *key, size_t len, void *value);
void *rs_strtab_get(const struct rs_strtab *t, const char *key, size_t len);
/* Lookup of key lowercased (the table's keys are lowercase). */
void *rs_strtab_get_lower(const struct rs_strtab *t, const char *key, size_t len);

/* ---- request header view (headers.c) ---- */

#define RS_MAX_VIEW_HEADERS (RESOLVE_MAX_HEADERS + 8)

/* The request's headers as Envoy's header map sees them: pseudo-headers,
 * x-forwarded-proto, x-envoy-internal, then the additional ones. */
struct rs_hview {
	const char *name[RS_MAX_VIEW_HEADERS];
	const char *value[RS_MAX_VIEW_HEADERS];
	size_t len[RS_MAX_VIEW_HEADERS]; /* SIZE_MAX: not measured yet (rs_hview_len) */
	size_t count;
};

struct rs_scratch {
	struct pcre2_real_match_data_8 *md;
	char *buf; /* joined header values */
	size_t cap;
};

void rs_hview_build(struct rs_hview *h, const struct resolve_request *req, const char *authority,
                    size_t authority_len, const char *path);
/* The value of header name: a single value directly, several joined with
 * "," in scratch. Returns 1 and sets v and len when present, 0 when absent. */
int rs_hview_get(const struct rs_hview *h, struct rs_scratch *s, const char *name, const char **v,
                 size_t *len);
/* The length of the i-th value (computed on first need). */
size_t rs_hview_len(const struct rs_hview *h, size_t i);

/* ---- matchers (matchers.c) ---- */

enum rs_sm_kind { SM_EXACT, SM_PREFIX, SM_SUFFIX, SM_CONTAINS, SM_REGEX };

struct rs_strmatch {
	enum rs_sm_kind kind;
	const char *value;
	size_t len;
	int ignore_case;
	struct rs_regex *re;
};

enum rs_hm_kind {
	HM_PRESENT_ONLY, /* no specifier: presence */
	HM_PRESENT,      /* present_match: bool */
	HM_EXACT,        /* exact_match (deprecated) */
	HM_REGEX,        /* safe_regex_match */
	HM_RANGE,
	HM_PREFIX,
	HM_SUFFIX,
	HM_CONTAINS,
	HM_STRING /* string_match */
};

struct rs_header_matcher {
	const char *name; /* lowercase */
	enum rs_hm_kind kind;
	int present;
	int64_t range_start, range_end;
	struct rs_strmatch sm; /* exact/prefix/suffix/contains/regex/string */
	int invert;
	int missing_as_empty;
	const char *kind_name; /* "exact_match", "string_match.exact" ... */
	const char *expected;  /* the configured value as text, for notes */
};

struct rs_query_matcher {
	const char *name;
	int has_sm;
	struct rs_strmatch sm;
	int present; /* -1: not set; present_match value otherwise */
	const char *expected;
};

int rs_strmatch_compile(struct rs_build *b, const struct node *n, struct rs_strmatch *out,
                        const char **expected_text);
int rs_strmatch_eval(const struct rs_strmatch *m, const char *v, size_t len, struct rs_scratch *s);
int rs_header_matcher_compile(struct rs_build *b, const struct node *n,
                              struct rs_header_matcher *out);
int rs_header_matchers_compile(struct rs_build *b, const struct node *list,
                               struct rs_header_matcher **out, size_t *count);
/* Evaluates m against the header view. *why (may be NULL) gets a reason
 * code when it fails: "header_missing", "header_value", "header_present". */
int rs_header_matcher_eval(const struct rs_header_matcher *m, const struct rs_hview *h,
                           struct rs_scratch *s, const char **why, const char **actual,
                           size_t *actual_len);
int rs_query_matcher_compile(struct rs_build *b, const struct node *n,
                             struct rs_query_matcher *out);
/* The first value of key in the query of path (not decoded). */
int rs_query_get(const char *path, size_t path_len, const char *key, const char **v, size_t *len);

/* ---- route configurations (route_compile.c) ---- */

enum rs_path_kind { PK_PREFIX, PK_PATH, PK_REGEX, PK_SEP_PREFIX, PK_CONNECT, PK_TEMPLATE };

enum rs_action {
	ACT_CLUSTER,
	ACT_CLUSTER_HEADER,
	ACT_WEIGHTED,
	ACT_PLUGIN, /* cluster_specifier_plugin: not modelled */
	ACT_REDIRECT,
	ACT_DIRECT,
	ACT_NON_FORWARDING
};

enum rs_append { AP_APPEND, AP_ADD_IF_ABSENT, AP_OVERWRITE_OR_ADD, AP_OVERWRITE_IF_EXISTS };

struct rs_header_add {
	const char *key; /* lowercase */
	const char *value;
	enum rs_append append;
	int keep_empty;
};

struct rs_mutations {
	struct rs_header_add *add;
	size_t add_count;
	const char **remove; /* lowercase */
	size_t remove_count;
};

enum rs_hash_kind { HP_HEADER, HP_COOKIE, HP_SOURCE_IP, HP_QUERY, HP_FILTER_STATE, HP_OTHER };

struct rs_hash_policy {
	enum rs_hash_kind kind;
	const char *name; /* header (lowercase), cookie, query parameter, filter state key */
	int terminal;
	struct rs_regex *rewrite;
	const char *rewrite_subst;
};

struct rs_weight {
	const char *name; /* may be "" with cluster_header */
	const char *cluster_header;
	uint64_t weight;
	const char *host_rewrite;
	struct rs_mutations req_mut, resp_mut;
	const struct node *json;
	struct rs_cluster *cluster; /* resolved in a snapshot index, else NULL */
};

struct rs_vhost;

struct rs_route {
	/* What every request that reaches the route reads comes first: the
	 * route is one or two cache lines away from a miss. */
	enum rs_path_kind path_kind;
	enum rs_action action;
	int case_sensitive;
	int has_runtime, grpc, needs_metadata;
	int tls_presented, tls_validated; /* -1 when not required */
	const char *path_value;
	size_t path_len;
	size_t header_count, query_count, hash_count;
	const char *cluster;
	size_t cluster_len;
	struct rs_cluster *cluster_ref;
	char path_inline[24]; /* path_value when short: no miss to read it */
	/* the rest of the match */
	int index;
	const char *name; /* "" when unnamed */
	const struct node *json;
	const struct rs_vhost *vhost;
	struct rs_regex *path_re;
	const char *runtime_key;
	uint64_t numerator, denominator;
	struct rs_header_matcher *headers;
	struct rs_query_matcher *query;
	/* the rest of the action */
	const char *cluster_header; /* lowercase */
	struct rs_weight *weights;
	size_t weight_count;
	uint64_t total_weight;
	const char *weight_header; /* weighted_clusters.header_name */
	int weight_use_hash;
	uint32_t not_found_code;
	/* rewrites */
	const char *prefix_rewrite;
	struct rs_regex *regex_rewrite;
	const char *regex_subst;
	const char *host_rewrite;
	const char *host_rewrite_header;
	struct rs_regex *host_rewrite_re;
	const char *host_rewrite_subst;
	int auto_host_rewrite;
	/* redirect */
	const char *r_scheme, *r_host, *r_path, *r_prefix;
	const char *r_port; /* ":8080" or "" */
	struct rs_regex *r_regex;
	const char *r_regex_subst;
	int r_https, r_strip_query, r_path_has_query;
	uint32_t r_code;
	/* direct response */
	uint32_t d_status;
	const char *d_body;
	size_t d_body_len;
	int d_has_body;
	/* carried in traces */
	const struct node *timeout, *retry_policy;
	struct rs_hash_policy *hash;
	struct rs_mutations req_mut, resp_mut;
};

struct rs_vcluster {
	const char *name;
	struct rs_header_matcher *headers;
	size_t header_count;
};

struct rs_route_config;

struct rs_vhost {
	/* what routing reads first */
	struct rs_route *routes;
	size_t route_count;
	int require_tls; /* 0 NONE, 1 EXTERNAL_ONLY, 2 ALL */
	int has_matcher; /* a `matcher` instead of routes: not modelled */
	size_t vcluster_count;
	const char *name;
	int index;
	const struct node *json;
	const struct rs_route_config *rc;
	const struct node *domains; /* the list as configured */
	struct rs_vcluster *vclusters;
	const struct node *retry_policy;
	struct rs_mutations req_mut, resp_mut;
};

struct rs_wild {
	size_t len; /* of the stored part ("*.foo.com" stores ".foo.com") */
	struct rs_strtab tab;
};

struct rs_route_config {
	const char *name;
	const char *label; /* "route configuration \"80\"" for messages */
	const struct node *json;
	struct rs_vhost **vhosts; /* each allocated with its routes */
	size_t vhost_count;
	struct rs_strtab exact;
	struct rs_wild *suffixes, *prefixes; /* by length, longest first */
	size_t suffix_count, prefix_count;
	struct rs_vhost *default_vhost;
	const char *vhost_header; /* lowercase, or NULL */
	int ignore_port;
	int most_specific_wins;
	int ignore_path_params;
	struct rs_mutations req_mut, resp_mut;
	size_t targets; /* coverage count */
};

/* Compiles rc into *out (zeroed by the caller). Returns 0 or -1. */
int rs_route_config_compile(struct rs_build *b, const struct node *rc, struct rs_route_config *out);

/* ---- a snapshot's route configurations (route_set.c) ---- */

/* The first stage of a snapshot's resolution index (slot
 * XDS_DERIVED_ROUTES): every route configuration a resolution can reach,
 * compiled. The index (index.c) links their routes to its clusters once,
 * while it is built under the snapshot's lock; nothing else writes them. */
struct resolve_route_set {
	struct arena arena;
	struct rs_regex *regexes;
	struct rs_route_config *rcs; /* RDS: serving, the first of each name, in dump order */
	size_t rc_count;
	struct rs_strtab rc_by_name;
	struct rs_inttab inline_by_node; /* an HCM's route_config node (its address) ->
	                                  * its compiled struct rs_route_config */
};

/* The route set of s, built on first use; NULL with err filled. */
struct resolve_route_set *rs_route_set_get(struct xds_snapshot *s, struct mesh_error *err);
/* The compiled form of the route configuration rc found inline in an HCM
 * of an indexed listener, or NULL. */
struct rs_route_config *rs_route_set_inline(const struct resolve_route_set *set,
                                            const struct node *rc);

/* ---- matching (vhost_match.c, route_match.c, route_action.c) ---- */

struct rs_ctx {
	const struct resolve_request *req;
	struct rs_hview h;
	struct rs_scratch *scratch;
	struct resolver *resolver;
	const char *full_path; /* :path as routed (normalized), with the query; NULL: absent */
	const char *path;      /* the path matched: no query, fragment (or ;params) */
	size_t path_len;
	resolve_note_fn note;
	void *note_ctx;
	uint64_t random_value;
	const struct resolve_result *replay; /* explaining an earlier resolution */
};

void rs_note_emit(struct rs_ctx *c, enum resolve_step step, enum resolve_verdict v,
                  const char *candidate, int index, const char *why, const char *field,
                  const char *expected, size_t expected_len, const char *actual, size_t actual_len);
/* Tells the note callback, if any; the arguments are not even evaluated
 * when nobody listens, so the hot path pays nothing for explanations. */
#define rs_note(c, ...) ((c)->note ? rs_note_emit((c), __VA_ARGS__) : (void)0)

/* Where the port of a Host value starts (":80"), or len when it has none. */
size_t rs_port_start(const char *h, size_t len);

/* The virtual host for authority (exact, longest suffix, longest prefix,
 * default), or NULL. */
const struct rs_vhost *rs_vhost_find(struct rs_ctx *c, const struct rs_route_config *rc,
                                     const char *authority, size_t len);

/* Routes through rc: vhost, require_tls, first matching route, action
 * (cluster name or pick). Fills out's HTTP fields and outcome (FORWARDED
 * means a cluster name is known). */
void rs_route_request(struct rs_ctx *c, const struct rs_route_config *rc,
                      struct resolve_result *out);

/* 1 when route r matches the request. */
int rs_route_matches(struct rs_ctx *c, const struct rs_route *r);

/* Applies r's action: cluster, cluster_header, weighted pick, redirect,
 * direct response. */
void rs_route_action(struct rs_ctx *c, const struct rs_route *r, struct resolve_result *out);

/* The hash of the route's hash policy for the request; 0 with *has = 0 when
 * no policy yields one. */
uint64_t rs_route_hash(struct rs_ctx *c, const struct rs_route *r, int *has);

/* Checks req and prepares c for one resolution (random value drawn from r
 * unless the request fixes it). Returns 0, or -1 with err filled. */
int rs_ctx_init(struct rs_ctx *c, struct resolver *r, const struct resolve_request *req,
                const struct resolve_result *replay, resolve_note_fn note, void *note_ctx,
                struct mesh_error *err);
/* Empties a result: no outcome fields, indexes -1. */
void rs_result_init(struct resolve_result *out);

/* ---- listeners (listener.c) ---- */

struct rs_cidr {
	unsigned char addr[16];
	int v6;
	unsigned len;
};

/* A parsed IP address of a request (destination or source). */
struct rs_ip {
	unsigned char addr[16];
	int v6;
	int valid;
};

int rs_ip_parse(const char *s, struct rs_ip *out);
/* The prefix length by which c covers ip, or -1 when it does not. */
int rs_cidr_match(const struct rs_cidr *c, const struct rs_ip *ip);
/* ip as text ("10.0.0.1", "::1") in buf, or "(none)" when it is not valid. */
void rs_ip_text(const struct rs_ip *ip, char *buf, size_t cap);
/* Whether ip is a loopback address (127.0.0.0/8 or ::1). */
int rs_ip_loopback(const struct rs_ip *ip);

enum rs_chain_kind { CHAIN_HCM, CHAIN_TCP, CHAIN_OTHER };

struct rs_cluster;

struct rs_chain {
	int index; /* -1 for default_filter_chain */
	const char *name;
	const struct node *json;
	/* filter_chain_match */
	uint32_t dest_port; /* 0: any */
	struct rs_cidr *dest;
	size_t dest_count;
	const char **server_names; /* lowercase; "*.x" kept as ".x" */
	size_t sn_count;
	const char *transport; /* NULL: any */
	const char **alpn;
	size_t alpn_count;
	struct rs_cidr *direct_src;
	size_t direct_src_count;
	int source_type; /* 0 ANY, 1 SAME_IP_OR_LOOPBACK, 2 EXTERNAL */
	struct rs_cidr *src;
	size_t src_count;
	uint32_t *src_ports;
	size_t src_port_count;
	/* terminal network filter */
	enum rs_chain_kind kind;
	const char *filter_name;
	const struct node *filter_json;
	struct rs_route_config *inline_rc;
	const char *rds_name;
	const struct rs_route_config *rc; /* inline or RDS; NULL when RDS is missing */
	int strip_any_port, strip_matching_port, strip_trailing_dot;
	int normalize_path, merge_slashes;
	int terminates_tls; /* a DownstreamTlsContext transport socket */
	/* tcp_proxy */
	const char *tcp_cluster;
	struct rs_weight *tcp_weights;
	size_t tcp_weight_count;
	uint64_t tcp_total;
};

struct rs_listener {
	const char *name;
	const struct node *json;
	const char *address;
	uint32_t port;
	int use_original_dst;
	int tls_inspector, http_inspector;
	struct rs_chain *chains;
	size_t chain_count;
	struct rs_chain *default_chain;
	const struct node *chain_matcher; /* filter_chain_matcher, evaluated on the tree */
	/* Which filter_chain_match levels any chain uses: a level no chain
	 * uses keeps every candidate, so it is skipped. */
	unsigned levels;
};

enum {
	LEVEL_PORT = 1 << 0,
	LEVEL_DEST = 1 << 1,
	LEVEL_SNI = 1 << 2,
	LEVEL_TRANSPORT = 1 << 3,
	LEVEL_ALPN = 1 << 4,
	LEVEL_DIRECT_SRC = 1 << 5,
	LEVEL_SOURCE_TYPE = 1 << 6,
	LEVEL_SRC = 1 << 7,
	LEVEL_SRC_PORT = 1 << 8,
};

struct rs_index;

/* Compiles listener n. The route configurations inline in its HCMs come
 * from b->routes when it has them, else are compiled here. */
int rs_listener_compile(struct rs_build *b, const struct node *n, const char *name,
                        struct rs_listener *out);
/* What a network filter is to chain selection: an HTTP connection manager,
 * a TCP proxy (by name or typed_config @type), or something else. A
 * chain's terminal filter is its first HCM or TCP proxy. */
enum rs_chain_kind rs_filter_kind(const struct node *filter);
/* Sets b->where to "listener \"x\", filter chain N" (index from 0) or
 * "listener \"x\", default_filter_chain" (index -1). */
void rs_where_chain(struct rs_build *b, const char *listener, int index);
/* Calls fn(ctx, rc, name, index) for the route configuration inline in the
 * terminal HCM of each of listener n's filter chains (index from 0), then
 * of its default_filter_chain (index -1): the chains rs_listener_compile
 * compiles, in its order. Stops at the first fn that returns -1 and
 * returns -1; else 0. */
int rs_listener_inline_rcs(const struct node *n, const char *name,
                           int (*fn)(void *ctx, const struct node *rc, const char *listener,
                                     int index),
                           void *ctx);
/* The filter chain of l for the connection of c, or NULL (connection
 * closed). Uses the resolver's candidate scratch. */
const struct rs_chain *rs_chain_select(struct rs_ctx *c, const struct rs_listener *l,
                                       const struct rs_ip *dst, const struct rs_ip *src);
/* The @type of n's typed_config, or "" (never NULL). */
const char *rs_type_url(const struct node *n);
/* Whether s ends with suffix. */
int rs_ends_with(const char *s, const char *suffix);
/* The transport protocol the listener filters of l detect for the request
 * of c: "tls" or "raw_buffer". */
const char *rs_detected_transport(const struct rs_ctx *c, const struct rs_listener *l);
/* The application protocols the listener filters of l detect for the
 * request of c: sets *out (static or the request's, not owned) and returns
 * how many, 0 when none is detected. */
size_t rs_detected_alpn(const struct rs_ctx *c, const struct rs_listener *l,
                        const char *const **out);

/* ---- filter_chain_matcher (chain_matcher.c) ---- */

/* The chain name the action of l->chain_matcher gives the connection of c
 * (destination dst, source src), or NULL when it matches nothing. The name
 * points into l's JSON. */
const char *rs_chain_matcher_eval(const struct rs_ctx *c, const struct rs_listener *l,
                                  const struct rs_ip *dst, const struct rs_ip *src);

/* ---- clusters and endpoints (cluster.c, lb.c) ---- */

enum rs_health { EP_HEALTHY, EP_DEGRADED, EP_UNHEALTHY, EP_EXCLUDED };

struct rs_endpoint {
	const char *address;
	uint32_t port;
	const char *hash_key; /* "ip:port", envoy.lb hash_key metadata, or hostname */
	uint32_t weight;
	enum rs_health health;
	const struct node *json; /* the LbEndpoint */
	int locality;            /* index in its priority */
	int index;               /* index in its locality */
};

struct rs_locality {
	const struct node *json;
	uint32_t weight;
	struct rs_endpoint *eps;
	size_t count;
	size_t healthy, degraded, eligible; /* eligible: not excluded */
};

struct rs_ring_entry {
	uint64_t hash;
	const struct rs_endpoint *ep;
};

struct rs_priority {
	struct rs_locality *locs;
	size_t loc_count;
	size_t total, healthy, degraded; /* total: not excluded */
	const struct rs_endpoint **all, **healthy_eps, **degraded_eps;
	uint32_t healthy_load, degraded_load; /* percent */
	int panic;
	int equal_weights;
	struct rs_ring_entry *ring; /* RING_HASH */
	size_t ring_size;
	const struct rs_endpoint **maglev; /* MAGLEV */
	uint64_t maglev_size;
	/* Locality weighted clusters: where this priority's two locality
	 * schedulers live in the resolver (healthy: edf, degraded: edf + 1)
	 * and their entries (healthy: edf_slot, degraded: edf_slot +
	 * loc_count). Set by the index (rs_index_edf_slots). */
	size_t edf, edf_slot;
};

enum rs_cluster_type {
	CT_STATIC,
	CT_STRICT_DNS,
	CT_LOGICAL_DNS,
	CT_EDS,
	CT_ORIGINAL_DST,
	CT_OTHER
};
enum rs_lb {
	LB_ROUND_ROBIN,
	LB_LEAST_REQUEST,
	LB_RANDOM,
	LB_RING_HASH,
	LB_MAGLEV,
	LB_CLUSTER_PROVIDED
};

#define RS_FAST_EPS 3

/* What a pick reports of an endpoint (set_endpoint), copied into its
 * cluster for the fast case so that the pick reads no endpoint. */
struct rs_fast_ep {
	const char *address;
	const struct node *json;
	uint32_t port;
	int32_t locality, index;
};

struct rs_cluster {
	/* Read by every pick, in the first cache lines. fast: a single
	 * priority that takes all the load, not in panic, equal weights, no
	 * locality choice, ROUND_ROBIN, LEAST_REQUEST or RANDOM, and at most
	 * RS_FAST_EPS healthy hosts, copied here: the pick reads nothing else. */
	enum rs_cluster_type type;
	enum rs_lb lb;
	int endpoints_known; /* 0: the snapshot carries no endpoints for it */
	int blackhole;       /* Istio's BlackHoleCluster: connections are dropped */
	int fast;
	uint32_t fast_n;
	uint32_t choice_count;
	size_t index;
	const struct node *json;
	const char *type_name;
	const char *lb_name;
	struct rs_fast_ep fast_eps[RS_FAST_EPS];
	/* the general case */
	int locality_weighted;
	struct rs_priority *prios;
	size_t prio_count;
	const char *name;
	/* the rest */
	const struct node *cla; /* ClusterLoadAssignment used, NULL when none */
	int use_http_header;    /* ORIGINAL_DST: x-envoy-original-dst-host */
	uint32_t overprovisioning;
	uint32_t panic_threshold;
	uint64_t ring_min, ring_max;
	int use_hostname;
	int total_panic;
};

/* Compiles cluster n with its endpoints (cla may be NULL), priorities,
 * loads, panic flags and hash tables. */
int rs_cluster_compile(struct rs_build *b, const struct node *n, const char *name,
                       const struct node *cla, int endpoints_known, struct rs_cluster *out);

/* Picks the endpoint of cluster cl for the request (hash: the route's hash
 * policy or the request's hash_key). Fills out's endpoint fields and
 * outcome. rr: the cluster's round-robin position in the resolver. */
void rs_endpoint_pick(struct rs_ctx *c, const struct rs_cluster *cl, int has_hash, uint64_t hash,
                      struct resolve_result *out);

/* ---- the resolver ---- */

/* One locality scheduler (lb.c): Envoy's EdfScheduler over the localities
 * of a priority with a positive effective weight. state: 0 not built yet,
 * 1 built, 2 built empty (no locality has an effective weight). */
struct rs_edf {
	double now;
	uint64_t order; /* the next insertion's tie breaker */
	int state;
};

/* A locality in its scheduler; weight 0: not in it. */
struct rs_edf_entry {
	double deadline;
	double weight;
	uint64_t order;
};

struct resolver {
	uint64_t seed;
	uint64_t rng; /* xorshift state */
	struct rs_scratch scratch;
	const void *lb_owner;              /* the index whose clusters the positions belong to */
	struct xds_snapshot *snap;         /* the last snapshot resolved through (a reference) */
	const struct resolve_index *index; /* its index */
	uint64_t *rr;                      /* round-robin position per cluster */
	uint64_t *active; /* (LEAST_REQUEST) active requests per endpoint: always 0 */
	size_t rr_count;
	uint32_t *cand; /* filter chain candidates */
	size_t cand_cap;
	struct rs_edf *edf; /* locality schedulers per cluster, priority, healthy/degraded */
	size_t edf_count;
	struct rs_edf_entry *edf_e; /* their entries */
	size_t edf_e_count;
	char path_buf[2048]; /* the normalized path */
};

uint64_t rs_random(struct resolver *r);
/* Makes room for the round-robin positions of clusters clusters, chains
 * chain candidates, and edf locality schedulers with edf_entries entries
 * of index owner; resets positions and schedulers when owner changed.
 * Returns 0 or -1 (memory). */
int rs_resolver_prepare(struct resolver *r, const void *owner, size_t clusters, size_t chains,
                        size_t edf, size_t edf_entries);

/* Case-insensitive equality of two byte ranges. */
int rs_ieq(const char *a, size_t alen, const char *b, size_t blen);

#endif
