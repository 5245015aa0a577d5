/* Arena-backed string tables for the resolution indexes (domains, listener
 * addresses, cluster names): open addressing with linear probing, sized
 * once for a known number of keys, keys borrowed (they live in the same
 * arena or the snapshot). Lookups allocate nothing; rs_strtab_get_lower
 * lowercases on the fly so a Host header needs no copy. */
#include <ctype.h>
#include <string.h>

#include "resolve_int.h"

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME  1099511628211ULL

uint64_t rs_hash(const char *s, size_t len)
{
	uint64_t h = FNV_OFFSET;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t rs_hash_lower(const char *s, size_t len)
{
	uint64_t h = FNV_OFFSET;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)tolower((unsigned char)s[i]);
		h *= FNV_PRIME;
	}
	return h;
}

int rs_strtab_init(struct rs_strtab *t, struct arena *a, size_t n)
{
	size_t cap = 8;
	while (cap < n * 2)
		cap <<= 1;
	t->slots = arena_calloc(a, cap, sizeof *t->slots);
	if (!t->slots)
		return -1;
	t->mask = cap - 1;
	t->count = 0;
	return 0;
}

void *rs_strtab_put(struct rs_strtab *t, const char *key, size_t len, void *value)
{
	uint64_t h = rs_hash(key, len);
	size_t i = (size_t)h & t->mask;
	for (;;) {
		struct rs_strtab_slot *s = &t->slots[i];
		if (!s->key) {
			s->hash = h;
			s->key = key;
			s->len = len;
			s->value = value;
			t->count++;
			return NULL;
		}
		if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
			return s->value;
		i = (i + 1) & t->mask;
	}
}

void *rs_strtab_get(const struct rs_strtab *t, const char *key, size_t len)
{
	uint64_t h;
	size_t i;
	if (!t->slots)
		return NULL;
	h = rs_hash(key, len);
	for (i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
		const struct rs_strtab_slot *s = &t->slots[i];
		if (!s->key)
			return NULL;
		if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
			return s->value;
	}
}

void *rs_strtab_get_lower(const struct rs_strtab *t, const char *key, size_t len)
{
	uint64_t h;
	size_t i;
	if (!t->slots)
		return NULL;
	h = rs_hash_lower(key, len);
	for (i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
		const struct rs_strtab_slot *s = &t->slots[i];
		if (!s->key)
			return NULL;
		if (s->hash == h && rs_ieq(s->key, s->len, key, len))
			return s->value;
	}
}
