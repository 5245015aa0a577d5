/* Unit tests of src/xds/ingest.c and load.c: real dumps (JSON and YAML)
 * into snapshots, both field-name forms, every listener state, the
 * /clusters?format=json document, and the errors that name their place. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/json_load.h"
#include "meshlua/xds.h"

#define FIXTURES "../shared/fixtures/istioctl/"

static const char *load_error(const char *text)
{
	static char buf[2048];
	struct mesh_error err;
	struct xds_snapshot *s;
	mesh_error_clear(&err);
	s = xds_load("dump.json", text, strlen(text), &err);
	if (s) {
		xds_snapshot_unref(s);
		return "(no error)";
	}
	mesh_error_format(&err, buf, sizeof buf);
	return buf;
}

static void test_real_sidecar_dump(void)
{
	struct mesh_error err;
	struct xds_snapshot *s = xds_load_file(FIXTURES "proxyconfig/config_dump.json", &err);
	const struct xds_resource *r;
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(s->bootstrap && node_get(s->bootstrap, "node"));
	CHECK(s->key_case == XDS_KEYS_SNAKE);
	CHECK(s->count[XDS_CLUSTER] == 3);
	CHECK(s->count[XDS_LISTENER] == 2);
	CHECK(s->count[XDS_ROUTE_CONFIG] == 1);
	CHECK(s->count[XDS_SECRET] == 2);
	CHECK(s->count[XDS_ENDPOINT] == 2);
	CHECK(s->items[XDS_CLUSTER][0].state == XDS_STATIC);
	CHECK(s->items[XDS_CLUSTER][2].state == XDS_DYNAMIC_ACTIVE);
	r = xds_snapshot_find(s, XDS_LISTENER, "main_internal");
	CHECK(r && r->state == XDS_DYNAMIC_ACTIVE && node_get(r->json, "internal_listener"));
	CHECK(r && r->entry && node_get(r->entry, "active_state"));
	CHECK_STR(s->items[XDS_SECRET][0].name, "default");
	CHECK(s->items[XDS_SECRET][0].last_updated != NULL);
	CHECK_STR(node_text(node_get(s->items[XDS_CLUSTER][0].json, "@type")),
	          "type.googleapis.com/envoy.config.cluster.v3.Cluster");
	xds_snapshot_unref(s);
}

static void test_yaml_dump(void)
{
	struct mesh_error err;
	struct xds_snapshot *s = xds_load_file(FIXTURES "authz/configdump.yaml", &err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(xds_snapshot_find(s, XDS_LISTENER, "virtualOutbound") != NULL);
	CHECK(xds_snapshot_find(s, XDS_LISTENER, "0.0.0.0_80") != NULL);
	CHECK(xds_snapshot_find(s, XDS_LISTENER, "10.96.0.10_53") != NULL);
	xds_snapshot_unref(s);
}

static void test_camel_case_and_states(void)
{
	const char *text =
	    "{\"configs\": [{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\","
	    " \"dynamicActiveClusters\": [{\"versionInfo\": \"v7\", \"lastUpdated\": "
	    "\"2024-01-01T00:00:00Z\","
	    "   \"cluster\": {\"@type\": \"type.googleapis.com/envoy.config.cluster.v3.Cluster\","
	    "                \"name\": \"outbound|80||a.default.svc.cluster.local\"}}],"
	    " \"dynamicWarmingClusters\": [{\"cluster\": {\"name\": \"warm\"}}]},"
	    " {\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\","
	    "  \"dynamicListeners\": [{\"name\": \"l1\","
	    "   \"warmingState\": {\"versionInfo\": \"w\", \"listener\": {\"name\": \"l1\", "
	    "\"address\": {}}},"
	    "   \"activeState\": {\"versionInfo\": \"a\", \"listener\": {\"name\": \"l1\", "
	    "\"address\": {}}},"
	    "   \"drainingState\": {\"listener\": {\"name\": \"l1\", \"address\": {}}}},"
	    "   {\"name\": \"broken\", \"errorState\": {\"details\": \"nack\"}}]},"
	    " {\"@type\": \"type.googleapis.com/envoy.admin.v3.SomethingNewConfigDump\", \"x\": "
	    "1}]}";
	struct mesh_error err;
	struct xds_snapshot *s = xds_load("camel.json", text, strlen(text), &err);
	const struct xds_resource *l;
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(s->key_case == XDS_KEYS_CAMEL);
	CHECK(s->count[XDS_CLUSTER] == 2);
	CHECK_STR(s->items[XDS_CLUSTER][0].name, "outbound|80||a.default.svc.cluster.local");
	CHECK_STR(s->items[XDS_CLUSTER][0].version_info, "v7");
	CHECK(s->items[XDS_CLUSTER][1].state == XDS_DYNAMIC_WARMING);
	CHECK(xds_snapshot_find(s, XDS_CLUSTER, "warm") == NULL); /* warming is not serving */
	CHECK(s->count[XDS_LISTENER] == 3);
	l = xds_snapshot_find(s, XDS_LISTENER, "l1");
	CHECK(l && l->state == XDS_DYNAMIC_ACTIVE && strcmp(l->version_info, "a") == 0);
	CHECK(s->items[XDS_LISTENER][2].state == XDS_DYNAMIC_DRAINING);
	xds_snapshot_unref(s);
}

