/* C unit tests of the resolution engine (src/resolve/): xxHash64 against
 * its published vectors, Envoy's priority load arithmetic (the worked
 * example in load_balancer_impl.cc's comments), panic, ring hash and Maglev
 * table shapes, route tables compiled and resolved from C, errors with
 * their places, and a snapshot's index built in two stages (route
 * configurations, then the rest) from one thread or several. */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/resolve.h"
#include "meshlua/yaml_load.h"

#include "../../src/resolve/resolve_int.h"

static void test_xxhash(void)
{
	const char *long_text = "Nobody inspects the spammish repetition";
	CHECK(resolve_xxhash64("", 0, 0) == 0xEF46DB3751D8E999ULL);
	CHECK(resolve_xxhash64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
	CHECK(resolve_xxhash64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
	CHECK(resolve_xxhash64(long_text, strlen(long_text), 0) == 0xFBCEA83C8A378BF1ULL);
}

/* Compiles the cluster of the YAML text with its assignment. */
static int compile_cluster(const char *yaml, struct rs_cluster *cl, struct arena *a,
                           struct rs_regex **regexes, struct yaml_stream *s)
{
	struct mesh_error err;
	struct rs_build b = {a, regexes, "test", &err, 0, "", NULL};
	memset(cl, 0, sizeof *cl);
	if (yaml_load(s, "test", yaml, strlen(yaml), &err) < 0) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	if (rs_cluster_compile(&b, node_get(s->docs[0], "cluster"), "c",
	                       node_get(s->docs[0], "cla"), 1, cl) < 0) {
		fprintf(stderr, "%s\n", err.message);
		yaml_stream_free(s);
		return -1;
	}
	return 0;
}

/* A priority of 14 hosts: h healthy, d degraded, the rest unhealthy. */
static void priority_yaml(char *buf, size_t cap, int prio, int h, int d)
{
	size_t used = strlen(buf);
	used +=
	    (size_t)snprintf(buf + used, cap - used, "  - priority: %d\n    lb_endpoints:\n", prio);
	for (int i = 0; i < 14; i++)
		used += (size_t)snprintf(buf + used, cap - used,
		                         "    - endpoint: {address: {socket_address: {address: "
		                         "10.%d.0.%d, port_value: 80}}}\n      health_status: %s\n",
		                         prio, i + 1,
		                         i < h       ? "HEALTHY"
		                         : i < h + d ? "DEGRADED"
		                                     : "UNHEALTHY");
}

static void test_priority_loads(void)
{
	/* Envoy's example: availability 10/20/10 healthy and 20/10/0 degraded
	 * gives 16/28/14 healthy load and 28/14/0 degraded load, the rounding
	 * remainder going to the first healthy priority. */
	static char yaml[16384];
	struct arena a;
	struct rs_regex *re = NULL;
	struct yaml_stream s;
	struct rs_cluster cl;
	arena_init(&a, 0);
	/* Panic off (threshold 0), so the loads are those of the distribution. */
	snprintf(yaml, sizeof yaml,
	         "cluster: {name: c, type: EDS, common_lb_config: {healthy_panic_threshold: "
	         "{value: 0}}}\ncla:\n  endpoints:\n");
	priority_yaml(yaml, sizeof yaml, 0, 1, 2);
	priority_yaml(yaml, sizeof yaml, 1, 2, 1);
	priority_yaml(yaml, sizeof yaml, 2, 1, 0);
	CHECK(compile_cluster(yaml, &cl, &a, &re, &s) == 0);
	CHECK(cl.prio_count == 3);
	CHECK(cl.prios[0].healthy_load == 16);
	CHECK(cl.prios[1].healthy_load == 28);
	CHECK(cl.prios[2].healthy_load == 14);
	CHECK(cl.prios[0].degraded_load == 28);
	CHECK(cl.prios[1].degraded_load == 14);
	CHECK(cl.prios[2].degraded_load == 0);
	CHECK(!cl.total_panic && !cl.prios[0].panic);
	yaml_stream_free(&s);
	/* With the default 50% threshold the same hosts are all in panic
	 * (availability 70 < 100, each under half healthy): load by host
	 * counts, 14/14/14 of 42, the remainder to P0. */
	snprintf(yaml, sizeof yaml, "cluster: {name: c, type: EDS}\ncla:\n  endpoints:\n");
	priority_yaml(yaml, sizeof yaml, 0, 1, 2);
	priority_yaml(yaml, sizeof yaml, 1, 2, 1);
	priority_yaml(yaml, sizeof yaml, 2, 1, 0);
	CHECK(compile_cluster(yaml, &cl, &a, &re, &s) == 0);
	CHECK(cl.total_panic == 1);
	CHECK(cl.prios[0].healthy_load == 34 && cl.prios[1].healthy_load == 33 &&
	      cl.prios[2].healthy_load == 33);
	CHECK(cl.prios[0].degraded_load == 0);
	yaml_stream_free(&s);
	rs_regex_free_all(re);
	arena_free(&a);
}

static void test_total_panic(void)
{
	const char *yaml = "cluster: {name: c, type: EDS}\n"
	                   "cla:\n  endpoints:\n"
	                   "  - priority: 0\n    lb_endpoints:\n"
	                   "    - {endpoint: {address: {socket_address: {address: 10.0.0.1, "
	                   "port_value: 1}}}, health_status: UNHEALTHY}\n"
	                   "  - priority: 1\n    lb_endpoints:\n"
	                   "    - {endpoint: {address: {socket_address: {address: 10.0.1.1, "
	                   "port_value: 1}}}, health_status: UNHEALTHY}\n"
	                   "    - {endpoint: {address: {socket_address: {address: 10.0.1.2, "
	                   "port_value: 1}}}, health_status: UNHEALTHY}\n"
	                   "    - {endpoint: {address: {socket_address: {address: 10.0.1.3, "
	                   "port_value: 1}}}, health_status: DRAINING}\n";
	struct arena a;
	struct rs_regex *re = NULL;
	struct yaml_stream s;
	struct rs_cluster cl;
	arena_init(&a, 0);
	CHECK(compile_cluster(yaml, &cl, &a, &re, &s) == 0);
	/* Nothing healthy: every priority panics; load follows host counts
	 * (1 and 2 of 3; the draining host is excluded), remainder to P0. */
	CHECK(cl.total_panic == 1);
	CHECK(cl.prios[0].panic && cl.prios[1].panic);
	CHECK(cl.prios[0].healthy_load == 34);
	CHECK(cl.prios[1].healthy_load == 66);
	CHECK(cl.prios[1].total == 2);
	yaml_stream_free(&s);
	rs_regex_free_all(re);
	arena_free(&a);
}

static void test_hash_tables(void)
{
	const char *ring = "cluster: {name: c, type: EDS, lb_policy: RING_HASH}\n"
	                   "cla:\n  endpoints:\n  - lb_endpoints:\n"
	                   "    - endpoint: {address: {socket_address: {address: 10.0.0.1, "
	                   "port_value: 80}}}\n"
	                   "    - endpoint: {address: {socket_address: {address: 10.0.0.2, "
	                   "port_value: 80}}}\n"
	                   "    - endpoint: {address: {socket_address: {address: 10.0.0.3, "
	                   "port_value: 80}}}\n";
	struct arena a;
	struct rs_regex *re = NULL;
	struct yaml_stream s;
	struct rs_cluster cl;
	size_t counts[3] = {0, 0, 0};
	char *maglev;
	arena_init(&a, 0);
	CHECK(compile_cluster(ring, &cl, &a, &re, &s) == 0);
	/* min_ring_size 1024 over three equal hosts: ceil(1024/3) = 342 each. */
	CHECK(cl.prios[0].ring_size == 1026);
	for (size_t i = 1; i < cl.prios[0].ring_size; i++)
		CHECK(cl.prios[0].ring[i - 1].hash <= cl.prios[0].ring[i].hash);
	for (size_t i = 0; i < cl.prios[0].ring_size; i++)
		counts[cl.prios[0].ring[i].ep->index]++;
	CHECK(counts[0] == 342 && counts[1] == 342 && counts[2] == 342);
	/* The first entry is the xxHash64 of one host's "address_N" key. */
	yaml_stream_free(&s);

	maglev = strdup(ring);
	memcpy(strstr(maglev, "RING_HASH"), "MAGLEV   ", 9);
	CHECK(compile_cluster(maglev, &cl, &a, &re, &s) == 0);
	CHECK(cl.prios[0].maglev_size == 65537);
	counts[0] = counts[1] = counts[2] = 0;
	for (size_t i = 0; i < cl.prios[0].maglev_size; i++)
		counts[cl.prios[0].maglev[i]->index]++;
	/* Equal weights fill the table evenly (65537 = 3 * 21845 + 2). */
	for (int i = 0; i < 3; i++)
		CHECK(counts[i] == 21845 || counts[i] == 21846);
	CHECK(counts[0] + counts[1] + counts[2] == 65537);
	free(maglev);
	yaml_stream_free(&s);
	rs_regex_free_all(re);
	arena_free(&a);
}

static void test_route_table(void)
{
	const char *yaml =
	    "name: r\n"
	    "virtual_hosts:\n"
	    "- name: api\n  domains: [api.test, '*.api.test']\n"
	    "  routes:\n"
	    "  - match: {prefix: /v1, headers: [{name: x-user, exact_match: bob}]}\n"
	    "    route: {cluster: bob}\n"
	    "  - match: {safe_regex: {regex: '/v[0-9]+/.*'}}\n"
	    "    route: {cluster: versioned}\n"
	    "- name: rest\n  domains: ['*']\n"
	    "  routes:\n  - match: {prefix: /}\n    direct_response: {status: 418}\n";
	struct yaml_stream s;
	struct mesh_error err;
	struct resolve_routes *rt;
	struct resolver *r = resolver_new(1);
	struct resolve_request req;
	struct resolve_result res;
	struct resolve_header user = {"X-User", "bob"};
	CHECK(r != NULL);
	CHECK(yaml_load(&s, "routes.yaml", yaml, strlen(yaml), &err) == 0);
	rt = resolve_routes_compile(s.docs[0], "routes.yaml", 0, &err);
	CHECK(rt != NULL);
	CHECK(resolve_routes_target_count(rt) == 3);
	resolve_request_init(&req);
	req.authority = "x.api.test";
	req.path = "/v1/users";
	req.headers = &user;
	req.header_count = 1;
	CHECK(resolve_routes_route(r, rt, &req, &res, NULL, NULL, &err) == 0);
	CHECK(res.outcome == RESOLVE_FORWARDED);
	CHECK_STR(res.virtual_host, "api");
	CHECK(res.cluster_len == 3 && memcmp(res.cluster, "bob", 3) == 0);
	req.header_count = 0;
	CHECK(resolve_routes_route(r, rt, &req, &res, NULL, NULL, &err) == 0);
	CHECK(res.cluster_len == 9 && memcmp(res.cluster, "versioned", 9) == 0);
	CHECK(res.route_index == 1);
	req.authority = "other.test";
	CHECK(resolve_routes_route(r, rt, &req, &res, NULL, NULL, &err) == 0);
	CHECK(res.outcome == RESOLVE_DIRECT_RESPONSE && res.status == 418);
	/* A malformed request is an error, not a crash. */
	req.path = "no-slash";
	CHECK(resolve_routes_route(r, rt, &req, &res, NULL, NULL, &err) == -1);
	CHECK(strstr(err.message, "must start with /") != NULL);
	resolve_routes_free(rt);
	yaml_stream_free(&s);
	resolver_free(r);
}

static void test_compile_errors(void)
{
	const char *bad = "name: r\nvirtual_hosts:\n- name: v\n  domains: ['*']\n  routes:\n"
	                  "  - match: {prefix: /}\n"
	                  "    route: {cluster: c, regex_rewrite: {pattern: {regex: '(?<=a)b'}, "
	                  "substitution: x}}\n";
	const char *no_action = "virtual_hosts:\n- name: v\n  domains: [a]\n  routes:\n"
	                        "  - match: {prefix: /}\n";
	struct yaml_stream s;
	struct mesh_error err;
	char msg[2048];
	CHECK(yaml_load(&s, "bad.yaml", bad, strlen(bad), &err) == 0);
	CHECK(resolve_routes_compile(s.docs[0], "bad.yaml", 0, &err) == NULL);
	mesh_error_format(&err, msg, sizeof msg);
	CHECK(strstr(msg, "bad.yaml:7:") == msg);
	CHECK(strstr(msg, "route configuration \"r\", virtual host \"v\", route 1: invalid regex "
	                  "\"(?<=a)b\": RE2 does not support lookbehind") != NULL);
	yaml_stream_free(&s);
	CHECK(yaml_load(&s, "none.yaml", no_action, strlen(no_action), &err) == 0);
	CHECK(resolve_routes_compile(s.docs[0], "none.yaml", 0, &err) == NULL);
	CHECK(strstr(err.message, "a route needs one of route, redirect or direct_response") !=
	      NULL);
	yaml_stream_free(&s);
}

static void test_header_matcher(void)
{
	const char *m = "{name: content-type, string_match: {prefix: text/}}";
	struct resolve_header items[2] = {{"content-type", "text/plain"}, {"x", "y"}};
	struct resolve_header_list list = {items, 2, 2};
	struct yaml_stream s;
	struct mesh_error err;
	CHECK(yaml_load(&s, "m", m, strlen(m), &err) == 0);
	CHECK(resolve_header_matcher_eval(s.docs[0], &list, "m", &err) == 1);
	items[0].value = "application/json";
	CHECK(resolve_header_matcher_eval(s.docs[0], &list, "m", &err) == 0);
	yaml_stream_free(&s);
}

/* The dump of one sidecar: 0.0.0.0:80 with RDS "80", a virtual host with
 * a header route and a default one, an EDS cluster with two endpoints. */
static const char *const DUMP =
    "{\"configs\": ["
    "{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\","
    " \"dynamic_active_clusters\": [{\"cluster\": {\"@type\": "
    "\"type.googleapis.com/envoy.config.cluster.v3.Cluster\", \"name\": \"c\", \"type\": "
    "\"EDS\"}}]},"
    "{\"@type\": \"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump\","
    " \"dynamic_endpoint_configs\": [{\"endpoint_config\": {\"@type\": "
    "\"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment\", \"cluster_name\": "
    "\"c\", \"endpoints\": [{\"lb_endpoints\": ["
    "{\"endpoint\": {\"address\": {\"socket_address\": {\"address\": \"10.1.0.1\", "
    "\"port_value\": 8080}}}},"
    "{\"endpoint\": {\"address\": {\"socket_address\": {\"address\": \"10.1.0.2\", "
    "\"port_value\": 8080}}}}]}]}}]},"
    "{\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\","
    " \"dynamic_listeners\": [{\"name\": \"0.0.0.0_80\", \"active_state\": {\"listener\": "
    "{\"@type\": \"type.googleapis.com/envoy.config.listener.v3.Listener\", \"name\": "
    "\"0.0.0.0_80\", \"address\": {\"socket_address\": {\"address\": \"0.0.0.0\", "
    "\"port_value\": 80}}, \"filter_chains\": [{\"filters\": [{\"name\": "
    "\"envoy.filters.network.http_connection_manager\", \"typed_config\": {\"@type\": "
    "\"type.googleapis.com/"
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\", "
    "\"rds\": {\"route_config_name\": \"80\"}}}]}]}}}]},"
    "{\"@type\": \"type.googleapis.com/envoy.admin.v3.RoutesConfigDump\","
    " \"dynamic_route_configs\": [{\"route_config\": {\"@type\": "
    "\"type.googleapis.com/envoy.config.route.v3.RouteConfiguration\", \"name\": \"80\", "
    "\"virtual_hosts\": [{\"name\": \"svc\", \"domains\": [\"svc.test\", \"svc.test:80\"], "
    "\"routes\": [{\"match\": {\"prefix\": \"/\", \"headers\": [{\"name\": \"x-v\", "
    "\"safe_regex_match\": {\"regex\": \"v[0-9]+\"}}]}, \"route\": {\"cluster\": \"c\"}},"
    "{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"c\"}}]}]}}]}"
    "]}";

static void test_snapshot_no_allocation(void)
{
	struct mesh_error err;
	struct xds_snapshot *s = xds_load("dump.json", DUMP, strlen(DUMP), &err);
	struct resolver *r = resolver_new(3);
	struct resolve_request req;
	struct resolve_result res;
	struct resolve_header hdr = {"x-v", "v12"};
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err.message);
		return;
	}
	resolve_request_init(&req);
	req.address = "10.96.0.5";
	req.port = 80;
	req.authority = "SVC.test";
	req.path = "/x?y=1";
	req.headers = &hdr;
	req.header_count = 1;
	CHECK(resolve(r, s, &req, &res, NULL, NULL, &err) == 0);
	CHECK(res.outcome == RESOLVE_FORWARDED);
	CHECK_STR(res.listener, "0.0.0.0_80");
	CHECK(res.route_index == 0);
	CHECK(res.endpoint_port == 8080);
#if !defined(__SANITIZE_ADDRESS__)
	{
		/* Once the index is built, resolving allocates nothing. */
		struct mallinfo2 before = mallinfo2(), after;
		for (int i = 0; i < 1000; i++)
			resolve(r, s, &req, &res, NULL, NULL, &err);
		after = mallinfo2();
		CHECK(after.uordblks == before.uordblks);
		CHECK(after.arena == before.arena);
	}
#endif
	/* Round robin over the two endpoints. */
	CHECK(resolve(r, s, &req, &res, NULL, NULL, &err) == 0);
	{
		const char *first = res.endpoint_address;
		CHECK(resolve(r, s, &req, &res, NULL, NULL, &err) == 0);
		CHECK(strcmp(first, res.endpoint_address) != 0);
	}
	/* Bad requests are errors. */
	req.port = 70000;
	CHECK(resolve(r, s, &req, &res, NULL, NULL, &err) == -1);
	CHECK(strstr(err.message, "port 70000 must be from 1 to 65535") != NULL);
	req.port = 80;
	req.address = "not-an-ip";
	CHECK(resolve(r, s, &req, &res, NULL, NULL, &err) == -1);
	resolver_free(r);
	xds_snapshot_unref(s);
}

