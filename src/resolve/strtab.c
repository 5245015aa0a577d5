#define _DEFAULT_SOURCE /* madvise */
/* Arena-backed string tables for the resolution indexes (domains, listener
 * addresses, cluster names): open addressing with linear probing, sized
 * once for a known number of keys, keys borrowed (they live in the same
 * arena or the snapshot). Lookups allocate nothing; rs_strtab_get_lower
 * lowercases on the fly, eight bytes at a time, so a Host header needs no
 * copy. Big tables are offered transparent huge pages. Also a table from
 * 64-bit integers (IPv4 address and port). */
#include <string.h>
#include <sys/mman.h>

#include "resolve_int.h"

static uint64_t load64(const char *s, size_t n)
{
	uint64_t w = 0;
	memcpy(&w, s, n);
	return w;
}

/* ASCII uppercase letters of the 8 bytes of w, lowercased (SWAR). */
static uint64_t lower64(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t heptets = w & (0x7F * ones);
	uint64_t ge_a = heptets + (0x80 - 'A') * ones;     /* high bit: byte >= 'A' */
	uint64_t gt_z = heptets + (0x80 - 'Z' - 1) * ones; /* high bit: byte > 'Z' */
	uint64_t upper = (ge_a ^ gt_z) & ~w & (0x80 * ones);
	return w | (upper >> 2);
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

static uint64_t hash_words(const char *s, size_t len, int lower)
{
	uint64_t h = 0x6A09E667F3BCC909ULL ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = load64(s + i, 8);
		h = mix(h, lower ? lower64(w) : w);
	}
	if (i < len) {
		uint64_t w = load64(s + i, len - i);
		h = mix(h, lower ? lower64(w) : w);
	}
	return h ^ (h >> 32);
}

uint64_t rs_hash(const char *s, size_t len)
{
	return hash_words(s, len, 0);
}

uint64_t rs_hash_lower(const char *s, size_t len)
{
	return hash_words(s, len, 1);
}

#define HUGE_PAGE (2 * 1024 * 1024)

/* Offers the 2 MiB pages inside [p, p + size) for transparent huge pages
 * before they are first touched: a table of 40,000 domains is 8 MiB, and in
 * 4 KiB pages each costs a fault (a third of the table's build time). A
 * hint: where the kernel declines, nothing changes. */
static void big_pages(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)size;
#endif
}

int rs_strtab_init(struct rs_strtab *t, struct arena *a, size_t n)
{
	size_t cap = 8;
	unsigned char *mem;
	while (cap < n * 2)
		cap <<= 1;
	/* slots on cache-line boundaries */
	mem = arena_alloc(a, cap * sizeof *t->slots + 63);
	if (!mem)
		return -1;
	big_pages(mem, cap * sizeof *t->slots + 63);
	memset(mem, 0, cap * sizeof *t->slots + 63);
	t->slots = (struct rs_strtab_slot *)(mem + (63 - ((uintptr_t)mem + 63) % 64));
	t->mask = cap - 1;
	t->count = 0;
	return 0;
}

/* The key of slot s, in the slot when short. */
static const char *slot_key(const struct rs_strtab_slot *s)
{
	return s->len <= RS_INLINE_KEY ? s->inline_key : s->key;
}

void *rs_strtab_put(struct rs_strtab *t, const char *key, size_t len, void *value)
{
	uint64_t h = rs_hash(key, len);
	size_t i = (size_t)h & t->mask;
	if (len > UINT32_MAX)
		return NULL;
	for (;;) {
		struct rs_strtab_slot *s = &t->slots[i];
		if (!s->key) {
			s->hash = h;
			s->key = key;
			s->len = (uint32_t)len;
			if (len <= RS_INLINE_KEY)
				memcpy(s->inline_key, key, len);
			s->value = value;
			t->count++;
			return NULL;
		}
		if (s->hash == h && s->len == len && memcmp(slot_key(s), key, len) == 0)
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
		if (s->hash == h && s->len == len && memcmp(slot_key(s), key, len) == 0)
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
	i = (size_t)h & t->mask;
	/* A third of the lookups probe the next slot too (half full, linear
	 * probing): its cache line is asked for with the first. */
	__builtin_prefetch(&t->slots[(i + 1) & t->mask]);
	for (;; i = (i + 1) & t->mask) {
		const struct rs_strtab_slot *s = &t->slots[i];
		if (!s->key)
			return NULL;
		/* The stored keys are lowercase: equal bytes first, then case. */
		if (s->hash == h && s->len == len &&
		    (memcmp(slot_key(s), key, len) == 0 || rs_ieq(slot_key(s), len, key, len)))
			return s->value;
	}
}

/* ---- integer keys ---- */

int rs_inttab_init(struct rs_inttab *t, struct arena *a, size_t n)
{
	size_t cap = 8;
	while (cap < n * 2)
		cap <<= 1;
	t->slots = arena_calloc(a, cap, sizeof *t->slots);
	if (!t->slots)
		return -1;
	t->mask = cap - 1;
	return 0;
}

static size_t int_slot(uint64_t key, size_t mask)
{
	key *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(key >> 32) & mask;
}

int rs_inttab_put(struct rs_inttab *t, uint64_t key, void *value)
{
	for (size_t i = int_slot(key, t->mask);; i = (i + 1) & t->mask) {
		if (!t->slots[i].value) {
			t->slots[i].key = key;
			t->slots[i].value = value;
			return 0;
		}
		if (t->slots[i].key == key)
			return 1;
	}
}

void *rs_inttab_get(const struct rs_inttab *t, uint64_t key)
{
	if (!t->slots)
		return NULL;
	for (size_t i = int_slot(key, t->mask);; i = (i + 1) & t->mask) {
		if (!t->slots[i].value)
			return NULL;
		if (t->slots[i].key == key)
			return t->slots[i].value;
	}
}
