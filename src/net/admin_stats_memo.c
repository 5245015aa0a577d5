/* Counting by key (admin_stats_count_key, see admin.h): request shapes,
 * given as pointers into one snapshot, mapped to their slots. A key's
 * where and how (few distinct values) are numbered in a small table that
 * stays in cache; its what and that number index an open-addressing table
 * of 32-byte entries, each holding its own pending count. A request
 * already seen costs two hashes, one line of the big table and, on its
 * first count since the last read, a position appended to the dirty list;
 * nothing is named or allocated. The memo keeps its snapshot alive, so the
 * pointers stay unique, and is emptied (after a fold) when the writer
 * moves to another snapshot. */
#include <stdlib.h>
#include <string.h>

#include "admin_stats_int.h"

_Static_assert(sizeof(struct memo_entry) == 32, "two memo entries per cache line");

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

/* ---- contexts: where and how ---- */

static size_t context_hash(const struct admin_stats_key *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	h = mix(h, (uint64_t)(uintptr_t)k->where[0]);
	h = mix(h, (uint64_t)(uintptr_t)k->where[1]);
	h = mix(h, k->how[0]);
	return (size_t)mix(h, k->how[1]);
}

static struct memo_context *context_probe(struct memo_context *t, size_t cap,
                                          const struct admin_stats_key *k)
{
	size_t i = context_hash(k) & (cap - 1);
	while (t[i].id && !(t[i].where[0] == k->where[0] && t[i].where[1] == k->where[1] &&
	                    t[i].how[0] == k->how[0] && t[i].how[1] == k->how[1]))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

/* The number of k's where and how, 0 when not seen yet. */
static uint32_t context_find(const struct stats_memo *m, const struct admin_stats_key *k)
{
	return m->contexts_cap ? context_probe(m->contexts, m->contexts_cap, k)->id : 0;
}

/* The number of k's where and how, given one when new. 0 when out of memory. */
static uint32_t context_add(struct stats_memo *m, const struct admin_stats_key *k)
{
	struct memo_context *c;
	uint32_t id = context_find(m, k);
	if (id)
		return id;
	if ((m->contexts_count + 1) * 2 > m->contexts_cap) {
		size_t cap = m->contexts_cap ? m->contexts_cap * 2 : 16;
		struct memo_context *t = calloc(cap, sizeof *t);
		if (!t || cap > UINT32_MAX) {
			free(t);
			return 0;
		}
		for (size_t i = 0; i < m->contexts_cap; i++)
			if (m->contexts[i].id) {
				struct admin_stats_key old;
				memcpy(old.where, m->contexts[i].where, sizeof old.where);
				memcpy(old.how, m->contexts[i].how, sizeof old.how);
				*context_probe(t, cap, &old) = m->contexts[i];
			}
		free(m->contexts);
		m->contexts = t;
		m->contexts_cap = cap;
	}
	c = context_probe(m->contexts, m->contexts_cap, k);
	memcpy(c->where, k->where, sizeof c->where);
	memcpy(c->how, k->how, sizeof c->how);
	c->id = (uint32_t)++m->contexts_count;
	return c->id;
}

/* ---- entries: what, in a context ---- */

static size_t entry_hash(const void *const what[2], uint32_t context)
{
	uint64_t h = 0x2545f4914f6cdd1dULL ^ context;
	h = mix(h, (uint64_t)(uintptr_t)what[0]);
	return (size_t)mix(h, (uint64_t)(uintptr_t)what[1]);
}

/* The position of (what, context), or of the empty entry where it would
 * go. cap > 0 and the table is never full. */
static size_t entry_probe(const struct memo_entry *t, size_t cap, const void *const what[2],
                          uint32_t context)
{
	size_t i = entry_hash(what, context) & (cap - 1);
	while (t[i].context &&
	       !(t[i].context == context && t[i].what[0] == what[0] && t[i].what[1] == what[1]))
		i = (i + 1) & (cap - 1);
	return i;
}

void admin_stats_memo_fold(struct admin_stats *st)
{
	struct stats_memo *m = &st->memo;
	for (size_t i = 0; i < m->ndirty; i++) {
		struct memo_entry *e = &m->table[m->dirty[i]];
		admin_stats_slot_add(e->slot, e->pending);
		e->pending = 0;
	}
	m->ndirty = 0;
}

struct xds_snapshot *admin_stats_memo_clear(struct admin_stats *st)
{
	struct xds_snapshot *snap = st->memo.snap;
	free(st->memo.contexts);
	free(st->memo.table);
	free(st->memo.dirty);
	memset(&st->memo, 0, sizeof st->memo);
	return snap;
}

/* Doubles the table, at most 5/8 full after. Pending counts are folded
 * first, so the dirty list starts empty. Returns 0, or -1 when out of
 * memory (the table unchanged). */
static int grow(struct admin_stats *st)
{
	struct stats_memo *m = &st->memo;
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct memo_entry *table;
	uint32_t *dirty;
	if (cap > UINT32_MAX)
		return -1;
	table = aligned_alloc(64, cap * sizeof *table);
	dirty = malloc(cap * sizeof *dirty);
	if (!table || !dirty) {
		free(table);
		free(dirty);
		return -1;
	}
	memset(table, 0, cap * sizeof *table);
	admin_stats_memo_fold(st);
	for (size_t i = 0; i < m->cap; i++)
		if (m->table[i].context)
			table[entry_probe(table, cap, m->table[i].what, m->table[i].context)] =
			    m->table[i];
	free(m->table);
	free(m->dirty);
	m->table = table;
	m->dirty = dirty;
	m->cap = cap;
	return 0;
}

/* Makes snap the memo's snapshot, forgetting the old one's keys (after
 * folding their counts). Returns the reference to drop outside the lock,
 * or NULL. */
static struct xds_snapshot *switch_snapshot(struct admin_stats *st, struct xds_snapshot *snap)
{
	struct stats_memo *m = &st->memo;
	struct xds_snapshot *old = m->snap;
	admin_stats_memo_fold(st);
	if (m->table)
		memset(m->table, 0, m->cap * sizeof *m->table);
	if (m->contexts)
		memset(m->contexts, 0, m->contexts_cap * sizeof *m->contexts);
	m->count = m->contexts_count = 0;
	xds_snapshot_ref(snap);
	m->snap = snap;
	return old;
}

/* Remembers a new key with its slot: the entry, or NULL when out of
 * memory. */
static struct memo_entry *add(struct admin_stats *st, const struct admin_stats_key *key,
                              struct stats_slot *slot)
{
	struct stats_memo *m = &st->memo;
	struct memo_entry *e;
	uint32_t context = context_add(m, key);
	if (!context || ((m->count + 1) * 8 > m->cap * 5 && grow(st) != 0))
		return NULL;
	e = &m->table[entry_probe(m->table, m->cap, key->what, context)];
	e->what[0] = key->what[0];
	e->what[1] = key->what[1];
	e->context = context;
	e->pending = 0;
	e->slot = slot;
	m->count++;
	return e;
}

int admin_stats_count_key(struct admin_stats *st, struct xds_snapshot *snap,
                          const struct admin_stats_key *key, admin_stats_describe_fn describe,
                          void *ctx)
{
	struct stats_memo *m = &st->memo;
	struct xds_snapshot *drop = NULL;
	struct memo_entry *e = NULL;
	uint32_t context;
	int rc = -1;
	pthread_mutex_lock(&st->lock);
	if (snap != m->snap)
		drop = switch_snapshot(st, snap);
	context = context_find(m, key);
	if (context && m->cap) {
		e = &m->table[entry_probe(m->table, m->cap, key->what, context)];
		if (!e->context)
			e = NULL;
	}
	if (!e) {
		/* a new shape: name it, then remember it */
		struct admin_request_record rec;
		struct stats_slot *slot;
		memset(&rec, 0, sizeof rec);
		describe(ctx, &rec);
		slot = admin_stats_slot_locked(st, &rec);
		if (!slot || !(e = add(st, key, slot)))
			goto done;
	}
	if (e->pending++ == 0) {
		m->dirty[m->ndirty++] = (uint32_t)(e - m->table);
	} else if (e->pending == MEMO_PENDING_MAX) {
		/* keep it on the dirty list with one pending, the rest counted */
		admin_stats_slot_add(e->slot, e->pending - 1);
		e->pending = 1;
	}
	rc = 0;
done:
	pthread_mutex_unlock(&st->lock);
	xds_snapshot_unref(drop);
	return rc;
}
