/* Resolution throughput from C, single-threaded: loads a config dump made
 * by gen_mesh.lua, builds its resolution index, then resolves one HTTP
 * request per service (different hosts, so every lookup misses the CPU's
 * caches as in a busy mesh) round after round through listener, filter
 * chain, route configuration, virtual host, route, cluster and endpoint.
 * The index build is timed in its two stages (route configurations, as
 * meshlua.load builds them; then the rest, as the first resolve does).
 * Also routes the bare RouteConfiguration, and runs a naive peer (a linear
 * scan of the virtual hosts' domains in the JSON tree, as a script walking
 * the configuration would) on the same requests, side by side.
 *
 *   bench_resolve dump.json routes.json [requests [resolve-only]]
 * prints "name value unit" lines for run.sh. Times are the thread's CPU time, so a
 * shared machine's other work does not count. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "meshlua/resolve.h"
#include "meshlua/xds.h"
#include "meshlua/yaml_load.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct mesh_error *err)
{
	char msg[2048];
	mesh_error_format(err, msg, sizeof msg);
	fprintf(stderr, "bench_resolve: %s: %s\n", what, msg);
	exit(1);
}

struct request_set {
	struct resolve_request *reqs;
	char (*hosts)[96];
	char (*addrs)[24];
	char (*want)[96];
	size_t count;
};

/* One request per virtual host of route configuration rc: its first
 * domain as the host (the FQDN), its cluster IP as the address. */
static void make_requests(const struct node *rc, struct request_set *rs)
{
	const struct node *vhosts = node_field(rc, "virtual_hosts");
	rs->count = vhosts->len;
	rs->reqs = calloc(rs->count, sizeof *rs->reqs);
	rs->hosts = calloc(rs->count, sizeof *rs->hosts);
	rs->addrs = calloc(rs->count, sizeof *rs->addrs);
	rs->want = calloc(rs->count, sizeof *rs->want);
	for (size_t i = 0; i < rs->count; i++) {
		const struct node *vh = vhosts->items[i];
		const struct node *domains = node_field(vh, "domains");
		const char *cluster = node_text(
		    node_field(node_field(node_field(vh, "routes")->items[0], "route"), "cluster"));
		/* alternate the FQDN and the short "name.ns" form */
		snprintf(rs->hosts[i], sizeof rs->hosts[i], "%s",
		         node_text(domains->items[i % 2 ? 6 : 0]));
		snprintf(rs->addrs[i], sizeof rs->addrs[i], "%s", node_text(domains->items[10]));
		snprintf(rs->want[i], sizeof rs->want[i], "%s", cluster);
		resolve_request_init(&rs->reqs[i]);
		rs->reqs[i].authority = rs->hosts[i];
		rs->reqs[i].address = rs->addrs[i];
		rs->reqs[i].port = 80;
		rs->reqs[i].path = "/api/v1/items?page=2";
	}
}

/* The naive peer: first vhost with an equal domain (case-insensitive) or
 * "*", then the first route whose prefix matches; cluster name or NULL. */
static const char *naive_route(const struct node *rc, const char *host, const char *path)
{
	const struct node *vhosts = node_field(rc, "virtual_hosts");
	for (size_t v = 0; v < vhosts->len; v++) {
		const struct node *domains = node_field(vhosts->items[v], "domains");
		for (size_t d = 0; d < domains->len; d++) {
			const char *dom = node_text(domains->items[d]);
			if (strcasecmp(dom, host) == 0 || strcmp(dom, "*") == 0) {
				const struct node *routes = node_field(vhosts->items[v], "routes");
				for (size_t r = 0; r < routes->len; r++) {
					const char *prefix = node_text(node_field(
					    node_field(routes->items[r], "match"), "prefix"));
					if (prefix && strncmp(path, prefix, strlen(prefix)) == 0)
						return node_text(node_field(
						    node_field(routes->items[r], "route"),
						    "cluster"));
				}
				return NULL;
			}
		}
	}
	return NULL;
}

/* Timing on a shared machine: n operations in 5 batches; the best batch
 * and the median batch, in ns per operation. */
