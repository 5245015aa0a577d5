/* A RouteConfiguration compiled on its own (meshlua.routes, the router
 * check tool): the public face of route_compile.c and route_match.c, plus
 * Envoy's HeaderMatcher evaluated over finalized header lists. */
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

struct resolve_routes {
	struct arena arena;
	struct rs_regex *regexes;
	struct rs_route_config rc;
};

struct resolve_routes *resolve_routes_compile(const struct node *rc, const char *source,
                                              unsigned flags, struct mesh_error *err)
{
	struct resolve_routes *rt = calloc(1, sizeof *rt);
	struct rs_build b;
	if (!rt) {
		mesh_error_set(err, source, 0, 0, "out of memory");
		return NULL;
	}
	arena_init(&rt->arena, 0);
	b.arena = &rt->arena;
	b.regexes = &rt->regexes;
	b.source = source;
	b.err = err;
	b.flags = flags;
	b.where[0] = '\0';
	b.routes = NULL;
	if (rs_route_config_compile(&b, rc, &rt->rc) < 0) {
		resolve_routes_free(rt);
		return NULL;
	}
	return rt;
}

void resolve_routes_free(struct resolve_routes *rt)
{
	if (!rt)
		return;
	rs_regex_free_all(rt->regexes);
	arena_free(&rt->arena);
	free(rt);
}

size_t resolve_routes_vhost_count(const struct resolve_routes *rt)
{
	return rt->rc.vhost_count;
}

size_t resolve_routes_route_count(const struct resolve_routes *rt, size_t vhost)
{
	return vhost < rt->rc.vhost_count ? rt->rc.vhosts[vhost]->route_count : 0;
}

size_t resolve_routes_target_count(const struct resolve_routes *rt)
{
	return rt->rc.targets;
}

const char *resolve_routes_vhost_name(const struct resolve_routes *rt, size_t vhost)
{
	return vhost < rt->rc.vhost_count ? rt->rc.vhosts[vhost]->name : NULL;
}

const struct node *resolve_routes_route_json(const struct resolve_routes *rt, size_t vhost,
                                             size_t route)
{
	if (vhost >= rt->rc.vhost_count || route >= rt->rc.vhosts[vhost]->route_count)
		return NULL;
	return rt->rc.vhosts[vhost]->routes[route].json;
}

int rs_ctx_init(struct rs_ctx *c, struct resolver *r, const struct resolve_request *req,
                const struct resolve_result *replay, resolve_note_fn note, void *note_ctx,
                struct mesh_error *err)
{
	if (req->header_count > RESOLVE_MAX_HEADERS) {
		mesh_error_set(err, NULL, 0, 0, "too many headers: %zu (at most %d)",
		               req->header_count, RESOLVE_MAX_HEADERS);
		return -1;
	}
	for (size_t i = 0; i < req->header_count; i++)
		if (!req->headers[i].name || !*req->headers[i].name || !req->headers[i].value) {
			mesh_error_set(err, NULL, 0, 0, "header %zu needs a name and a value",
			               i + 1);
			return -1;
		}
	if (req->path && req->path[0] != '/' && strcmp(req->method ? req->method : "", "CONNECT")) {
		mesh_error_set(err, NULL, 0, 0, "path \"%s\" must start with /", req->path);
		return -1;
	}
	c->req = req;
	c->scratch = &r->scratch;
	c->resolver = r;
	c->note = note;
	c->note_ctx = note_ctx;
	c->replay = replay;
	if (replay)
		c->random_value = replay->random_value;
	else
		c->random_value = req->has_random_value ? req->random_value : rs_random(r);
	return 0;
}

void rs_result_init(struct resolve_result *out)
{
	memset(out, 0, sizeof *out);
	out->flags = "";
	out->chain_index = -1;
	out->locality_index = -1;
	out->endpoint_index = -1;
	out->vhost_index = -1;
	out->route_index = -1;
	out->weighted_index = -1;
}

