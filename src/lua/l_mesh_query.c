/* Reading the simulated cluster from Lua: mesh:get(kind, opts) (kubectl
 * get: a list whose tostring is kubectl's table, :json() and :yaml() its
 * -o json|yaml), the iterators mesh:namespaces(), mesh:pods{},
 * mesh:services{}, mesh:deployments{}, mesh:objects(kind, {}), and the
 * lookups mesh:find() and mesh:pod() (nil when nothing is found). Lists
 * are sorted by namespace and name, as the API server lists them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"

struct query {
	enum mesh_kind kind;
	int endpoints;        /* kubectl get endpoints: Services shown as their endpoints */
	const char *ns;       /* NULL: every namespace */
	const char *name;     /* NULL: every object */
	const char *selector; /* -l */
	int all_namespaces;
};

static int object_cmp(const void *a, const void *b)
{
	const struct mesh_object *x = *(struct mesh_object *const *)a;
	const struct mesh_object *y = *(struct mesh_object *const *)b;
	int c = strcmp(x->namespace_, y->namespace_);
	return c ? c : strcmp(x->name, y->name);
}

/* The objects a query found, sorted, each with a reference taken: a
 * userdata ("meshlua.mesh_objects", user value: the mesh userdata) that
 * the lazy list of push_list anchors, dropping the references when
 * collected. */
struct found {
	size_t count;
	struct mesh_object **items; /* malloc'd */
};

#define FOUND_MARK "meshlua.mesh_objects"

static int l_found_gc(lua_State *L)
{
	struct found *f = lua_touserdata(L, 1);
	for (size_t i = 0; i < f->count; i++)
		mesh_object_unref(f->items[i]);
	free(f->items);
	f->items = NULL;
	f->count = 0;
	return 0;
}

