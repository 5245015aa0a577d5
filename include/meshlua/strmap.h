/* strmap: a hash table from strings to pointers (open addressing, linear
 * probing). Keys are copied; values are the caller's. */
#ifndef MESHLUA_STRMAP_H
#define MESHLUA_STRMAP_H

#include <stddef.h>

struct strmap_slot;

struct strmap {
	struct strmap_slot *slots;
	size_t cap;   /* a power of two, or 0 */
	size_t count; /* live entries */
	size_t used;  /* live entries plus tombstones */
};

/* An empty map; allocates nothing. */
void strmap_init(struct strmap *m);

/* The value stored under key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);

/* Stores value under key, replacing any previous value. Returns 0, or -1
 * when memory runs out (the map is unchanged). */
int strmap_put(struct strmap *m, const char *key, void *value);

/* Removes key; returns its value, or NULL when absent. */
void *strmap_remove(struct strmap *m, const char *key);

/* Releases the map's memory (not the values) and empties it. */
void strmap_free(struct strmap *m);

/* FNV-1a hash of a string (stable across runs: used for generated names). */
unsigned long long strmap_hash(const char *s);

#endif
