/* YAML (and JSON) text into node trees with positions, over libyaml's event
 * parser. Every failure becomes a positioned mesh_error; nothing leaks: the
 * arena is freed on error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "meshlua/yaml_load.h"
#include "node_scalar.h"

struct anchor {
	const char *name;
	struct node *node;
};

struct loader {
	yaml_parser_t parser;
	struct arena *arena;
	const char *source;
	struct mesh_error *err;
	const char *data; /* the input, for error hints */
	size_t len;
	struct anchor *anchors; /* of the current document (malloc'd) */
	size_t anchor_count, anchor_cap;
	int failed;
};

/* A growable array of pointers or pairs used while a collection is read. */
struct scratch {
	void *data;
	size_t count, cap, size;
};

static int scratch_push(struct scratch *s, const void *item)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		void *data = realloc(s->data, cap * s->size);
		if (!data)
			return -1;
		s->data = data;
		s->cap = cap;
	}
	memcpy((char *)s->data + s->count * s->size, item, s->size);
	s->count++;
	return 0;
}

/* Records the first failure only: later ones are consequences. line and
 * column are 0-based, as libyaml's marks. */
static void fail_at(struct loader *ld, size_t line, size_t column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail_at(struct loader *ld, size_t line, size_t column, const char *fmt, ...)
{
	va_list ap;
	if (ld->failed)
		return;
	ld->failed = 1;
	va_start(ap, fmt);
	mesh_error_vset(ld->err, ld->source, (int)line + 1, (int)column + 1, fmt, ap);
	va_end(ap);
}

static void fail_oom(struct loader *ld)
{
	if (ld->failed)
		return;
	ld->failed = 1;
	mesh_error_set(ld->err, ld->source, 0, 0, "out of memory");
}

/* Turns libyaml's parser error into ours, with a hint for the classic tab. */
static void fail_from_parser(struct loader *ld)
{
	yaml_parser_t *p = &ld->parser;
	if (p->error == YAML_READER_ERROR) {
		char problem[200];
		if (p->problem_value != -1)
			snprintf(problem, sizeof problem, "%s (#%X)", p->problem, p->problem_value);
		else
			snprintf(problem, sizeof problem, "%s", p->problem);
		mesh_error_set(ld->err, ld->source, 0, 0, "%s", problem);
		ld->err->offset = (long)p->problem_offset;
		ld->failed = 1;
		return;
	}
	if (p->error == YAML_MEMORY_ERROR || !p->problem) {
		fail_oom(ld);
		return;
	}
	if (p->problem_mark.index < ld->len && ld->data[p->problem_mark.index] == '\t')
		fail_at(ld, p->problem_mark.line, p->problem_mark.column,
			"a tab character where YAML allows only spaces (indent with spaces)");
	else if (p->context)
		fail_at(ld, p->problem_mark.line, p->problem_mark.column, "%s (%s)", p->problem,
			p->context);
	else
		fail_at(ld, p->problem_mark.line, p->problem_mark.column, "%s", p->problem);
}

static struct node *new_node(struct loader *ld, enum node_type type, yaml_mark_t mark)
{
	struct node *n = arena_calloc(ld->arena, 1, sizeof *n);
	if (!n) {
		fail_oom(ld);
		return NULL;
	}
	n->type = type;
	n->tag = NODE_TAG_NONE;
	n->line = (int)mark.line + 1;
	n->column = (int)mark.column + 1;
	return n;
}

static int remember_anchor(struct loader *ld, const yaml_char_t *name, struct node *n)
{
	struct anchor a;
	if (!name)
		return 0;
	if (ld->anchor_count == ld->anchor_cap) {
		size_t cap = ld->anchor_cap ? ld->anchor_cap * 2 : 8;
		struct anchor *grown = realloc(ld->anchors, cap * sizeof *grown);
		if (!grown)
			return -1;
		ld->anchors = grown;
		ld->anchor_cap = cap;
	}
	a.name = arena_strdup(ld->arena, (const char *)name);
	a.node = n;
	if (!a.name)
		return -1;
	ld->anchors[ld->anchor_count++] = a;
	return 0;
}

static struct node *find_anchor(struct loader *ld, const char *name)
{
	for (size_t i = ld->anchor_count; i > 0; i--) /* the latest definition wins */
		if (strcmp(ld->anchors[i - 1].name, name) == 0)
			return ld->anchors[i - 1].node;
	return NULL;
}

/* The tag of a scalar event: explicit standard tags, else plain resolution;
 * quoted and block scalars are strings. */
static enum node_tag scalar_tag(const yaml_event_t *ev, const char *text, size_t len)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	if (tag) {
		if (strcmp(tag, YAML_INT_TAG) == 0)
			return NODE_TAG_INT;
		if (strcmp(tag, YAML_FLOAT_TAG) == 0)
			return NODE_TAG_FLOAT;
		if (strcmp(tag, YAML_BOOL_TAG) == 0)
			return NODE_TAG_BOOL;
		if (strcmp(tag, YAML_NULL_TAG) == 0)
			return NODE_TAG_NULL;
		if (strcmp(tag, "!") != 0)
			return NODE_TAG_STR;
	}
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ev->data.scalar.plain_implicit)
		return scalar_resolve_plain(text, len);
	return NODE_TAG_STR;
}

