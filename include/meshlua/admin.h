/* admin: the Envoy admin interface of one proxy, served from C (Envoy's
 * formats: ../shared/reference/envoy.md section 1). The server thread
 * reads a snapshot reference that the Lua side swaps when the proxy is
 * pushed a new configuration (admin_set_snapshot), and per-proxy counters
 * (struct admin_stats) that grow as requests are resolved through the proxy.
 * Never touches Lua or the mesh store. */
#ifndef MESHLUA_ADMIN_H
#define MESHLUA_ADMIN_H

#include <stdint.h>

#include "meshlua/server.h"
#include "meshlua/xds.h"

/* ---- per-proxy statistics ------------------------------------------------ */

/* Counters of one proxy, shared by the Lua proxy and any admin server of it:
 * reference-counted, thread-safe (writers: the Lua thread, or any; readers:
 * the server threads). Counting is by request shape: counting a request
 * adds one to its shape's pending count, and the named counters are brought
 * up to date from the pending counts whenever they are read, so a reader
 * always sees every request counted before it. */
struct admin_stats;

/* What one request resolved through the proxy did, as the resolution engine
 * tells it. Strings are borrowed for the call. */
struct admin_request_record {
	const char *listener;    /* the listener's stat name, its address as ip_port
	                          * ("0.0.0.0_80"); NULL when none matched */
	const char *stat_prefix; /* the HTTP connection manager's stat_prefix
	                          * ("outbound_0.0.0.0_80"); NULL for TCP proxying */
	const char *cluster;     /* the upstream cluster; NULL when none (NR, NC, redirect,
	                          * direct response) */
	const char *host;        /* the chosen endpoint "10.42.1.28:3000"; NULL when none */
	int status;              /* the HTTP status Envoy answers: 200, 404, 503 ...; 0 for
	                          * TCP */
	const char *flags;       /* Envoy response flags: "NR", "NC", "UH", "" or NULL */
};

/* A new set of counters, all zero, with one reference. NULL when out of memory. */
struct admin_stats *admin_stats_new(void);

void admin_stats_ref(struct admin_stats *st);

/* Drops a reference; the last frees. NULL is ignored. */
void admin_stats_unref(struct admin_stats *st);

/* Counts one request: downstream counters of the listener and connection
 * manager, upstream counters of the cluster and host, and the error
 * counters of the response flags (no_route, no_cluster,
 * upstream_cx_none_healthy). Returns 0, or -1 when memory runs out
 * (nothing counted). */
int admin_stats_record(struct admin_stats *st, const struct admin_request_record *rec);

/* A request shape as the writer knows it: pointers into one snapshot (its
 * nodes or strings; NULL for none) and small values. What they mean is the
 * writer's choice, as long as equal keys in one snapshot always stand for
 * the same admin_request_record. where and how should take few distinct
 * values (the listener and filter chain; the status and flags): they are
 * kept in a small table of their own, so that the table of whole keys
 * stays small (what: the cluster and endpoint, of which there are many). */
struct admin_stats_key {
	const void *where[2];
	uint64_t how[2];
	const void *what[2];
};

/* Fills rec (its strings in the caller's buffers, valid until the counting
 * call returns) for the shape of a key seen for the first time. Called
 * with the counters' lock held: it must not touch st. */
typedef void (*admin_stats_describe_fn)(void *ctx, struct admin_request_record *rec);

/* Counts one request of the shape key names in snap, as admin_stats_record
 * would count what describe(ctx) gives. A key seen before in snap is
 * counted with one hash lookup (no formatting, no allocation); a new one
 * is described, named and remembered. st remembers the keys of one
 * snapshot at a time, keeping a reference to it so the pointers stay
 * unique; a call with another snapshot forgets them and takes that one.
 * Returns 0, or -1 when memory runs out (nothing counted). */
int admin_stats_count_key(struct admin_stats *st, struct xds_snapshot *snap,
                          const struct admin_stats_key *key, admin_stats_describe_fn describe,
                          void *ctx);

/* The counter named name (Envoy's flat name, e.g.
 * "cluster.outbound|80||customers.default.svc.cluster.local.upstream_rq_total"),
 * 0 when never counted. */
uint64_t admin_stats_get(struct admin_stats *st, const char *name);

/* Sets every counter back to zero (POST /reset_counters). */
void admin_stats_reset(struct admin_stats *st);

/* ---- the admin interface --------------------------------------------------- */

/* What the admin pages tell of the proxy besides its configuration. */
struct admin_info {
	const char *name;          /* the proxy's name ("customers-v1-...default") */
	const char *envoy_version; /* "1.18.3" (the profile's Envoy build) */
};

struct admin;

/* A new admin interface over snap and stats, taking a reference to each
 * (stats may be NULL: a private set is made). info's strings are copied.
 * NULL when out of memory. */
struct admin *admin_new(struct xds_snapshot *snap, struct admin_stats *stats,
                        const struct admin_info *info);

/* Replaces the snapshot served (takes a reference, drops the old one). The
 * next request sees it; requests under way finish with the old one. */
void admin_set_snapshot(struct admin *a, struct xds_snapshot *snap);

/* The snapshot served now, as a new reference (the caller unrefs it). */
struct xds_snapshot *admin_snapshot(struct admin *a);

/* The stats served (borrowed: valid while a lives). */
struct admin_stats *admin_stats(struct admin *a);

/* Frees a (after the server that used it was stopped). NULL is ignored. */
void admin_free(struct admin *a);

/* The http_handler of the admin interface: ctx is a struct admin. Answers
 * `/` and /help, /certs, /clusters, /config_dump, /hot_restart_version,
 * /listeners, /memory, /ready, /reset_counters (POST), /runtime,
 * /server_info, /stats, /stats/prometheus; other paths 404 with the list of
 * commands, as Envoy does. */
void admin_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
