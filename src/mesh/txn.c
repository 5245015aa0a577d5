/* Transactions: every operation plans its changes here, with the store left
 * untouched, then commits them at once or aborts. The plan sees its own
 * staged objects (txn_find). Commit first reserves every byte the store
 * needs, so once it starts changing the store it cannot fail: an operation
 * is all or nothing, out of memory included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

char txn_removed_mark;

void txn_begin(struct txn *t, struct mesh *m, struct mesh_error *err)
{
	memset(t, 0, sizeof *t);
	t->m = m;
	t->err = err;
	strmap_init_borrowed(&t->staged);
	strmap_init(&t->touched);
	t->saved_next[0] = m->pod_ips.next;
	t->saved_next[1] = m->service_ips.next;
	t->saved_next[2] = m->node_ports.next;
	t->saved_uid = m->next_uid;
}

int txn_oom(struct txn *t)
{
	mesh_error_set(t->err, NULL, 0, 0, "out of memory");
	return -1;
}

/* Gives o its index key (in its arena) when it has none. */
static int ensure_key(struct mesh_object *o)
{
	char key[MESH_KEY_MAX];
	if (o->key)
		return 0;
	mesh_key(key, sizeof key, o->kind, o->namespace_, o->name);
	o->key = object_strdup(o, key);
	return o->key ? 0 : -1;
}

struct mesh_object *txn_find(struct txn *t, enum mesh_kind kind, const char *ns, const char *name)
{
	char key[MESH_KEY_MAX];
	void *v;
	mesh_key(key, sizeof key, kind, ns ? ns : "default", name);
	v = strmap_get(&t->staged, key);
	if (v == TXN_REMOVED)
		return NULL;
	if (v)
		return v;
	return strmap_get(&t->m->index, key);
}

int txn_add(struct txn *t, struct mesh_object *o)
{
	if (ensure_key(o) != 0 || objvec_push(&t->adds, o) != 0) {
		mesh_object_unref(o);
		return txn_oom(t);
	}
	o->uid = t->m->next_uid++;
	o->created = t->m->now;
	if (!o->generation)
		o->generation = 1;
	if (strmap_put(&t->staged, o->key, o) != 0)
		return txn_oom(t); /* o stays in adds: abort releases it */
	return 0;
}

static long position(const struct objvec *v, const struct mesh_object *o)
{
	for (size_t i = 0; i < v->count; i++)
		if (v->items[i] == o)
			return (long)i;
	return -1;
}

int txn_replace(struct txn *t, struct mesh_object *cur, struct mesh_object *o)
{
	long at;
	o->uid = cur->uid;
	o->created = cur->created;
	if (ensure_key(o) != 0) {
		mesh_object_unref(o);
		return txn_oom(t);
	}
	at = position(&t->adds, cur);
	if (at >= 0 || (at = position(&t->replaced_new, cur)) >= 0) {
		/* cur is staged: o takes its place (and its staged key: an
		 * existing key, so the put cannot fail) before cur goes. */
		if (position(&t->adds, cur) >= 0)
			t->adds.items[at] = o;
		else
			t->replaced_new.items[at] = o;
		strmap_put(&t->staged, o->key, o);
		mesh_object_unref(cur);
		return 0;
	}
	if (objvec_reserve(&t->replaced_new, 1) != 0 || objvec_push(&t->replaced_old, cur) != 0) {
		mesh_object_unref(o);
		return txn_oom(t);
	}
	objvec_push(&t->replaced_new, o); /* reserved */
	if (strmap_put(&t->staged, o->key, o) != 0)
		return txn_oom(t); /* o is in replaced_new: abort releases it */
	return 0;
}

