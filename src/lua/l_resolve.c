/* Bindings of proxy resolution: proxy:resolve(req) and
 * proxy:resolver_reset, each proxy with its own resolver (round-robin and
 * random state), and the check run on every loaded proxy that compiles its
 * route configurations at once. Requests are read by l_request.c, route
 * tables (meshlua.routes) live in l_routes.c, traces in l_trace.c;
 * meshlua_open_resolve registers them all. */
#include "lua/bindings.h"
#include "lua/l_proxy.h"
#include "lua/l_resolve.h"
#include "lua/l_server.h"

#define RESOLVERS_KEY "meshlua.resolvers"
#define RESOLVER_TYPE "meshlua.resolver"

static int l_resolver_gc(lua_State *L)
{
	struct resolver **r = luaL_checkudata(L, 1, RESOLVER_TYPE);
	resolver_free(*r);
	*r = NULL;
	return 0;
}

/* The resolver of the proxy at idx (round-robin state lives per proxy). */
static struct resolver *proxy_resolver(lua_State *L, int idx)
{
	struct resolver **slot;
	idx = lua_absindex(L, idx);
	lua_getfield(L, LUA_REGISTRYINDEX, RESOLVERS_KEY);
	lua_pushvalue(L, idx);
	if (lua_rawget(L, -2) == LUA_TUSERDATA) {
		slot = lua_touserdata(L, -1);
		lua_pop(L, 2);
		return *slot;
	}
	lua_pop(L, 1);
	slot = lua_newuserdatauv(L, sizeof *slot, 0);
	*slot = NULL;
	luaL_setmetatable(L, RESOLVER_TYPE);
	if (!(*slot = resolver_new(0x6d6573686c7561ULL)))
		luaL_error(L, "out of memory");
	lua_pushvalue(L, idx);
	lua_pushvalue(L, -2);
	lua_rawset(L, -4);
	lua_pop(L, 2);
	return *slot;
}

void l_resolve_raise(lua_State *L, const struct mesh_error *err)
{
	char msg[2048];
	mesh_error_format(err, msg, sizeof msg);
	luaL_error(L, "%s", msg);
}

/* proxy:resolve(req) -> trace. req is a URL ("http://customers.default/")
 * or a table { url=, host=, port=, address=, path=, method=, headers=,
 * protocol="http"|"http2"|"tcp"|"tls", sni=, alpn=, source=,
 * random_value=, hash_key=, internal=, listener=, route_config= }. A host
 * name resolves through the mesh for synthesized proxies; a loaded dump
 * needs address= unless the host is an IP. listener= starts at a named
 * listener (internal ones too), route_config= at a route configuration. */
static int l_proxy_resolve(lua_State *L)
{
	struct l_proxy *p = meshlua_check_proxy(L, 1);
	struct xds_snapshot *snap = meshlua_proxy_snapshot(L, 1);
	struct resolver *r = proxy_resolver(L, 1);
	struct mesh_error err;
	struct l_trace *t = l_resolve_push_trace(L);
	l_resolve_check_request(L, 2, t, p->resolve_host, p->ctx, 1);
	mesh_error_clear(&err);
	xds_snapshot_ref(snap);
	t->snap = snap;
	if (resolve(r, snap, &t->req, &t->res, NULL, NULL, &err) < 0)
		l_resolve_raise(L, &err);
	meshlua_count_resolution(L, 1, snap, &t->res); /* the proxy's /stats (l_server.h) */
	return 1;
}

/* proxy:resolver_reset([seed]): forgets round-robin positions and reseeds
 * the random source of this proxy's resolutions. */
static int l_proxy_resolver_reset(lua_State *L)
{
	struct resolver *r;
	meshlua_check_proxy(L, 1);
	r = proxy_resolver(L, 1);
	resolver_reset(r, (uint64_t)luaL_optinteger(L, 2, 0x6d6573686c7561LL));
	return 0;
}

/* Run on every proxy meshlua.load and meshlua.fetch make
 * (meshlua_proxy_on_load): its route configurations are compiled right
 * away, so what Envoy would reject in them (an invalid regex, a duplicate
 * domain) is reported at load, not at the first resolve. The rest of the
 * resolution index (listeners, clusters, endpoints) waits for the first
 * resolve, which reuses them. */
static int l_check_loaded(lua_State *L)
{
	struct l_proxy *p = luaL_testudata(L, 1, MESHLUA_PROXY);
	struct mesh_error err;
	if (p && p->snap) {
		mesh_error_clear(&err);
		if (!resolve_route_set_get(p->snap, &err)) {
			char msg[2048];
			mesh_error_format(&err, msg, sizeof msg);
			luaL_where(L, 2); /* the script's line that called load or fetch */
			lua_pushstring(L, msg);
			lua_concat(L, 2);
			return lua_error(L);
		}
	}
	return 0;
}

static const luaL_Reg proxy_methods[] = {
    {"resolve", l_proxy_resolve},
    {"resolver_reset", l_proxy_resolver_reset},
    {NULL, NULL},
};

void meshlua_open_resolve(lua_State *L)
{
	luaL_newmetatable(L, RESOLVER_TYPE);
	lua_pushcfunction(L, l_resolver_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_newtable(L);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, RESOLVERS_KEY);
	l_resolve_open_trace(L);
	meshlua_proxy_add_methods(L, proxy_methods);
	l_resolve_open_routes(L);
	meshlua_proxy_on_load(L, l_check_loaded);
}
