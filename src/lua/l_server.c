/* The dashboard servers in Lua (see l_server.h): thin glue over
 * include/meshlua/server.h, admin.h and controlz.h. The servers run on their
 * own threads and never call Lua: this file hands them snapshot references
 * and mesh summaries, on the Lua thread, when something changed. A running
 * server stays referenced from the registry until server:close() (a REPL
 * line that drops the value does not stop it); __gc and __close stop it too.
 * The mesh's mutating methods are wrapped so that, while servers run, each
 * mutation hands them the new state (an xDS push, a new mesh page). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"
#include "lua/l_proxy.h"
#include "lua/l_server.h"
#include "meshlua/config.h"
#include "meshlua/controlz.h"
#include "meshlua/resolve.h"
#include "meshlua/server.h"

#define MESHLUA_SERVER "meshlua.server"
#define STATS_HOLDER   "meshlua.proxy_stats_holder"
#define SERVERS_KEY    "meshlua.servers"
#define STATS_KEY      "meshlua.proxy_stats"

enum { UV_SOURCE = 1 }; /* admin: the proxy; ControlZ: its mesh source (or nil) */

struct l_server {
	struct http_server *http; /* NULL once closed */
	struct admin *admin;      /* Envoy admin servers */
	struct controlz *cz;      /* ControlZ servers */
	char url[96];
	unsigned long long pushes; /* admin: snapshots handed to the server */
};

/* ---- per-proxy counters -------------------------------------------------------- */

static int l_holder_gc(lua_State *L)
{
	struct admin_stats **h = luaL_checkudata(L, 1, STATS_HOLDER);
	admin_stats_unref(*h);
	*h = NULL;
	return 0;
}

struct admin_stats *meshlua_proxy_stats(lua_State *L, int idx)
{
	struct admin_stats **h;
	idx = lua_absindex(L, idx);
	meshlua_check_proxy(L, idx);
	lua_getfield(L, LUA_REGISTRYINDEX, STATS_KEY);
	lua_pushvalue(L, idx);
	if (lua_rawget(L, -2) == LUA_TUSERDATA) {
		h = lua_touserdata(L, -1);
		lua_pop(L, 2);
		return *h;
	}
	lua_pop(L, 1);
	h = lua_newuserdatauv(L, sizeof *h, 0);
	*h = NULL;
	luaL_setmetatable(L, STATS_HOLDER);
	*h = admin_stats_new();
	if (!*h)
		luaL_error(L, "out of memory");
	lua_pushvalue(L, idx);
	lua_pushvalue(L, -2);
	lua_rawset(L, -4); /* weak keys: the counters live as long as the proxy */
	lua_pop(L, 2);
	return *h;
}

void meshlua_proxy_count_request(lua_State *L, int idx, const struct admin_request_record *rec)
{
	if (admin_stats_record(meshlua_proxy_stats(L, idx), rec) != 0)
		luaL_error(L, "out of memory counting a request");
}

static const char *opt_field_string(lua_State *L, int t, const char *key)
{
	const char *s = NULL;
	if (lua_getfield(L, t, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "count_request: field '%s' must be a string", key);
		s = lua_tostring(L, -1);
	}
	lua_pop(L, 1); /* the string stays alive in the table */
	return s;
}

/* The stat_prefix of the HTTP connection manager in filter chain chain. */
static const char *hcm_stat_prefix(const struct node *chain)
{
	const struct node *filters = node_field(chain, "filters");
	for (size_t i = 0; filters && filters->type == NODE_SEQ && i < filters->len; i++) {
		const struct node *tc = node_field(filters->items[i], "typed_config");
		const char *type = node_text(node_get(tc, "@type"));
		if (type && strstr(type, ".HttpConnectionManager"))
			return node_text(node_field(tc, "stat_prefix"));
	}
	return NULL;
}

void meshlua_count_resolution(lua_State *L, int idx, const struct resolve_result *res)
{
	struct admin_request_record rec;
	char listener[300], cluster[512], host[320];
	const struct node *sa =
	    node_field(node_field(res->listener_json, "address"), "socket_address");
	const char *ip = node_text(node_field(sa, "address"));
	long long port = 0;
	memset(&rec, 0, sizeof rec);
	if (ip) {
		node_int(node_field(sa, "port_value"), &port);
		snprintf(listener, sizeof listener, "%s_%lld", ip, port);
		rec.listener = listener;
	}
	rec.stat_prefix = res->tcp ? NULL : hcm_stat_prefix(res->chain_json);
	if (res->cluster && res->cluster_len > 0 && res->cluster_len < sizeof cluster) {
		memcpy(cluster, res->cluster, res->cluster_len);
		cluster[res->cluster_len] = '\0';
		rec.cluster = cluster;
	}
	if (res->endpoint_address && res->endpoint_json) {
		snprintf(host, sizeof host,
		         strchr(res->endpoint_address, ':') ? "[%s]:%u" : "%s:%u",
		         res->endpoint_address, (unsigned)res->endpoint_port);
		rec.host = host;
	}
	rec.status = (int)res->status;
	/* Forwarded HTTP requests reach the simulated app, which answers 200:
	 * counted so, the downstream and upstream classes add up. */
	if (!res->tcp && rec.status == 0 && rec.host)
		rec.status = 200;
	rec.flags = res->flags;
	meshlua_proxy_count_request(L, idx, &rec);
}

