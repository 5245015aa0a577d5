/* Internal to the admin interface (src/net/admin*.c): the shared state and
 * the handlers of each page family. */
#ifndef MESHLUA_NET_ADMIN_INT_H
#define MESHLUA_NET_ADMIN_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "meshlua/admin.h"

/* A rendered /config_dump answer, kept while its snapshot is served: the
 * snapshot is immutable, so the same query gives the same bytes. */
struct admin_dump_cache {
	struct xds_snapshot *snap; /* one reference; NULL: empty slot */
	char *key;                 /* the query parameters that matter */
	struct http_body *body;    /* one reference */
	int status;
	const char *content_type;
};

#define ADMIN_DUMP_CACHE 4

struct admin {
	pthread_mutex_t lock;      /* guards snap and the dump cache */
	struct xds_snapshot *snap; /* one reference */
	struct admin_stats *stats; /* one reference */
	char *name;
	char *envoy_version;
	time_t started; /* for uptime */
	struct admin_dump_cache cache[ADMIN_DUMP_CACHE];
	unsigned cache_next; /* the slot to replace next */
};

/* Frees the cached answers (with the lock held or at the end). */
void admin_dump_cache_clear(struct admin *a);

/* One counted statistic as the pages print it. Strings live as long as the
 * stats they came from. */
struct admin_stat_value {
	const char *name;   /* Envoy's flat name: "cluster.X.upstream_rq_total" */
	const char *family; /* Prometheus name: "envoy_cluster_upstream_rq_total" */
	const char *labels; /* Prometheus labels: `envoy_cluster_name="X"`; "" when none */
	uint64_t value;
	int gauge;  /* 0: counter */
	int hidden; /* per-host stats: /clusters only, not /stats */
};

/* The counted statistics now, in no order, as a malloc'd array of *n
 * (free() it; the strings stay owned by st). NULL with *n 0 when none or
 * out of memory. */
struct admin_stat_value *admin_stats_copy(struct admin_stats *st, size_t *n);

/* Receives one counter a request shape bumps: its flat name, Prometheus
 * family and labels ("" for hidden ones), hidden (per-host). Strings are
 * borrowed for the call. Returns 0, or nonzero to stop. */
typedef int (*admin_stat_name_fn)(void *ctx, const char *name, const char *family,
                                  const char *labels, int hidden);

/* Calls fn for each counter a request like rec bumps, in a fixed order, at
 * most ADMIN_STATS_MAX_BUMPS times (admin_stats_names.c). Returns 0, -1
 * when out of memory, or what fn returned when nonzero. */
int admin_stats_names(const struct admin_request_record *rec, admin_stat_name_fn fn, void *ctx);

#define ADMIN_STATS_MAX_BUMPS 14 /* 1 listener, 5 http, 5 cluster, 3 host */

/* The per-host counter stat ("rq_total", "rq_success", "rq_error",
 * "cx_total") of host in cluster. */
uint64_t admin_stats_host(struct admin_stats *st, const char *cluster, const char *host,
                          const char *stat);

/* Handlers by page family. snap is a reference held for the call. */
void admin_page_clusters(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                         struct http_response *resp);
void admin_page_listeners(struct admin *a, struct xds_snapshot *snap,
                          const struct http_request *req, struct http_response *resp);
void admin_page_config_dump(struct admin *a, struct xds_snapshot *snap,
                            const struct http_request *req, struct http_response *resp);
void admin_page_stats(struct admin *a, struct xds_snapshot *snap, const struct http_request *req,
                      struct http_response *resp, int prometheus);
void admin_page_server_info(struct admin *a, struct xds_snapshot *snap,
                            const struct http_request *req, struct http_response *resp);

struct jsonw;
/* Ends a JSON page written with w into resp->body: the newline protobuf's
 * printer adds after the top value, status 200, application/json; or a
 * 500 when w failed or memory ran out. */
void admin_json_done(struct jsonw *w, struct http_response *resp);

/* Helpers over config trees shared by the pages. */

/* 1 when r is served (static or active; not warming or draining). */
int admin_resource_live(const struct xds_resource *r);

/* The "ip:port" of an envoy.config.core.v3.Address (socket_address) into
 * buf; 0, or -1 when addr has no socket address. Also sets *ip, *port when
 * not NULL (ip borrowed from the tree). */
int admin_socket_address(const struct node *addr, char *buf, size_t cap, const char **ip,
                         long long *port);

/* The HTTP connection managers' stat_prefix values of listener l, each
 * passed to fn. */
void admin_listener_stat_prefixes(const struct node *listener,
                                  void (*fn)(void *arg, const char *prefix), void *arg);

/* The hosts of cluster c: its ClusterLoadAssignment (EDS from snap, else
 * the cluster's own load_assignment), or NULL. */
const struct node *admin_cluster_assignment(struct xds_snapshot *snap, const struct node *c);

#endif