/* Listener "a" routes by RDS "80", listener "b" with an inline route
 * configuration; both to cluster "c" (no endpoint data). */
static const char *const TWO_STAGE_DUMP =
    "configs:\n"
    "- '@type': type.googleapis.com/envoy.admin.v3.ClustersConfigDump\n"
    "  static_clusters:\n"
    "  - cluster: {name: c, type: STATIC}\n"
    "- '@type': type.googleapis.com/envoy.admin.v3.ListenersConfigDump\n"
    "  static_listeners:\n"
    "  - listener:\n"
    "      name: a\n"
    "      address: {socket_address: {address: 0.0.0.0, port_value: 80}}\n"
    "      filter_chains:\n"
    "      - filters:\n"
    "        - name: envoy.filters.network.http_connection_manager\n"
    "          typed_config: {rds: {route_config_name: '80'}}\n"
    "  - listener:\n"
    "      name: b\n"
    "      address: {socket_address: {address: 0.0.0.0, port_value: 81}}\n"
    "      filter_chains:\n"
    "      - filters:\n"
    "        - name: envoy.filters.network.http_connection_manager\n"
    "          typed_config:\n"
    "            route_config:\n"
    "              name: inline\n"
    "              virtual_hosts:\n"
    "              - {name: v, domains: ['*'], routes: [{match: {prefix: /}, route: "
    "{cluster: c}}]}\n"
    "- '@type': type.googleapis.com/envoy.admin.v3.RoutesConfigDump\n"
    "  static_route_configs:\n"
    "  - route_config:\n"
    "      name: '80'\n"
    "      virtual_hosts:\n"
    "      - {name: w, domains: ['*'], routes: [{match: {prefix: /}, route: {cluster: c}}]}\n";