/* Gives back what o holds from the allocators (at commit). */
static int release_resources(struct txn *t, const struct mesh_object *o)
{
	struct mesh *m = t->m;
	long off;
	if (o->pod && o->pod->ip && !o->pod->spec.host_network &&
	    (off = ipam_offset(&m->pod_ips, o->pod->ip)) >= 0 &&
	    txn_release(t, &m->pod_ips, (uint32_t)off) != 0)
		return -1;
	if (o->service) {
		const struct mesh_service *s = o->service;
		if (s->cluster_ip && !s->headless &&
		    (off = ipam_offset(&m->service_ips, s->cluster_ip)) >= 0 &&
		    txn_release(t, &m->service_ips, (uint32_t)off) != 0)
			return -1;
		for (size_t i = 0; i < s->port_count; i++) {
			char port[16];
			if (!s->ports[i].node_port)
				continue;
			snprintf(port, sizeof port, "%d", s->ports[i].node_port);
			off = ipam_offset(&m->node_ports, port);
			if (off >= 0 && txn_release(t, &m->node_ports, (uint32_t)off) != 0)
				return -1;
		}
	}
	return 0;
}

int txn_remove(struct txn *t, struct mesh_object *o)
{
	void *staged = strmap_get(&t->staged, o->key);
	struct mesh_object *stored;
	long at;
	if (staged == TXN_REMOVED)
		return 0;
	if (release_resources(t, o) != 0)
		return txn_oom(t);
	if ((at = position(&t->adds, o)) >= 0) {
		memmove(&t->adds.items[at], &t->adds.items[at + 1],
		        (t->adds.count - (size_t)at - 1) * sizeof *t->adds.items);
		t->adds.count--;
		stored = strmap_get(&t->m->index, o->key);
		if (stored)
			strmap_put(&t->staged, stored->key, TXN_REMOVED); /* existing key */
		else
			strmap_remove(&t->staged, o->key);
		mesh_object_unref(o);
		return 0;
	}
	if ((at = position(&t->replaced_new, o)) >= 0) {
		struct mesh_object *old = t->replaced_old.items[at];
		size_t tail = t->replaced_new.count - (size_t)at - 1;
		memmove(&t->replaced_new.items[at], &t->replaced_new.items[at + 1],
		        tail * sizeof *t->replaced_new.items);
		memmove(&t->replaced_old.items[at], &t->replaced_old.items[at + 1],
		        tail * sizeof *t->replaced_old.items);
		t->replaced_new.count--;
		t->replaced_old.count--;
		/* The staged entry takes the old object's key before o goes. */
		strmap_put(&t->staged, old->key, TXN_REMOVED);
		mesh_object_unref(o);
		o = old;
	}
	if (objvec_push(&t->removes, o) != 0 || strmap_put(&t->staged, o->key, TXN_REMOVED) != 0)
		return txn_oom(t);
	return 0;
}

static int push_ip(struct txn_ip **items, size_t *count, size_t *cap, struct ipam *pool,
                   uint32_t offset)
{
	if (*count == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct txn_ip *grown = realloc(*items, n * sizeof *grown);
		if (!grown)
			return -1;
		*items = grown;
		*cap = n;
	}
	(*items)[*count].pool = pool;
	(*items)[(*count)++].offset = offset;
	return 0;
}

long txn_alloc(struct txn *t, struct ipam *pool, const char *what)
{
	long off = ipam_next(pool);
	if (off < 0) {
		mesh_error_set(t->err, NULL, 0, 0, "no %s available: the range is exhausted", what);
		return -1;
	}
	if (push_ip(&t->allocs, &t->alloc_count, &t->alloc_cap, pool, (uint32_t)off) != 0) {
		ipam_set(pool, (uint32_t)off, 0);
		return txn_oom(t);
	}
	return off;
}

int txn_claim(struct txn *t, struct ipam *pool, uint32_t offset)
{
	if (ipam_in_use(pool, offset))
		return -1;
	if (push_ip(&t->allocs, &t->alloc_count, &t->alloc_cap, pool, offset) != 0)
		return txn_oom(t);
	ipam_set(pool, offset, 1);
	return 0;
}

int txn_release(struct txn *t, struct ipam *pool, uint32_t offset)
{
	return push_ip(&t->frees, &t->free_count, &t->free_cap, pool, offset);
}

