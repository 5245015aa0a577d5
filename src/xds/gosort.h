/* gosort: Go's sort.Slice (pattern-defeating quicksort, Go 1.19+), ported so
 * that istioctl's tables come out in istioctl's order even where its
 * comparisons tie or are inconsistent (see reference/istio.md: the route
 * table's numeric-only comparison). Private to src/xds. */
#ifndef MESHLUA_XDS_GOSORT_H
#define MESHLUA_XDS_GOSORT_H

#include <stddef.h>

/* less(ctx, i, j): 1 when element i sorts before element j.
 * swap(ctx, i, j): exchanges elements i and j. */
struct go_sorter {
	int (*less)(void *ctx, size_t i, size_t j);
	void (*swap)(void *ctx, size_t i, size_t j);
	void *ctx;
};

/* Sorts n elements exactly as Go's sort.Slice does: same comparisons, same
 * swaps, so ties and inconsistent orders end where Go leaves them. */
void go_sort_slice(const struct go_sorter *s, size_t n);

/* Sorts an array of n pointers with less(ctx, a, b) as sort.Slice would. */
void go_sort_pointers(void **items, size_t n, int (*less)(void *ctx, const void *a, const void *b),
                      void *ctx);

#endif
