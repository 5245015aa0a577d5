/* The proxy userdata (see l_proxy.h): lifetime, lazy refresh of synthesized
 * snapshots, the fields every proxy has, and the hook other families use to
 * add their methods. */
#include <stdlib.h>
#include <string.h>

#include "lua/l_proxy.h"

static int l_proxy_gc(lua_State *L)
{
	struct l_proxy *p = luaL_checkudata(L, 1, MESHLUA_PROXY);
	xds_snapshot_unref(p->snap);
	p->snap = NULL;
	if (p->ctx_free && p->ctx)
		p->ctx_free(p->ctx);
	p->ctx = NULL;
	p->refresh = NULL;
	free(p->name);
	p->name = NULL;
	return 0;
}

struct l_proxy *meshlua_push_proxy(lua_State *L, struct xds_snapshot *snap,
                                   const struct istio_profile *profile, const char *name)
{
	struct l_proxy *p = lua_newuserdatauv(L, sizeof *p, 1);
	memset(p, 0, sizeof *p);
	p->snap = snap;
	p->profile = profile ? profile : istio_profile_default();
	p->name = strdup(name ? name : snap->source);
	luaL_setmetatable(L, MESHLUA_PROXY);
	if (!p->name)
		luaL_error(L, "out of memory");
	return p;
}

struct l_proxy *meshlua_check_proxy(lua_State *L, int idx)
{
	struct l_proxy *p = luaL_testudata(L, idx, MESHLUA_PROXY);
	if (!p)
		luaL_typeerror(L, idx, "proxy");
	else if (!p->snap)
		luaL_argerror(L, idx, "the proxy was closed");
	return p;
}

struct xds_snapshot *meshlua_proxy_snapshot(lua_State *L, int idx)
{
	struct l_proxy *p = meshlua_check_proxy(L, idx);
	struct mesh_error err;
	struct xds_snapshot *fresh;
	char msg[2048];
	if (!p->refresh)
		return p->snap;
	mesh_error_clear(&err);
	fresh = p->refresh(p->ctx, p->snap, &err);
	if (!fresh) {
		mesh_error_format(&err, msg, sizeof msg);
		luaL_error(L, "%s", msg);
	}
	xds_snapshot_unref(p->snap);
	p->snap = fresh;
	return fresh;
}

/* proxy.name, proxy.profile, proxy.version, proxy.source; then methods
 * (also of a closed proxy: calling them says it was closed). Other keys
 * give nil. */
static int l_proxy_index(lua_State *L)
{
	struct l_proxy *p = luaL_checkudata(L, 1, MESHLUA_PROXY);
	const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
	if (!key)
		return 0;
	if (!p->snap) {
		luaL_getmetatable(L, MESHLUA_PROXY);
		lua_getfield(L, -1, "methods");
		if (lua_getfield(L, -1, key) == LUA_TNIL)
			meshlua_check_proxy(L, 1); /* raises: the proxy was closed */
	} else if (strcmp(key, "name") == 0) {
		lua_pushstring(L, p->name);
	} else if (strcmp(key, "profile") == 0) {
		lua_pushstring(L, p->profile->name);
	} else if (strcmp(key, "version") == 0) {
		lua_pushinteger(L, (lua_Integer)meshlua_proxy_snapshot(L, 1)->version);
	} else if (strcmp(key, "source") == 0) {
		lua_pushstring(L, meshlua_proxy_snapshot(L, 1)->source);
	} else if (strcmp(key, "synthesized") == 0) {
		lua_pushboolean(L, p->refresh != NULL);
	} else {
		luaL_getmetatable(L, MESHLUA_PROXY);
		lua_getfield(L, -1, "methods");
		lua_getfield(L, -1, key);
	}
	return 1;
}

/* tostring(proxy): "proxy web-frontend-...default (seed)". */
static int l_proxy_tostring(lua_State *L)
{
	struct l_proxy *p = luaL_checkudata(L, 1, MESHLUA_PROXY);
	if (!p->snap)
		lua_pushliteral(L, "proxy (closed)");
	else
		lua_pushfstring(L, "proxy %s (%s)", p->name, p->profile->name);
	return 1;
}

static const luaL_Reg proxy_meta[] = {
    {"__index", l_proxy_index},
    {"__tostring", l_proxy_tostring},
    {"__gc", l_proxy_gc},
    {"__close", l_proxy_gc},
    {NULL, NULL},
};

#define ON_LOAD_KEY "meshlua.proxy.on_load"

void meshlua_proxy_on_load(lua_State *L, lua_CFunction fn)
{
	lua_pushcfunction(L, fn);
	lua_setfield(L, LUA_REGISTRYINDEX, ON_LOAD_KEY);
}

void meshlua_proxy_loaded(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_getfield(L, LUA_REGISTRYINDEX, ON_LOAD_KEY) == LUA_TFUNCTION) {
		lua_pushvalue(L, idx);
		lua_call(L, 1, 0);
	} else {
		lua_pop(L, 1);
	}
}

void meshlua_proxy_add_methods(lua_State *L, const luaL_Reg *methods)
{
	luaL_getmetatable(L, MESHLUA_PROXY);
	lua_getfield(L, -1, "methods");
	luaL_setfuncs(L, methods, 0);
	lua_pop(L, 2);
}

void meshlua_open_proxy(lua_State *L)
{
	luaL_newmetatable(L, MESHLUA_PROXY);
	luaL_setfuncs(L, proxy_meta, 0);
	lua_newtable(L);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
}