static int route_table(struct resolver *r, const struct resolve_routes *rt,
                       const struct resolve_request *req, const struct resolve_result *replay,
                       struct resolve_result *out, resolve_note_fn note, void *note_ctx,
                       struct mesh_error *err)
{
	struct rs_ctx c;
	rs_result_init(out);
	if (rs_ctx_init(&c, r, req, replay, note, note_ctx, err) < 0)
		return -1;
	out->random_value = c.random_value;
	out->authority = req->authority;
	out->authority_len = req->authority ? strlen(req->authority) : 0;
	c.full_path = req->path;
	rs_hview_build(&c.h, req, out->authority, out->authority_len, req->path);
	rs_route_request(&c, &rt->rc, out);
	return 0;
}

int resolve_routes_route(struct resolver *r, const struct resolve_routes *rt,
                         const struct resolve_request *req, struct resolve_result *out,
                         resolve_note_fn note, void *note_ctx, struct mesh_error *err)
{
	return route_table(r, rt, req, NULL, out, note, note_ctx, err);
}

int resolve_routes_explain(struct resolver *r, const struct resolve_routes *rt,
                           const struct resolve_request *req, const struct resolve_result *prev,
                           resolve_note_fn note, void *note_ctx, struct mesh_error *err)
{
	struct resolve_result again;
	return route_table(r, rt, req, prev, &again, note, note_ctx, err);
}

int resolve_header_matcher_eval(const struct node *matcher, const struct resolve_header_list *list,
                                const char *source, struct mesh_error *err)
{
	struct arena a;
	struct rs_regex *regexes = NULL;
	struct rs_build b = {&a, &regexes, source, err, 0, "", NULL};
	struct rs_header_matcher m;
	struct rs_hview h;
	struct rs_scratch s = {rs_match_data_new(), NULL, 0};
	int ok = -1;
	arena_init(&a, 4096);
	if (!s.md) {
		mesh_error_set(err, source, 0, 0, "out of memory");
		goto done;
	}
	if (rs_header_matcher_compile(&b, matcher, &m) < 0)
		goto done;
	h.count = 0;
	for (size_t i = 0; i < list->count && h.count < RS_MAX_VIEW_HEADERS; i++) {
		h.name[h.count] = list->items[i].name;
		h.value[h.count] = list->items[i].value;
		h.len[h.count] = SIZE_MAX;
		h.count++;
	}
	ok = rs_header_matcher_eval(&m, &h, &s, NULL, NULL, NULL);
done:
	if (s.md)
		rs_match_data_free(s.md);
	free(s.buf);
	rs_regex_free_all(regexes);
	arena_free(&a);
	return ok;
}

const char *resolve_virtual_cluster(const struct resolve_result *res,
                                    const struct resolve_header_list *list)
{
	const struct rs_vhost *vh = res->priv_vhost;
	struct rs_hview h;
	struct rs_scratch s = {NULL, NULL, 0};
	const char *found = NULL;
	if (!vh || !vh->vcluster_count)
		return NULL;
	if (!(s.md = rs_match_data_new()))
		return NULL;
	h.count = 0;
	for (size_t i = 0; i < list->count && h.count < RS_MAX_VIEW_HEADERS; i++) {
		h.name[h.count] = list->items[i].name;
		h.value[h.count] = list->items[i].value;
		h.len[h.count] = SIZE_MAX;
		h.count++;
	}
	for (size_t i = 0; i < vh->vcluster_count && !found; i++) {
		const struct rs_vcluster *vc = &vh->vclusters[i];
		size_t k = 0;
		while (k < vc->header_count &&
		       rs_header_matcher_eval(&vc->headers[k], &h, &s, NULL, NULL, NULL))
			k++;
		if (k == vc->header_count)
			found = vc->name;
	}
	rs_match_data_free(s.md);
	free(s.buf);
	return found ? found : "other";
}
