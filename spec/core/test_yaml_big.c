/* yaml_load and mesh_apply on inputs big enough for libyaml to run ahead on
 * a second thread (src/core/yaml_events.c): the same trees, positions and
 * errors as a one-thread parse of the same documents, the per-document
 * callback in order, and an apply that stays all or nothing whichever
 * document fails. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/mesh.h"
#include "meshlua/strbuf.h"
#include "meshlua/yaml_load.h"

/* Every kind of node and scalar the loader makes (anchors, merges, tags,
 * block scalars, flow collections). 20 lines. */
static const char doc_text[] = "apiVersion: v1\n"
                               "kind: ConfigMap\n"
                               "metadata:\n"
                               "  name: settings\n"
                               "  labels: {app: web, tier: \"front\"}\n"
                               "data:\n"
                               "  base: &base {a: 1, b: yes, c: 0x1F, d: ~, e: 1.5}\n"
                               "  derived:\n"
                               "    <<: *base\n"
                               "    b: off\n"
                               "  list: [1, \"two\", 'three', !!str 4, -.inf]\n"
                               "  text: |\n"
                               "    line one\n"
                               "    line two\n"
                               "  folded: >\n"
                               "    folded\n"
                               "    text\n"
                               "  empty:\n"
                               "  nested: [{x: [y, {z: null}]}]\n"
                               "  last: 0777\n";
#define DOC_LINES 20
#define DOCS      4000 /* about 3.6 MB: far above YAML_EVENTS_AHEAD_MIN */

/* DOCS copies of doc_text, each after a "---" line, then tail. */
static char *big_input(const char *tail, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < DOCS; i++) {
		strbuf_puts(&sb, "---\n");
		strbuf_puts(&sb, doc_text);
	}
	strbuf_puts(&sb, tail);
	return strbuf_detach(&sb, len);
}

/* 1 when b is a with every line moved down by lines. */
static int same_tree(const struct node *a, const struct node *b, int lines)
{
	if (a->type != b->type || a->tag != b->tag || a->len != b->len ||
	    a->line + lines != b->line || a->column != b->column)
		return 0;
	if (a->type == NODE_SCALAR)
		return memcmp(a->str, b->str, a->len + 1) == 0;
	for (size_t i = 0; i < a->len; i++) {
		if (a->type == NODE_SEQ && !same_tree(a->items[i], b->items[i], lines))
			return 0;
		if (a->type == NODE_MAP &&
		    (!same_tree(a->pairs[i].key, b->pairs[i].key, lines) ||
		     !same_tree(a->pairs[i].value, b->pairs[i].value, lines)))
			return 0;
	}
	return 1;
}

static const char *error_of(const char *text, size_t len)
{
	static char buf[2048];
	struct yaml_stream s;
	struct mesh_error err;
	if (yaml_load(&s, "big.yaml", text, len, &err) == 0) {
		yaml_stream_free(&s);
		return "(no error)";
	}
	mesh_error_format(&err, buf, sizeof buf);
	return buf;
}

static void test_same_trees_as_one_document(void)
{
	struct yaml_stream one, big;
	struct mesh_error err;
	size_t len;
	char *text = big_input("", &len);
	int all_same = 1;
	CHECK(len > 1024 * 1024); /* YAML_EVENTS_AHEAD_MIN is 512 KiB */
	CHECK(yaml_load(&one, "one.yaml", doc_text, strlen(doc_text), &err) == 0);
	CHECK(yaml_load(&big, "big.yaml", text, len, &err) == 0);
	CHECK(big.count == DOCS);
	for (size_t i = 0; i < big.count && i < DOCS; i++) {
		int lines = (int)i * (DOC_LINES + 1) + 1;
		all_same &= big.doc_lines[i] == lines + 1;
		all_same &= same_tree(one.docs[0], big.docs[i], lines);
	}
	CHECK(all_same);
	/* Spot checks that the comparison compares something. */
	CHECK_STR(node_text(node_path(big.docs[DOCS - 1],
	                              (const char *const[]){"data", "derived", "a", NULL})),
	          "1");
	CHECK(node_get(node_get(big.docs[7], "data"), "list")->line == 7 * 21 + 1 + 11);
	yaml_stream_free(&one);
	yaml_stream_free(&big);
	free(text);
}

struct seen {
	size_t calls;
	size_t stop_after; /* 0: never */
	int in_order;
	const struct node *first;
};

static int on_doc(void *ctx, const struct node *root, int line)
{
	struct seen *s = ctx;
	s->in_order &= line == (int)s->calls * (DOC_LINES + 1) + 2 && root->type == NODE_MAP;
	if (!s->first)
		s->first = root;
	s->calls++;
	return s->stop_after && s->calls == s->stop_after;
}

static void test_callback_sees_each_document_in_order(void)
{
	struct yaml_stream s;
	struct mesh_error err;
	struct seen seen = {0, 0, 1, NULL};
	size_t len;
	char *text = big_input("", &len);
	CHECK(yaml_load_each(&s, "big.yaml", text, len, on_doc, &seen, &err) == 0);
	CHECK(seen.calls == DOCS);
	CHECK(seen.in_order);
	CHECK(seen.first == s.docs[0]);
	yaml_stream_free(&s);
	free(text);
}

