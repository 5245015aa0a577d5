/* What running dashboards are handed when something changed, on the Lua
 * thread (see l_server.h): an admin server takes its proxy's current
 * snapshot (an xDS push), a ControlZ server a new mesh summary built from
 * its source (a mesh, a function or a table). The mesh's mutating methods
 * are wrapped so each mutation does this while servers run. */
#include <string.h>

#include "lua/l_mesh.h"
#include "lua/l_proxy.h"
#include "lua/l_server.h"
#include "lua/l_server_int.h"

static lua_Integer int_field(lua_State *L, int t, const char *key)
{
	lua_Integer v;
	lua_getfield(L, t, key);
	v = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

static const char *str_field(lua_State *L, int t, const char *key)
{
	const char *s;
	lua_getfield(L, t, key);
	s = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
	lua_pop(L, 1); /* the string stays alive in the table */
	return s;
}

/* Builds the summary from the table at t: {version=, proxies={...},
 * objects={...}} (see meshlua.dashboard.mesh_summary). Runs protected. */
static int build_summary(lua_State *L)
{
	struct controlz_mesh *m = lua_touserdata(L, 1);
	int t = 2, rc = 0;
	if (lua_getfield(L, t, "proxies") == LUA_TTABLE)
		for (lua_Integer i = 1; rc == 0 && lua_rawgeti(L, -1, i) == LUA_TTABLE; i++) {
			rc = controlz_mesh_add_proxy(m, str_field(L, -1, "name"),
			                             str_field(L, -1, "kind"),
			                             (uint64_t)int_field(L, -1, "config_version"),
			                             (uint64_t)int_field(L, -1, "pushes"));
			lua_pop(L, 1);
		}
	lua_settop(L, 2);
	if (lua_getfield(L, t, "objects") == LUA_TTABLE)
		for (lua_Integer i = 1; rc == 0 && lua_rawgeti(L, -1, i) == LUA_TTABLE; i++) {
			rc = controlz_mesh_add_object(
			    m, str_field(L, -1, "kind"), str_field(L, -1, "namespace"),
			    str_field(L, -1, "name"),
			    (uint64_t)int_field(L, -1, "resource_version"));
			lua_pop(L, 1);
		}
	if (rc != 0)
		return luaL_error(L, "out of memory");
	return 0;
}

/* Pushes the summary table of the source at idx (a function, a table, or a
 * mesh handed to meshlua.dashboard.mesh_summary), or nil. Runs protected. */
static int source_summary(lua_State *L)
{
	int type = lua_type(L, 1);
	if (type == LUA_TFUNCTION) {
		lua_call(L, 0, 1);
	} else if (type == LUA_TUSERDATA) {
		lua_getglobal(L, "require");
		lua_pushliteral(L, "meshlua.dashboard");
		lua_call(L, 1, 1);
		lua_getfield(L, -1, "mesh_summary");
		lua_pushvalue(L, 1);
		lua_call(L, 1, 1);
	} else if (type != LUA_TTABLE) {
		lua_pushnil(L);
	}
	return 1;
}

/* The push counts of the mesh's proxies that admin servers serve. */
static void add_served_proxies(lua_State *L, struct controlz_mesh *m)
{
	lua_getfield(L, LUA_REGISTRYINDEX, SERVERS_KEY);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		struct l_server *s = lua_touserdata(L, -2);
		lua_pop(L, 1);
		if (s->admin) {
			struct xds_snapshot *snap = admin_snapshot(s->admin);
			struct l_proxy *p;
			lua_getiuservalue(L, -1, UV_SOURCE);
			p = luaL_testudata(L, -1, MESHLUA_PROXY);
			/* Synthesized proxies of the mesh: the pushes their admin
			 * server counted (loaded dumps are not the mesh's). */
			if (p && p->name && p->refresh)
				controlz_mesh_set_pushes(m, p->name, snap->version, s->pushes);
			lua_pop(L, 1);
			xds_snapshot_unref(snap);
		}
	}
	lua_pop(L, 1);
}

/* Republishes the mesh page of the ControlZ server at idx. A failing source
 * leaves the last summary. */
static void controlz_refresh(lua_State *L, struct l_server *s, int idx)
{
	struct controlz_mesh *m;
	int top = lua_gettop(L);
	idx = lua_absindex(L, idx);
	lua_pushcfunction(L, source_summary);
	lua_getiuservalue(L, idx, UV_SOURCE);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
		lua_settop(L, top);
		return;
	}
	m = controlz_mesh_new((uint64_t)int_field(L, -1, "version"));
	if (!m) {
		lua_settop(L, top);
		return;
	}
	lua_pushcfunction(L, build_summary);
	lua_pushlightuserdata(L, m);
	lua_pushvalue(L, -3);
	if (lua_pcall(L, 2, 0, 0) == LUA_OK) {
		add_served_proxies(L, m);
		controlz_publish_mesh(s->cz, m);
	}
	controlz_mesh_unref(m);
	lua_settop(L, top);
}

/* Runs protected: the current snapshot of the proxy at 1, as a light userdata. */
static int current_snapshot(lua_State *L)
{
	lua_pushlightuserdata(L, meshlua_proxy_snapshot(L, 1));
	return 1;
}

/* Hands the admin server at idx its proxy's current snapshot. */
static void admin_refresh(lua_State *L, struct l_server *s, int idx)
{
	int top = lua_gettop(L);
	lua_pushcfunction(L, current_snapshot);
	lua_getiuservalue(L, idx, UV_SOURCE);
	if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
		struct xds_snapshot *fresh = lua_touserdata(L, -1);
		struct xds_snapshot *served = admin_snapshot(s->admin);
		if (fresh && fresh != served) {
			admin_set_snapshot(s->admin, fresh);
			s->pushes++;
		}
		xds_snapshot_unref(served);
	}
	lua_settop(L, top);
}

void meshlua_server_refresh(lua_State *L, struct l_server *s, int idx)
{
	idx = lua_absindex(L, idx);
	if (s->admin)
		admin_refresh(L, s, idx);
	else if (s->cz)
		controlz_refresh(L, s, idx);
}

void meshlua_dashboards_changed(lua_State *L)
{
	/* admin servers first, so the mesh pages show their new versions */
	for (int pass = 0; pass < 2; pass++) {
		lua_getfield(L, LUA_REGISTRYINDEX, SERVERS_KEY);
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			struct l_server *s = lua_touserdata(L, -2);
			lua_pop(L, 1);
			if ((pass == 0) == (s->admin != NULL))
				meshlua_server_refresh(L, s, -1);
		}
		lua_pop(L, 1);
	}
}

/* 1 when any server is running. */
static int servers_running(lua_State *L)
{
	int any;
	lua_getfield(L, LUA_REGISTRYINDEX, SERVERS_KEY);
	lua_pushnil(L);
	any = lua_next(L, -2) != 0;
	lua_pop(L, any ? 3 : 1);
	return any;
}

/* Run after every mesh mutation (meshlua_mesh_on_change): tells the
 * running servers. */
static int l_after_mutation(lua_State *L)
{
	if (servers_running(L))
		meshlua_dashboards_changed(L);
	return 0;
}

void meshlua_server_watch_meshes(lua_State *L)
{
	meshlua_mesh_on_change(L, l_after_mutation);
}