struct timing {
	double best, median;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum { BATCHES = 5 };

static void report(const char *name, const double *ns)
{
	double sorted[BATCHES];
	memcpy(sorted, ns, sizeof sorted);
	qsort(sorted, BATCHES, sizeof sorted[0], cmp_double);
	printf("%s best %.0f per_s %.1f ns_per_request median %.0f per_s %.1f ns_per_request\n",
	       name, 1e9 / sorted[0], sorted[0], 1e9 / sorted[BATCHES / 2], sorted[BATCHES / 2]);
}

int main(int argc, char **argv)
{
	struct mesh_error err;
	struct xds_snapshot *snap;
	struct yaml_stream routes_doc;
	struct resolve_routes *rt;
	struct resolver *r = resolver_new(42);
	struct resolve_result res;
	struct request_set rs;
	const struct xds_resource *rc80;
	long n = argc > 3 ? atol(argv[3]) : 4000000;
	double t0, t1, stage, ns[BATCHES];
	char *text;
	size_t len, checked = 0;
	if (argc < 3) {
		fprintf(stderr, "usage: bench_resolve dump.json routes.json [requests]\n");
		return 2;
	}
	mesh_error_clear(&err);
	t0 = now();
	if (!(snap = xds_load_file(argv[1], &err)))
		die(argv[1], &err);
	t1 = now();
	printf("load_dump %.3f s\n", t1 - t0);
	/* The index in its two stages: the route configurations (what
	 * meshlua.load builds, to report what Envoy rejects), then the rest
	 * (the first resolve): listeners, clusters, endpoints, links. */
	t0 = now();
	if (!resolve_route_set_get(snap, &err))
		die("route set", &err);
	t1 = now();
	printf("build_route_set %.3f s\n", t1 - t0);
	stage = t1 - t0;
	t0 = now();
	if (!resolve_index_get(snap, &err))
		die("index", &err);
	t1 = now();
	printf("build_index_rest %.3f s\n", t1 - t0);
	printf("build_index %.3f s\n", stage + (t1 - t0));
	rc80 = xds_snapshot_find(snap, XDS_ROUTE_CONFIG, "80");
	make_requests(rc80->json, &rs);
	printf("requests %zu distinct\n", rs.count);

	/* Correctness first: every request reaches its service's cluster. */
	for (size_t i = 0; i < rs.count; i++) {
		if (resolve(r, snap, &rs.reqs[i], &res, NULL, NULL, &err) < 0)
			die("resolve", &err);
		if (res.outcome != RESOLVE_FORWARDED || !res.endpoint_address ||
		    strlen(rs.want[i]) != res.cluster_len ||
		    memcmp(rs.want[i], res.cluster, res.cluster_len) != 0) {
			fprintf(stderr, "bench_resolve: %s went to %.*s (%s)\n", rs.hosts[i],
			        (int)res.cluster_len, res.cluster ? res.cluster : "",
			        resolve_outcome_name(res.outcome));
			return 1;
		}
		checked++;
	}

	printf("requests_per_batch %ld\n", n / BATCHES);
	for (int b = 0; b < BATCHES; b++) {
		t0 = now();
		for (long k = 0; k < n / BATCHES; k++)
			resolve(r, snap, &rs.reqs[(size_t)k % rs.count], &res, NULL, NULL, &err);
		t1 = now();
		ns[b] = (t1 - t0) * 1e9 / (double)(n / BATCHES);
	}
	report("c_resolve_rotating", ns);
	if (argc > 4 && strcmp(argv[4], "resolve-only") == 0) /* for profiling */
		return 0;

	/* The same request over and over, as Envoy's own route benchmarks do
	 * (config_impl_speed_test): everything it touches stays in cache. */
	for (int b = 0; b < BATCHES; b++) {
		t0 = now();
		for (long k = 0; k < n / BATCHES; k++)
			resolve(r, snap, &rs.reqs[rs.count / 2], &res, NULL, NULL, &err);
		t1 = now();
		ns[b] = (t1 - t0) * 1e9 / (double)(n / BATCHES);
	}
	report("c_resolve_same", ns);

	/* The route level alone, on the bare RouteConfiguration. */
	if (read_whole_file(argv[2], &text, &len, &err) < 0 ||
	    yaml_load(&routes_doc, argv[2], text, len, &err) < 0)
		die(argv[2], &err);
	free(text);
	t0 = now();
	if (!(rt = resolve_routes_compile(routes_doc.docs[0], argv[2], 0, &err)))
		die("routes", &err);
	t1 = now();
	printf("compile_routes %.3f s\n", t1 - t0);
	for (int b = 0; b < BATCHES; b++) {
		t0 = now();
		for (long k = 0; k < n / BATCHES; k++)
			resolve_routes_route(r, rt, &rs.reqs[(size_t)k % rs.count], &res, NULL,
			                     NULL, &err);
		t1 = now();
		ns[b] = (t1 - t0) * 1e9 / (double)(n / BATCHES);
	}
	report("c_route_rotating", ns);

	/* The naive peer, on as many requests as it can do in a moment. */
	{
		long m = 200, found = 0;
		t0 = now();
		for (long k = 0; k < m; k++) {
			size_t i = (size_t)(k * 7919) % rs.count;
			const char *c = naive_route(rc80->json, rs.hosts[i], rs.reqs[i].path);
			found += c && strcmp(c, rs.want[i]) == 0;
		}
		t1 = now();
		if (found != m) {
			fprintf(stderr, "bench_resolve: the naive peer routed %ld of %ld\n", found,
			        m);
			return 1;
		}
		printf("naive_route %.0f per_s %.1f ns_per_request\n", (double)m / (t1 - t0),
		       (t1 - t0) * 1e9 / (double)m);
	}
	printf("checked %zu\n", checked);
	resolve_routes_free(rt);
	yaml_stream_free(&routes_doc);
	resolver_free(r);
	xds_snapshot_unref(snap);
	free(rs.reqs);
	free(rs.hosts);
	free(rs.addrs);
	free(rs.want);
	return 0;
}
