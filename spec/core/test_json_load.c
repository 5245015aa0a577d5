/* Unit tests of src/core/json_load.c: trees and positions, in-place
 * strings and numbers, escapes and UTF-8, every error with its place and
 * byte offset, the depth bound, and garbage input. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/json_load.h"

static const char *error_of(const char *text)
{
	static char buf[2048];
	struct arena a;
	struct node *root;
	struct mesh_error err;
	arena_init(&a, 0);
	mesh_error_clear(&err);
	if (json_parse(&a, "in.json", text, strlen(text), &root, &err) == 0) {
		arena_free(&a);
		return "(no error)";
	}
	arena_free(&a);
	mesh_error_format(&err, buf, sizeof buf);
	return buf;
}

static void test_tree_and_positions(void)
{
	const char *text = "{\n"
	                   "  \"name\": \"outbound|80||web\",\n"
	                   "  \"port\": 8080, \"w\": -1.5e2,\n"
	                   "  \"ok\": true, \"no\": false, \"nil\": null,\n"
	                   "  \"list\": [1, [], {}, \"x\"],\n"
	                   "  \"name\": \"again\"\n"
	                   "}";
	struct arena a;
	struct node *root;
	struct mesh_error err;
	const struct node *port, *list, *w;
	long long v = 0;
	arena_init(&a, 0);
	CHECK(json_parse(&a, "t.json", text, strlen(text), &root, &err) == 0);
	CHECK(root->type == NODE_MAP && root->len == 8); /* duplicate keys kept, in order */
	CHECK(root->line == 1 && root->column == 1);
	CHECK_STR(node_text(node_get(root, "name")), "outbound|80||web");
	CHECK_STR(root->pairs[7].value->str, "again");
	port = node_get(root, "port");
	CHECK(port->tag == NODE_TAG_INT && node_int(port, &v) == 0 && v == 8080);
	CHECK(port->line == 3 && port->column == 11);
	CHECK_STR(port->str, "8080"); /* NUL-terminated in place */
	w = node_get(root, "w");
	CHECK(w->tag == NODE_TAG_FLOAT && strcmp(w->str, "-1.5e2") == 0 && w->len == 6);
	CHECK(node_get(root, "ok")->tag == NODE_TAG_BOOL);
	CHECK_STR(node_get(root, "no")->str, "false");
	CHECK(node_get(root, "nil")->tag == NODE_TAG_NULL &&
	      node_text(node_get(root, "nil")) == NULL);
	list = node_get(root, "list");
	CHECK(list->type == NODE_SEQ && list->len == 4);
	CHECK_STR(list->items[0]->str, "1");
	CHECK(list->items[1]->type == NODE_SEQ && list->items[1]->len == 0);
	CHECK(list->items[2]->type == NODE_MAP && list->items[2]->len == 0);
	CHECK(list->items[3]->line == 5 && list->items[3]->column == 23);
	CHECK(node_get_pair(root, "list")->key->line == 5);
	arena_free(&a);
}

static void test_escapes_and_utf8(void)
{
	const char *text = "[\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\", \"\\u00e9\\u20ac\", "
	                   "\"\\ud83d\\ude00\", \"\\udc00x\", \"caf\xc3\xa9\"]";
	struct arena a;
	struct node *root;
	struct mesh_error err;
	arena_init(&a, 0);
	CHECK(json_parse(&a, "t.json", text, strlen(text), &root, &err) == 0);
	CHECK_STR(root->items[0]->str, "a\"b\\c/d\n\t\r\b\f");
	CHECK(root->items[0]->len == 12);
	CHECK_STR(root->items[1]->str, "\xc3\xa9\xe2\x82\xac");
	CHECK_STR(root->items[2]->str, "\xf0\x9f\x98\x80"); /* a surrogate pair */
	CHECK_STR(root->items[3]->str, "\xef\xbf\xbdx");    /* lone surrogate: U+FFFD */
	CHECK_STR(root->items[4]->str, "caf\xc3\xa9");
	arena_free(&a);
}

static void test_round_trip(void)
{
	const char *text = "{\"a\":[1,2.5,true,null,\"x\\ny\"],\"b\":{\"c\":{}}}";
	struct arena a;
	struct node *root;
	struct mesh_error err;
	struct strbuf sb = STRBUF_INIT;
	arena_init(&a, 0);
	CHECK(json_parse(&a, "t.json", text, strlen(text), &root, &err) == 0);
	CHECK(node_to_json(root, &sb, 0) == 0);
	CHECK_STR(strbuf_cstr(&sb), text);
	strbuf_free(&sb);
	arena_free(&a);
}

