/* arena: bump allocation for objects that live and die together (a parsed
 * document, a snapshot). Nothing is freed one by one; arena_free releases
 * everything in one go. */
#ifndef MESHLUA_ARENA_H
#define MESHLUA_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head; /* newest block first */
	size_t block_size;        /* default size of a new block, in bytes */
	size_t used;              /* bytes handed out so far */
	size_t reserved;          /* bytes obtained from malloc so far */
};

/* Sets up an empty arena; block_size 0 picks 64 KiB. Allocates nothing. */
void arena_init(struct arena *a, size_t block_size);

/* Returns size bytes aligned for any object, owned by the arena, or NULL
 * when memory runs out. size 0 returns a valid, unique pointer. */
void *arena_alloc(struct arena *a, size_t size);

/* As arena_alloc, zero-filled. */
void *arena_calloc(struct arena *a, size_t count, size_t size);

/* Copies n bytes of s into the arena and NUL-terminates them. NULL when
 * memory runs out. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* arena_strndup of a NUL-terminated string. */
char *arena_strdup(struct arena *a, const char *s);

/* Releases every allocation and leaves the arena empty and reusable. */
void arena_free(struct arena *a);

#endif
