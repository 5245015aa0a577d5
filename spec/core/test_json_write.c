/* Unit tests of the writers in src/xds: protojson.c (field names converted,
 * map and Struct keys kept, each producer's escaping and indentation),
 * goyaml.c (JSONToYAML's key order and quoting), and gosort.c (Go's
 * sort.Slice, checked against outputs Go prints). */
#include <stdlib.h>
#include <string.h>

#include "../../src/xds/gosort.h"
#include "check.h"
#include "meshlua/json_load.h"
#include "meshlua/xds_json.h"

static const char *write_as(const char *json, enum xds_json_style style, int drop_type)
{
	static char buf[8192];
	struct arena a;
	struct node *root;
	struct mesh_error err;
	struct strbuf sb = STRBUF_INIT;
	struct xds_json_opts o = {style, drop_type, 0};
	arena_init(&a, 0);
	if (json_parse(&a, "t", json, strlen(json), &root, &err) != 0 ||
	    xds_write_json(&sb, root, &o) != 0) {
		arena_free(&a);
		strbuf_free(&sb);
		return "(failed)";
	}
	snprintf(buf, sizeof buf, "%s", strbuf_cstr(&sb));
	strbuf_free(&sb);
	arena_free(&a);
	return buf;
}

static void test_names(void)
{
	char buf[128];
	xds_json_camel("port_value", buf, sizeof buf);
	CHECK_STR(buf, "portValue");
	xds_json_camel("consecutive_5xx", buf, sizeof buf);
	CHECK_STR(buf, "consecutive5xx");
	xds_json_snake("consecutive5xx", buf, sizeof buf);
	CHECK_STR(buf, "consecutive_5xx");
	xds_json_snake("http2ProtocolOptions", buf, sizeof buf);
	CHECK_STR(buf, "http2_protocol_options");
	xds_json_snake("acceptHttp10", buf, sizeof buf);
	CHECK_STR(buf, "accept_http_10");
}

/* Field names change; map keys, Struct keys and Any types do not. */
static void test_istioctl_style(void)
{
	const char *in =
	    "{\"@type\": \"x.Cluster\", \"connect_timeout\": \"10s\","
	    " \"metadata\": {\"filter_metadata\": {\"istio\": {\"dr_name\": \"a<b\","
	    " \"z_key\": 1}}},"
	    " \"transport_socket_matches\": [{\"match\": {\"tls_mode\": \"istio\"}}],"
	    " \"typed_extension_protocol_options\": {\"envoy.ext_b\": {\"common_opts\": {}},"
	    " \"envoy.ext_a\": {}}, \"empty_list\": []}";
	CHECK_STR(write_as(in, XDS_JSON_ISTIOCTL, 1),
	          "{\n"
	          "    \"connectTimeout\": \"10s\",\n"
	          "    \"metadata\": {\n"
	          "        \"filterMetadata\": {\n"
	          "            \"istio\": {\n"
	          "                \"dr_name\": \"a\\u003cb\",\n"
	          "                \"z_key\": 1\n"
	          "            }\n"
	          "        }\n"
	          "    },\n"
	          "    \"transportSocketMatches\": [\n"
	          "        {\n"
	          "            \"match\": {\n"
	          "                \"tls_mode\": \"istio\"\n"
	          "            }\n"
	          "        }\n"
	          "    ],\n"
	          "    \"typedExtensionProtocolOptions\": {\n"
	          "        \"envoy.ext_a\": {},\n"
	          "        \"envoy.ext_b\": {\n"
	          "            \"commonOpts\": {}\n"
	          "        }\n"
	          "    },\n"
	          "    \"emptyList\": []\n"
	          "}");
	/* Back to Envoy's names, one space a level; protobuf's C++ printer
	 * (Envoy) escapes < as \u003c (json/internal/writer.cc MustEscape). */
	CHECK_STR(write_as("{\"typedPerFilterConfig\": {\"envoy.filters.http.fault\": "
	                   "{\"abortPercent\": 5}}, \"s\": \"<\"}",
	                   XDS_JSON_ENVOY, 0),
	          "{\n \"typed_per_filter_config\": {\n  \"envoy.filters.http.fault\": {\n"
	          "   \"abort_percent\": 5\n  }\n },\n \"s\": \"\\u003c\"\n}");
}

