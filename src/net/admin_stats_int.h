/* Internal to the per-proxy counters (admin_stats.c, admin_stats_memo.c):
 * the structures they share. Everything here is guarded by the stats'
 * mutex. */
#ifndef MESHLUA_NET_ADMIN_STATS_INT_H
#define MESHLUA_NET_ADMIN_STATS_INT_H

#include <pthread.h>
#include <stdint.h>

#include "admin_int.h"
#include "meshlua/arena.h"
#include "meshlua/strmap.h"

/* One named counter (in the stats' arena, as its strings). */
struct stat_entry {
	char *name, *family, *labels;
	uint64_t value;
	int hidden;
};

/* One request shape: the named counters it bumps (in the stats' arena). */
struct stats_slot {
	uint64_t pending;              /* admin_stats_record's counts since the last fold */
	struct stats_slot *next_dirty; /* on admin_stats.dirty while pending > 0 */
	unsigned n;
	struct stat_entry *bumps[ADMIN_STATS_MAX_BUMPS];
};

/* The memo's small table: a key's where and how, numbered. */
struct memo_context {
	const void *where[2];
	uint64_t how[2];
	uint32_t id; /* 1 + position in the order seen; 0: empty */
};

/* A memo entry: half a cache line, so that the table of every shape seen
 * stays small and counting a known key touches one line of it. */
struct memo_entry {
	const void *what[2];
	uint32_t context;        /* a memo_context id; 0: empty entry */
	uint32_t pending;        /* counted since the last fold (see MEMO_PENDING_MAX) */
	struct stats_slot *slot; /* the counters the shape bumps */
};

/* Past this many pending counts an entry hands them to its slot at once. */
#define MEMO_PENDING_MAX 0x40000000u

/* The keys of one snapshot (admin_stats_count_key). */
struct stats_memo {
	struct xds_snapshot *snap; /* one reference; NULL before the first key */
	struct memo_context *contexts;
	size_t contexts_cap, contexts_count; /* cap: a power of two, or 0 */
	struct memo_entry *table;            /* 64-byte aligned */
	size_t cap;                          /* a power of two, or 0 */
	size_t count;
	uint32_t *dirty; /* positions of entries with pending > 0 (cap of them) */
	size_t ndirty;
};

struct admin_stats {
	int refs;
	pthread_mutex_t lock;
	struct arena ar;     /* entries, their strings, slots, shape keys: freed together */
	struct strmap index; /* name -> entry (keys borrowed from the entries) */
	struct stat_entry **entries;
	size_t count, cap;
	struct strmap shapes;     /* admin_stats_record's shape key -> slot (keys borrowed) */
	struct stats_slot *dirty; /* slots with pending counts */
	struct stats_memo memo;
};

/* The slot of rec's shape, made on first use (admin_stats.c). NULL when
 * out of memory. */
struct stats_slot *admin_stats_slot_locked(struct admin_stats *st,
                                           const struct admin_request_record *rec);

/* Adds n to every named counter of slot s. */
void admin_stats_slot_add(struct stats_slot *s, uint64_t n);

/* Folds the memo's pending counts into their named counters
 * (admin_stats_memo.c). */
void admin_stats_memo_fold(struct admin_stats *st);

/* Frees the memo's table; returns the snapshot reference it held (the
 * caller drops it outside the lock) and leaves the memo empty. */
struct xds_snapshot *admin_stats_memo_clear(struct admin_stats *st);

#endif
