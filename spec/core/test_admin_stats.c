/* The per-proxy counters alone (admin.h): which Envoy counters a request
 * bumps, counting by key (admin_stats_count_key) giving exactly what
 * counting by record gives, keys forgotten when the snapshot changes, reset
 * with counts still pending, and a reader thread that reads while a writer
 * counts. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/admin.h"
#include "meshlua/xds.h"

#define DUMP                                                                                       \
	"{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\","      \
	"\"static_clusters\":[{\"cluster\":{\"@type\":\"type.googleapis.com/"                      \
	"envoy.config.cluster.v3.Cluster\",\"name\":\"one\",\"type\":\"STATIC\"}}]}]}"

static struct xds_snapshot *load(void)
{
	struct mesh_error err;
	struct xds_snapshot *s;
	mesh_error_clear(&err);
	s = xds_load("<test>", DUMP, strlen(DUMP), &err);
	if (!s)
		fprintf(stderr, "load: %s\n", err.message);
	return s;
}

static const struct admin_request_record forwarded = {
    "0.0.0.0_80",
    "outbound_0.0.0.0_80",
    "outbound|80||customers.default.svc.cluster.local",
    "10.1.0.7:3000",
    200,
    ""};

/* Every counter a forwarded request bumps, as Envoy names them. */
static const char *const forwarded_names[] = {
    "listener.0.0.0.0_80.downstream_cx_total",
    "http.outbound_0.0.0.0_80.downstream_cx_total",
    "http.outbound_0.0.0.0_80.downstream_rq_total",
    "http.outbound_0.0.0.0_80.downstream_rq_2xx",
    "cluster.outbound|80||customers.default.svc.cluster.local.upstream_cx_total",
    "cluster.outbound|80||customers.default.svc.cluster.local.upstream_rq_completed",
    "cluster.outbound|80||customers.default.svc.cluster.local.upstream_rq_total",
    "cluster.outbound|80||customers.default.svc.cluster.local.upstream_rq_200",
    "cluster.outbound|80||customers.default.svc.cluster.local.upstream_rq_2xx",
    "host|outbound|80||customers.default.svc.cluster.local|10.1.0.7:3000|cx_total",
    "host|outbound|80||customers.default.svc.cluster.local|10.1.0.7:3000|rq_total",
    "host|outbound|80||customers.default.svc.cluster.local|10.1.0.7:3000|rq_success",
};
#define N_FORWARDED (sizeof forwarded_names / sizeof forwarded_names[0])

static void test_record_names(void)
{
	struct admin_stats *st = admin_stats_new();
	struct admin_request_record nr = {"0.0.0.0_80", "outbound_0.0.0.0_80", NULL, NULL, 404,
	                                  "NR"};
	struct admin_request_record uh = {"0.0.0.0_80", "outbound_0.0.0.0_80", "sick", NULL, 503,
	                                  "UH"};
	CHECK(admin_stats_record(st, &forwarded) == 0);
	CHECK(admin_stats_record(st, &forwarded) == 0);
	for (size_t i = 0; i < N_FORWARDED; i++)
		CHECK(admin_stats_get(st, forwarded_names[i]) == 2);
	CHECK(admin_stats_get(st, "http.outbound_0.0.0.0_80.no_route") == 0);
	CHECK(admin_stats_record(st, &nr) == 0);
	CHECK(admin_stats_record(st, &uh) == 0);
	CHECK(admin_stats_get(st, "http.outbound_0.0.0.0_80.no_route") == 1);
	CHECK(admin_stats_get(st, "http.outbound_0.0.0.0_80.downstream_rq_4xx") == 1);
	CHECK(admin_stats_get(st, "http.outbound_0.0.0.0_80.downstream_rq_5xx") == 1);
	CHECK(admin_stats_get(st, "http.outbound_0.0.0.0_80.downstream_rq_total") == 4);
	CHECK(admin_stats_get(st, "listener.0.0.0.0_80.downstream_cx_total") == 4);
	CHECK(admin_stats_get(st, "cluster.sick.upstream_cx_none_healthy") == 1);
	CHECK(admin_stats_get(st, "cluster.sick.upstream_rq_total") == 0);
	admin_stats_unref(st);
}

/* describe callbacks: count their calls and give the record. */
struct describe_ctx {
	const struct admin_request_record *rec;
	int calls;
};

static void describe(void *ctx, struct admin_request_record *rec)
{
	struct describe_ctx *d = ctx;
	d->calls++;
	*rec = *d->rec;
}

