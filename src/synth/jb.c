/* jb: building JSON node trees (include/meshlua/node.h) in an arena, the
 * way the synthesizer writes a config dump without any text round trip.
 * Maps and sequences grow by doubling; their capacity is implied by their
 * length (the next power of two, at least 4), so struct node needs no extra
 * field. Key nodes are interned: every map that has a "name" shares one
 * scalar. Trees are immutable once built and may share subtrees. After the
 * first allocation failure every call is a no-op that returns a shared dummy
 * node and b->oom is set: callers check it once at the end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

int jb_init(struct jb *b, struct arena *a)
{
	memset(b, 0, sizeof *b);
	b->a = a;
	strmap_init(&b->keys);
	b->dummy.type = NODE_SCALAR;
	b->dummy.tag = NODE_TAG_NULL;
	b->dummy.str = "null";
	b->dummy.len = 4;
	return 0;
}

void jb_free(struct jb *b)
{
	strmap_free(&b->keys);
}

static struct node *new_node(struct jb *b, enum node_type type, enum node_tag tag)
{
	struct node *n;
	if (b->oom)
		return &b->dummy;
	n = arena_alloc(b->a, sizeof *n);
	if (!n) {
		b->oom = 1;
		return &b->dummy;
	}
	memset(n, 0, sizeof *n);
	n->type = type;
	n->tag = tag;
	n->line = 1;
	n->column = 1;
	return n;
}

struct node *jb_map(struct jb *b)
{
	return new_node(b, NODE_MAP, NODE_TAG_NONE);
}

struct node *jb_seq(struct jb *b)
{
	return new_node(b, NODE_SEQ, NODE_TAG_NONE);
}

char *jb_strdup(struct jb *b, const char *s)
{
	char *d;
	if (b->oom)
		return (char *)"";
	d = arena_strdup(b->a, s ? s : "");
	if (!d) {
		b->oom = 1;
		return (char *)"";
	}
	return d;
}

char *jb_fmt(struct jb *b, const char *fmt, ...)
{
	char small[256], *d;
	va_list ap;
	int n;
	if (b->oom)
		return (char *)"";
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return (char *)"";
	}
	d = arena_alloc(b->a, (size_t)n + 1);
	if (!d) {
		b->oom = 1;
		return (char *)"";
	}
	if ((size_t)n < sizeof small) {
		memcpy(d, small, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(d, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return d;
}

struct node *jb_lit(struct jb *b, const char *s)
{
	struct node *n = new_node(b, NODE_SCALAR, NODE_TAG_STR);
	if (n == &b->dummy)
		return n;
	n->str = s;
	n->len = strlen(s);
	return n;
}

struct node *jb_str(struct jb *b, const char *s)
{
	return jb_lit(b, jb_strdup(b, s));
}

struct node *jb_int(struct jb *b, long long v)
{
	struct node *n = new_node(b, NODE_SCALAR, NODE_TAG_INT);
	if (n == &b->dummy)
		return n;
	n->str = jb_fmt(b, "%lld", v);
	n->len = strlen(n->str);
	return n;
}

struct node *jb_bool(struct jb *b, int v)
{
	struct node *n = new_node(b, NODE_SCALAR, NODE_TAG_BOOL);
	if (n == &b->dummy)
		return n;
	n->str = v ? "true" : "false";
	n->len = v ? 4 : 5;
	return n;
}

/* The capacity a map or sequence of len entries has (see the header). */
static size_t cap_of(size_t len)
{
	size_t c = 4;
	if (len == 0)
		return 0;
	while (c < len)
		c *= 2;
	return c;
}

static struct node *key_node(struct jb *b, const char *key)
{
	struct node *k = strmap_get(&b->keys, key);
	if (k)
		return k;
	k = jb_str(b, key);
	if (b->oom)
		return k;
	if (strmap_put(&b->keys, key, k) != 0)
		b->oom = 1;
	return k;
}

void jb_set(struct jb *b, struct node *map, const char *key, struct node *v)
{
	size_t cap;
	if (b->oom || map->type != NODE_MAP)
		return;
	cap = cap_of(map->len);
	if (map->len == cap) {
		size_t ncap = cap ? cap * 2 : 4;
		struct node_pair *p = arena_alloc(b->a, ncap * sizeof *p);
		if (!p) {
			b->oom = 1;
			return;
		}
		if (map->len)
			memcpy(p, map->pairs, map->len * sizeof *p);
		map->pairs = p;
	}
	map->pairs[map->len].key = key_node(b, key);
	map->pairs[map->len].value = v;
	map->len++;
}

void jb_push(struct jb *b, struct node *seq, struct node *v)
{
	size_t cap;
	if (b->oom || seq->type != NODE_SEQ)
		return;
	cap = cap_of(seq->len);
	if (seq->len == cap) {
		size_t ncap = cap ? cap * 2 : 4;
		struct node **items = arena_alloc(b->a, ncap * sizeof *items);
		if (!items) {
			b->oom = 1;
			return;
		}
		if (seq->len)
			memcpy(items, seq->items, seq->len * sizeof *items);
		seq->items = items;
	}
	seq->items[seq->len++] = v;
}

struct node *jb_set_map(struct jb *b, struct node *map, const char *key)
{
	struct node *m = jb_map(b);
	jb_set(b, map, key, m);
	return m;
}

struct node *jb_set_seq(struct jb *b, struct node *map, const char *key)
{
	struct node *s = jb_seq(b);
	jb_set(b, map, key, s);
	return s;
}

void jb_set_str(struct jb *b, struct node *map, const char *key, const char *s)
{
	jb_set(b, map, key, jb_str(b, s));
}

void jb_set_lit(struct jb *b, struct node *map, const char *key, const char *s)
{
	jb_set(b, map, key, jb_lit(b, s));
}

void jb_set_int(struct jb *b, struct node *map, const char *key, long long v)
{
	jb_set(b, map, key, jb_int(b, v));
}

void jb_set_bool(struct jb *b, struct node *map, const char *key, int v)
{
	jb_set(b, map, key, jb_bool(b, v));
}

struct node *jb_typed(struct jb *b, const char *type)
{
	struct node *m = jb_map(b);
	jb_set(b, m, "@type", jb_lit(b, type));
	return m;
}

struct node *jb_set_typed(struct jb *b, struct node *map, const char *key, const char *type)
{
	struct node *m = jb_typed(b, type);
	jb_set(b, map, key, m);
	return m;
}

void jb_push_lit(struct jb *b, struct node *seq, const char *s)
{
	jb_push(b, seq, jb_lit(b, s));
}

void jb_push_str(struct jb *b, struct node *seq, const char *s)
{
	jb_push(b, seq, jb_str(b, s));
}

struct node *jb_lits(struct jb *b, const char *const *list)
{
	struct node *s = jb_seq(b);
	for (; list && *list; list++)
		jb_push(b, s, jb_lit(b, *list));
	return s;
}

struct node *jb_copy_map(struct jb *b, const struct node *src)
{
	struct node *m = jb_map(b);
	if (src && src->type == NODE_MAP)
		for (size_t i = 0; i < src->len; i++)
			jb_set(b, m, src->pairs[i].key->str, src->pairs[i].value);
	return m;
}