/* proxy:count_request{listener=, stat_prefix=, cluster=, host=, status=, flags=}
 * counts one request as if resolved through the proxy (the resolution
 * binding does this for each resolve); see admin_request_record. */
static int l_proxy_count_request(lua_State *L)
{
	struct admin_request_record rec;
	meshlua_check_proxy(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	memset(&rec, 0, sizeof rec);
	rec.listener = opt_field_string(L, 2, "listener");
	rec.stat_prefix = opt_field_string(L, 2, "stat_prefix");
	rec.cluster = opt_field_string(L, 2, "cluster");
	rec.host = opt_field_string(L, 2, "host");
	rec.flags = opt_field_string(L, 2, "flags");
	lua_getfield(L, 2, "status");
	rec.status = (int)luaL_optinteger(L, -1, 0);
	lua_pop(L, 1);
	meshlua_proxy_count_request(L, 1, &rec);
	return 0;
}

/* proxy:stat(name) -> the counter's value (0 when never counted), e.g.
 * proxy:stat("cluster.outbound|80||customers.default.svc.cluster.local.upstream_rq_total"). */
static int l_proxy_stat(lua_State *L)
{
	struct admin_stats *st = meshlua_proxy_stats(L, 1);
	lua_pushinteger(L, (lua_Integer)admin_stats_get(st, luaL_checkstring(L, 2)));
	return 1;
}

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
		o->max_connections = (unsigned)luaL_checkinteger(L, -1);
	if (lua_getfield(L, opts, "timeout") != LUA_TNIL)
		o->timeout_s = (unsigned)luaL_checkinteger(L, -1);
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

/* ---- ControlZ's mesh page ------------------------------------------------------------ */

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

/* The proxies of the running admin servers, for the mesh page. */
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
			if (p && p->name)
				controlz_mesh_add_proxy(
				    m, p->name, p->refresh ? "sidecar (served)" : "dump (served)",
				    snap->version, s->pushes);
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

static void server_refresh(lua_State *L, struct l_server *s, int idx)
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
				server_refresh(L, s, -1);
		}
		lua_pop(L, 1);
	}
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
	server_refresh(L, s, 1);
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
			name = luaL_checkstring(L, -1);
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
	controlz_refresh(L, s, -1);
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
			levels[i] = luaL_checkstring(L, -1);
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

static const luaL_Reg proxy_methods[] = {
    {"count_request", l_proxy_count_request},
    {"stat", l_proxy_stat},
    {NULL, NULL},
};

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

/* A mesh method that changes the mesh, then tells the running servers. */
static int l_after_mutation(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	if (servers_running(L))
		meshlua_dashboards_changed(L); /* leaves the stack as it was */
	return lua_gettop(L);
}

/* The mesh methods that mutate (l_mesh.c), wrapped by l_after_mutation. */
static void wrap_mesh_mutations(lua_State *L)
{
	static const char *const names[] = {
	    "apply",           "apply_string", "delete",    "delete_string", "label",
	    "rollout_restart", "scale",        "set_ready", "advance",       NULL};
	if (luaL_getmetatable(L, "meshlua.mesh") != LUA_TTABLE ||
	    lua_getfield(L, -1, "methods") != LUA_TTABLE) {
		lua_pop(L, 2);
		return;
	}
	for (int i = 0; names[i]; i++) {
		if (lua_getfield(L, -1, names[i]) == LUA_TFUNCTION) {
			lua_pushcclosure(L, l_after_mutation, 1);
			lua_setfield(L, -2, names[i]);
		} else {
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 2);
}

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
	luaL_newmetatable(L, STATS_HOLDER);
	lua_pushcfunction(L, l_holder_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, SERVERS_KEY);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, STATS_KEY);
	meshlua_proxy_add_methods(L, proxy_methods);
	meshlua_mesh_add_methods(L, mesh_methods);
	wrap_mesh_mutations(L);
	luaL_setfuncs(L, functions, 0);
}
