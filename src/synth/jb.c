/* jb: building JSON node trees (include/meshlua/node.h) in an arena, the
 * way the synthesizer writes a config dump without any text round trip.
 * Maps and sequences grow by doubling; their capacity is implied by their
 * length (the next power of two, at least 4), so struct node needs no extra
 * field. Key nodes are interned: every map that has a "name" shares one
 * scalar. Trees are immutable once built and may share subtrees. After the
 * first allocation failure every call is a no-op that returns a shared dummy
 * node and b->oom is set: callers check it once at the end. A map or
 * sequence keeps its capacity in its column field (jb_map_n presizes). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

int jb_init(struct jb *b, struct arena *a)
{
	memset(b, 0, sizeof *b);
	b->a = a;
	strmap_init_borrowed(&b->keys);
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

/* The cache slot of an address (Fibonacci hashing: neighbouring literals
 * land apart). */
static size_t slot_of(const void *p)
{
	return (size_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL) >> 54) & (JB_CACHE - 1);
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

/* The conversions the synthesizer's names use (%s, %d, %.*s, %lld, %llu,
 * %%), done without vsnprintf: names are built by the hundred thousand.
 * Returns the length written into buf (cap bytes, NUL-terminated), or -1
 * when fmt has another conversion or buf is too small. */
static int quick_format(char *buf, size_t cap, const char *fmt, va_list ap)
{
	size_t n = 0;
	for (const char *f = fmt; *f; f++) {
		const char *str = NULL;
		size_t len = 0;
		char digits[24];
		if (*f != '%') {
			if (n + 1 >= cap)
				return -1;
			buf[n++] = *f;
			continue;
		}
		f++;
		if (*f == 's') {
			str = va_arg(ap, const char *);
			len = strlen(str);
		} else if (f[0] == '.' && f[1] == '*' && f[2] == 's') {
			int w = va_arg(ap, int);
			str = va_arg(ap, const char *);
			len = w < 0 ? strlen(str) : strnlen(str, (size_t)w);
			f += 2;
		} else if (*f == 'd' ||
		           (f[0] == 'l' && f[1] == 'l' && (f[2] == 'd' || f[2] == 'u'))) {
			unsigned long long u;
			int neg = 0;
			char *p = digits + sizeof digits;
			if (*f == 'd') {
				long long v = va_arg(ap, int);
				neg = v < 0;
				u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			} else if (f[2] == 'd') {
				long long v = va_arg(ap, long long);
				neg = v < 0;
				u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
				f += 2;
			} else {
				u = va_arg(ap, unsigned long long);
				f += 2;
			}
			do {
				*--p = (char)('0' + u % 10);
				u /= 10;
			} while (u);
			if (neg)
				*--p = '-';
			str = p;
			len = (size_t)(digits + sizeof digits - p);
		} else if (*f == '%') {
			str = "%";
			len = 1;
		} else {
			return -1;
		}
		if (n + len + 1 > cap)
			return -1;
		memcpy(buf + n, str, len);
		n += len;
	}
	buf[n] = '\0';
	return (int)n;
}

