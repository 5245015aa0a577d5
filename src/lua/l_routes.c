/* Route tables standing alone: meshlua.routes(rc) and its userdata
 * ("meshlua.routes"), which route requests at the route level only;
 * meshlua.check_routes (Envoy's router check tool, in
 * lua/meshlua/router_check.lua) and meshlua.read_document. The table owns
 * its parsed document and compiled routes; traces it returns keep it alive. */
#include <stdlib.h>
#include <string.h>

#include "lua/l_resolve.h"

static struct l_routes *check_routes(lua_State *L, int idx)
{
	struct l_routes *r = luaL_checkudata(L, idx, MESHLUA_ROUTES);
	if (!r->rt)
		luaL_argerror(L, idx, "route table already closed");
	return r;
}

static int l_routes_gc(lua_State *L)
{
	struct l_routes *r = luaL_checkudata(L, 1, MESHLUA_ROUTES);
	resolve_routes_free(r->rt);
	r->rt = NULL;
	resolver_free(r->resolver);
	r->resolver = NULL;
	if (r->has_stream)
		yaml_stream_free(&r->stream);
	r->has_stream = 0;
	free(r->source);
	r->source = NULL;
	return 0;
}

/* meshlua.routes(route_config [, { router_check = true }]) -> route table.
 * route_config is a file name, JSON/YAML text or a table, in Envoy's
 * RouteConfiguration form. Every problem Envoy would reject (an invalid
 * regex, a duplicate domain ...) is raised here with its place. */
static int l_routes_new(lua_State *L)
{
	struct l_routes *r;
	const struct node *root;
	struct mesh_error err;
	unsigned flags = 0;
	const char *source;
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "router_check");
		if (lua_toboolean(L, -1))
			flags |= RESOLVE_ROUTES_ROUTER_CHECK;
		lua_pop(L, 1);
	}
	r = lua_newuserdatauv(L, sizeof *r, 0);
	memset(r, 0, sizeof *r);
	luaL_setmetatable(L, MESHLUA_ROUTES);
	root = l_resolve_load_doc(L, 1, &r->stream, "route configuration");
	r->has_stream = 1;
	source = r->stream.source ? r->stream.source : "<table>";
	if (!(r->source = strdup(source)) || !(r->resolver = resolver_new(0x6d6573686c7561ULL)))
		return luaL_error(L, "out of memory");
	mesh_error_clear(&err);
	if (!(r->rt = resolve_routes_compile(root, r->source, flags, &err)))
		l_resolve_raise(L, &err);
	return 1;
}

/* routes:route(req) -> trace, at the route level only (virtual host, route,
 * action). req as for proxy:resolve, plus runtime= (the router check tool's
 * enabled runtime key) and response_headers= (a list of {name, value}). */
static int l_routes_route(lua_State *L)
{
	struct l_routes *r = check_routes(L, 1);
	struct mesh_error err;
	struct l_trace *t = l_resolve_push_trace(L);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	l_resolve_check_request(L, 2, t, NULL, NULL, 0);
	t->rt = r->rt;
	mesh_error_clear(&err);
	if (resolve_routes_route(r->resolver, r->rt, &t->req, &t->res, NULL, NULL, &err) < 0)
		l_resolve_raise(L, &err);
	return 1;
}

/* routes:info() -> { name =, targets =, vhosts = { { name =, routes = { {
 * name =, match =, weighted = n or nil } } } } } (for coverage reports). */