static const struct node *inline_rc_node(struct xds_snapshot *s)
{
	const struct xds_resource *b = xds_snapshot_find(s, XDS_LISTENER, "b");
	const struct node *chains = node_field(b->json, "filter_chains");
	const struct node *filters = node_field(chains->items[0], "filters");
	return node_field(node_field(filters->items[0], "typed_config"), "route_config");
}

static void test_two_stages(void)
{
	struct mesh_error err;
	struct xds_snapshot *s = xds_load("two.yaml", TWO_STAGE_DUMP, strlen(TWO_STAGE_DUMP), &err);
	struct resolver *r = resolver_new(1);
	const struct resolve_route_set *set;
	struct resolve_request req;
	struct resolve_result res;
	CHECK(s != NULL);
	if (!s)
		return;
	/* The route set alone first, as loading does; asked again, the same. */
	set = resolve_route_set_get(s, &err);
	CHECK(set != NULL);
	CHECK(resolve_route_set_get(s, &err) == set);
	CHECK(set->rc_count == 1);
	CHECK(rs_route_set_inline(set, inline_rc_node(s)) != NULL);
	/* The index resolves through those very route configurations. */
	resolve_request_init(&req);
	req.address = "10.0.0.1";
	req.port = 81;
	req.authority = "x.test";
	CHECK(resolve(r, s, &req, &res, NULL, NULL, &err) == 0);
	CHECK(res.outcome == RESOLVE_FORWARDED);
	CHECK(res.priv_rc == rs_route_set_inline(set, inline_rc_node(s)));
	req.port = 80;
	CHECK(resolve(r, s, &req, &res, NULL, NULL, &err) == 0);
	CHECK(res.outcome == RESOLVE_FORWARDED);
	CHECK(res.priv_rc == &set->rcs[0]);
	CHECK(resolve_route_set_get(s, &err) == set);
	resolver_free(r);
	xds_snapshot_unref(s);
}

