/* The dashboard servers in Lua (see l_server.h): thin glue over
 * include/meshlua/server.h, admin.h and controlz.h. The servers run on their
 * own threads and never call Lua: this file hands them snapshot references
 * and mesh summaries, on the Lua thread, when something changed. A running
 * server stays referenced from the registry until server:close() (a REPL
 * line that drops the value does not stop it); __gc and __close stop it too.
 * Counters live in l_server_stats.c, pushes to running servers in
 * l_server_push.c. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"
#include "lua/l_opts.h"
#include "lua/l_proxy.h"
#include "lua/l_server.h"
#include "lua/l_server_int.h"
#include "meshlua/config.h"
#include "meshlua/controlz.h"
#include "meshlua/server.h"

/* ---- the server userdata ----------------------------------------------------------- */

static struct l_server *check_server(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, MESHLUA_SERVER);
}

static void server_stop(lua_State *L, struct l_server *s, int idx)
{
	http_server_stop(s->http); /* waits for running handlers: then nothing uses them */
	s->http = NULL;
	admin_free(s->admin);
	s->admin = NULL;
	controlz_free(s->cz);
	s->cz = NULL;
	if (lua_getfield(L, LUA_REGISTRYINDEX, SERVERS_KEY) == LUA_TTABLE) {
		lua_pushvalue(L, idx);
		lua_pushnil(L);
		lua_rawset(L, -3);
	}
	lua_pop(L, 1);
}

/* server:close(): stops serving (idempotent). */
static int l_server_close(lua_State *L)
{
	struct l_server *s = check_server(L, 1);
	server_stop(L, s, 1);
	return 0;
}

/* The options every server takes: port, address, limits. */
static void read_opts(lua_State *L, int opts, int default_port, const char *fn,
                      struct http_server_opts *o)
{
	memset(o, 0, sizeof *o);
	o->port = default_port;
	o->address = "127.0.0.1";
	if (lua_isnoneornil(L, opts))
		return;
	luaL_checktype(L, opts, LUA_TTABLE);
	if (lua_getfield(L, opts, "port") != LUA_TNIL) {
		lua_Integer port;
		int ok;
		port = lua_tointegerx(L, -1, &ok);
		if (!ok || port < 0 || port > 65535)
			luaL_error(L,
			           "%s: opts.port must be an integer from 0 to 65535 (0 picks a "
			           "free port)",
			           fn);
		o->port = (int)port;
	}
	if (lua_getfield(L, opts, "address") != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "%s: opts.address must be a string", fn);
		o->address = lua_tostring(L, -1); /* kept alive by opts */
	}
	if (lua_getfield(L, opts, "max_connections") != LUA_TNIL)
		o->max_connections =
		    (unsigned)meshlua_opt_integer(L, opts, "max_connections", 0, 100000);
	if (lua_getfield(L, opts, "timeout") != LUA_TNIL)
		o->timeout_s = (unsigned)meshlua_opt_integer(L, opts, "timeout", 0, 86400);
	lua_pop(L, 4);
}

static struct l_server *push_server(lua_State *L)
{
	struct l_server *s = lua_newuserdatauv(L, sizeof *s, 1);
	memset(s, 0, sizeof *s);
	luaL_setmetatable(L, MESHLUA_SERVER);
	return s;
}