static struct node *load_node(struct loader *ld, yaml_event_t *ev, int depth);

static int next_event(struct loader *ld, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ld->parser, ev)) {
		fail_from_parser(ld);
		return -1;
	}
	return 0;
}

static struct node *load_scalar(struct loader *ld, yaml_event_t *ev)
{
	struct node *n = new_node(ld, NODE_SCALAR, ev->start_mark);
	if (!n)
		return NULL;
	n->len = ev->data.scalar.length;
	n->str = arena_strndup(ld->arena, (const char *)ev->data.scalar.value, n->len);
	if (!n->str) {
		fail_oom(ld);
		return NULL;
	}
	n->tag = scalar_tag(ev, n->str, n->len);
	if (remember_anchor(ld, ev->data.scalar.anchor, n) != 0) {
		fail_oom(ld);
		return NULL;
	}
	return n;
}

static struct node *load_sequence(struct loader *ld, yaml_event_t *start, int depth)
{
	struct node *n = new_node(ld, NODE_SEQ, start->start_mark);
	struct scratch items = {NULL, 0, 0, sizeof(struct node *)};
	yaml_event_t ev;
	if (!n || remember_anchor(ld, start->data.sequence_start.anchor, n) != 0) {
		fail_oom(ld);
		return NULL;
	}
	while (next_event(ld, &ev) == 0) {
		struct node *child;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			n->len = items.count;
			n->items = arena_alloc(ld->arena, items.count * sizeof *n->items);
			if (n->items && items.count)
				memcpy(n->items, items.data, items.count * sizeof *n->items);
			free(items.data);
			return n->items ? n : (fail_oom(ld), NULL);
		}
		child = load_node(ld, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!child || scratch_push(&items, &child) != 0)
			break;
	}
	if (!ld->failed)
		fail_oom(ld);
	free(items.data);
	return NULL;
}

static int has_key(const struct scratch *pairs, const char *key)
{
	const struct node_pair *p = pairs->data;
	for (size_t i = 0; i < pairs->count; i++)
		if (strcmp(p[i].key->str, key) == 0)
			return 1;
	return 0;
}

/* Applies a `<<` merge value (a map or a list of maps) to pairs: keys already
 * present keep their values. */
static int merge_into(struct loader *ld, struct scratch *pairs, const struct node *value)
{
	const struct node *const *sources = &value;
	size_t count = 1;
	if (value->type == NODE_SEQ) {
		sources = (const struct node *const *)value->items;
		count = value->len;
	}
	for (size_t s = 0; s < count; s++) {
		if (sources[s]->type != NODE_MAP) {
			fail_at(ld, (size_t)value->line - 1, (size_t)value->column - 1,
				"map merge requires a map or a list of maps");
			return -1;
		}
		for (size_t i = 0; i < sources[s]->len; i++)
			if (!has_key(pairs, sources[s]->pairs[i].key->str) &&
			    scratch_push(pairs, &sources[s]->pairs[i]) != 0)
				return -1;
	}
	return 0;
}