struct race {
	struct xds_snapshot *s;
	const struct resolve_index *idx;
};

static void *race_index(void *p)
{
	struct race *x = p;
	struct mesh_error err;
	x->idx = resolve_index_get(x->s, &err);
	return NULL;
}

/* The index asked for first (no route set yet) builds the route set inside
 * its own build, under the same (recursive) lock; two threads asking at
 * once get one index. */
static void test_index_first_and_threads(void)
{
	struct mesh_error err;
	struct xds_snapshot *s = xds_load("two.yaml", TWO_STAGE_DUMP, strlen(TWO_STAGE_DUMP), &err);
	struct race x[2];
	pthread_t t[2];
	CHECK(s != NULL);
	if (!s)
		return;
	for (int i = 0; i < 2; i++) {
		x[i].s = s;
		x[i].idx = NULL;
		CHECK(pthread_create(&t[i], NULL, race_index, &x[i]) == 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(x[0].idx != NULL);
	CHECK(x[0].idx == x[1].idx);
	CHECK(resolve_index_get(s, &err) == x[0].idx);
	CHECK(resolve_route_set_get(s, &err) != NULL);
	xds_snapshot_unref(s);
}

/* A route configuration's error comes from both stages, the same; a
 * listener's only from the index. */
static void test_stage_errors(void)
{
	static const char *const bad_regex =
	    "configs:\n"
	    "- '@type': type.googleapis.com/envoy.admin.v3.ListenersConfigDump\n"
	    "  static_listeners:\n"
	    "  - listener:\n"
	    "      name: l\n"
	    "      address: {socket_address: {address: 0.0.0.0, port_value: 80}}\n"
	    "      filter_chains:\n"
	    "      - filters:\n"
	    "        - name: envoy.filters.network.http_connection_manager\n"
	    "          typed_config:\n"
	    "            route_config:\n"
	    "              name: r\n"
	    "              virtual_hosts:\n"
	    "              - name: v\n"
	    "                domains: ['*']\n"
	    "                routes:\n"
	    "                - match: {safe_regex: {regex: '(a)\\1'}}\n"
	    "                  route: {cluster: c}\n";
	static const char *const no_cluster =
	    "configs:\n"
	    "- '@type': type.googleapis.com/envoy.admin.v3.ListenersConfigDump\n"
	    "  static_listeners:\n"
	    "  - listener:\n"
	    "      name: l\n"
	    "      address: {socket_address: {address: 0.0.0.0, port_value: 80}}\n"
	    "      filter_chains:\n"
	    "      - filters:\n"
	    "        - name: envoy.filters.network.tcp_proxy\n"
	    "          typed_config: {stat_prefix: x}\n";
	struct mesh_error err;
	char first[2048], second[2048];
	struct xds_snapshot *s = xds_load("bad.yaml", bad_regex, strlen(bad_regex), &err);
	CHECK(s != NULL);
	if (s) {
		CHECK(resolve_route_set_get(s, &err) == NULL);
		mesh_error_format(&err, first, sizeof first);
		CHECK(strstr(first, "bad.yaml:17:") == first);
		CHECK(strstr(first, "route configuration \"r\", virtual host \"v\", route 1: "
		                    "invalid regex \"(a)\\1\": RE2 does not support "
		                    "backreferences") != NULL);
		CHECK(resolve_index_get(s, &err) == NULL);
		mesh_error_format(&err, second, sizeof second);
		CHECK_STR(second, first);
		xds_snapshot_unref(s);
	}
	s = xds_load("tcp.yaml", no_cluster, strlen(no_cluster), &err);
	CHECK(s != NULL);
	if (s) {
		CHECK(resolve_route_set_get(s, &err) != NULL);
		CHECK(resolve_index_get(s, &err) == NULL);
		mesh_error_format(&err, first, sizeof first);
		CHECK(strstr(first, "tcp.yaml:10:") == first);
		CHECK(
		    strstr(first, "listener \"l\", filter chain 1: a tcp_proxy needs a cluster") !=
		    NULL);
		xds_snapshot_unref(s);
	}
}

int main(void)
{
	test_xxhash();
	test_priority_loads();
	test_total_panic();
	test_hash_tables();
	test_route_table();
	test_compile_errors();
	test_header_matcher();
	test_snapshot_no_allocation();
	test_two_stages();
	test_index_first_and_threads();
	test_stage_errors();
	return check_summary("resolve");
}