static int l_routes_info(lua_State *L)
{
	struct l_routes *r = check_routes(L, 1);
	size_t nv = resolve_routes_vhost_count(r->rt);
	lua_createtable(L, 0, 3);
	l_resolve_push_node(L, node_field(r->stream.docs[0], "name"));
	lua_setfield(L, -2, "name");
	lua_pushinteger(L, (lua_Integer)resolve_routes_target_count(r->rt));
	lua_setfield(L, -2, "targets");
	lua_createtable(L, (int)nv, 0);
	for (size_t v = 0; v < nv; v++) {
		size_t nr = resolve_routes_route_count(r->rt, v);
		lua_createtable(L, 0, 2);
		lua_pushstring(L, resolve_routes_vhost_name(r->rt, v));
		lua_setfield(L, -2, "name");
		lua_createtable(L, (int)nr, 0);
		for (size_t i = 0; i < nr; i++) {
			const struct node *route = resolve_routes_route_json(r->rt, v, i);
			const struct node *wc =
			    node_field(node_field(node_field(route, "route"), "weighted_clusters"),
			               "clusters");
			lua_createtable(L, 0, 3);
			l_resolve_push_node(L, node_field(route, "name"));
			lua_setfield(L, -2, "name");
			l_resolve_push_node(L, node_field(route, "match"));
			lua_setfield(L, -2, "match");
			if (wc && wc->type == NODE_SEQ) {
				lua_pushinteger(L, (lua_Integer)wc->len);
				lua_setfield(L, -2, "weighted");
			}
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_setfield(L, -2, "routes");
		lua_rawseti(L, -2, (lua_Integer)v + 1);
	}
	lua_setfield(L, -2, "vhosts");
	return 1;
}

static int l_routes_index(lua_State *L)
{
	struct l_routes *r = check_routes(L, 1);
	const char *key = luaL_checkstring(L, 2);
	if (strcmp(key, "name") == 0) {
		l_resolve_push_node(L, node_field(r->stream.docs[0], "name"));
		return 1;
	}
	if (strcmp(key, "source") == 0) {
		lua_pushstring(L, r->source);
		return 1;
	}
	luaL_getmetatable(L, MESHLUA_ROUTES);
	lua_getfield(L, -1, "methods");
	lua_getfield(L, -1, key);
	return 1;
}

static int l_routes_tostring(lua_State *L)
{
	struct l_routes *r = check_routes(L, 1);
	const char *name = node_text(node_field(r->stream.docs[0], "name"));
	lua_pushfstring(L, "route configuration %s (%d virtual hosts, %d routes)",
	                name ? name : "(unnamed)", (int)resolve_routes_vhost_count(r->rt),
	                (int)resolve_routes_target_count(r->rt));
	return 1;
}

/* meshlua.read_document(path_or_text) -> table: the first document of a
 * JSON or YAML file (or text) as Lua values; raises naming the input and
 * place when it does not parse. */
static int l_read_document(lua_State *L)
{
	struct yaml_stream stream;
	const struct node *doc;
	luaL_checkany(L, 1);
	if (lua_istable(L, 1)) {
		lua_pushvalue(L, 1);
		return 1;
	}
	doc = l_resolve_load_doc(L, 1, &stream, "document");
	l_resolve_push_node(L, doc);
	yaml_stream_free(&stream);
	return 1;
}

/* meshlua.check_routes(route_config, tests [, options]) -> report: Envoy's
 * router check tool (see lua/meshlua/router_check.lua). */
static int l_check_routes(lua_State *L)
{
	int n = lua_gettop(L);
	for (int i = 1; i <= 2; i++)
		luaL_argexpected(L, lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TTABLE,
		                 i, "file name, JSON/YAML text or table");
	if (!lua_isnoneornil(L, 3))
		luaL_checktype(L, 3, LUA_TTABLE);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "meshlua.router_check");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "check_routes");
	for (int i = 1; i <= n; i++)
		lua_pushvalue(L, i);
	lua_call(L, n, 1);
	return 1;
}

static const luaL_Reg routes_meta[] = {
    {"__index", l_routes_index},
    {"__tostring", l_routes_tostring},
    {"__gc", l_routes_gc},
    {"__close", l_routes_gc},
    {NULL, NULL},
};

static const luaL_Reg routes_methods[] = {
    {"route", l_routes_route},
    {"info", l_routes_info},
    {NULL, NULL},
};

static const luaL_Reg routes_functions[] = {
    {"routes", l_routes_new},
    {"check_routes", l_check_routes},
    {"read_document", l_read_document},
    {NULL, NULL},
};

void l_resolve_open_routes(lua_State *L)
{
	luaL_newmetatable(L, MESHLUA_ROUTES);
	luaL_setfuncs(L, routes_meta, 0);
	luaL_newlib(L, routes_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
	luaL_setfuncs(L, routes_functions, 0);
}
