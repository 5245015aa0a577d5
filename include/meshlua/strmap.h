/* strmap: a hash table from strings to pointers (open addressing, linear
 * probing). Keys are copied, or borrowed (see strmap_init_borrowed); values
 * are the caller's. */
#ifndef MESHLUA_STRMAP_H
#define MESHLUA_STRMAP_H

#include <stddef.h>

struct strmap_slot;

struct strmap {
	struct strmap_slot *slots;
	size_t cap;   /* a power of two, or 0 */
	size_t count; /* live entries */
	size_t used;  /* live entries plus tombstones */
	int borrowed; /* keys are the caller's, not copied */
};

/* An empty map; allocates nothing. */
void strmap_init(struct strmap *m);

/* An empty map whose keys are not copied: each key passed to strmap_put
 * must stay valid while its entry lives, and a put of an existing key also
 * takes the new key pointer (so the old string may then be freed). */
void strmap_init_borrowed(struct strmap *m);

/* The value stored under key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);

/* Stores value under key, replacing any previous value. Returns 0, or -1
 * when memory runs out (the map is unchanged). */
int strmap_put(struct strmap *m, const char *key, void *value);

/* Makes room for extra more keys: the next extra strmap_put calls cannot
 * fail for lack of slots (with borrowed keys they cannot fail at all).
 * Returns 0, or -1 when memory runs out. */
int strmap_reserve(struct strmap *m, size_t extra);

/* Removes key; returns its value, or NULL when absent. */
void *strmap_remove(struct strmap *m, const char *key);

/* Calls fn(ctx, key, value) for every entry, in no particular order. The
 * map must not change meanwhile. */
void strmap_each(const struct strmap *m, void (*fn)(void *ctx, const char *key, void *value),
                 void *ctx);

/* Releases the map's memory (not the values) and empties it. */
void strmap_free(struct strmap *m);

/* FNV-1a hash of a string (stable across runs: used for generated names). */
unsigned long long strmap_hash(const char *s);

#endif