static void test_errors_name_place_and_offset(void)
{
	CHECK_STR(error_of("{\"a\": [1, 2"),
	          "in.json:1:12: invalid JSON at byte 11: expected ',' or ']' after a list "
	          "item, got end of input");
	CHECK_STR(error_of("{\n  \"a\": 1,\n}"),
	          "in.json:3:1: invalid JSON at byte 12: expected a string key, got '}'");
	CHECK_STR(error_of("[1 2]"), "in.json:1:4: invalid JSON at byte 3: expected ',' or ']' "
	                             "after a list item, got '2'");
	CHECK_STR(error_of("\"abc"), "in.json:1:1: invalid JSON at byte 0: unterminated string");
	CHECK_STR(error_of("\"a\\qb\""),
	          "in.json:1:3: invalid JSON at byte 2: invalid escape '\\q' in a string");
	CHECK_STR(error_of("\"a\tb\""), "in.json:1:3: invalid JSON at byte 2: control character "
	                                "0x09 in a string (write it as \\u0009)");
	CHECK_STR(error_of("\"\xff\""), "in.json:1:2: invalid JSON at byte 1: invalid UTF-8 in a "
	                                "string");
	CHECK_STR(error_of("[01]"),
	          "in.json:1:3: invalid JSON at byte 2: expected ',' or ']' after a list item, "
	          "got '1'");
	CHECK_STR(error_of("[1.]"),
	          "in.json:1:4: invalid JSON at byte 3: expected a digit after the decimal point, "
	          "got ']'");
	CHECK_STR(error_of("{} x"), "in.json:1:4: invalid JSON at byte 3: expected end of input "
	                            "after the JSON value, got 'x'");
	CHECK_STR(error_of("[tru]"),
	          "in.json:1:2: invalid JSON at byte 1: invalid literal (expected true)");
	CHECK_STR(error_of(""), "in.json:1:1: invalid JSON at byte 0: expected a JSON value, got "
	                        "end of input");
	CHECK_STR(error_of("\xef\xbb\xbf{}"), "(no error)");
}

static void test_nul_byte(void)
{
	struct arena a;
	struct node *root;
	struct mesh_error err;
	char buf[2048];
	arena_init(&a, 0);
	CHECK(json_parse(&a, "nul.json", "{}\0{}", 5, &root, &err) == -1);
	mesh_error_format(&err, buf, sizeof buf);
	CHECK_STR(buf, "nul.json:1:3: invalid JSON at byte 2: NUL byte in the input");
	CHECK(err.offset == 2);
	arena_free(&a);
}

static void test_depth_bound(void)
{
	char deep[2 * (JSON_MAX_DEPTH + 1) + 1];
	for (int i = 0; i < JSON_MAX_DEPTH; i++) {
		deep[i] = '[';
		deep[JSON_MAX_DEPTH + i] = ']';
	}
	deep[2 * JSON_MAX_DEPTH] = '\0';
	CHECK_STR(error_of(deep), "(no error)");
	memmove(deep + 1, deep, 2 * JSON_MAX_DEPTH + 1);
	deep[0] = '[';
	deep[2 * JSON_MAX_DEPTH + 1] = ']';
	deep[2 * JSON_MAX_DEPTH + 2] = '\0';
	CHECK(strstr(error_of(deep), "byte 200: nesting deeper than 200 levels") != NULL);
}

/* Random bytes fail cleanly wherever they start (a '{' or '"' included). */
static void test_garbage(void)
{
	size_t len = 1 << 20;
	char *junk = malloc(len);
	unsigned x = 12345;
	for (int round = 0; round < 64; round++) {
		struct arena a;
		struct node *root;
		struct mesh_error err;
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = (char)(x >> 16);
		}
		junk[0] = "{[\"-1 t"[round % 7];
		arena_init(&a, 0);
		CHECK(json_parse(&a, "junk", junk, len, &root, &err) == -1);
		CHECK(err.offset >= 0 && err.line >= 1);
		arena_free(&a);
	}
	free(junk);
}

static void test_load_file(void)
{
	struct arena a;
	struct node *root;
	struct mesh_error err;
	char buf[2048];
	arena_init(&a, 0);
	CHECK(json_load_file(&a, "../shared/fixtures/istioctl/proxyconfig/config_dump.json", &root,
	                     &err) == 0);
	CHECK(node_get(root, "configs") && node_get(root, "configs")->len == 7);
	CHECK(json_load_file(&a, "no/such.json", &root, &err) == -1);
	mesh_error_format(&err, buf, sizeof buf);
	CHECK_STR(buf, "no/such.json: cannot open: No such file or directory");
	arena_free(&a);
}

/* With JSON_SHARED_KEYS, identical keys are one node; the tree reads the same. */
static void test_shared_keys(void)
{
	char text[] = "[{\"name\": \"a\", \"port\": 1},\n {\"port\": 2, \"name\": \"b\"}]";
	struct arena a;
	struct node *root;
	struct mesh_error err;
	const struct node *first, *second;
	arena_init(&a, 0);
	CHECK(json_parse_ex(&a, "t.json", text, strlen(text), JSON_SHARED_KEYS, &root, &err) == 0);
	first = root->items[0];
	second = root->items[1];
	CHECK(first->pairs[0].key == second->pairs[1].key);
	CHECK(first->pairs[1].key == second->pairs[0].key);
	CHECK(first->pairs[0].key->line == 1); /* the first occurrence's place */
	CHECK_STR(node_text(node_get(second, "name")), "b");
	CHECK_STR(node_get(second, "port")->str, "2");
	arena_free(&a);
}

int main(void)
{
	test_shared_keys();
	test_tree_and_positions();
	test_escapes_and_utf8();
	test_round_trip();
	test_errors_name_place_and_offset();
	test_nul_byte();
	test_depth_bound();
	test_garbage();
	test_load_file();
	return check_summary("json_load");
}
