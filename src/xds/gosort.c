/* Go's sort.Slice (src/sort/zsortfunc.go and sort.go), written again in C
 * from its description so that every comparison and swap happens in the
 * same order: pdqsort (Go 1.19+; its xorshift constants changed in 1.24)
 * and the quickSort of Go 1.18 and before (istioctl 1.10 was built with Go
 * 1.16). Indices are signed as in Go (the algorithm compares j >= 1 and
 * computes b-1 on empty ranges). */
#include <stdint.h>

#include "gosort.h"

typedef long idx;

enum hint { UNKNOWN_HINT, INCREASING_HINT, DECREASING_HINT };

static inline int less(const struct go_sorter *s, idx i, idx j)
{
	return s->less(s->ctx, (size_t)i, (size_t)j);
}

static inline void swap(const struct go_sorter *s, idx i, idx j)
{
	s->swap(s->ctx, (size_t)i, (size_t)j);
}

/* bits.Len: the number of bits needed to represent x. */
static int bits_len(uint64_t x)
{
	int n = 0;
	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static void insertion_sort(const struct go_sorter *s, idx a, idx b)
{
	for (idx i = a + 1; i < b; i++)
		for (idx j = i; j > a && less(s, j, j - 1); j--)
			swap(s, j, j - 1);
}

static void sift_down(const struct go_sorter *s, idx lo, idx hi, idx first)
{
	idx root = lo;
	for (;;) {
		idx child = 2 * root + 1;
		if (child >= hi)
			return;
		if (child + 1 < hi && less(s, first + child, first + child + 1))
			child++;
		if (!less(s, first + root, first + child))
			return;
		swap(s, first + root, first + child);
		root = child;
	}
}

static void heap_sort(const struct go_sorter *s, idx a, idx b)
{
	idx first = a, lo = 0, hi = b - a;
	for (idx i = (hi - 1) / 2; i >= 0; i--)
		sift_down(s, i, hi, first);
	for (idx i = hi - 1; i >= 0; i--) {
		swap(s, first, first + i);
		sift_down(s, lo, i, first);
	}
}

/* partition_func: returns the new pivot; *already says whether nothing moved. */
static idx partition(const struct go_sorter *s, idx a, idx b, idx pivot, int *already)
{
	idx i = a + 1, j = b - 1;
	swap(s, a, pivot);
	while (i <= j && less(s, i, a))
		i++;
	while (i <= j && !less(s, j, a))
		j--;
	if (i > j) {
		swap(s, j, a);
		*already = 1;
		return j;
	}
	swap(s, i, j);
	i++;
	j--;
	for (;;) {
		while (i <= j && less(s, i, a))
			i++;
		while (i <= j && !less(s, j, a))
			j--;
		if (i > j)
			break;
		swap(s, i, j);
		i++;
		j--;
	}
	swap(s, j, a);
	*already = 0;
	return j;
}

static idx partition_equal(const struct go_sorter *s, idx a, idx b, idx pivot)
{
	idx i = a + 1, j = b - 1;
	swap(s, a, pivot);
	for (;;) {
		while (i <= j && !less(s, a, i))
			i++;
		while (i <= j && less(s, a, j))
			j--;
		if (i > j)
			break;
		swap(s, i, j);
		i++;
		j--;
	}
	return i;
}

static int partial_insertion_sort(const struct go_sorter *s, idx a, idx b)
{
	const int max_steps = 5;
	const idx shortest_shifting = 50;
	idx i = a + 1;
	for (int step = 0; step < max_steps; step++) {
		while (i < b && !less(s, i, i - 1))
			i++;
		if (i == b)
			return 1;
		if (b - a < shortest_shifting)
			return 0;
		swap(s, i, i - 1);
		if (i - a >= 2) {
			for (idx j = i - 1; j >= 1; j--) {
				if (!less(s, j, j - 1))
					break;
				swap(s, j, j - 1);
			}
		}
		if (b - i >= 2) {
			for (idx j = i + 1; j < b; j++) {
				if (!less(s, j, j - 1))
					break;
				swap(s, j, j - 1);
			}
		}
	}
	return 0;
}

static void break_patterns(const struct go_sorter *s, idx a, idx b, int old_xorshift)
{
	idx length = b - a;
	if (length >= 8) {
		uint64_t random = (uint64_t)length;
		uint64_t modulus = (uint64_t)1 << bits_len((uint64_t)length);
		for (idx i = a + (length / 4) * 2 - 1; i <= a + (length / 4) * 2 + 1; i++) {
			idx other;
			random ^= random << 13;
			random ^= random >> (old_xorshift ? 17 : 7);
			random ^= random << (old_xorshift ? 5 : 17);
			other = (idx)(random & (modulus - 1));
			if (other >= length)
				other -= length;
			swap(s, i, a + other);
		}
	}
}

static idx order2_median(const struct go_sorter *s, idx a, idx b, idx c, int *swaps)
{
	idx t;
	if (less(s, b, a)) {
		(*swaps)++;
		t = a, a = b, b = t;
	}
	if (less(s, c, b)) {
		(*swaps)++;
		t = b, b = c, c = t;
	}
	if (less(s, b, a)) {
		(*swaps)++;
		t = a, a = b, b = t;
	}
	return b;
}

static idx choose_pivot(const struct go_sorter *s, idx a, idx b, enum hint *hint)
{
	const idx shortest_ninther = 50;
	const int max_swaps = 4 * 3;
	idx l = b - a;
	int swaps = 0;
	idx i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
	if (l >= 8) {
		if (l >= shortest_ninther) {
			i = order2_median(s, i - 1, i, i + 1, &swaps);
			j = order2_median(s, j - 1, j, j + 1, &swaps);
			k = order2_median(s, k - 1, k, k + 1, &swaps);
		}
		j = order2_median(s, i, j, k, &swaps);
	}
	if (swaps == 0)
		*hint = INCREASING_HINT;
	else if (swaps == max_swaps)
		*hint = DECREASING_HINT;
	else
		*hint = UNKNOWN_HINT;
	return j;
}

static void reverse_range(const struct go_sorter *s, idx a, idx b)
{
	for (idx i = a, j = b - 1; i < j; i++, j--)
		swap(s, i, j);
}

static void pdqsort(const struct go_sorter *s, idx a, idx b, int limit, int old_xorshift)
{
	const idx max_insertion = 12;
	int was_balanced = 1, was_partitioned = 1;
	for (;;) {
		idx length = b - a, pivot, mid;
		enum hint hint;
		int already;
		if (length <= max_insertion) {
			insertion_sort(s, a, b);
			return;
		}
		if (limit == 0) {
			heap_sort(s, a, b);
			return;
		}
		if (!was_balanced) {
			break_patterns(s, a, b, old_xorshift);
			limit--;
		}
		pivot = choose_pivot(s, a, b, &hint);
		if (hint == DECREASING_HINT) {
			reverse_range(s, a, b);
			pivot = (b - 1) - (pivot - a);
			hint = INCREASING_HINT;
		}
		if (was_balanced && was_partitioned && hint == INCREASING_HINT &&
		    partial_insertion_sort(s, a, b))
			return;
		if (a > 0 && !less(s, a - 1, pivot)) {
			a = partition_equal(s, a, b, pivot);
			continue;
		}
		mid = partition(s, a, b, pivot, &already);
		was_partitioned = already;
		if (mid - a < b - mid) {
			was_balanced = mid - a >= length / 8;
			pdqsort(s, a, mid, limit, old_xorshift);
			a = mid + 1;
		} else {
			was_balanced = b - mid >= length / 8;
			pdqsort(s, mid + 1, b, limit, old_xorshift);
			b = mid;
		}
	}
}

/* ---- Go 1.18 and before: quickSort_func ---- */

static void median_of_three(const struct go_sorter *s, idx m1, idx m0, idx m2)
{
	if (less(s, m1, m0))
		swap(s, m1, m0);
	if (less(s, m2, m1)) {
		swap(s, m2, m1);
		if (less(s, m1, m0))
			swap(s, m1, m0);
	}
}

static void do_pivot(const struct go_sorter *s, idx lo, idx hi, idx *midlo, idx *midhi)
{
	idx m = (idx)((unsigned long)(lo + hi) >> 1), pivot = lo, a, b, c;
	int protect;
	if (hi - lo > 40) {
		idx step = (hi - lo) / 8;
		median_of_three(s, lo, lo + step, lo + 2 * step);
		median_of_three(s, m, m - step, m + step);
		median_of_three(s, hi - 1, hi - 1 - step, hi - 1 - 2 * step);
	}
	median_of_three(s, lo, m, hi - 1);
	a = lo + 1;
	c = hi - 1;
	while (a < c && less(s, a, pivot))
		a++;
	b = a;
	for (;;) {
		while (b < c && !less(s, pivot, b))
			b++;
		while (b < c && less(s, pivot, c - 1))
			c--;
		if (b >= c)
			break;
		swap(s, b, c - 1);
		b++;
		c--;
	}
	protect = hi - c < 5;
	if (!protect && hi - c < (hi - lo) / 4) {
		int dups = 0;
		if (!less(s, pivot, hi - 1)) {
			swap(s, c, hi - 1);
			c++;
			dups++;
		}
		if (!less(s, b - 1, pivot)) {
			b--;
			dups++;
		}
		if (!less(s, m, pivot)) {
			swap(s, m, b - 1);
			b--;
			dups++;
		}
		protect = dups > 1;
	}
	if (protect) {
		for (;;) {
			while (a < b && !less(s, b - 1, pivot))
				b--;
			while (a < b && less(s, a, pivot))
				a++;
			if (a >= b)
				break;
			swap(s, a, b - 1);
			a++;
			b--;
		}
	}
	swap(s, pivot, b - 1);
	*midlo = b - 1;
	*midhi = c;
}

static void quick_sort(const struct go_sorter *s, idx a, idx b, int max_depth)
{
	while (b - a > 12) {
		idx mlo, mhi;
		if (max_depth == 0) {
			heap_sort(s, a, b);
			return;
		}
		max_depth--;
		do_pivot(s, a, b, &mlo, &mhi);
		if (mlo - a < b - mhi) {
			quick_sort(s, a, mlo, max_depth);
			a = mhi;
		} else {
			quick_sort(s, mhi, b, max_depth);
			b = mlo;
		}
	}
	if (b - a > 1) {
		/* A shell sort pass with gap 6, then insertion sort. */
		for (idx i = a + 6; i < b; i++)
			if (less(s, i, i - 6))
				swap(s, i, i - 6);
		insertion_sort(s, a, b);
	}
}

void go_sort_slice_as(const struct go_sorter *s, size_t n, enum go_sort_algo algo)
{
	if (algo == GO_SORT_QUICK)
		quick_sort(s, 0, (idx)n, 2 * bits_len(n));
	else
		pdqsort(s, 0, (idx)n, bits_len(n), algo == GO_SORT_PDQ_1_19);
}

void go_sort_slice(const struct go_sorter *s, size_t n)
{
	go_sort_slice_as(s, n, GO_SORT_PDQ);
}

struct pointer_ctx {
	void **items;
	int (*less)(void *ctx, const void *a, const void *b);
	void *ctx;
};

static int pointer_less(void *ctx, size_t i, size_t j)
{
	struct pointer_ctx *p = ctx;
	return p->less(p->ctx, p->items[i], p->items[j]);
}

static void pointer_swap(void *ctx, size_t i, size_t j)
{
	struct pointer_ctx *p = ctx;
	void *t = p->items[i];
	p->items[i] = p->items[j];
	p->items[j] = t;
}

void go_sort_pointers_as(void **items, size_t n,
                         int (*less_fn)(void *ctx, const void *a, const void *b), void *ctx,
                         enum go_sort_algo algo)
{
	struct pointer_ctx p = {items, less_fn, ctx};
	struct go_sorter s = {pointer_less, pointer_swap, &p};
	go_sort_slice_as(&s, n, algo);
}

void go_sort_pointers(void **items, size_t n,
                      int (*less_fn)(void *ctx, const void *a, const void *b), void *ctx)
{
	go_sort_pointers_as(items, n, less_fn, ctx, GO_SORT_PDQ);
}