static int add_pair(struct loader *ld, struct scratch *pairs, struct node *key, struct node *value)
{
	struct node_pair pair = {key, value};
	const struct node_pair *p = pairs->data;
	for (size_t i = 0; i < pairs->count; i++) {
		if (strcmp(p[i].key->str, key->str) == 0) {
			fail_at(ld, (size_t)key->line - 1, (size_t)key->column - 1,
				"mapping key \"%s\" already defined at line %d", key->str,
				p[i].key->line);
			return -1;
		}
	}
	return scratch_push(pairs, &pair);
}

static struct node *finish_map(struct loader *ld, struct node *n, struct scratch *pairs,
			       struct scratch *merges)
{
	struct node **m = merges->data;
	for (size_t i = 0; i < merges->count; i++)
		if (merge_into(ld, pairs, m[i]) != 0)
			return NULL;
	n->len = pairs->count;
	n->pairs = arena_alloc(ld->arena, pairs->count * sizeof *n->pairs);
	if (!n->pairs) {
		fail_oom(ld);
		return NULL;
	}
	if (pairs->count)
		memcpy(n->pairs, pairs->data, pairs->count * sizeof *n->pairs);
	return n;
}

static struct node *load_mapping(struct loader *ld, yaml_event_t *start, int depth)
{
	struct node *n = new_node(ld, NODE_MAP, start->start_mark), *result = NULL;
	struct scratch pairs = {NULL, 0, 0, sizeof(struct node_pair)};
	struct scratch merges = {NULL, 0, 0, sizeof(struct node *)};
	yaml_event_t ev;
	if (!n || remember_anchor(ld, start->data.mapping_start.anchor, n) != 0) {
		fail_oom(ld);
		return NULL;
	}
	while (next_event(ld, &ev) == 0) {
		struct node *key, *value;
		int rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			result = finish_map(ld, n, &pairs, &merges);
			break;
		}
		key = load_node(ld, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!key)
			break;
		if (key->type != NODE_SCALAR) {
			fail_at(ld, (size_t)key->line - 1, (size_t)key->column - 1,
				"a map or list as a mapping key is not supported");
			break;
		}
		if (next_event(ld, &ev) != 0)
			break;
		value = load_node(ld, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!value)
			break;
		if (strcmp(key->str, "<<") == 0 && key->tag == NODE_TAG_STR)
			rc = scratch_push(&merges, &value);
		else
			rc = add_pair(ld, &pairs, key, value);
		if (rc != 0) {
			if (!ld->failed)
				fail_oom(ld);
			break;
		}
	}
	free(pairs.data);
	free(merges.data);
	return result;
}

static struct node *load_node(struct loader *ld, yaml_event_t *ev, int depth)
{
	if (depth > YAML_MAX_DEPTH) {
		fail_at(ld, ev->start_mark.line, ev->start_mark.column,
			"nesting deeper than %d levels", YAML_MAX_DEPTH);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return load_scalar(ld, ev);
	case YAML_SEQUENCE_START_EVENT:
		return load_sequence(ld, ev, depth);
	case YAML_MAPPING_START_EVENT:
		return load_mapping(ld, ev, depth);
	case YAML_ALIAS_EVENT: {
		struct node *target = find_anchor(ld, (const char *)ev->data.alias.anchor);
		if (!target)
			fail_at(ld, ev->start_mark.line, ev->start_mark.column,
				"unknown anchor '%s' referenced", (const char *)ev->data.alias.anchor);
		return target;
	}
	default:
		fail_at(ld, ev->start_mark.line, ev->start_mark.column, "unexpected YAML event");
		return NULL;
	}
}

/* Reads one document's root (after DOCUMENT-START) up to DOCUMENT-END. */
static int load_document(struct loader *ld, struct scratch *docs, struct scratch *lines)
{
	yaml_event_t ev;
	struct node *root;
	int line;
	if (next_event(ld, &ev) != 0)
		return -1;
	line = (int)ev.start_mark.line + 1;
	root = load_node(ld, &ev, 0);
	yaml_event_delete(&ev);
	if (!root)
		return -1;
	if (next_event(ld, &ev) != 0)
		return -1;
	yaml_event_delete(&ev); /* DOCUMENT-END */
	ld->anchor_count = 0;   /* anchors do not cross documents */
	if (root->type == NODE_SCALAR && root->tag == NODE_TAG_NULL)
		return 0; /* an empty document, as kubectl skips them */
	if (scratch_push(docs, &root) != 0 || scratch_push(lines, &line) != 0) {
		fail_oom(ld);
		return -1;
	}
	return 0;
}

