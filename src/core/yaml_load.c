/* YAML (and JSON) text into node trees with positions, over libyaml's event
 * parser. Every failure becomes a positioned mesh_error; nothing leaks: the
 * arena is freed on error. The children of the collections being read wait
 * on two stacks shared by every depth (a collection's children are the top
 * of the stack when it ends), and nodes, child arrays and texts are carved
 * from chunks of the arena without its 16-byte rounding (texts in chunks of
 * their own, so that they need no padding): a 4 MB manifest makes 600,000
 * nodes, and a malloc per collection or 16 bytes per short string showed
 * in the time. */
#define _DEFAULT_SOURCE /* madvise */
#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <yaml.h>

#include "meshlua/yaml_load.h"
#include "node_scalar.h"
#include "yaml_events.h"

struct anchor {
	const char *name;
	struct node *node;
	size_t start; /* the document's expanded count before the node */
	size_t size;  /* nodes of its subtree with aliases expanded */
	int open;     /* its collection is still being read */
};

/* Aliases share their anchor's nodes, but every walker (JSON writers, Lua
 * tables, validation) sees the tree expanded: a "billion laughs" document
 * of 30 lines would expand to 10^9 nodes. As Kubernetes' YAML reader does
 * ("document contains excessive aliasing"), a document whose expanded tree
 * passes both these many nodes and EXPANSION_RATIO times the nodes written
 * is refused. */
#define EXPANDED_MAX    100000
#define EXPANSION_RATIO 10

/* Requests up to CHUNK_MAX bytes are carved from CHUNK-byte chunks (a
 * quarter of the arena's smallest block, so chunks share blocks); bigger
 * ones go to the arena as they are. Inputs of BIG_INPUT bytes and more
 * (their trees take about eight times that) get chunks of BIG_CHUNK bytes
 * whose 2 MiB-aligned part is offered to the kernel for transparent huge
 * pages: one page fault per 2 MiB instead of 512, where a 4 MB manifest
 * otherwise took 9,500 faults, a quarter of the time of the thread that
 * builds the trees. */
#define CHUNK     (16 * 1024)
#define CHUNK_MAX 1024
#define BIG_INPUT (1024 * 1024)
#define BIG_CHUNK (8 * 1024 * 1024)
#define HUGE_PAGE (2 * 1024 * 1024)

/* The arena's block size: the input's size, within these bounds. */
#define YAML_ARENA_BLOCK_MIN (64 * 1024)
#define YAML_ARENA_BLOCK_MAX (1024 * 1024)

struct loader {
	yaml_parser_t parser;
	struct yaml_events events; /* libyaml's events, each valid until the next */
	struct arena *arena;
	const char *source;
	struct mesh_error *err;
	const char *data; /* the input, for error hints */
	size_t len;
	struct anchor *anchors; /* of the current document (malloc'd) */
	size_t anchor_count, anchor_cap;
	size_t written;          /* nodes of the current document as written */
	size_t expanded;         /* the same with every alias expanded so far */
	struct node_pair *pairs; /* pairs of the maps being read, innermost last (malloc'd) */
	size_t pair_count, pair_cap;
	struct node **items; /* items of the sequences being read, innermost last (malloc'd) */
	size_t item_count, item_cap;
	size_t chunk_size; /* CHUNK, or BIG_CHUNK for a big input */
	char *chunk;       /* free bytes of the current chunk for nodes and arrays */
	size_t chunk_left;
	char *text; /* free bytes of the current chunk for texts */
	size_t text_left;
	yaml_doc_fn each; /* called with each document's root; NULL: none */
	void *each_ctx;
	int each_done; /* each asked to be called no more */
	int failed;
};

/* A growable array: the documents' roots and lines, a map's `<<` values. */
struct scratch {
	void *data;
	size_t count, cap, size;
};

/* Makes room for one more element in a stack of *cap elements of size
 * bytes. Returns 0 or -1 (out of memory). */