/* Starts s serving with handler; on failure raises "<fn>: cannot listen ...". */
static void start(lua_State *L, struct l_server *s, const struct http_server_opts *o,
                  http_handler handler, void *ctx, const char *fn)
{
	struct mesh_error err;
	char msg[1200];
	const char *addr;
	mesh_error_clear(&err);
	s->http = http_server_start(o, handler, ctx, &err);
	if (!s->http) {
		mesh_error_format(&err, msg, sizeof msg);
		luaL_error(L, "%s: %s", fn, msg);
	}
	addr = http_server_address(s->http);
	snprintf(s->url, sizeof s->url, strchr(addr, ':') ? "http://[%s]:%d" : "http://%s:%d", addr,
	         http_server_port(s->http));
	/* Registered: it serves until closed, whatever the script keeps. */
	lua_getfield(L, LUA_REGISTRYINDEX, SERVERS_KEY);
	lua_pushvalue(L, -2);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* 1 when the value at idx is a mesh userdata (mesh:serve_admin(...)). */
static int is_mesh(lua_State *L, int idx)
{
	return luaL_testudata(L, idx, "meshlua.mesh") != NULL;
}

/* meshlua.serve_admin(proxy [, opts]) or mesh:serve_admin(proxy [, opts]) ->
 * server. Serves the Envoy admin interface of proxy (synthesized or loaded)
 * on opts.address (default 127.0.0.1) and opts.port (default 15000; 0 picks
 * a free port), with opts.max_connections and opts.timeout (seconds) as
 * limits. Raises "serve_admin: cannot listen on ..." when the port is taken. */
static int l_serve_admin(lua_State *L)
{
	int base = is_mesh(L, 1) ? 2 : 1;
	struct l_proxy *p;
	struct http_server_opts o;
	struct xds_snapshot *snap;
	if (base == 2 && lua_type(L, 2) == LUA_TSTRING) {
		/* mesh:serve_admin("deployment/customers-v1"): the pod's proxy */
		if (lua_getfield(L, 1, "proxy") != LUA_TFUNCTION)
			return luaL_error(L, "serve_admin: this mesh cannot make proxies (no "
			                     "mesh:proxy); pass a proxy");
		lua_pushvalue(L, 1);
		lua_pushvalue(L, 2);
		lua_call(L, 2, 1);
		lua_replace(L, 2);
	}
	p = meshlua_check_proxy(L, base);
	struct admin_stats *st;
	struct admin_info info;
	struct l_server *s;
	read_opts(L, base + 1, 15000, "serve_admin", &o);
	snap = meshlua_proxy_snapshot(L, base);
	st = meshlua_proxy_stats(L, base);
	s = push_server(L);
	info.name = p->name;
	info.envoy_version = p->profile->envoy_version;
	s->admin = admin_new(snap, st, &info);
	if (!s->admin)
		return luaL_error(L, "serve_admin: out of memory");
	lua_pushvalue(L, base);
	lua_setiuservalue(L, -2, UV_SOURCE);
	start(L, s, &o, admin_handle, s->admin, "serve_admin");
	return 1;
}

/* meshlua.dashboards_changed(): see meshlua_dashboards_changed. */
static int l_dashboards_changed(lua_State *L)
{
	meshlua_dashboards_changed(L);
	return 0;
}

/* server:refresh(): takes the proxy's current snapshot (admin) or rebuilds
 * the mesh page (ControlZ) now. Returns the server. */
static int l_server_refresh(lua_State *L)
{
	struct l_server *s = check_server(L, 1);
	meshlua_server_refresh(L, s, 1);
	lua_settop(L, 1);
	return 1;
}

/* meshlua.serve_controlz([opts]) or mesh:serve_controlz([opts]) -> server.
 * istiod's ControlZ for the mesh: opts.port (default 9876; 0 picks a free
 * port), opts.address, opts.instance (the istiod pod shown in the header),
 * opts.profile ("seed" | "current": the istiod version shown), opts.mesh (a
 * mesh, a function returning a summary table, or the table itself: what the
 * mesh page shows). */
static int l_serve_controlz(lua_State *L)
{
	int base = is_mesh(L, 1) ? 2 : 1;
	int opts = base;
	struct http_server_opts o;
	struct controlz_info info;
	const struct istio_profile *profile = istio_profile_default();
	struct l_server *s;
	read_opts(L, opts, 9876, "serve_controlz", &o);
	memset(&info, 0, sizeof info);
	info.instance = "istiod";
	if (lua_istable(L, opts)) {
		const char *name;
		if (lua_getfield(L, opts, "instance") == LUA_TSTRING)
			info.instance = lua_tostring(L, -1);
		if (lua_getfield(L, opts, "profile") != LUA_TNIL) {
			name = meshlua_opt_string(L, opts, "profile");
			profile = istio_profile_find(name);
			if (!profile)
				return luaL_error(L,
				                  "serve_controlz: unknown profile \"%s\" (known: "
				                  "seed, current)",
				                  name);
		}
		lua_pop(L, 2);
	}
	info.istio_version = profile->istio_version;
	info.meshlua_version = MESHLUA_VERSION;
	s = push_server(L);
	s->cz = controlz_new(&info);
	if (!s->cz)
		return luaL_error(L, "serve_controlz: out of memory");
	if (base == 2)
		lua_pushvalue(L, 1);
	else if (lua_istable(L, opts))
		lua_getfield(L, opts, "mesh");
	else
		lua_pushnil(L);
	lua_setiuservalue(L, -2, UV_SOURCE);
	meshlua_server_refresh(L, s, -1);
	start(L, s, &o, controlz_handle, s->cz, "serve_controlz");
	return 1;
}

static void push_scope(lua_State *L, const struct controlz_scope *sc)
{
	lua_createtable(L, 0, 5);
	lua_pushstring(L, sc->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, sc->description);
	lua_setfield(L, -2, "description");
	lua_pushstring(L, controlz_level_name(sc->output_level));
	lua_setfield(L, -2, "output_level");
	lua_pushstring(L, controlz_level_name(sc->stack_trace_level));
	lua_setfield(L, -2, "stack_trace_level");
	lua_pushboolean(L, sc->log_callers);
	lua_setfield(L, -2, "log_callers");
}

static struct controlz *check_controlz(lua_State *L, const char *fn)
{
	struct l_server *s = check_server(L, 1);
	if (!s->cz)
		luaL_error(L, "server:%s: not a running ControlZ server", fn);
	return s->cz;
}

/* server:scope(name) -> {name, description, output_level, stack_trace_level,
 * log_callers}, or nil when istiod has no such scope. */
static int l_server_scope(lua_State *L)
{
	struct controlz *cz = check_controlz(L, "scope");
	struct controlz_scope sc;
	if (controlz_scope_get(cz, luaL_checkstring(L, 2), &sc) != 0)
		return 0;
	push_scope(L, &sc);
	return 1;
}

/* server:scopes() -> the scopes, sorted by name (tables as server:scope). */
static int l_server_scopes(lua_State *L)
{
	struct controlz *cz = check_controlz(L, "scopes");
	size_t n = controlz_scope_count(cz);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		struct controlz_scope sc;
		if (controlz_scope_at(cz, i, &sc) == 0) {
			push_scope(L, &sc);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	}
	return 1;
}

/* server:set_scope(name, {output_level=, stack_trace_level=, log_callers=})
 * changes a scope as the page does. Raises for an unknown scope or level. */
static int l_server_set_scope(lua_State *L)
{
	struct controlz *cz = check_controlz(L, "set_scope");
	const char *name = luaL_checkstring(L, 2);
	const char *levels[2] = {NULL, NULL};
	static const char *const keys[2] = {"output_level", "stack_trace_level"};
	int callers = -1;
	luaL_checktype(L, 3, LUA_TTABLE);
	for (int i = 0; i < 2; i++) {
		if (lua_getfield(L, 3, keys[i]) != LUA_TNIL) {
			levels[i] = meshlua_opt_string(L, 3, keys[i]);
			if (controlz_level_parse(levels[i]) < 0)
				return luaL_error(L,
				                  "set_scope: %s \"%s\" is not a level (none, "
				                  "error, warn, info, debug)",
				                  keys[i], levels[i]);
		}
	}
	if (lua_getfield(L, 3, "log_callers") != LUA_TNIL)
		callers = lua_toboolean(L, -1);
	if (controlz_scope_set(cz, name, levels[0], levels[1], callers) != 0)
		return luaL_error(L, "set_scope: istiod has no logging scope \"%s\"", name);
	lua_settop(L, 1);
	return 1;
}

/* server:stat(name) -> a counter of the served proxy (admin servers). */
static int l_server_stat(lua_State *L)
{
	struct l_server *s = check_server(L, 1);
	if (!s->admin)
		return luaL_error(L, "server:stat: not a running admin server");
	lua_pushinteger(
	    L, (lua_Integer)admin_stats_get(admin_stats(s->admin), luaL_checkstring(L, 2)));
	return 1;
}

static volatile sig_atomic_t wait_interrupted;

static void on_wait_sigint(int sig)
{
	(void)sig;
	wait_interrupted = 1;
}

/* server:wait([seconds]) -> "interrupted" | "timeout" | "closed": blocks the
 * Lua thread while the server serves, as `istioctl dashboard` does, until
 * Ctrl-C (SIGINT: the server is then closed), the optional timeout, or the
 * server being closed. The previous SIGINT handler is restored after. */
static int l_server_wait(lua_State *L)
{
	struct l_server *s = check_server(L, 1);
	lua_Number seconds = luaL_optnumber(L, 2, -1);
	struct sigaction sa, old;
	struct timespec tick = {0, 50 * 1000 * 1000};
	long ticks = seconds < 0 ? -1 : (long)(seconds * 20);
	const char *why = "closed";
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_wait_sigint;
	sigemptyset(&sa.sa_mask);
	wait_interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	while (s->http) {
		if (wait_interrupted) {
			why = "interrupted";
			break;
		}
		if (ticks == 0) {
			why = "timeout";
			break;
		}
		if (ticks > 0)
			ticks--;
		nanosleep(&tick, NULL);
	}
	sigaction(SIGINT, &old, NULL);
	if (wait_interrupted)
		server_stop(L, s, 1);
	lua_pushstring(L, why);
	return 1;
}

static const luaL_Reg server_methods[] = {
    {"wait", l_server_wait},       {"close", l_server_close},
    {"refresh", l_server_refresh}, {"scope", l_server_scope},
    {"scopes", l_server_scopes},   {"set_scope", l_server_set_scope},
    {"stat", l_server_stat},       {NULL, NULL},
};

/* server.url, .port, .address, .kind ("admin" | "controlz"), .closed,
 * .pushes (admin: snapshots handed over), .proxy (admin); then methods. */
static int l_server_index(lua_State *L)
{
	struct l_server *s = check_server(L, 1);
	const char *key = luaL_checkstring(L, 2);
	if (strcmp(key, "url") == 0)
		lua_pushstring(L, s->url);
	else if (strcmp(key, "port") == 0 && s->http)
		lua_pushinteger(L, http_server_port(s->http));
	else if (strcmp(key, "address") == 0 && s->http)
		lua_pushstring(L, http_server_address(s->http));
	else if (strcmp(key, "kind") == 0)
		lua_pushstring(L, s->cz ? "controlz" : s->admin ? "admin" : "closed");
	else if (strcmp(key, "closed") == 0)
		lua_pushboolean(L, s->http == NULL);
	else if (strcmp(key, "pushes") == 0)
		lua_pushinteger(L, (lua_Integer)s->pushes);
	else if (strcmp(key, "proxy") == 0 && s->admin)
		lua_getiuservalue(L, 1, UV_SOURCE);
	else {
		luaL_getmetatable(L, MESHLUA_SERVER);
		lua_getfield(L, -1, "methods");
		lua_getfield(L, -1, key);
	}
	return 1;
}

static int l_server_tostring(lua_State *L)
{
	struct l_server *s = check_server(L, 1);
	if (!s->http)
		lua_pushliteral(L, "server (closed)");
	else if (s->cz)
		lua_pushfstring(L, "ControlZ at %s", s->url);
	else
		lua_pushfstring(L, "Envoy admin at %s", s->url);
	return 1;
}

static const luaL_Reg server_meta[] = {
    {"__index", l_server_index},
    {"__tostring", l_server_tostring},
    {"__gc", l_server_close},
    {"__close", l_server_close},
    {NULL, NULL},
};

static const luaL_Reg mesh_methods[] = {
    {"serve_admin", l_serve_admin},
    {"serve_controlz", l_serve_controlz},
    {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"serve_admin", l_serve_admin},
    {"serve_controlz", l_serve_controlz},
    {"dashboards_changed", l_dashboards_changed},
    {NULL, NULL},
};

void meshlua_open_server(lua_State *L)
{
	luaL_newmetatable(L, MESHLUA_SERVER);
	luaL_setfuncs(L, server_meta, 0);
	lua_newtable(L);
	luaL_setfuncs(L, server_methods, 0);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, SERVERS_KEY);
	meshlua_open_proxy_stats(L);
	meshlua_mesh_add_methods(L, mesh_methods);
	meshlua_server_watch_meshes(L);
	luaL_setfuncs(L, functions, 0);
}