static int load_stream(struct loader *ld, struct yaml_stream *out)
{
	struct scratch docs = {NULL, 0, 0, sizeof(struct node *)};
	struct scratch lines = {NULL, 0, 0, sizeof(int)};
	yaml_event_t ev;
	int rc = -1;
	while (next_event(ld, &ev) == 0) {
		yaml_event_type_t type = ev.type;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT) {
			rc = 0;
			break;
		}
		if (type == YAML_DOCUMENT_START_EVENT && load_document(ld, &docs, &lines) != 0)
			break;
	}
	if (rc == 0) {
		out->count = docs.count;
		out->docs = arena_alloc(ld->arena, docs.count * sizeof *out->docs);
		out->doc_lines = arena_alloc(ld->arena, lines.count * sizeof *out->doc_lines);
		if (!out->docs || !out->doc_lines) {
			fail_oom(ld);
			rc = -1;
		} else if (docs.count) {
			memcpy(out->docs, docs.data, docs.count * sizeof *out->docs);
			memcpy(out->doc_lines, lines.data, lines.count * sizeof *out->doc_lines);
		}
	}
	free(docs.data);
	free(lines.data);
	return rc;
}

/* JSON allows tabs between tokens, YAML's scanner does not: for an input
 * that is a JSON document, tabs become spaces (columns stay the same; JSON
 * strings cannot hold a raw tab). Returns a malloc'd copy, or NULL when the
 * input is not JSON-looking or has no tab (then data is used as is). */
static char *json_without_tabs(const char *data, size_t len)
{
	size_t i = 0;
	char *copy;
	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (i == len || (data[i] != '{' && data[i] != '[') || !memchr(data, '\t', len))
		return NULL;
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	for (i = 0; i < len; i++)
		copy[i] = data[i] == '\t' ? ' ' : data[i];
	copy[len] = '\0';
	return copy;
}

int yaml_load(struct yaml_stream *out, const char *source, const char *data, size_t len,
	      struct mesh_error *err)
{
	struct loader ld = {0};
	char *untabbed = json_without_tabs(data, len);
	int rc;
	memset(out, 0, sizeof *out);
	arena_init(&out->arena, 0);
	ld.arena = &out->arena;
	ld.err = err;
	ld.source = source ? source : "<string>";
	out->source = arena_strdup(&out->arena, ld.source);
	if (!out->source || !yaml_parser_initialize(&ld.parser)) {
		free(untabbed);
		arena_free(&out->arena);
		mesh_error_set(err, ld.source, 0, 0, "out of memory");
		return -1;
	}
	if (untabbed)
		data = untabbed;
	ld.data = data;
	ld.len = len;
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&ld.parser, YAML_UTF8_ENCODING);
	rc = load_stream(&ld, out);
	yaml_parser_delete(&ld.parser);
	free(ld.anchors);
	free(untabbed);
	if (rc != 0) {
		arena_free(&out->arena);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

void yaml_stream_free(struct yaml_stream *s)
{
	arena_free(&s->arena);
	memset(s, 0, sizeof *s);
}

int read_whole_file(const char *path, char **data, size_t *len, struct mesh_error *err)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	size_t n;
	if (!f) {
		mesh_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (strbuf_append(&sb, chunk, n) != 0) {
			fclose(f);
			strbuf_free(&sb);
			mesh_error_set(err, path, 0, 0, "out of memory reading the file");
			return -1;
		}
	}
	if (ferror(f)) {
		mesh_error_set(err, path, 0, 0, "read error: %s", strerror(errno));
		fclose(f);
		strbuf_free(&sb);
		return -1;
	}
	fclose(f);
	*data = strbuf_detach(&sb, len);
	if (!*data) {
		mesh_error_set(err, path, 0, 0, "out of memory reading the file");
		return -1;
	}
	return 0;
}
