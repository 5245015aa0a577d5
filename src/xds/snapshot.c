/* Snapshot lifetime: creation, reference counting across threads (the
 * admin server reads snapshots the REPL may drop), derived data built once
 * under a recursive lock (a build may ask for another slot), and lookups
 * by name (see include/meshlua/xds.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/xds.h"

struct xds_snapshot *xds_snapshot_new(const char *source)
{
	struct xds_snapshot *s = calloc(1, sizeof *s);
	pthread_mutex_t *lock = malloc(sizeof *lock);
	pthread_mutexattr_t attr;
	if (!s || !lock) {
		free(s);
		free(lock);
		return NULL;
	}
	/* Recursive: a derived build may ask for another slot (xds.h). */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(lock, &attr);
	pthread_mutexattr_destroy(&attr);
	s->lock = lock;
	s->refs = 1;
	arena_init(&s->arena, 0);
	s->source = arena_strdup(&s->arena, source ? source : "");
	if (!s->source) {
		xds_snapshot_unref(s);
		return NULL;
	}
	return s;
}

void xds_snapshot_ref(struct xds_snapshot *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void xds_snapshot_unref(struct xds_snapshot *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (int i = 0; i < 4; i++)
		if (s->derived[i] && s->derived_free[i])
			s->derived_free[i](s->derived[i]);
	pthread_mutex_destroy(s->lock);
	free(s->lock);
	arena_free(&s->arena);
	free(s);
}

void *xds_snapshot_derived(struct xds_snapshot *s, enum xds_derived_slot slot,
                           void *(*build)(struct xds_snapshot *s, void *ctx,
                                          struct mesh_error *err),
                           void *ctx, void (*free_fn)(void *), struct mesh_error *err)
{
	void *data;
	pthread_mutex_lock(s->lock);
	data = s->derived[slot];
	if (!data) {
		data = build(s, ctx, err);
		if (data) {
			s->derived[slot] = data;
			s->derived_free[slot] = free_fn;
		}
	}
	pthread_mutex_unlock(s->lock);
	return data;
}

const struct xds_resource *xds_snapshot_find(const struct xds_snapshot *s, enum xds_type type,
                                             const char *name)
{
	for (size_t i = 0; i < s->count[type]; i++) {
		const struct xds_resource *r = &s->items[type][i];
		if ((r->state == XDS_STATIC || r->state == XDS_DYNAMIC_ACTIVE) &&
		    strcmp(r->name, name) == 0)
			return r;
	}
	return NULL;
}

const char *xds_type_name(enum xds_type type)
{
	static const char *const names[XDS_TYPE_COUNT] = {
	    [XDS_LISTENER] = "listener",
	    [XDS_ROUTE_CONFIG] = "route configuration",
	    [XDS_CLUSTER] = "cluster",
	    [XDS_ENDPOINT] = "endpoint",
	    [XDS_SECRET] = "secret",
	    [XDS_ECDS] = "extension config",
	    [XDS_SCOPED_ROUTE] = "scoped route configuration",
	};
	return names[type];
}
