/* Resolvers: the per-proxy state resolution needs besides the immutable
 * snapshot index (round-robin positions, locality schedulers, a seedable
 * random source, PCRE2
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
	free(r->edf);
	free(r->edf_e);
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
	if (r->edf && r->edf_count)
		memset(r->edf, 0, r->edf_count * sizeof *r->edf); /* rebuilt on next use */
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

int rs_resolver_prepare(struct resolver *r, const void *owner, size_t clusters, size_t chains,
                        size_t edf, size_t edf_entries)
{
	if (owner != r->lb_owner || clusters > r->rr_count || edf > r->edf_count ||
	    edf_entries > r->edf_e_count) {
		/* A new index: positions and schedulers start over (the
		 * schedulers are rebuilt from its localities on first use). */
		uint64_t *rr = calloc(clusters ? clusters : 1, sizeof *rr);
		struct rs_edf *e = calloc(edf ? edf : 1, sizeof *e);
		struct rs_edf_entry *ee = calloc(edf_entries ? edf_entries : 1, sizeof *ee);
		if (!rr || !e || !ee) {
			free(rr);
			free(e);
			free(ee);
			return -1;
		}
		free(r->rr);
		free(r->edf);
		free(r->edf_e);
		r->rr = rr;
		r->rr_count = clusters;
		r->edf = e;
		r->edf_count = edf;
		r->edf_e = ee;
		r->edf_e_count = edf_entries;
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