static int stack_room(void **data, size_t count, size_t *cap, size_t size)
{
	size_t grown = *cap ? *cap * 2 : 64;
	void *p;
	if (count < *cap)
		return 0;
	p = realloc(*data, grown * size);
	if (!p)
		return -1;
	*data = p;
	*cap = grown;
	return 0;
}

static int push_pair(struct loader *ld, struct node_pair pair)
{
	if (stack_room((void **)&ld->pairs, ld->pair_count, &ld->pair_cap, sizeof pair) != 0)
		return -1;
	ld->pairs[ld->pair_count++] = pair;
	return 0;
}

static int push_item(struct loader *ld, struct node *item)
{
	if (stack_room((void **)&ld->items, ld->item_count, &ld->item_cap, sizeof item) != 0)
		return -1;
	ld->items[ld->item_count++] = item;
	return 0;
}

/* A new chunk of ld->chunk_size bytes from the arena, aligned for anything;
 * NULL when memory runs out. */
static char *new_chunk(struct loader *ld)
{
	char *c = arena_alloc(ld->arena, ld->chunk_size);
#ifdef MADV_HUGEPAGE
	if (c && ld->chunk_size >= BIG_CHUNK) {
		uintptr_t start = ((uintptr_t)c + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
		uintptr_t end = ((uintptr_t)c + ld->chunk_size) & ~(uintptr_t)(HUGE_PAGE - 1);
		if (end > start) /* a hint: where the kernel declines, nothing changes */
			madvise((void *)start, end - start, MADV_HUGEPAGE);
	}
#endif
	return c;
}

/* size bytes aligned to align (a power of two), owned by the arena. NULL
 * when memory runs out. */
static void *tree_alloc(struct loader *ld, size_t size, size_t align)
{
	size_t pad = (size_t)(-(uintptr_t)ld->chunk & (align - 1));
	void *p;
	if (size > CHUNK_MAX)
		return arena_alloc(ld->arena, size);
	if (pad + size > ld->chunk_left) {
		ld->chunk = new_chunk(ld);
		ld->chunk_left = ld->chunk ? ld->chunk_size : 0;
		if (!ld->chunk)
			return NULL;
		pad = 0;
	}
	p = ld->chunk + pad;
	ld->chunk += pad + size;
	ld->chunk_left -= pad + size;
	return p;
}

/* A NUL-terminated copy of the n bytes at s, owned by the arena. NULL when
 * memory runs out. */
static char *tree_strndup(struct loader *ld, const char *s, size_t n)
{
	char *p;
	if (n >= CHUNK_MAX)
		return arena_strndup(ld->arena, s, n);
	if (n + 1 > ld->text_left) {
		ld->text = new_chunk(ld);
		ld->text_left = ld->text ? ld->chunk_size : 0;
		if (!ld->text)
			return NULL;
	}
	p = ld->text;
	memcpy(p, s, n);
	p[n] = '\0';
	ld->text += n + 1;
	ld->text_left -= n + 1;
	return p;
}

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
	struct node *n = tree_alloc(ld, sizeof *n, alignof(struct node));
	if (!n) {
		fail_oom(ld);
		return NULL;
	}
	ld->written++;
	ld->expanded++;
	*n = (struct node){.type = type,
	                   .tag = NODE_TAG_NONE,
	                   .line = (int)mark.line + 1,
	                   .column = (int)mark.column + 1};
	return n;
}

/* Records the anchor name of n, the node just made (open: a collection
 * whose children come next; close it with close_anchor). Returns 0 or -1
 * (out of memory). */
static int remember_anchor(struct loader *ld, const yaml_char_t *name, struct node *n, int open)
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
	a.start = ld->expanded - 1;
	a.size = 1;
	a.open = open;
	if (!a.name)
		return -1;
	ld->anchors[ld->anchor_count++] = a;
	return 0;
}

