/* Resolvers: the per-proxy state resolution needs besides the immutable
 * snapshot index (round-robin positions, a seedable random source, PCRE2
 * match data and a buffer for joined header values), made once so that
 * resolving allocates nothing. */
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

struct resolver *resolver_new(uint64_t seed)
{
	struct resolver *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->scratch.md = rs_match_data_new();
	r->scratch.cap = 1024;
	r->scratch.buf = malloc(r->scratch.cap);
	if (!r->scratch.md || !r->scratch.buf) {
		resolver_free(r);
		return NULL;
	}
	resolver_reset(r, seed);
	return r;
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	xds_snapshot_unref(r->snap);
	if (r->scratch.md)
		rs_match_data_free(r->scratch.md);
	free(r->scratch.buf);
	free(r->rr);
	free(r->cand);
	free(r);
}

void resolver_reset(struct resolver *r, uint64_t seed)
{
	r->seed = seed;
	/* splitmix64 of the seed: never a zero xorshift state. */
	seed += 0x9E3779B97F4A7C15ULL;
	seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBULL;
	r->rng = (seed ^ (seed >> 31)) | 1;
	if (r->rr && r->rr_count)
		memset(r->rr, 0, r->rr_count * sizeof *r->rr);
}

uint64_t rs_random(struct resolver *r)
{
	/* xorshift64* */
	uint64_t x = r->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

int rs_resolver_prepare(struct resolver *r, const void *owner, size_t clusters, size_t chains)
{
	if (owner != r->lb_owner || clusters > r->rr_count) {
		uint64_t *rr = calloc(clusters ? clusters : 1, sizeof *rr);
		if (!rr)
			return -1;
		free(r->rr);
		r->rr = rr;
		r->rr_count = clusters;
		r->lb_owner = owner;
	}
	if (chains > r->cand_cap) {
		uint32_t *cand = malloc((chains ? chains : 1) * sizeof *cand);
		if (!cand)
			return -1;
		free(r->cand);
		r->cand = cand;
		r->cand_cap = chains;
	}
	return 0;
}