static void test_count_key(void)
{
	struct xds_snapshot *s1 = load(), *s2 = load();
	struct admin_stats *st = admin_stats_new();
	struct admin_stats *by_record = admin_stats_new();
	struct describe_ctx d = {&forwarded, 0};
	struct admin_stats_key key;
	CHECK(s1 && s2 && st && by_record);
	if (!s1 || !s2 || !st || !by_record)
		return;
	/* a key: pointers into the snapshot and values */
	memset(&key, 0, sizeof key);
	key.what[0] = s1->items[XDS_CLUSTER][0].json;
	key.how[0] = 200;
	for (int i = 0; i < 5; i++) {
		CHECK(admin_stats_count_key(st, s1, &key, describe, &d) == 0);
		CHECK(admin_stats_record(by_record, &forwarded) == 0);
		for (size_t k = 0; k < N_FORWARDED; k++)
			CHECK(admin_stats_get(st, forwarded_names[k]) ==
			      admin_stats_get(by_record, forwarded_names[k]));
	}
	CHECK(admin_stats_get(st, forwarded_names[0]) == 5);
	CHECK(d.calls == 1);  /* named once, counted five times */
	CHECK(s1->refs == 2); /* the stats keep the snapshot its keys point into */

	/* another snapshot: keys are forgotten, counters go on */
	key.what[0] = s2->items[XDS_CLUSTER][0].json;
	CHECK(admin_stats_count_key(st, s2, &key, describe, &d) == 0);
	CHECK(d.calls == 2);
	CHECK(s1->refs == 1 && s2->refs == 2);
	CHECK(admin_stats_get(st, forwarded_names[6]) == 6);

	/* reset with counts pending: they are dropped with the rest */
	CHECK(admin_stats_count_key(st, s2, &key, describe, &d) == 0);
	CHECK(admin_stats_count_key(st, s2, &key, describe, &d) == 0);
	admin_stats_reset(st);
	for (size_t k = 0; k < N_FORWARDED; k++)
		CHECK(admin_stats_get(st, forwarded_names[k]) == 0);
	CHECK(admin_stats_count_key(st, s2, &key, describe, &d) == 0);
	CHECK(admin_stats_get(st, forwarded_names[11]) == 1);
	CHECK(d.calls == 2);

	admin_stats_unref(st);
	admin_stats_unref(by_record);
	CHECK(s2->refs == 1);
	xds_snapshot_unref(s1);
	xds_snapshot_unref(s2);
}

/* Many shapes: every key keeps its own counts through the table's growth. */
static void test_many_keys(void)
{
	enum { N = 3000 };
	struct xds_snapshot *snap = load();
	struct admin_stats *st = admin_stats_new();
	static char names[N][32], hosts[N][32];
	int describes = 0, ok = 1;
	CHECK(snap && st);
	if (!snap || !st)
		return;
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "c%d", i);
		snprintf(hosts[i], sizeof hosts[i], "10.0.%d.%d:80", i / 250, i % 250);
	}
	/* shape i is counted i % 3 + 1 times, in rounds */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			struct admin_request_record rec = {NULL, NULL, names[i], hosts[i], 200, ""};
			struct describe_ctx d = {&rec, 0};
			struct admin_stats_key key;
			if (round > i % 3)
				continue;
			memset(&key, 0, sizeof key);
			/* the stats never look behind a key's pointers */
			key.what[0] = names[i];
			key.what[1] = hosts[i];
			key.how[0] = (uint64_t)(i % 5); /* five contexts */
			ok &= admin_stats_count_key(st, snap, &key, describe, &d) == 0;
			describes += d.calls;
		}
	}
	CHECK(ok);
	CHECK(describes == N);
	for (int i = 0; i < N; i++) {
		char name[64];
		snprintf(name, sizeof name, "cluster.c%d.upstream_rq_total", i);
		ok &= admin_stats_get(st, name) == (uint64_t)(i % 3 + 1);
		snprintf(name, sizeof name, "host|c%d|%.31s|rq_success", i, hosts[i]);
		ok &= admin_stats_get(st, name) == (uint64_t)(i % 3 + 1);
	}
	CHECK(ok);
	admin_stats_unref(st);
	xds_snapshot_unref(snap);
}

/* A reader thread reads while the writer counts: every value it sees is
 * between what was counted before and after; the end is exact. */
struct reader {
	struct admin_stats *st;
	int stop; /* atomic */
	int bad, reads;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	uint64_t last = 0;
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		/* w before v: both grow together, so w (older) <= v */
		uint64_t w = admin_stats_get(r->st, forwarded_names[11]);
		uint64_t v = admin_stats_get(r->st, forwarded_names[0]);
		if (v < last || w > v)
			r->bad++;
		last = v;
		r->reads++;
	}
	return NULL;
}

static void test_concurrent_reader(void)
{
	enum { N = 200000, SHAPES = 500 };
	static const char shape[SHAPES];
	struct xds_snapshot *snap = load();
	struct admin_stats *st = admin_stats_new();
	struct reader r;
	pthread_t t;
	int ok = 1;
	CHECK(snap && st);
	if (!snap || !st)
		return;
	memset(&r, 0, sizeof r);
	r.st = st;
	CHECK(pthread_create(&t, NULL, read_loop, &r) == 0);
	for (int i = 0; i < N; i++) {
		/* SHAPES keys (the table grows meanwhile), all counting the listener */
		struct describe_ctx d = {&forwarded, 0};
		struct admin_stats_key key;
		memset(&key, 0, sizeof key);
		key.what[0] = &shape[i % SHAPES];
		key.how[1] = (uint64_t)(i % 3);
		ok &= admin_stats_count_key(st, snap, &key, describe, &d) == 0;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	CHECK(ok);
	CHECK(r.bad == 0);
	CHECK(r.reads > 0);
	CHECK(admin_stats_get(st, forwarded_names[0]) == N);
	CHECK(admin_stats_get(st, forwarded_names[11]) == N);
	admin_stats_unref(st);
	xds_snapshot_unref(snap);
}

int main(void)
{
	test_record_names();
	test_count_key();
	test_many_keys();
	test_concurrent_reader();
	return check_summary("test_admin_stats");
}