static void test_errors_in_their_place(void)
{
	char want[200];
	size_t len;
	char *text;
	int last_line = DOCS * (DOC_LINES + 1) + 1;
	/* At the very end: libyaml's error, after every document before it. */
	text = big_input("---\nbad:\n\tx: 1\n", &len);
	snprintf(want, sizeof want,
	         "big.yaml:%d:1: a tab character where YAML allows only spaces (indent with "
	         "spaces)",
	         last_line + 2);
	CHECK_STR(error_of(text, len), want);
	free(text);
	text = big_input("---\nx: *nope\n", &len);
	snprintf(want, sizeof want, "big.yaml:%d:4: unknown anchor 'nope' referenced",
	         last_line + 1);
	CHECK_STR(error_of(text, len), want);
	free(text);
	text = big_input("---\na: 1\n\xff\xfe", &len);
	snprintf(want, sizeof want, "big.yaml: byte %zu: invalid leading UTF-8 octet (#FF)",
	         len - 2);
	CHECK_STR(error_of(text, len), want);
	free(text);
	/* The loader's own error in the second document comes first, as in
	 * one thread: libyaml's later one is never reached. */
	text = big_input("---\nbad:\n\tx: 1\n", &len);
	memcpy(strstr(text + 4 + strlen(doc_text), "tier: \"front\"}"), "app:  \"front\"}", 14);
	CHECK_STR(error_of(text, len),
	          "big.yaml:27:22: mapping key \"app\" already defined at line 27");
	free(text);
}

static void test_stopped_callback_still_meets_late_errors(void)
{
	struct yaml_stream s;
	struct mesh_error err;
	struct seen seen = {0, 3, 1, NULL};
	size_t len;
	char *text = big_input("---\nbad: [\n", &len);
	CHECK(yaml_load_each(&s, "big.yaml", text, len, on_doc, &seen, &err) == -1);
	CHECK(seen.calls == 3);
	CHECK(err.line == DOCS * (DOC_LINES + 1) + 3);
	free(text);
	seen = (struct seen){0, 3, 1, NULL};
	text = big_input("", &len);
	CHECK(yaml_load_each(&s, "big.yaml", text, len, on_doc, &seen, &err) == 0);
	CHECK(seen.calls == 3 && s.count == DOCS);
	yaml_stream_free(&s);
	free(text);
}

/* A stream of apps (a ServiceAccount and a Service each) in one namespace,
 * big enough to be parsed ahead; bad replaces the n-th Service's port. */
static char *apps(int count, int bad_at, const char *tail, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n");
	for (int i = 0; i < count; i++) {
		char doc[400];
		snprintf(doc, sizeof doc,
		         "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app-%d\n"
		         "  namespace: big\n"
		         "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-%d\n"
		         "  namespace: big\nspec:\n  selector: {app: app-%d}\n  ports:\n"
		         "  - {name: http, port: %s, targetPort: 8080}\n",
		         i, i, i, i == bad_at ? "eighty" : "80");
		strbuf_puts(&sb, doc);
	}
	strbuf_puts(&sb, tail);
	return strbuf_detach(&sb, len);
}

static void test_apply_is_all_or_nothing_whichever_document_fails(void)
{
	struct mesh_error err;
	struct mesh_changes changes;
	struct mesh *m = mesh_new(NULL, &err);
	uint64_t version = mesh_version(m);
	size_t len;
	char *text, msg[1200];
	/* A bad Service early and a YAML error at the end: the YAML error, as
	 * the whole file is read before anything is applied. */
	text = apps(3000, 2, "---\nbad:\n\tx: 1\n", &len);
	CHECK(len > 600 * 1024);
	CHECK(mesh_apply(m, "apps.yaml", text, len, NULL, &changes, &err) == -1);
	mesh_error_format(&err, msg, sizeof msg);
	CHECK(strstr(msg, "a tab character where YAML allows only spaces") != NULL);
	CHECK(mesh_version(m) == version && mesh_count(m, MESH_SERVICEACCOUNT, "big") == 0);
	free(text);
	/* The bad Service alone: its error, and still nothing applied. */
	text = apps(3000, 2, "", &len);
	CHECK(mesh_apply(m, "apps.yaml", text, len, NULL, &changes, &err) == -1);
	mesh_error_format(&err, msg, sizeof msg);
	CHECK_STR(msg, "apps.yaml:52:24: Service \"app-2\": spec.ports[0].port: must be an "
	               "integer, got string \"eighty\"");
	CHECK(mesh_version(m) == version && mesh_count(m, MESH_SERVICEACCOUNT, "big") == 0);
	free(text);
	/* All good: everything, in order. */
	text = apps(3000, -1, "", &len);
	CHECK(mesh_apply(m, "apps.yaml", text, len, NULL, &changes, &err) == 0);
	CHECK(changes.count == 6001);
	CHECK(changes.count == 6001 && strcmp(changes.items[6000].name, "app-2999") == 0 &&
	      changes.items[6000].kind == MESH_SERVICE);
	CHECK(mesh_count(m, MESH_SERVICE, "big") == 3000);
	mesh_changes_free(&changes);
	free(text);
	mesh_free(m);
}

int main(void)
{
	test_same_trees_as_one_document();
	test_callback_sees_each_document_in_order();
	test_errors_in_their_place();
	test_stopped_callback_still_meets_late_errors();
	test_apply_is_all_or_nothing_whichever_document_fails();
	return check_summary("yaml_big");
}