/* legacy jsonpb: Struct fields one level deeper, empty messages on two lines. */
static void test_jsonpb_style(void)
{
	CHECK_STR(write_as("{\"node\": {\"metadata\": {\"B\": \"2\", \"A\": \"1\"}, \"ads\": {}}}",
	                   XDS_JSON_JSONPB, 0),
	          "{\n"
	          "    \"node\": {\n"
	          "        \"metadata\": {\n"
	          "                \"A\": \"1\",\n"
	          "                \"B\": \"2\"\n"
	          "            },\n"
	          "        \"ads\": {\n"
	          "\n"
	          "        }\n"
	          "    }\n"
	          "}");
}

static const char *yaml_of(const char *json)
{
	static char buf[4096];
	struct strbuf sb = STRBUF_INIT;
	if (xds_json_to_yaml(&sb, json, strlen(json)) != 0) {
		strbuf_free(&sb);
		return "(failed)";
	}
	snprintf(buf, sizeof buf, "%s", strbuf_cstr(&sb));
	strbuf_free(&sb);
	return buf;
}

static void test_yaml(void)
{
	CHECK_STR(
	    yaml_of("{\"b\": [1, {\"y\": true, \"x\": null}], \"@type\": \"t\", \"a10\": \"1605\","
	            " \"a9\": \"2022-12-08T11:03:53.361Z\", \"v\": \"2022-12-08T09:07:09Z/10\","
	            " \"e\": \"\", \"j\": \"{\\\"k\\\":1}\", \"m\": {}, \"n\": \"a\\nb\"}"),
	    "'@type': t\n"
	    "a9: \"2022-12-08T11:03:53.361Z\"\n"
	    "a10: \"1605\"\n"
	    "b:\n"
	    "- 1\n"
	    "- x: null\n"
	    "  \"y\": true\n"
	    "e: \"\"\n"
	    "j: '{\"k\":1}'\n"
	    "m: {}\n"
	    "\"n\": |-\n"
	    "  a\n"
	    "  b\n"
	    "v: 2022-12-08T09:07:09Z/10\n");
	CHECK_STR(yaml_of("[1,"), "(failed)");
}

struct note {
	int id;
	const char *content;
};

static int note_less(void *ctx, const void *a, const void *b)
{
	(void)ctx;
	return strcmp(((const struct note *)a)->content, ((const struct note *)b)->content) < 0;
}

/* Go's sort.Slice on {-1 "x"} followed by n-1 {i "test"}, sorted by
 * content. Go 1.21 prints these orders for 13 and 14 (a published run of
 * its pdqsort, whose xorshift constants were 13/17/5); 12 and fewer are an
 * insertion sort, stable. Go 1.16's quickSort runs a gap-6 shell pass first:
 * x swaps with "test" 5, which thus leads. */
static void check_order(int n, enum go_sort_algo algo, const int *want)
{
	struct note notes[14];
	void *items[14];
	notes[0] = (struct note){-1, "x"};
	for (int i = 1; i < n; i++)
		notes[i] = (struct note){i - 1, "test"};
	for (int i = 0; i < n; i++)
		items[i] = &notes[i];
	go_sort_pointers_as(items, (size_t)n, note_less, NULL, algo);
	for (int i = 0; i < n; i++)
		CHECK(((struct note *)items[i])->id == want[i]);
}

static void test_gosort_ties(void)
{
	static const int stable12[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1};
	static const int want13[] = {5, 0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, -1};
	static const int want14[] = {5, 7, 1, 2, 3, 4, 0, 12, 9, 8, 6, 10, 11, -1};
	static const int quick12[] = {5, 0, 1, 2, 3, 4, 6, 7, 8, 9, 10, -1};
	check_order(12, GO_SORT_PDQ, stable12);
	check_order(12, GO_SORT_PDQ_1_19, stable12);
	check_order(13, GO_SORT_PDQ_1_19, want13);
	check_order(13, GO_SORT_PDQ, want13); /* no pattern breaking on this path */
	check_order(14, GO_SORT_PDQ_1_19, want14);
	check_order(12, GO_SORT_QUICK, quick12);
}

int main(void)
{
	test_names();
	test_istioctl_style();
	test_jsonpb_style();
	test_yaml();
	test_gosort_ties();
	return check_summary("json_write");
}