int txn_set_labels(struct txn *t, struct mesh_object *o, const struct mesh_label *pairs, size_t n)
{
	struct txn_labels *l;
	if (t->label_count == t->label_cap) {
		size_t cap = t->label_cap ? t->label_cap * 2 : 8;
		struct txn_labels *grown = realloc(t->labels, cap * sizeof *grown);
		if (!grown)
			return txn_oom(t);
		t->labels = grown;
		t->label_cap = cap;
	}
	l = &t->labels[t->label_count];
	l->o = o;
	l->block = labels_block_new(pairs, n, &l->labels);
	if (!l->block)
		return txn_oom(t);
	t->label_count++;
	return 0;
}

int txn_set_int(struct txn *t, int *field, int value)
{
	if (t->int_count == t->int_cap) {
		size_t cap = t->int_cap ? t->int_cap * 2 : 8;
		struct txn_int *grown = realloc(t->ints, cap * sizeof *grown);
		if (!grown)
			return txn_oom(t);
		t->ints = grown;
		t->int_cap = cap;
	}
	t->ints[t->int_count].field = field;
	t->ints[t->int_count++].value = value;
	return 0;
}

int txn_report(struct txn *t, enum mesh_kind kind, const char *ns, const char *name,
               enum mesh_action action)
{
	struct mesh_change *c;
	if (t->changes.count == t->change_cap) {
		size_t cap = t->change_cap ? t->change_cap * 2 : 16;
		struct mesh_change *grown = realloc(t->changes.items, cap * sizeof *grown);
		if (!grown)
			return txn_oom(t);
		t->changes.items = grown;
		t->change_cap = cap;
	}
	c = &t->changes.items[t->changes.count];
	if (mesh_change_set(c, kind, ns, name, action) != 0)
		return txn_oom(t);
	t->changes.count++;
	return 0;
}

int txn_touch(struct txn *t, enum mesh_kind kind, const char *ns, const char *name)
{
	char key[MESH_KEY_MAX];
	struct txn_touch *w;
	mesh_key(key, sizeof key, kind, ns, name);
	if (strmap_get(&t->touched, key))
		return 0;
	if (t->touch_count == t->touch_cap) {
		size_t cap = t->touch_cap ? t->touch_cap * 2 : 16;
		struct txn_touch *grown = realloc(t->touch, cap * sizeof *grown);
		if (!grown)
			return txn_oom(t);
		t->touch = grown;
		t->touch_cap = cap;
	}
	w = &t->touch[t->touch_count];
	w->kind = kind;
	w->ns = strdup(ns);
	w->name = strdup(name);
	if (!w->ns || !w->name || strmap_put(&t->touched, key, w) != 0) {
		free(w->ns);
		free(w->name);
		return txn_oom(t);
	}
	t->touch_count++;
	return 0;
}

/* Frees the plan's bookkeeping (not the objects). */
static void txn_free(struct txn *t)
{
	for (size_t i = 0; i < t->touch_count; i++) {
		free(t->touch[i].ns);
		free(t->touch[i].name);
	}
	free(t->touch);
	strmap_free(&t->touched);
	strmap_free(&t->staged);
	objvec_free(&t->adds);
	objvec_free(&t->replaced_old);
	objvec_free(&t->replaced_new);
	objvec_free(&t->removes);
	free(t->allocs);
	free(t->frees);
	free(t->labels);
	free(t->ints);
	mesh_changes_free(&t->changes);
}

void txn_abort(struct txn *t)
{
	struct mesh *m = t->m;
	for (size_t i = 0; i < t->adds.count; i++)
		mesh_object_unref(t->adds.items[i]);
	for (size_t i = 0; i < t->replaced_new.count; i++)
		mesh_object_unref(t->replaced_new.items[i]);
	for (size_t i = t->alloc_count; i > 0; i--)
		ipam_set(t->allocs[i - 1].pool, t->allocs[i - 1].offset, 0);
	for (size_t i = 0; i < t->label_count; i++)
		free(t->labels[i].block);
	m->pod_ips.next = t->saved_next[0];
	m->service_ips.next = t->saved_next[1];
	m->node_ports.next = t->saved_next[2];
	m->next_uid = t->saved_uid;
	txn_free(t);
}

