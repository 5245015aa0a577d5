/* meshlua.load: a proxy from an Envoy config dump given as a file or as
 * text (JSON or YAML), the thin glue over xds_load / xds_load_file. */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"
#include "lua/l_opts.h"
#include "lua/l_proxy.h"
#include "meshlua/xds.h"

/* 1 when s is the dump itself rather than a path: it has a newline or
 * starts (after blanks) with '{' or '['. */
static int is_text(const char *s, size_t len)
{
	size_t i = 0;
	if (memchr(s, '\n', len))
		return 1;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i < len && (s[i] == '{' || s[i] == '[');
}

static int raise_error(lua_State *L, const struct mesh_error *err)
{
	char msg[2048];
	mesh_error_format(err, msg, sizeof msg);
	return luaL_error(L, "%s", msg);
}

/* The profile named by opts.profile (nil: the default). */
static const struct istio_profile *opt_profile(lua_State *L, int opts)
{
	const struct istio_profile *p = NULL;
	if (opts && lua_getfield(L, opts, "profile") != LUA_TNIL) {
		const char *name = meshlua_opt_string(L, opts, "profile");
		p = istio_profile_find(name);
		if (!p)
			luaL_error(L, "meshlua.load: unknown profile \"%s\" (known: seed, current)",
			           name);
	}
	if (opts)
		lua_pop(L, 1);
	return p;
}

/* meshlua.load(path_or_text [, opts]) -> proxy.
 * path_or_text: a file name, or the dump itself (text with a newline, or
 * starting with '{' or '['). opts: profile ("seed" | "current": the istioctl
 * formats of the views), name (the proxy's name; default the source),
 * source (the name of a text dump in errors; default "<string>"),
 * clusters (Envoy's /clusters?format=json as a file name or text, read by
 * proxy:endpoints()). Raises "dump.json:12:5: ..." on bad input. */
int meshlua_l_load(lua_State *L)
{
	size_t len;
	const char *arg = luaL_checklstring(L, 1, &len);
	int opts = lua_isnoneornil(L, 2) ? 0 : 2;
	const struct istio_profile *profile;
	const char *name = NULL, *source = "<string>";
	struct mesh_error err;
	struct xds_snapshot *s;
	struct l_proxy *p;
	if (opts)
		luaL_checktype(L, 2, LUA_TTABLE);
	profile = opt_profile(L, opts);
	if (opts) {
		if (lua_getfield(L, opts, "name") != LUA_TNIL)
			name = meshlua_opt_string(L, opts, "name");
		if (lua_getfield(L, opts, "source") != LUA_TNIL)
			source = meshlua_opt_string(L, opts, "source");
		lua_getfield(L, opts, "clusters");
	} else {
		lua_pushnil(L);
	}
	mesh_error_clear(&err);
	s = is_text(arg, len) ? xds_load(source, arg, len, &err) : xds_load_file(arg, &err);
	if (!s)
		return raise_error(L, &err);
	/* The proxy owns s from here: errors below leave it to the GC. */
	p = meshlua_push_proxy(L, s, profile, name);
	if (!lua_isnil(L, -2)) {
		size_t clen;
		const char *clusters;
		int rc;
		lua_pushvalue(L, -2);
		clusters = meshlua_opt_string(L, opts, "clusters");
		clen = lua_rawlen(L, -1);
		lua_pop(L, 1); /* the string stays in the options table */
		if (is_text(clusters, clen))
			rc =
			    xds_snapshot_load_clusters(p->snap, "<clusters>", clusters, clen, &err);
		else
			rc = xds_snapshot_load_clusters_file(p->snap, clusters, &err);
		if (rc != 0)
			return raise_error(L, &err);
	}
	meshlua_proxy_loaded(L, -1);
	return 1;
}
