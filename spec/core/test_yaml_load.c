/* Unit tests of src/core/yaml_load.c and node.c: trees, positions, scalar
 * typing as kubectl's YAML reader, and every error with its place. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/yaml_load.h"

static const char *error_of(const char *source, const char *text)
{
	static char buf[2048];
	struct yaml_stream s;
	struct mesh_error err;
	if (yaml_load(&s, source, text, strlen(text), &err) == 0) {
		yaml_stream_free(&s);
		return "(no error)";
	}
	mesh_error_format(&err, buf, sizeof buf);
	return buf;
}

static void test_multi_document_with_positions(void)
{
	const char *text = "apiVersion: v1\n"
			   "kind: Service\n"
			   "metadata:\n"
			   "  name: customers\n"
			   "spec:\n"
			   "  ports:\n"
			   "  - port: 80\n"
			   "    targetPort: \"3000\"\n"
			   "---\n"
			   "---\n"
			   "# only a comment\n"
			   "---\n"
			   "kind: Namespace\n";
	struct yaml_stream s;
	struct mesh_error err;
	const struct node *port, *target, *ports;
	long long v = 0;
	CHECK(yaml_load(&s, "apps.yaml", text, strlen(text), &err) == 0);
	CHECK(s.count == 2); /* empty documents are skipped */
	CHECK_STR(node_text(node_get(s.docs[1], "kind")), "Namespace");
	CHECK(s.doc_lines[1] == 13);
	ports = node_path(s.docs[0], (const char *const[]){"spec", "ports", NULL});
	CHECK(ports && ports->type == NODE_SEQ && ports->len == 1);
	port = node_get(ports->items[0], "port");
	target = node_get(ports->items[0], "targetPort");
	CHECK(port->line == 7 && port->column == 11);
	CHECK(node_int(port, &v) == 0 && v == 80);
	CHECK(node_is_str(target));
	CHECK(node_int(target, &v) == -1); /* "3000" quoted is a string */
	CHECK(node_get_pair(ports->items[0], "targetPort")->key->line == 8);
	CHECK(node_get_pair(ports->items[0], "targetPort")->key->column == 5);
	CHECK_STR(s.source, "apps.yaml");
	yaml_stream_free(&s);
}

static void test_scalar_types_as_kubectl(void)
{
	const char *text = "a: yes\nb: off\nc: 0x1F\nd: 0777\ne: 1.5\nf: ~\ng: 'true'\nh: 1_000\n"
			   "i: -42\nj: 1e3\nk: enabled\nl: !!str 80\nm: \"\"\nn:\n";
	struct yaml_stream s;
	struct mesh_error err;
	long long v;
	CHECK(yaml_load(&s, "t", text, strlen(text), &err) == 0);
	CHECK_STR(node_type_name(node_get(s.docs[0], "a")), "boolean");
	CHECK_STR(node_type_name(node_get(s.docs[0], "b")), "boolean");
	CHECK(node_int(node_get(s.docs[0], "c"), &v) == 0 && v == 31);
	CHECK(node_int(node_get(s.docs[0], "d"), &v) == 0 && v == 511);
	CHECK_STR(node_type_name(node_get(s.docs[0], "e")), "number");
	CHECK_STR(node_type_name(node_get(s.docs[0], "f")), "null");
	CHECK_STR(node_type_name(node_get(s.docs[0], "g")), "string");
	CHECK(node_int(node_get(s.docs[0], "h"), &v) == 0 && v == 1000);
	CHECK(node_int(node_get(s.docs[0], "i"), &v) == 0 && v == -42);
	CHECK_STR(node_type_name(node_get(s.docs[0], "j")), "number");
	CHECK_STR(node_type_name(node_get(s.docs[0], "k")), "string");
	CHECK_STR(node_type_name(node_get(s.docs[0], "l")), "string");
	CHECK_STR(node_type_name(node_get(s.docs[0], "m")), "string");
	CHECK_STR(node_type_name(node_get(s.docs[0], "n")), "null");
	CHECK(node_text(node_get(s.docs[0], "n")) == NULL);
	yaml_stream_free(&s);
}

static void test_json_with_tabs_and_output(void)
{
	const char *text = "{\n\t\"kind\": \"Service\",\n\t\"ports\": [80, 443],\n\t\"x\": null\n}\n";
	struct yaml_stream s;
	struct mesh_error err;
	struct strbuf out = STRBUF_INIT;
	CHECK(yaml_load(&s, "svc.json", text, strlen(text), &err) == 0);
	CHECK(s.count == 1);
	CHECK(node_get(s.docs[0], "ports")->line == 3);
	CHECK(node_get(s.docs[0], "ports")->column == 11);
	CHECK(node_to_json(s.docs[0], &out, 0) == 0);
	CHECK_STR(strbuf_cstr(&out), "{\"kind\":\"Service\",\"ports\":[80,443],\"x\":null}");
	strbuf_reset(&out);
	CHECK(node_to_json(node_get(s.docs[0], "ports"), &out, 2) == 0);
	CHECK_STR(strbuf_cstr(&out), "[\n  80,\n  443\n]");
	strbuf_free(&out);
	yaml_stream_free(&s);
}

