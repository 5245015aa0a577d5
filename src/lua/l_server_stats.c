/* Per-proxy counters in Lua (see l_server.h): each proxy's struct
 * admin_stats, kept in a weak-keyed registry table for as long as the proxy
 * lives and shared with its admin servers; proxy:resolve counts each
 * request by a key of pointers into its snapshot (counter names are made
 * once per request shape, not per request); proxy:count_request counts
 * one by hand; proxy:stat reads one. */
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

/* The registry key of the proxies' counters (a weak-keyed table: proxy ->
 * holder), by address: a lookup without hashing a string. */
static const char stats_key = 0;

/* The counters of the proxy at idx (not checked again), made on first use. */
static struct admin_stats *proxy_stats(lua_State *L, int idx)
{
	struct admin_stats **h;
	idx = lua_absindex(L, idx);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &stats_key);
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

struct admin_stats *meshlua_proxy_stats(lua_State *L, int idx)
{
	meshlua_check_proxy(L, idx);
	return proxy_stats(L, idx);
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

/* What a resolution did, and room for the strings of its record. */
struct resolution {
	const struct resolve_result *res;
	char listener[300], cluster[512], host[320];
};

/* The record of r->res (admin_stats_describe_fn): the listener's address,
 * the connection manager's stat prefix, the cluster, the endpoint, the
 * status and flags. */
static void describe(void *ctx, struct admin_request_record *rec)
{
	struct resolution *r = ctx;
	const struct resolve_result *res = r->res;
	const struct node *sa =
	    node_field(node_field(res->listener_json, "address"), "socket_address");
	const char *ip = node_text(node_field(sa, "address"));
	long long port = 0;
	memset(rec, 0, sizeof *rec);
	if (ip) {
		node_int(node_field(sa, "port_value"), &port);
		snprintf(r->listener, sizeof r->listener, "%s_%lld", ip, port);
		rec->listener = r->listener;
	}
	rec->stat_prefix = res->tcp ? NULL : hcm_stat_prefix(res->chain_json);
	if (res->cluster && res->cluster_len > 0 && res->cluster_len < sizeof r->cluster) {
		memcpy(r->cluster, res->cluster, res->cluster_len);
		r->cluster[res->cluster_len] = '\0';
		rec->cluster = r->cluster;
	}
	if (res->endpoint_address && res->endpoint_json) {
		snprintf(r->host, sizeof r->host,
		         strchr(res->endpoint_address, ':') ? "[%s]:%u" : "%s:%u",
		         res->endpoint_address, (unsigned)res->endpoint_port);
		rec->host = r->host;
	}
	rec->status = (int)res->status;
	/* Forwarded HTTP requests reach the simulated app, which answers 200:
	 * counted so, the downstream and upstream classes add up. */
	if (!res->tcp && rec->status == 0 && rec->host)
		rec->status = 200;
	rec->flags = res->flags;
}

/* The key of res's shape: everything describe reads, as nodes of the
 * snapshot (the listener, the filter chain, the cluster, the endpoint,
 * each of which fixes the name made from it: an endpoint node its address
 * and port) and values. 0 when res cannot be keyed so: a cluster the
 * snapshot lacks (its name, from the route or a request header, is no node
 * of the snapshot), or flags longer than 6 bytes. */
static int resolution_key(const struct resolve_result *res, struct admin_stats_key *k)
{
	size_t flags_len = res->flags ? strlen(res->flags) : 0;
	uint64_t flags = 0;
	if ((res->cluster && !res->cluster_json) || flags_len > 6)
		return 0;
	memcpy(&flags, res->flags ? res->flags : "", flags_len);
	k->where[0] = res->listener_json;
	k->where[1] = res->tcp ? NULL : res->chain_json;
	k->how[0] = res->status;
	/* the flags' bytes, whether there were flags, TCP */
	k->how[1] = flags | (uint64_t)(res->flags != NULL) << 56 | (uint64_t)(res->tcp != 0) << 57;
	k->what[0] = res->cluster ? res->cluster_json : NULL;
	k->what[1] = res->endpoint_address ? res->endpoint_json : NULL;
	return 1;
}

void meshlua_count_resolution(lua_State *L, int idx, struct xds_snapshot *snap,
                              const struct resolve_result *res)
{
	struct admin_stats *st = proxy_stats(L, idx); /* proxy:resolve checked it */
	struct admin_stats_key key;
	struct resolution r;
	int rc;
	r.res = res;
	if (resolution_key(res, &key)) {
		rc = admin_stats_count_key(st, snap, &key, describe, &r);
	} else {
		struct admin_request_record rec;
		describe(&r, &rec);
		rc = admin_stats_record(st, &rec);
	}
	if (rc != 0)
		luaL_error(L, "out of memory counting a request");
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
	lua_rawsetp(L, LUA_REGISTRYINDEX, &stats_key);
	meshlua_proxy_add_methods(L, proxy_methods);
}
