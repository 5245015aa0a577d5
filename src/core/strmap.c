/* String-keyed hash table (see include/meshlua/strmap.h). Deleted entries
 * leave tombstones; the table grows (and drops them) past 70% use. */
#include <stdlib.h>
#include <string.h>

#include "meshlua/strmap.h"

struct strmap_slot {
	const char *key; /* NULL: empty; TOMBSTONE: deleted */
	void *value;
	unsigned long long hash;
};

static const char tombstone_mark = 0;
#define TOMBSTONE (&tombstone_mark)

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = m->count = m->used = 0;
	m->borrowed = 0;
}

void strmap_init_borrowed(struct strmap *m)
{
	strmap_init(m);
	m->borrowed = 1;
}

unsigned long long strmap_hash(const char *s)
{
	unsigned long long h = 14695981039346656037ULL; /* FNV-1a 64 offset basis */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding key, or (when absent) the slot where it would go. */
static struct strmap_slot *find_slot(const struct strmap *m, const char *key,
                                     unsigned long long hash)
{
	size_t mask = m->cap - 1, i = (size_t)hash & mask;
	struct strmap_slot *first_free = NULL;
	for (;;) {
		struct strmap_slot *s = &m->slots[i];
		if (s->key == NULL)
			return first_free ? first_free : s;
		if (s->key == TOMBSTONE) {
			if (!first_free)
				first_free = s;
		} else if (s->hash == hash && strcmp(s->key, key) == 0) {
			return s;
		}
		i = (i + 1) & mask;
	}
}

/* Rehashes into a table of at least min_cap slots (dropping tombstones). */
static int rehash(struct strmap *m, size_t min_cap)
{
	size_t cap = 16;
	struct strmap_slot *old = m->slots, *slots;
	size_t old_cap = m->cap;
	while (cap < min_cap)
		cap *= 2;
	slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	m->slots = slots;
	m->cap = cap;
	m->used = m->count;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].key && old[i].key != TOMBSTONE)
			*find_slot(m, old[i].key, old[i].hash) = old[i];
	}
	free(old);
	return 0;
}

/* The capacity that keeps n used slots under 70%. */
static size_t cap_for(size_t n)
{
	size_t cap = 16;
	while (n * 10 > cap * 7)
		cap *= 2;
	return cap;
}

int strmap_reserve(struct strmap *m, size_t extra)
{
	if ((m->used + extra) * 10 <= m->cap * 7)
		return 0;
	return rehash(m, cap_for(m->count + extra));
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s;
	if (m->count == 0)
		return NULL;
	s = find_slot(m, key, strmap_hash(key));
	return s->key && s->key != TOMBSTONE ? s->value : NULL;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	unsigned long long hash = strmap_hash(key);
	struct strmap_slot *s;
	const char *copy;
	if (m->count > 0) {
		/* An existing key is updated in place: no allocation at all. */
		s = find_slot(m, key, hash);
		if (s->key && s->key != TOMBSTONE) {
			s->value = value;
			if (m->borrowed)
				s->key = key;
			return 0;
		}
	}
	if (strmap_reserve(m, 1) != 0)
		return -1;
	s = find_slot(m, key, hash);
	copy = m->borrowed ? key : strdup(key);
	if (!copy)
		return -1;
	if (s->key == NULL)
		m->used++;
	s->key = copy;
	s->value = value;
	s->hash = hash;
	m->count++;
	return 0;
}

void *strmap_remove(struct strmap *m, const char *key)
{
	struct strmap_slot *s;
	void *value;
	if (m->count == 0)
		return NULL;
	s = find_slot(m, key, strmap_hash(key));
	if (!s->key || s->key == TOMBSTONE)
		return NULL;
	value = s->value;
	if (!m->borrowed)
		free((char *)s->key);
	s->key = TOMBSTONE;
	s->value = NULL;
	m->count--;
	return value;
}

void strmap_each(const struct strmap *m, void (*fn)(void *ctx, const char *key, void *value),
                 void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			fn(ctx, m->slots[i].key, m->slots[i].value);
}

void strmap_free(struct strmap *m)
{
	int borrowed = m->borrowed;
	for (size_t i = 0; i < m->cap && !borrowed; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			free((char *)m->slots[i].key);
	free(m->slots);
	strmap_init(m);
	m->borrowed = borrowed;
}