/* The collection n is complete: its anchor, if any, gets its size. */
static void close_anchor(struct loader *ld, const struct node *n)
{
	for (size_t i = ld->anchor_count; i > 0; i--)
		if (ld->anchors[i - 1].node == n && ld->anchors[i - 1].open) {
			ld->anchors[i - 1].open = 0;
			ld->anchors[i - 1].size = ld->expanded - ld->anchors[i - 1].start;
			return;
		}
}

static const struct anchor *find_anchor(struct loader *ld, const char *name)
{
	for (size_t i = ld->anchor_count; i > 0; i--) /* the latest definition wins */
		if (strcmp(ld->anchors[i - 1].name, name) == 0)
			return &ld->anchors[i - 1];
	return NULL;
}

/* The node an alias event names, counted as expanded; NULL (recorded) for
 * an unknown anchor, an anchor inside its own value (the tree would be a
 * cycle) or excessive aliasing. */
static struct node *load_alias(struct loader *ld, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct anchor *a = find_anchor(ld, name);
	size_t line = ev->start_mark.line, column = ev->start_mark.column;
	if (!a) {
		fail_at(ld, line, column, "unknown anchor '%s' referenced", name);
		return NULL;
	}
	if (a->open) {
		fail_at(ld, line, column, "anchor '%s' value contains itself", name);
		return NULL;
	}
	ld->expanded += a->size;
	if (ld->expanded > EXPANDED_MAX && ld->expanded / EXPANSION_RATIO > ld->written) {
		fail_at(ld, line, column,
		        "document contains excessive aliasing (alias '%s' makes %zu nodes "
		        "of %zu written)",
		        name, ld->expanded, ld->written);
		return NULL;
	}
	return a->node;
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

static struct node *load_node(struct loader *ld, const yaml_event_t *ev, int depth);

/* The next event, valid until the next call: everything a node needs from
 * its event is read before its children's events are asked for. NULL
 * when libyaml failed (recorded). */
static const yaml_event_t *next_event(struct loader *ld)
{
	const yaml_event_t *ev = yaml_events_next(&ld->events);
	if (!ev)
		fail_from_parser(ld);
	return ev;
}

static struct node *load_scalar(struct loader *ld, const yaml_event_t *ev)
{
	struct node *n = new_node(ld, NODE_SCALAR, ev->start_mark);
	if (!n)
		return NULL;
	n->len = ev->data.scalar.length;
	n->str = tree_strndup(ld, (const char *)ev->data.scalar.value, n->len);
	if (!n->str) {
		fail_oom(ld);
		return NULL;
	}
	n->tag = scalar_tag(ev, n->str, n->len);
	if (remember_anchor(ld, ev->data.scalar.anchor, n, 0) != 0) {
		fail_oom(ld);
		return NULL;
	}
	return n;
}

static struct node *load_sequence(struct loader *ld, const yaml_event_t *start, int depth)
{
	struct node *n = new_node(ld, NODE_SEQ, start->start_mark);
	size_t base = ld->item_count; /* this sequence's items are above base */
	const yaml_event_t *ev;
	if (!n || remember_anchor(ld, start->data.sequence_start.anchor, n, 1) != 0) {
		fail_oom(ld);
		return NULL;
	}
	while ((ev = next_event(ld))) {
		struct node *child;
		if (ev->type == YAML_SEQUENCE_END_EVENT) {
			n->len = ld->item_count - base;
			n->items =
			    tree_alloc(ld, n->len * sizeof *n->items, alignof(struct node *));
			if (n->items && n->len)
				memcpy(n->items, ld->items + base, n->len * sizeof *n->items);
			ld->item_count = base;
			close_anchor(ld, n);
			return n->items ? n : (fail_oom(ld), NULL);
		}
		child = load_node(ld, ev, depth + 1);
		if (!child || push_item(ld, child) != 0)
			break;
	}
	if (!ld->failed)
		fail_oom(ld);
	ld->item_count = base;
	return NULL;
}

/* The first pair above base whose key is key, or NULL. The first bytes are
 * compared before strcmp: most keys of a map differ there. */
static const struct node_pair *find_key(const struct loader *ld, size_t base, const char *key)
{
	for (size_t i = base; i < ld->pair_count; i++) {
		const char *k = ld->pairs[i].key->str;
		if (k[0] == key[0] && strcmp(k, key) == 0)
			return &ld->pairs[i];
	}
	return NULL;
}

/* Applies a `<<` merge value (a map or a list of maps) to the pairs above
 * base: keys already present keep their values. */
static int merge_into(struct loader *ld, size_t base, const struct node *value)
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
			if (!find_key(ld, base, sources[s]->pairs[i].key->str) &&
			    push_pair(ld, sources[s]->pairs[i]) != 0)
				return -1;
	}
	return 0;
}