static void test_equality_ignores_key_order(void)
{
	const char *a = "x: 1\ny: [a, {p: 0x10}]\n";
	const char *b = "y: [a, {p: 16}]\nx: 1\n";
	const char *c = "y: [a, {p: 17}]\nx: 1\n";
	struct yaml_stream sa, sb, sc;
	struct mesh_error err;
	CHECK(yaml_load(&sa, "a", a, strlen(a), &err) == 0);
	CHECK(yaml_load(&sb, "b", b, strlen(b), &err) == 0);
	CHECK(yaml_load(&sc, "c", c, strlen(c), &err) == 0);
	CHECK(node_equal(sa.docs[0], sb.docs[0]));
	CHECK(!node_equal(sa.docs[0], sc.docs[0]));
	yaml_stream_free(&sa);
	yaml_stream_free(&sb);
	yaml_stream_free(&sc);
}

static void test_anchors_and_merge_keys(void)
{
	const char *text = "base: &b {app: web, tier: front}\n"
			   "labels:\n  <<: *b\n  tier: back\n"
			   "copy: *b\n";
	struct yaml_stream s;
	struct mesh_error err;
	const struct node *labels;
	CHECK(yaml_load(&s, "t", text, strlen(text), &err) == 0);
	labels = node_get(s.docs[0], "labels");
	CHECK(labels->len == 2);
	CHECK_STR(node_text(node_get(labels, "app")), "web");
	CHECK_STR(node_text(node_get(labels, "tier")), "back");
	CHECK_STR(node_text(node_get(node_get(s.docs[0], "copy"), "app")), "web");
	yaml_stream_free(&s);
}

static void test_errors_name_the_place(void)
{
	CHECK_STR(error_of("apps.yaml", "a:\n\tb: 1\n"),
		  "apps.yaml:2:1: a tab character where YAML allows only spaces (indent with spaces)");
	CHECK_STR(error_of("apps.yaml", "metadata:\n  name: a\n  name: b\n"),
		  "apps.yaml:3:3: mapping key \"name\" already defined at line 2");
	CHECK_STR(error_of("x.yaml", "a: [1, 2\n"),
		  "x.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence)");
	CHECK_STR(error_of("x.yaml", "a: *nope\n"), "x.yaml:1:4: unknown anchor 'nope' referenced");
	CHECK_STR(error_of("bin.yaml", "a: 1\n\xff\xfe"),
		  "bin.yaml: byte 5: invalid leading UTF-8 octet (#FF)");
	CHECK_STR(error_of("k.yaml", "? [a]\n: 1\n"),
		  "k.yaml:1:3: a map or list as a mapping key is not supported");
}

static void test_depth_limit(void)
{
	size_t depth = 100000;
	char *deep = malloc(depth * 2 + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[depth * 2] = '\0';
	CHECK(strstr(error_of("deep.yaml", deep), "nesting deeper than 200 levels") != NULL);
	free(deep);
}

/* Envoy's admin API writes snake_case, istioctl -o json lowerCamel. */
static void test_proto_field_names_in_both_forms(void)
{
	struct yaml_stream s;
	struct mesh_error err;
	const char *doc = "{\"routeConfigName\": \"80\", \"consecutive5xx\": 5, "
			  "\"http2_protocol_options\": {}, \"@type\": \"t\"}";
	CHECK(yaml_load(&s, "f.json", doc, strlen(doc), &err) == 0);
	CHECK_STR(node_text(node_field(s.docs[0], "route_config_name")), "80");
	CHECK(node_field(s.docs[0], "consecutive_5xx") != NULL);
	CHECK(node_field(s.docs[0], "http2_protocol_options") != NULL);
	CHECK_STR(node_text(node_field(s.docs[0], "@type")), "t");
	CHECK(node_field(s.docs[0], "route_config") == NULL);
	CHECK(node_field(s.docs[0], "route_config_name_x") == NULL);
	CHECK(!node_field_name_is("routeconfigName", "route_config_name"));
	yaml_stream_free(&s);
}

int main(void)
{
	test_proto_field_names_in_both_forms();
	test_multi_document_with_positions();
	test_scalar_types_as_kubectl();
	test_json_with_tabs_and_output();
	test_equality_ignores_key_order();
	test_anchors_and_merge_keys();
	test_errors_name_the_place();
	test_depth_limit();
	return check_summary("yaml_load");
}
