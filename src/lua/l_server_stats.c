/* Per-proxy counters in Lua (see l_server.h): each proxy's struct
 * admin_stats, kept in a weak-keyed registry table for as long as the proxy
 * lives and shared with its admin servers; what proxy:resolve and
 * proxy:count_request count; proxy:stat to read one. */
#include <stdio.h>
#include <string.h>

#include "lua/l_proxy.h"
#include "lua/l_server.h"
#include "lua/l_server_int.h"
#include "meshlua/resolve.h"

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

static const luaL_Reg proxy_methods[] = {
    {"count_request", l_proxy_count_request},
    {"stat", l_proxy_stat},
    {NULL, NULL},
};

void meshlua_open_proxy_stats(lua_State *L)
{
	luaL_newmetatable(L, STATS_HOLDER);
	lua_pushcfunction(L, l_holder_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, STATS_KEY);
	meshlua_proxy_add_methods(L, proxy_methods);
}