static int add_pair(struct loader *ld, size_t base, struct node *key, struct node *value)
{
	const struct node_pair *dup = find_key(ld, base, key->str);
	if (dup) {
		fail_at(ld, (size_t)key->line - 1, (size_t)key->column - 1,
		        "mapping key \"%s\" already defined at line %d", key->str, dup->key->line);
		return -1;
	}
	return push_pair(ld, (struct node_pair){key, value});
}

static struct node *finish_map(struct loader *ld, struct node *n, size_t base,
                               struct scratch *merges)
{
	struct node **m = merges->data;
	for (size_t i = 0; i < merges->count; i++)
		if (merge_into(ld, base, m[i]) != 0)
			return NULL;
	n->len = ld->pair_count - base;
	n->pairs = tree_alloc(ld, n->len * sizeof *n->pairs, alignof(struct node_pair));
	if (!n->pairs) {
		fail_oom(ld);
		return NULL;
	}
	if (n->len)
		memcpy(n->pairs, ld->pairs + base, n->len * sizeof *n->pairs);
	return n;
}

static struct node *load_mapping(struct loader *ld, const yaml_event_t *start, int depth)
{
	struct node *n = new_node(ld, NODE_MAP, start->start_mark), *result = NULL;
	size_t base = ld->pair_count; /* this map's pairs are above base */
	struct scratch merges = {NULL, 0, 0, sizeof(struct node *)}; /* rare: malloc'd */
	const yaml_event_t *ev;
	if (!n || remember_anchor(ld, start->data.mapping_start.anchor, n, 1) != 0) {
		fail_oom(ld);
		return NULL;
	}
	while ((ev = next_event(ld))) {
		struct node *key, *value;
		int rc;
		if (ev->type == YAML_MAPPING_END_EVENT) {
			result = finish_map(ld, n, base, &merges);
			close_anchor(ld, n);
			break;
		}
		key = load_node(ld, ev, depth + 1);
		if (!key)
			break;
		if (key->type != NODE_SCALAR) {
			fail_at(ld, (size_t)key->line - 1, (size_t)key->column - 1,
			        "a map or list as a mapping key is not supported");
			break;
		}
		if (!(ev = next_event(ld)))
			break;
		value = load_node(ld, ev, depth + 1);
		if (!value)
			break;
		if (strcmp(key->str, "<<") == 0 && key->tag == NODE_TAG_STR)
			rc = scratch_push(&merges, &value);
		else
			rc = add_pair(ld, base, key, value);
		if (rc != 0) {
			if (!ld->failed)
				fail_oom(ld);
			break;
		}
	}
	ld->pair_count = base;
	free(merges.data);
	return result;
}

static struct node *load_node(struct loader *ld, const yaml_event_t *ev, int depth)
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
	case YAML_ALIAS_EVENT:
		return load_alias(ld, ev);
	default:
		fail_at(ld, ev->start_mark.line, ev->start_mark.column, "unexpected YAML event");
		return NULL;
	}
}