static void test_clusters_status(void)
{
	const char *dump = "{\"configs\": []}";
	const char *clusters = "{\"cluster_statuses\": [{\"name\": \"c\", \"host_statuses\": []}]}";
	struct mesh_error err;
	char buf[2048];
	struct xds_snapshot *s = xds_load("d.json", dump, strlen(dump), &err);
	CHECK(s && s->clusters_status == NULL);
	CHECK(xds_snapshot_load_clusters(s, "clusters.json", clusters, strlen(clusters), &err) ==
	      0);
	CHECK(s->clusters_status && node_field(s->clusters_status, "cluster_statuses")->len == 1);
	CHECK(xds_snapshot_load_clusters(s, "c2.json", "{\"cluster_statuses\": 3}", 23, &err) ==
	      -1);
	mesh_error_format(&err, buf, sizeof buf);
	CHECK_STR(buf, "c2.json:1:22: cluster_statuses must be a list, got integer");
	xds_snapshot_unref(s);
	/* /clusters?format=json on its own, and istioctl's empty {} input. */
	s = xds_load("c.json", clusters, strlen(clusters), &err);
	CHECK(s && s->clusters_status != NULL);
	xds_snapshot_unref(s);
	s = xds_load("e.json", "{}", 2, &err);
	CHECK(s && s->count[XDS_CLUSTER] == 0);
	xds_snapshot_unref(s);
}

static void test_errors(void)
{
	CHECK_STR(load_error("{\"configs\": {\"a\": 1}}"),
	          "dump.json:1:13: configs must be a list, got map");
	CHECK_STR(load_error("{\"configs\": [3]}"), "dump.json:1:14: configs[0] must be a map, got "
	                                            "integer");
	CHECK_STR(load_error("{\"configs\": [{\"@type\": \"x.ClustersConfigDump\",\n"
	                     "  \"static_clusters\": [{\"cluster\": \"c\"}]}]}"),
	          "dump.json:2:35: static_clusters[0].cluster must be a map, got string");
	CHECK_STR(load_error("{\"configs\": [{\"@type\": \"x.ListenersConfigDump\",\n"
	                     "  \"static_listeners\": [{\"listener\": {\"name\": \"l\"}}]}]}"),
	          "dump.json:2:37: listener \"l\" has no address (only internal listeners may "
	          "lack one)");
	CHECK_STR(load_error("[]"), "dump.json:1:1: not an Envoy config dump: expected a map with "
	                            "\"configs\", got list");
	CHECK_STR(load_error("{\"kind\": \"Pod\"}"),
	          "dump.json:1:1: not an Envoy config dump: expected \"configs\" (GET "
	          "/config_dump), \"cluster_statuses\" (GET /clusters?format=json) or "
	          "\"bootstrap\"");
	CHECK_STR(load_error("{\"configs\": [{\"@type\": \"x.ClustersConfigDump\","),
	          "dump.json:1:47: invalid JSON at byte 46: expected a string key, got end of "
	          "input");
	CHECK_STR(load_error("configs:\n  - a: [\n"),
	          "dump.json:3:1: did not find expected node content (while parsing a flow node)");
}

/* A failed ingest leaves the snapshot as it was. */
static void test_all_or_nothing(void)
{
	const char *good = "{\"configs\": [{\"@type\": \"x.ClustersConfigDump\","
	                   " \"static_clusters\": [{\"cluster\": {\"name\": \"a\"}}]}]}";
	const char *bad = "{\"configs\": [{\"@type\": \"x.ClustersConfigDump\","
	                  " \"static_clusters\": [{\"cluster\": {\"name\": \"b\"}}]},"
	                  " {\"@type\": \"x.ListenersConfigDump\", \"static_listeners\": 7}]}";
	struct mesh_error err;
	struct xds_snapshot *s = xds_load("good.json", good, strlen(good), &err);
	struct node *root = NULL;
	CHECK(s && s->count[XDS_CLUSTER] == 1);
	if (!s)
		return;
	CHECK(json_parse(&s->arena, "bad.json", bad, strlen(bad), &root, &err) == 0);
	CHECK(xds_snapshot_ingest(s, root, &err) == -1);
	CHECK(s->count[XDS_CLUSTER] == 1 && s->count[XDS_LISTENER] == 0);
	CHECK_STR(s->items[XDS_CLUSTER][0].name, "a");
	xds_snapshot_unref(s);
}

/* Every prefix of a real dump, and the dump with bytes flipped, either
 * loads or fails with a placed error: never a crash or a leak (run under
 * the sanitizers). */
static void test_mangled_dumps(void)
{
	struct mesh_error err;
	struct arena a;
	size_t len, step;
	char *data;
	unsigned x = 7;
	arena_init(&a, 0);
	data = json_read_file(&a, FIXTURES "proxyconfig/config_dump.json", &len, &err);
	CHECK(data != NULL);
	if (!data) {
		arena_free(&a);
		return;
	}
	step = len / 997 + 1;
	for (size_t cut = step; cut < len; cut += step) {
		struct xds_snapshot *s = xds_load("cut.json", data, cut, &err);
		CHECK(s == NULL && err.line >= 1);
		xds_snapshot_unref(s);
	}
	for (int round = 0; round < 300; round++) {
		char *copy = malloc(len);
		struct xds_snapshot *s;
		memcpy(copy, data, len);
		for (int k = 0; k < 3; k++) {
			x = x * 1103515245u + 12345u;
			copy[(x >> 8) % len] = (char)(x >> 3);
		}
		s = xds_load("flip.json", copy, len, &err);
		CHECK(s != NULL || err.message[0] != '\0');
		xds_snapshot_unref(s);
		free(copy);
	}
	arena_free(&a);
}

int main(void)
{
	test_mangled_dumps();
	test_real_sidecar_dump();
	test_yaml_dump();
	test_camel_case_and_states();
	test_clusters_status();
	test_errors();
	test_all_or_nothing();
	return check_summary("ingest");
}
