/* Per-proxy counters (see admin.h): named counters (Envoy's flat name, its
 * Prometheus family and labels) under a mutex, fed by slots. A slot is one
 * request shape: the named counters it bumps, resolved once when the shape
 * is first seen (admin_stats_names.c names them). Counting a request adds
 * one to a pending count (the slot's here, by content; a memo entry's in
 * admin_stats_memo.c, by key) and notes it dirty; every read first folds
 * the pending counts into the named counters, so what is read is exact and
 * counting names nothing. Entries and slots are only added, never removed,
 * so their strings and pointers outlive any copy. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_stats_int.h"
#include "meshlua/strbuf.h"

struct admin_stats *admin_stats_new(void)
{
	struct admin_stats *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->refs = 1;
	pthread_mutex_init(&st->lock, NULL);
	arena_init(&st->ar, 0);
	strmap_init_borrowed(&st->index);
	strmap_init_borrowed(&st->shapes);
	return st;
}

void admin_stats_ref(struct admin_stats *st)
{
	__atomic_add_fetch(&st->refs, 1, __ATOMIC_RELAXED);
}

void admin_stats_unref(struct admin_stats *st)
{
	if (!st || __atomic_sub_fetch(&st->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(st->entries);
	strmap_free(&st->index);
	strmap_free(&st->shapes);
	arena_free(&st->ar);
	xds_snapshot_unref(admin_stats_memo_clear(st));
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* The entry of name, made (at zero) on first use. Called with the lock
 * held. NULL when out of memory. */
static struct stat_entry *entry(struct admin_stats *st, const char *name, const char *family,
                                const char *labels, int hidden)
{
	struct stat_entry *e = strmap_get(&st->index, name);
	if (e)
		return e;
	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct stat_entry **grown = realloc(st->entries, cap * sizeof *grown);
		if (!grown)
			return NULL;
		st->entries = grown;
		st->cap = cap;
	}
	e = arena_calloc(&st->ar, 1, sizeof *e);
	if (!e)
		return NULL;
	e->name = arena_strdup(&st->ar, name);
	e->family = arena_strdup(&st->ar, family);
	e->labels = arena_strdup(&st->ar, labels);
	e->hidden = hidden;
	if (!e->name || !e->family || !e->labels || strmap_put(&st->index, e->name, e) != 0)
		return NULL; /* the arena keeps what was taken until the stats go */
	st->entries[st->count++] = e;
	return e;
}

void admin_stats_slot_add(struct stats_slot *s, uint64_t n)
{
	for (unsigned i = 0; i < s->n; i++)
		s->bumps[i]->value += n;
}

/* Adds every pending count to its named counters. Called with the lock
 * held, before anything reads a counter. */
static void fold(struct admin_stats *st)
{
	struct stats_slot *s = st->dirty;
	st->dirty = NULL;
	while (s) {
		struct stats_slot *next = s->next_dirty;
		admin_stats_slot_add(s, s->pending);
		s->pending = 0;
		s->next_dirty = NULL;
		s = next;
	}
	admin_stats_memo_fold(st);
}

/* Appends a string field of a shape key: its length, then its bytes, so
 * that no two records share a key; "-" for NULL. */
static int key_field(struct strbuf *sb, const char *s)
{
	return s ? strbuf_appendf(sb, "%zu:%s", strlen(s), s) : strbuf_putc(sb, '-');
}

/* The key of rec's shape: every field the counters depend on. */
static int shape_key(struct strbuf *sb, const struct admin_request_record *rec)
{
	int rc = key_field(sb, rec->listener);
	if (rc == 0)
		rc = key_field(sb, rec->stat_prefix);
	if (rc == 0)
		rc = key_field(sb, rec->cluster);
	if (rc == 0)
		rc = key_field(sb, rec->host);
	if (rc == 0)
		rc = key_field(sb, rec->flags);
	if (rc == 0)
		rc = strbuf_appendf(sb, "%d", rec->status);
	return rc;
}

/* admin_stats_names' callback while a slot is made: the named counter,
 * created at zero, joins the slot. */
static int add_bump(void *ctx, const char *name, const char *family, const char *labels, int hidden)
{
	void **c = ctx;
	struct admin_stats *st = c[0];
	struct stats_slot *s = c[1];
	struct stat_entry *e;
	if (s->n == ADMIN_STATS_MAX_BUMPS)
		return -1; /* admin_stats_names promises fewer */
	e = entry(st, name, family, labels, hidden);
	if (!e)
		return -1;
	s->bumps[s->n++] = e;
	return 0;
}

/* The slot of rec's shape, made on first use. Called with the lock held.
 * NULL when out of memory (named counters made on the way stay, at zero:
 * they show as 0, as if counted and reset, and are reused next time). */
struct stats_slot *admin_stats_slot_locked(struct admin_stats *st,
                                           const struct admin_request_record *rec)
{
	struct strbuf key = STRBUF_INIT;
	struct stats_slot *s = NULL;
	char *name;
	void *ctx[2];
	if (shape_key(&key, rec) != 0)
		goto done;
	s = strmap_get(&st->shapes, strbuf_cstr(&key));
	if (s)
		goto done;
	s = arena_calloc(&st->ar, 1, sizeof *s);
	name = arena_strdup(&st->ar, strbuf_cstr(&key));
	ctx[0] = st;
	ctx[1] = s;
	if (!s || !name || admin_stats_names(rec, add_bump, ctx) != 0 ||
	    strmap_put(&st->shapes, name, s) != 0)
		s = NULL;
done:
	strbuf_free(&key);
	return s;
}

int admin_stats_record(struct admin_stats *st, const struct admin_request_record *rec)
{
	struct stats_slot *s;
	pthread_mutex_lock(&st->lock);
	s = admin_stats_slot_locked(st, rec);
	if (s && s->pending++ == 0) {
		s->next_dirty = st->dirty;
		st->dirty = s;
	}
	pthread_mutex_unlock(&st->lock);
	return s ? 0 : -1;
}

uint64_t admin_stats_get(struct admin_stats *st, const char *name)
{
	struct stat_entry *e;
	uint64_t v = 0;
	pthread_mutex_lock(&st->lock);
	fold(st);
	e = strmap_get(&st->index, name);
	if (e)
		v = e->value;
	pthread_mutex_unlock(&st->lock);
	return v;
}

uint64_t admin_stats_host(struct admin_stats *st, const char *cluster, const char *host,
                          const char *stat)
{
	struct strbuf name = STRBUF_INIT;
	uint64_t v = 0;
	if (strbuf_appendf(&name, "host|%s|%s|%s", cluster, host, stat) == 0)
		v = admin_stats_get(st, strbuf_cstr(&name));
	strbuf_free(&name);
	return v;
}

void admin_stats_reset(struct admin_stats *st)
{
	pthread_mutex_lock(&st->lock);
	fold(st);
	for (size_t i = 0; i < st->count; i++)
		st->entries[i]->value = 0;
	pthread_mutex_unlock(&st->lock);
}

struct admin_stat_value *admin_stats_copy(struct admin_stats *st, size_t *n)
{
	struct admin_stat_value *out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->lock);
	fold(st);
	if (st->count > 0)
		out = calloc(st->count, sizeof *out);
	if (out) {
		for (size_t i = 0; i < st->count; i++) {
			const struct stat_entry *e = st->entries[i];
			out[i].name = e->name;
			out[i].family = e->family;
			out[i].labels = e->labels;
			out[i].value = e->value;
			out[i].hidden = e->hidden;
		}
		*n = st->count;
	}
	pthread_mutex_unlock(&st->lock);
	return out;
}
