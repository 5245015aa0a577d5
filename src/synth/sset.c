/* A set of borrowed strings (open addressing, linear probing, the hash kept
 * beside each key): the synthesizer's domain and name bookkeeping, where a
 * lookup and an insertion of one string go together (see synth_int.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synth_int.h"

/* A word at a time: the names hashed here are 10 to 80 bytes long. */
uint64_t sset_hash(const char *key)
{
	size_t n = strlen(key);
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
	const unsigned char *p = (const unsigned char *)key;
	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h;
}

void sset_init(struct sset *s)
{
	s->slots = NULL;
	s->cap = s->count = 0;
}

static struct sset_slot *slot(const struct sset *s, const char *key, uint64_t hash)
{
	size_t mask = s->cap - 1, i = (size_t)hash & mask;
	for (;;) {
		struct sset_slot *e = &s->slots[i];
		if (!e->key || (e->hash == hash && strcmp(e->key, key) == 0))
			return e;
		i = (i + 1) & mask;
	}
}

static int rehash(struct sset *s, size_t min)
{
	size_t cap = 16, old_cap = s->cap;
	struct sset_slot *old = s->slots;
	while (cap < min)
		cap *= 2;
	s->slots = calloc(cap, sizeof *s->slots);
	if (!s->slots) {
		s->slots = old;
		return -1;
	}
	s->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*slot(s, old[i].key, old[i].hash) = old[i];
	free(old);
	return 0;
}

int sset_reserve(struct sset *s, size_t n)
{
	size_t need = (s->count + n) * 10 / 7 + 1;
	return need > s->cap ? rehash(s, need) : 0;
}

int sset_has_h(const struct sset *s, const char *key, uint64_t hash)
{
	return s->cap && slot(s, key, hash)->key != NULL;
}

int sset_has(const struct sset *s, const char *key)
{
	return s->cap && sset_has_h(s, key, sset_hash(key));
}

int sset_add_h(struct sset *s, const char *key, uint64_t hash)
{
	struct sset_slot *e;
	if ((s->count + 1) * 10 > s->cap * 7 && rehash(s, s->cap ? s->cap * 2 : 16) != 0)
		return -1;
	e = slot(s, key, hash);
	if (e->key)
		return 0;
	e->key = key;
	e->hash = hash;
	s->count++;
	return 1;
}

int sset_add(struct sset *s, const char *key)
{
	return sset_add_h(s, key, sset_hash(key));
}

void sset_free(struct sset *s)
{
	free(s->slots);
	sset_init(s);
}
