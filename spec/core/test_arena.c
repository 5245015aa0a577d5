/* Unit tests of src/core/arena.c. */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "meshlua/arena.h"

static int aligned(const void *p)
{
	return ((uintptr_t)p % alignof(max_align_t)) == 0;
}

static void test_alignment_and_distinct_pointers(void)
{
	struct arena a;
	char *p1, *p2, *p0a, *p0b;
	arena_init(&a, 0);
	p1 = arena_alloc(&a, 1);
	p2 = arena_alloc(&a, 3);
	p0a = arena_alloc(&a, 0);
	p0b = arena_alloc(&a, 0);
	CHECK(p1 && p2 && p0a && p0b);
	CHECK(aligned(p1) && aligned(p2) && aligned(p0a));
	CHECK(p1 != p2 && p0a != p0b);
	memset(p1, 0xAA, 1);
	memset(p2, 0xBB, 3);
	CHECK((unsigned char)p1[0] == 0xAA);
	arena_free(&a);
}

static void test_many_small_and_big_allocations(void)
{
	struct arena a;
	unsigned char *big, *small[1000];
	arena_init(&a, 4096);
	for (int i = 0; i < 1000; i++) {
		small[i] = arena_alloc(&a, 24);
		CHECK(small[i] != NULL);
		memset(small[i], i & 0xff, 24);
	}
	big = arena_alloc(&a, 1 << 20); /* bigger than a block: its own block */
	CHECK(big != NULL && aligned(big));
	memset(big, 0x5A, 1 << 20);
	for (int i = 0; i < 1000; i++)
		CHECK(small[i][0] == (i & 0xff) && small[i][23] == (i & 0xff));
	CHECK(a.used >= 1000 * 24 + (1 << 20));
	CHECK(a.reserved >= a.used);
	/* Small allocations after the big one still use the current block. */
	CHECK(arena_alloc(&a, 8) != NULL);
	arena_free(&a);
	CHECK(a.head == NULL && a.used == 0 && a.reserved == 0);
	CHECK(arena_alloc(&a, 8) != NULL); /* reusable after free */
	arena_free(&a);
}

static void test_strings_and_calloc(void)
{
	struct arena a;
	int *zeros;
	arena_init(&a, 0);
	CHECK_STR(arena_strdup(&a, "outbound|80||x"), "outbound|80||x");
	CHECK_STR(arena_strndup(&a, "customers:80", 9), "customers");
	zeros = arena_calloc(&a, 16, sizeof *zeros);
	CHECK(zeros != NULL);
	for (int i = 0; i < 16; i++)
		CHECK(zeros[i] == 0);
	CHECK(arena_calloc(&a, SIZE_MAX / 2, 4) == NULL); /* overflow refused */
	CHECK(arena_alloc(&a, SIZE_MAX) == NULL);
	arena_free(&a);
}

int main(void)
{
	test_alignment_and_distinct_pointers();
	test_many_small_and_big_allocations();
	test_strings_and_calloc();
	return check_summary("arena");
}
