/* Bump allocator (see include/meshlua/arena.h). Blocks form a list; a request
 * larger than a quarter block gets a block of its own so big objects do not
 * waste the rest of the current one. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/arena.h"

struct arena_block {
	struct arena_block *next;
	size_t size; /* usable bytes in data */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN         alignof(max_align_t)
#define ARENA_DEFAULT_BLOCK (64 * 1024)

void arena_init(struct arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
	a->used = 0;
	a->reserved = 0;
}

static struct arena_block *new_block(struct arena *a, size_t size)
{
	struct arena_block *b;
	if (size > SIZE_MAX - sizeof *b)
		return NULL;
	b = malloc(sizeof *b + size);
	if (!b)
		return NULL;
	b->size = size;
	b->used = 0;
	a->reserved += size;
	return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t rounded;
	void *p;
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	rounded = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;
	if (!b || b->size - b->used < rounded) {
		if (rounded > a->block_size / 4) {
			/* A block of its own, kept behind the current one. */
			struct arena_block *big = new_block(a, rounded);
			if (!big)
				return NULL;
			big->used = rounded;
			if (b) {
				big->next = b->next;
				b->next = big;
			} else {
				big->next = NULL;
				a->head = big;
			}
			a->used += rounded;
			return big->data;
		}
		b = new_block(a, a->block_size);
		if (!b)
			return NULL;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += rounded;
	a->used += rounded;
	return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
	void *p;
	if (size && count > SIZE_MAX / size)
		return NULL;
	p = arena_alloc(a, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = n < SIZE_MAX ? arena_alloc(a, n + 1) : NULL;
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	arena_init(a, a->block_size);
}
