/* String-keyed hash table (see include/meshlua/strmap.h). Deleted entries
 * leave tombstones; the table grows (and drops them) past 70% use. */
#include <stdlib.h>
#include <string.h>

#include "meshlua/strmap.h"

struct strmap_slot {
	char *key; /* NULL: empty; TOMBSTONE: deleted */
	void *value;
	unsigned long long hash;
};

static char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = m->count = m->used = 0;
}

unsigned long long strmap_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
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

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct strmap_slot *old = m->slots, *slots;
	size_t old_cap = m->cap;
	if (m->count * 2 < m->cap)
		cap = m->cap; /* mostly tombstones: rehash at the same size */
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
	if ((m->used + 1) * 10 > m->cap * 7 && grow(m) != 0)
		return -1;
	s = find_slot(m, key, hash);
	if (s->key && s->key != TOMBSTONE) {
		s->value = value;
		return 0;
	}
	if (s->key == NULL)
		m->used++;
	s->key = strdup(key);
	if (!s->key) {
		s->key = TOMBSTONE;
		return -1;
	}
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
	free(s->key);
	s->key = TOMBSTONE;
	s->value = NULL;
	m->count--;
	return value;
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	free(m->slots);
	strmap_init(m);
}