char *jb_fmt(struct jb *b, const char *fmt, ...)
{
	char small[256], *d;
	va_list ap;
	int n;
	if (b->oom)
		return (char *)"";
	va_start(ap, fmt);
	n = quick_format(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_start(ap, fmt);
		n = vsnprintf(small, sizeof small, fmt, ap);
		va_end(ap);
	}
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

/* String scalars are shared by address (see key_node: every string handed
 * to jb_lit lives as long as the build), ints by value: trees are
 * immutable, and a config dump repeats the same few values everywhere. */
struct node *jb_lit(struct jb *b, const char *s)
{
	struct jb_key *slot = &b->scache[slot_of(s)];
	struct node *n;
	if (slot->ptr == s)
		return slot->node;
	n = new_node(b, NODE_SCALAR, NODE_TAG_STR);
	if (n == &b->dummy)
		return n;
	n->str = s;
	n->len = strlen(s);
	slot->ptr = s;
	slot->node = n;
	return n;
}

struct node *jb_str(struct jb *b, const char *s)
{
	return jb_lit(b, jb_strdup(b, s));
}

const char *jb_own(struct jb *b, const char *s)
{
	struct jb_key *slot;
	char *copy;
	if (!s)
		return NULL;
	slot = &b->ocache[slot_of(s)];
	if (slot->ptr == s)
		return slot->node->str;
	copy = jb_strdup(b, s);
	if (b->oom)
		return copy;
	/* the slot keeps the copy in a scalar node: jb_lit of it is free */
	slot->node = jb_lit(b, copy);
	slot->ptr = s;
	return copy;
}

struct node *jb_int(struct jb *b, long long v)
{
	struct jb_int *slot = &b->icache[(unsigned long long)v % JB_CACHE];
	char digits[24], *p = digits + sizeof digits, *str;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	struct node *n;
	if (slot->node && slot->value == v)
		return slot->node;
	n = new_node(b, NODE_SCALAR, NODE_TAG_INT);
	if (n == &b->dummy)
		return n;
	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	str = arena_alloc(b->a, (size_t)(digits + sizeof digits - p));
	if (!str) {
		b->oom = 1;
		return &b->dummy;
	}
	memcpy(str, p, (size_t)(digits + sizeof digits - p));
	n->str = str;
	n->len = (size_t)(digits + sizeof digits - p) - 1;
	slot->value = v;
	slot->node = n;
	return n;
}

struct node *jb_bool(struct jb *b, int v)
{
	struct node *n = b->bools[v != 0];
	if (n)
		return n;
	n = new_node(b, NODE_SCALAR, NODE_TAG_BOOL);
	if (n == &b->dummy)
		return n;
	n->str = v ? "true" : "false";
	n->len = v ? 4 : 5;
	b->bools[v != 0] = n;
	return n;
}

/* Maps and sequences built here keep their capacity in the node's column
 * (their positions mean nothing: the tree was never text). */
static int grow(struct jb *b, struct node *n, size_t elem)
{
	const void *have = n->type == NODE_MAP ? (const void *)n->pairs : (const void *)n->items;
	size_t cap = have ? (size_t)n->column : 0, ncap;
	void *p;
	if (n->len < cap)
		return 0;
	ncap = cap ? cap * 2 : 4;
	p = arena_alloc(b->a, ncap * elem);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	if (n->len)
		memcpy(p, n->type == NODE_MAP ? (void *)n->pairs : (void *)n->items, n->len * elem);
	if (n->type == NODE_MAP)
		n->pairs = p;
	else
		n->items = p;
	n->column = (int)ncap;
	return 0;
}

/* A map (or sequence) with room for n entries from the start. */
static struct node *presized(struct jb *b, enum node_type type, size_t n)
{
	struct node *m = new_node(b, type, NODE_TAG_NONE);
	size_t elem = type == NODE_MAP ? sizeof(struct node_pair) : sizeof(struct node *);
	void *p;
	if (m == &b->dummy || n == 0)
		return m;
	p = arena_alloc(b->a, n * elem);
	if (!p) {
		b->oom = 1;
		return &b->dummy;
	}
	if (type == NODE_MAP)
		m->pairs = p;
	else
		m->items = p;
	m->column = (int)n;
	return m;
}

struct node *jb_map_n(struct jb *b, size_t n)
{
	return presized(b, NODE_MAP, n);
}

struct node *jb_seq_n(struct jb *b, size_t n)
{
	return presized(b, NODE_SEQ, n);
}

/* One empty map, shared by every field whose value is {}. */
struct node *jb_empty(struct jb *b)
{
	if (!b->empty)
		b->empty = jb_map(b);
	return b->empty;
}

static struct node *key_node(struct jb *b, const char *key)
{
	struct jb_key *slot = &b->kcache[slot_of(key)];
	struct node *k;
	if (slot->ptr == key)
		return slot->node;
	k = strmap_get(&b->keys, key);
	if (!k) {
		k = jb_str(b, key);
		if (b->oom)
			return k;
		if (strmap_put(&b->keys, key, k) != 0) {
			b->oom = 1;
			return k;
		}
	}
	slot->ptr = key;
	slot->node = k;
	return k;
}

static void set_pair(struct jb *b, struct node *map, struct node *key, struct node *v)
{
	if (b->oom || map->type != NODE_MAP || map == b->empty)
		return;
	if (grow(b, map, sizeof(struct node_pair)) != 0)
		return;
	map->pairs[map->len].key = key;
	map->pairs[map->len].value = v;
	map->len++;
}

void jb_set(struct jb *b, struct node *map, const char *key, struct node *v)
{
	if (b->oom || map->type != NODE_MAP)
		return;
	set_pair(b, map, key_node(b, key), v);
}

void jb_push(struct jb *b, struct node *seq, struct node *v)
{
	if (b->oom || seq->type != NODE_SEQ)
		return;
	if (grow(b, seq, sizeof(struct node *)) != 0)
		return;
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
	struct node *m = jb_map_n(b, src && src->type == NODE_MAP ? src->len + 1 : 0);
	if (src && src->type == NODE_MAP)
		for (size_t i = 0; i < src->len; i++)
			set_pair(b, m, src->pairs[i].key, src->pairs[i].value);
	return m;
}
