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

/* The sort.Slice of a Go release line (istioctl's order depends on it where
 * keys tie or comparisons are inconsistent). */
enum go_sort_algo {
	GO_SORT_PDQ,      /* Go 1.24+: pdqsort, 64-bit xorshift 13/7/17 */
	GO_SORT_PDQ_1_19, /* Go 1.19-1.23: pdqsort, xorshift 13/17/5 (golang/go#70144) */
	GO_SORT_QUICK     /* Go 1.18 and before: quickSort with a gap-6 shell pass */
};

/* Sorts n elements exactly as Go's sort.Slice does: same comparisons, same
 * swaps, so ties and inconsistent orders end where Go leaves them. */
void go_sort_slice(const struct go_sorter *s, size_t n);

/* As go_sort_slice with the algorithm of a given Go release line. */
void go_sort_slice_as(const struct go_sorter *s, size_t n, enum go_sort_algo algo);

/* Sorts an array of n pointers with less(ctx, a, b) as sort.Slice would. */
void go_sort_pointers(void **items, size_t n, int (*less)(void *ctx, const void *a, const void *b),
                      void *ctx);

/* go_sort_pointers with the algorithm of a given Go release line. */
void go_sort_pointers_as(void **items, size_t n,
                         int (*less)(void *ctx, const void *a, const void *b), void *ctx,
                         enum go_sort_algo algo);

#endif