/* Reads one document's root (after DOCUMENT-START) up to DOCUMENT-END. */
static int load_document(struct loader *ld, struct scratch *docs, struct scratch *lines)
{
	const yaml_event_t *ev;
	struct node *root;
	int line;
	if (!(ev = next_event(ld)))
		return -1;
	line = (int)ev->start_mark.line + 1;
	ld->written = ld->expanded = 0;
	root = load_node(ld, ev, 0);
	if (!root)
		return -1;
	if (!next_event(ld))
		return -1;    /* DOCUMENT-END */
	ld->anchor_count = 0; /* anchors do not cross documents */
	if (root->type == NODE_SCALAR && root->tag == NODE_TAG_NULL)
		return 0; /* an empty document, as kubectl skips them */
	if (scratch_push(docs, &root) != 0 || scratch_push(lines, &line) != 0) {
		fail_oom(ld);
		return -1;
	}
	if (ld->each && !ld->each_done && ld->each(ld->each_ctx, root, line) != 0)
		ld->each_done = 1;
	return 0;
}

static int load_stream(struct loader *ld, struct yaml_stream *out)
{
	struct scratch docs = {NULL, 0, 0, sizeof(struct node *)};
	struct scratch lines = {NULL, 0, 0, sizeof(int)};
	const yaml_event_t *ev;
	int rc = -1;
	while ((ev = next_event(ld))) {
		yaml_event_type_t type = ev->type;
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
	return yaml_load_each(out, source, data, len, NULL, NULL, err);
}

int yaml_load_each(struct yaml_stream *out, const char *source, const char *data, size_t len,
                   yaml_doc_fn each, void *ctx, struct mesh_error *err)
{
	struct loader ld = {0};
	char *untabbed;
	int rc;
	/* YAML allows a byte order mark first (as kubectl reads files saved by
	 * editors that write one); libyaml skips it only when it detects the
	 * encoding itself, and here the encoding is set to UTF-8. */
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	untabbed = json_without_tabs(data, len);
	memset(out, 0, sizeof *out);
	/* Blocks grow with the input (the trees take about eight times its
	 * size): a 4 MB manifest makes a few dozen blocks, not hundreds. */
	arena_init(&out->arena, len < YAML_ARENA_BLOCK_MIN   ? YAML_ARENA_BLOCK_MIN
	                        : len > YAML_ARENA_BLOCK_MAX ? YAML_ARENA_BLOCK_MAX
	                                                     : len);
	ld.arena = &out->arena;
	ld.chunk_size = len >= BIG_INPUT ? BIG_CHUNK : CHUNK;
	ld.err = err;
	ld.each = each;
	ld.each_ctx = ctx;
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
	yaml_events_start(&ld.events, &ld.parser, len);
	rc = load_stream(&ld, out);
	yaml_events_stop(&ld.events);
	yaml_parser_delete(&ld.parser);
	free(ld.anchors);
	free(ld.pairs);
	free(ld.items);
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

/* Reads straight into one buffer sized from fstat (a regular file's bytes
 * are copied once, never regrown); grows it for what else comes (pipes,
 * files that grow meanwhile). */
int read_whole_file(const char *path, char **data, size_t *len, struct mesh_error *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	size_t cap = 65536, n = 0, got;
	char *buf;
	if (!f) {
		mesh_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	/* Room for the size, the NUL and one byte more: the read that meets
	 * the end asks for it, so a file of the size it said never regrows. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < SIZE_MAX / 2)
		cap = (size_t)st.st_size + 2;
	buf = malloc(cap);
	while (buf) {
		if (cap - n < 2) {
			char *grown = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		if ((got = fread(buf + n, 1, cap - 1 - n, f)) == 0)
			break;
		n += got;
	}
	if (!buf) {
		fclose(f);
		mesh_error_set(err, path, 0, 0, "out of memory reading the file");
		return -1;
	}
	if (ferror(f)) {
		mesh_error_set(err, path, 0, 0, "read error: %s", strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	*data = buf;
	if (len)
		*len = n;
	return 0;
}