/* Pushes the struct found of the objects matching q (see above). */
static struct found *push_found(lua_State *L, int mesh_idx, const struct query *q)
{
	struct mesh *m = meshlua_check_mesh(L, mesh_idx);
	struct mesh_selector sel;
	struct mesh_iter it;
	struct mesh_object *o;
	struct found *f;
	size_t cap;
	mesh_idx = lua_absindex(L, mesh_idx);
	mesh_iter_init(&it, m, q->kind, q->ns, NULL);
	for (cap = 0; mesh_iter_next(&it);)
		cap++;
	f = lua_newuserdatauv(L, sizeof *f, 1);
	f->count = 0;
	f->items = NULL;
	if (luaL_newmetatable(L, FOUND_MARK)) {
		lua_pushcfunction(L, l_found_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	lua_pushvalue(L, mesh_idx);
	lua_setiuservalue(L, -2, 1);
	if (q->selector) {
		struct mesh_error err;
		if (mesh_selector_parse(&sel, q->selector, &err) != 0) {
			mesh_selector_free(&sel);
			luaL_error(L, "error: %s", err.message);
			return NULL;
		}
	}
	/* Nothing raises from here until the selector is freed. */
	f->items = malloc((cap ? cap : 1) * sizeof *f->items);
	mesh_iter_init(&it, m, q->kind, q->ns, NULL);
	while (f->items && (o = mesh_iter_next(&it))) {
		if (q->name && strcmp(o->name, q->name) != 0)
			continue;
		if (q->selector && !mesh_selector_matches(&sel, &o->labels))
			continue;
		if (q->endpoints && !mesh_service_has_endpoints(o))
			continue; /* no Endpoints object to list */
		mesh_object_ref(o);
		f->items[f->count++] = o;
	}
	if (q->selector)
		mesh_selector_free(&sel);
	if (!f->items)
		luaL_error(L, "out of memory");
	qsort(f->items, f->count, sizeof *f->items, object_cmp);
	return f;
}

/* The lazy list's meshlua_list_fill for a query (data: the struct found,
 * anchored). */
static void fill_objects(lua_State *L, void *data, int items, int anchor, lua_Integer first,
                         lua_Integer last)
{
	const struct found *f = *(struct found **)data;
	int mesh;
	lua_getiuservalue(L, anchor, 1);
	mesh = lua_gettop(L);
	for (lua_Integer i = first; i <= last; i++) {
		if (lua_rawgeti(L, items, i) == LUA_TNIL) {
			lua_pop(L, 1);
			meshlua_push_mesh_object(L, f->items[i - 1], mesh);
			lua_rawseti(L, items, i);
		} else {
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
}

/* Nothing: the anchored struct found drops its references when collected. */
static void release_objects(void *data)
{
	(void)data;
}

static const char *opt_str(lua_State *L, int t, const char *key)
{
	const char *v = NULL;
	if (t && lua_getfield(L, t, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, t,
			              lua_pushfstring(L, "option %s must be a string, got %s", key,
			                              luaL_typename(L, -1)));
		v = lua_tostring(L, -1);
	}
	lua_pop(L, t ? 1 : 0);
	return v;
}

static int opt_flag(lua_State *L, int t, const char *key)
{
	int v = 0;
	if (t) {
		lua_getfield(L, t, key);
		v = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	return v;
}

/* Reads a kind name as kubectl get takes it. */
static void check_kind(lua_State *L, int idx, struct query *q)
{
	const char *name = luaL_checkstring(L, idx);
	q->endpoints = 0;
	if (strcasecmp(name, "endpoints") == 0 || strcasecmp(name, "ep") == 0 ||
	    strcasecmp(name, "endpoint") == 0) {
		q->kind = MESH_SERVICE;
		q->endpoints = 1;
		return;
	}
	if (mesh_kind_lookup(name, &q->kind) != 0)
		luaL_error(L, "error: the server doesn't have a resource type \"%s\"", name);
}

/* -o wide: opts.wide = true or opts.output = "wide". */
static int wide_flag(lua_State *L, int opts_idx)
{
	const char *output = opt_str(L, opts_idx, "output");
	return opt_flag(L, opts_idx, "wide") || (output && strcmp(output, "wide") == 0);
}

/* Builds the list of q's objects with the kubectl presenter. opts_idx is
 * the caller's options table (or 0). */
static int push_list(lua_State *L, const struct query *q, int opts_idx, int by_name)
{
	const struct mesh_kind_info *k = mesh_kind_info(q->kind);
	struct found *f = push_found(L, 1, q);
	int found = lua_gettop(L), items, popts;
	lua_createtable(L, 0, 1); /* the items table, made lazily, with opts */
	items = lua_gettop(L);
	if (by_name && f->count == 0)
		return luaL_error(L, "Error from server (NotFound): %s \"%s\" not found",
		                  q->endpoints ? "endpoints" : k->plural_group, q->name);
	lua_createtable(L, 0, 9);
	popts = lua_gettop(L);
	lua_pushstring(L, q->endpoints ? "endpoints" : k->plural);
	lua_setfield(L, popts, "kind");
	lua_pushboolean(L, wide_flag(L, opts_idx));
	lua_setfield(L, popts, "wide");
	lua_pushboolean(L, q->all_namespaces && k->namespaced);
	lua_setfield(L, popts, "all_namespaces");
	lua_pushboolean(L, k->namespaced);
	lua_setfield(L, popts, "namespaced");
	lua_pushstring(L, q->ns ? q->ns : "default");
	lua_setfield(L, popts, "namespace");
	lua_pushboolean(L, by_name);
	lua_setfield(L, popts, "by_name");
	lua_pushinteger(L, (lua_Integer)mesh_now(meshlua_check_mesh(L, 1)));
	lua_setfield(L, popts, "now");
	if (opts_idx) {
		if (lua_getfield(L, opts_idx, "labels") == LUA_TNIL) {
			lua_pop(L, 1);
			lua_getfield(L, opts_idx, "label_columns");
		}
		if (lua_type(L, -1) == LUA_TSTRING) { /* one -L key */
			lua_createtable(L, 1, 0);
			lua_insert(L, -2);
			lua_rawseti(L, -2, 1);
		} else if (lua_type(L, -1) == LUA_TTABLE) {
			for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
				if (lua_type(L, -1) != LUA_TSTRING)
					luaL_argerror(L, opts_idx,
					              "option labels must be a label key or a list "
					              "of them");
				lua_pop(L, 1);
			}
			lua_pop(L, 1);
		} else if (!lua_isnil(L, -1)) {
			luaL_argerror(L, opts_idx,
			              "option labels must be a label key or a list of them");
		}
		lua_setfield(L, popts, "label_columns");
	}
	lua_pushvalue(L, popts);
	lua_setfield(L, items, "opts");
	meshlua_require(L, "meshlua.kube.printers");
	lua_getfield(L, -1, "presenter");
	lua_pushvalue(L, popts);
	lua_call(L, 1, 1);
	*(struct found **)meshlua_push_lazy_list(L, (lua_Integer)f->count, sizeof f, fill_objects,
	                                         release_objects, -1, items, found) = f;
	return 1;
}

static int options_table(lua_State *L, int idx)
{
	if (lua_isnoneornil(L, idx))
		return 0;
	luaL_checktype(L, idx, LUA_TTABLE);
	return lua_absindex(L, idx);
}

/* mesh:get(kind [, opts]) -> list (kubectl get). kind as kubectl takes it
 * ("pods", "po", "svc", "deploy", "ns", "endpoints", "vs", "dr" ...).
 * opts: namespace ("default"), all_namespaces (-A), name (one object; a
 * NotFound error when absent), selector (-l), labels (-L: a key or a list),
 * wide or output = "wide". tostring(list) is kubectl's table, or "No
 * resources found in default namespace." when empty; list:json() and
 * list:yaml() are -o json / -o yaml. */
static int l_mesh_get(lua_State *L)
{
	struct query q = {0};
	int opts;
	meshlua_check_mesh(L, 1);
	check_kind(L, 2, &q);
	opts = options_table(L, 3);
	q.all_namespaces = opt_flag(L, opts, "all_namespaces") || opt_flag(L, opts, "A");
	q.ns = q.all_namespaces ? NULL : opt_str(L, opts, "namespace");
	if (!q.all_namespaces && !q.ns)
		q.ns = "default";
	q.name = opt_str(L, opts, "name");
	q.selector = opt_str(L, opts, "selector");
	return push_list(L, &q, opts, q.name != NULL);
}

/* The iterators: like get, but every namespace unless opts.namespace. */
static int iterate(lua_State *L, enum mesh_kind kind, int opts)
{
	struct query q = {0};
	q.kind = kind;
	q.ns = opt_str(L, opts, "namespace");
	q.all_namespaces = q.ns == NULL;
	q.selector = opt_str(L, opts, "selector");
	return push_list(L, &q, opts, 0);
}

/* mesh:namespaces([opts]) -> list of namespaces (for ns in ...). */
static int l_mesh_namespaces(lua_State *L)
{
	meshlua_check_mesh(L, 1);
	return iterate(L, MESH_NAMESPACE, options_table(L, 2));
}

/* mesh:pods{namespace=, selector=} -> list of pods (all namespaces unless
 * one is given; selector as kubectl -l). */
static int l_mesh_pods(lua_State *L)
{
	meshlua_check_mesh(L, 1);
	return iterate(L, MESH_POD, options_table(L, 2));
}

/* mesh:services{namespace=, selector=} -> list of Services. */
static int l_mesh_services(lua_State *L)
{
	meshlua_check_mesh(L, 1);
	return iterate(L, MESH_SERVICE, options_table(L, 2));
}

/* mesh:deployments{namespace=, selector=} -> list of Deployments. */
static int l_mesh_deployments(lua_State *L)
{
	meshlua_check_mesh(L, 1);
	return iterate(L, MESH_DEPLOYMENT, options_table(L, 2));
}

/* mesh:objects(kind [, {namespace=, selector=}]) -> list of any kind. */
static int l_mesh_objects(lua_State *L)
{
	struct query q = {0};
	meshlua_check_mesh(L, 1);
	check_kind(L, 2, &q);
	return iterate(L, q.kind, options_table(L, 3));
}

/* mesh:find(kind, name [, namespace]) -> the object, or nil. */
static int l_mesh_find(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct query q = {0};
	struct mesh_object *o;
	check_kind(L, 2, &q);
	o = mesh_find(m, q.kind, luaL_optstring(L, 4, "default"), luaL_checkstring(L, 3));
	if (!o)
		return 0;
	meshlua_push_mesh_object(L, o, 1);
	return 1;
}

/* mesh:pod(ref [, namespace]) -> the pod istioctl would pick for ref
 * ("deployment/web-frontend", "pod/<name>", "<pod>.<ns>", "<pod>"), or nil
 * and kubectl's message. */
static int l_mesh_pod(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct mesh_error err;
	struct mesh_object *pod =
	    mesh_resolve_pod(m, luaL_checkstring(L, 2), luaL_optstring(L, 3, NULL), &err);
	if (!pod) {
		lua_pushnil(L);
		lua_pushstring(L, err.message);
		return 2;
	}
	meshlua_push_mesh_object(L, pod, 1);
	return 1;
}

const luaL_Reg meshlua_mesh_query_methods[] = {
    {"get", l_mesh_get},
    {"namespaces", l_mesh_namespaces},
    {"pods", l_mesh_pods},
    {"services", l_mesh_services},
    {"deployments", l_mesh_deployments},
    {"objects", l_mesh_objects},
    {"find", l_mesh_find},
    {"pod", l_mesh_pod},
    {NULL, NULL},
};