int txn_commit(struct txn *t, struct mesh_changes *out)
{
	struct mesh *m = t->m;
	uint64_t version;
	for (size_t i = 0; i < t->touch_count; i++) {
		if (controller_reconcile(t, t->touch[i].kind, t->touch[i].ns, t->touch[i].name) !=
		    0) {
			txn_abort(t);
			return -1;
		}
	}
	if (t->adds.count || t->replaced_new.count || t->removes.count || t->label_count ||
	    t->int_count)
		t->changed = 1;
	if (t->changed && store_reserve(m, t) != 0) {
		txn_oom(t);
		txn_abort(t);
		return -1;
	}
	/* From here on nothing can fail. */
	version = t->changed ? ++m->version : m->version;
	for (size_t i = 0; i < t->replaced_new.count; i++) {
		t->replaced_new.items[i]->resource_version = version;
		store_replace(m, t->replaced_old.items[i], t->replaced_new.items[i]);
	}
	for (size_t i = 0; i < t->removes.count; i++)
		store_remove(m, t->removes.items[i]);
	for (size_t i = 0; i < t->adds.count; i++) {
		t->adds.items[i]->resource_version = version;
		store_insert(m, t->adds.items[i]);
	}
	for (size_t i = 0; i < t->label_count; i++) {
		struct txn_labels *l = &t->labels[i];
		free(l->o->labels_block);
		l->o->labels_block = l->block;
		l->o->labels = l->labels;
		l->o->resource_version = version;
	}
	for (size_t i = 0; i < t->int_count; i++)
		*t->ints[i].field = t->ints[i].value;
	for (size_t i = 0; i < t->free_count; i++)
		ipam_set(t->frees[i].pool, t->frees[i].offset, 0);
	store_compact(m);
	for (size_t i = 0; i < t->removes.count; i++)
		mesh_object_unref(t->removes.items[i]);
	for (size_t i = 0; i < t->replaced_old.count; i++)
		mesh_object_unref(t->replaced_old.items[i]);
	if (t->changed)
		controller_update_status(m);
	if (out) {
		*out = t->changes;
		memset(&t->changes, 0, sizeof t->changes);
	}
	txn_free(t);
	return 0;
}

const char *mesh_action_name(enum mesh_action action)
{
	static const char *const names[] = {
	    [MESH_CREATED] = "created",         [MESH_CONFIGURED] = "configured",
	    [MESH_UNCHANGED] = "unchanged",     [MESH_DELETED] = "deleted",
	    [MESH_NOT_FOUND] = "not found",     [MESH_LABELED] = "labeled",
	    [MESH_NOT_LABELED] = "not labeled", [MESH_SCALED] = "scaled",
	    [MESH_RESTARTED] = "restarted",
	};
	return names[action];
}

int mesh_change_set(struct mesh_change *c, enum mesh_kind kind, const char *ns, const char *name,
                    enum mesh_action action)
{
	size_t ns_len = strlen(ns ? ns : ""), name_len = strlen(name);
	char *block = malloc(ns_len + name_len + 2);
	if (!block)
		return -1;
	memcpy(block, ns ? ns : "", ns_len + 1);
	memcpy(block + ns_len + 1, name, name_len + 1);
	c->kind = kind;
	c->action = action;
	c->namespace_ = block;
	c->name = block + ns_len + 1;
	return 0;
}

void mesh_changes_free(struct mesh_changes *c)
{
	for (size_t i = 0; i < c->count; i++)
		free(c->items[i].namespace_); /* the name shares its block */
	free(c->items);
	c->items = NULL;
	c->count = 0;
}
