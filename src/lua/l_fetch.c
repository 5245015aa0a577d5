/* meshlua.fetch: proxies from config dumps over HTTP(S), the thin glue over
 * fetch_proxies (src/net/fetch.c). */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"
#include "lua/l_opts.h"
#include "lua/l_proxy.h"
#include "meshlua/fetch.h"

/* A time in seconds (over 0, at most a year) as milliseconds; 0 when unset. */
static long opt_ms(lua_State *L, int t, const char *key)
{
	long ms = 0;
	if (lua_getfield(L, t, key) != LUA_TNIL) {
		lua_Number s;
		if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) <= 0)
			luaL_error(L, "meshlua.fetch: %s must be a positive number of seconds",
			           key);
		s = meshlua_opt_number(L, t, key, 0, 365 * 86400.0); /* also refuses NaN */
		ms = (long)(s * 1000.0 + 0.5);
		if (ms == 0)
			ms = 1;
	}
	lua_pop(L, 1);
	return ms;
}

/* Reads opts (at t, or none) into o; strings stay owned by the Lua table. */
static void read_opts(lua_State *L, int t, struct fetch_opts *o, const struct istio_profile **p)
{
	fetch_opts_default(o);
	*p = NULL;
	if (!t)
		return;
	luaL_checktype(L, t, LUA_TTABLE);
	o->timeout_ms = opt_ms(L, t, "timeout");
	o->connect_timeout_ms = opt_ms(L, t, "connect_timeout");
	if (lua_getfield(L, t, "redirects") != LUA_TNIL)
		o->max_redirects = (long)meshlua_opt_integer(L, t, "redirects", 0, 100);
	if (lua_getfield(L, t, "authorization") != LUA_TNIL)
		o->authorization = meshlua_opt_string(L, t, "authorization");
	if (lua_getfield(L, t, "token") != LUA_TNIL) {
		lua_pushfstring(L, "Bearer %s", meshlua_opt_string(L, t, "token"));
		lua_setfield(L, t, "authorization");
		lua_getfield(L, t, "authorization");
		o->authorization = lua_tostring(L, -1);
	}
	if (lua_getfield(L, t, "ca") != LUA_TNIL)
		o->ca_file = meshlua_opt_string(L, t, "ca");
	if (lua_getfield(L, t, "insecure") != LUA_TNIL)
		o->insecure = lua_toboolean(L, -1);
	if (lua_getfield(L, t, "admin") != LUA_TNIL)
		o->admin = lua_toboolean(L, -1);
	if (lua_getfield(L, t, "profile") != LUA_TNIL) {
		const char *name = meshlua_opt_string(L, t, "profile");
		if (!(*p = istio_profile_find(name)))
			luaL_error(L,
			           "meshlua.fetch: unknown profile \"%s\" (known: seed, current)",
			           name);
	}
}

/* meshlua.fetch(url [, opts]) -> proxy, raising "fetch <url>: <why>".
 * meshlua.fetch({url, ...} [, opts]) -> a table with, for each URL in
 * order, {url=, proxy=} or {url=, error=}: fetched concurrently.
 * A URL without a path is an Envoy admin endpoint: /config_dump?include_eds
 * and /clusters?format=json are both asked; any other URL is a dump.
 * opts: timeout, connect_timeout (seconds), redirects (max followed, 0
 * none; default 5), authorization (header value) or token (Bearer), ca (CA
 * file), insecure, admin (force either reading of the URL), profile. */
int meshlua_l_fetch(lua_State *L)
{
	int list = lua_istable(L, 1), opts = lua_isnoneornil(L, 2) ? 0 : 2;
	struct fetch_opts o;
	const struct istio_profile *profile;
	size_t n = list ? (size_t)lua_rawlen(L, 1) : 1;
	const char **urls;
	struct xds_snapshot **snaps;
	struct mesh_error *errs;
	char msg[2048];
	if (!list)
		luaL_checkstring(L, 1);
	read_opts(L, opts, &o, &profile);
	lua_settop(L, 2);
	urls = lua_newuserdatauv(L, (n + 1) * sizeof *urls, 0);
	for (size_t i = 0; i < n; i++) {
		if (list) {
			lua_rawgeti(L, 1, (lua_Integer)i + 1);
			urls[i] = lua_tostring(L, -1);
			if (!urls[i])
				return luaL_error(L, "meshlua.fetch: URL %d is not a string",
				                  (int)i + 1);
			lua_pop(L, 1); /* the string stays in the argument table */
		} else {
			urls[i] = lua_tostring(L, 1);
		}
	}
	snaps = lua_newuserdatauv(L, (n + 1) * sizeof *snaps, 0);
	errs = lua_newuserdatauv(L, (n + 1) * sizeof *errs, 0);
	fetch_proxies(urls, n, &o, snaps, errs);
	if (!list) {
		if (!snaps[0]) {
			mesh_error_format(&errs[0], msg, sizeof msg);
			return luaL_error(L, "%s", msg);
		}
		meshlua_push_proxy(L, snaps[0], profile, urls[0]);
		meshlua_proxy_loaded(L, -1);
		return 1;
	}
	/* Hand every snapshot to a proxy before anything can raise. */
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 2);
		lua_pushstring(L, urls[i]);
		lua_setfield(L, -2, "url");
		if (snaps[i]) {
			meshlua_push_proxy(L, snaps[i], profile, urls[i]);
			lua_setfield(L, -2, "proxy");
		} else {
			mesh_error_format(&errs[i], msg, sizeof msg);
			lua_pushstring(L, msg);
			lua_setfield(L, -2, "error");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}
