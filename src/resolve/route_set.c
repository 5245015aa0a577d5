/* A snapshot's route configurations compiled (slot XDS_DERIVED_ROUTES):
 * the RDS ones (serving, the first of each name) and those inline in the
 * HTTP connection managers of the listeners the index takes, so that what
 * Envoy rejects at config time in them (an invalid regex, a duplicate
 * domain ...) is found when a dump is loaded, at a fraction of the whole
 * index's cost. The index (index.c) builds the rest on the first resolve
 * and takes these as they are, finding inline ones by their node. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

static void set_free(void *p)
{
	struct resolve_route_set *set = p;
	if (!set)
		return;
	rs_regex_free_all(set->regexes);
	arena_free(&set->arena);
	free(set);
}

/* The RDS route configurations, in dump order (errors are reported in the
 * order the whole index met them: these first, then listeners'). */
static int compile_rds(struct rs_build *b, struct xds_snapshot *s, struct resolve_route_set *set)
{
	size_t n = s->count[XDS_ROUTE_CONFIG];
	if (rs_strtab_init(&set->rc_by_name, b->arena, n) < 0 ||
	    !(set->rcs = arena_calloc(b->arena, n ? n : 1, sizeof *set->rcs)))
		return rs_fail(b, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct xds_resource *r = &s->items[XDS_ROUTE_CONFIG][i];
		struct rs_route_config *rc = &set->rcs[set->rc_count];
		if (!rs_serving(r) || rs_strtab_get(&set->rc_by_name, r->name, strlen(r->name)))
			continue;
		if (rs_route_config_compile(b, r->json, rc) < 0)
			return -1;
		rs_strtab_put(&set->rc_by_name, r->name, strlen(r->name), rc);
		set->rc_count++;
	}
	return 0;
}

/* Inline route configurations found, before they are compiled. */
struct found {
	const struct node *rc;
	const char *listener;
	int chain;
};

struct finding {
	struct found *items;
	size_t count, cap;
};

static int collect(void *ctx, const struct node *rc, const char *listener, int chain)
{
	struct finding *f = ctx;
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct found *items = realloc(f->items, cap * sizeof *items);
		if (!items)
			return -1;
		f->items = items;
		f->cap = cap;
	}
	f->items[f->count++] = (struct found){rc, listener, chain};
	return 0;
}

/* The listeners index.c takes: serving, and the first of each non-empty
 * name (an unnamed one is always taken). Their inline route
 * configurations, in listener and chain order. */
static int find_inline(struct xds_snapshot *s, struct finding *f)
{
	size_t n = s->count[XDS_LISTENER];
	struct arena tmp;
	struct rs_strtab names;
	int rc = 0;
	arena_init(&tmp, 0);
	if (rs_strtab_init(&names, &tmp, n) < 0) {
		arena_free(&tmp);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct xds_resource *r = &s->items[XDS_LISTENER][i];
		size_t len = strlen(r->name);
		if (!rs_serving(r) || rs_strtab_get(&names, r->name, len))
			continue;
		if (len)
			rs_strtab_put(&names, r->name, len, (void *)r);
		rc = rs_listener_inline_rcs(r->json, r->name, collect, f);
	}
	arena_free(&tmp);
	return rc;
}

static int compile_inline(struct rs_build *b, struct xds_snapshot *s, struct resolve_route_set *set)
{
	struct finding f = {NULL, 0, 0};
	int rc = -1;
	if (find_inline(s, &f) < 0 || rs_inttab_init(&set->inline_by_node, b->arena, f.count) < 0) {
		rs_fail(b, NULL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < f.count; i++) {
		const struct node *n = f.items[i].rc;
		struct rs_route_config *out;
		/* One node reached twice (a YAML alias) is compiled once. */
		if (rs_inttab_get(&set->inline_by_node, (uintptr_t)n))
			continue;
		rs_where_chain(b, f.items[i].listener, f.items[i].chain);
		if (!(out = arena_calloc(b->arena, 1, sizeof *out))) {
			rs_fail(b, n, "out of memory");
			goto done;
		}
		if (rs_route_config_compile(b, n, out) < 0)
			goto done;
		rs_inttab_put(&set->inline_by_node, (uintptr_t)n, out);
	}
	b->where[0] = '\0';
	rc = 0;
done:
	free(f.items);
	return rc;
}

static void *set_build(struct xds_snapshot *s, void *ctx, struct mesh_error *err)
{
	struct resolve_route_set *set = calloc(1, sizeof *set);
	struct rs_build b;
	(void)ctx;
	if (!set) {
		mesh_error_set(err, s->source, 0, 0, "out of memory");
		return NULL;
	}
	arena_init(&set->arena, 0);
	b.arena = &set->arena;
	b.regexes = &set->regexes;
	b.source = s->source;
	b.err = err;
	b.flags = 0;
	b.where[0] = '\0';
	b.routes = NULL;
	if (compile_rds(&b, s, set) < 0 || compile_inline(&b, s, set) < 0) {
		set_free(set);
		return NULL;
	}
	return set;
}

struct resolve_route_set *rs_route_set_get(struct xds_snapshot *s, struct mesh_error *err)
{
	return xds_snapshot_derived(s, XDS_DERIVED_ROUTES, set_build, NULL, set_free, err);
}

const struct resolve_route_set *resolve_route_set_get(struct xds_snapshot *s,
                                                      struct mesh_error *err)
{
	return rs_route_set_get(s, err);
}

struct rs_route_config *rs_route_set_inline(const struct resolve_route_set *set,
                                            const struct node *rc)
{
	return rs_inttab_get(&set->inline_by_node, (uintptr_t)rc);
}
