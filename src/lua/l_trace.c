/* The trace userdata ("meshlua.trace"): what one resolution found, kept
 * valid by a snapshot reference (or its route table in a user value), with
 * the explanation replayed on demand (the notes of every candidate, chosen
 * or rejected) and the finalized request computed on demand. Fields are
 * built as plain tables on first use and cached; the readable explanation
 * and the steps are lua/meshlua/trace.lua's work. */
#include <stdlib.h>
#include <string.h>

#include "lua/l_resolve.h"

enum { UV_OWNER = 1, UV_CACHE = 2 };

static struct l_trace *check_trace(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, MESHLUA_TRACE);
}

static int l_trace_gc(lua_State *L)
{
	struct l_trace *t = check_trace(L, 1);
	xds_snapshot_unref(t->snap);
	t->snap = NULL;
	arena_free(&t->arena);
	t->notes = NULL;
	t->note_count = t->note_cap = 0;
	t->finalized = 0;
	return 0;
}

struct l_trace *l_resolve_push_trace(lua_State *L)
{
	struct l_trace *t = lua_newuserdatauv(L, sizeof *t, 2);
	memset(t, 0, sizeof *t);
	arena_init(&t->arena, 1024);
	resolve_request_init(&t->req);
	luaL_setmetatable(L, MESHLUA_TRACE);
	return t; /* the cache table comes with the first field read */
}

/* ---- explanations ---- */

struct collect {
	struct l_trace *t;
	int failed;
};

static const char *copy(struct arena *a, const char *s, size_t len)
{
	return s ? arena_strndup(a, s, len) : NULL;
}

static void on_note(void *ctx, const struct resolve_note *n)
{
	struct collect *c = ctx;
	struct l_trace *t = c->t;
	struct l_note *dst;
	if (c->failed)
		return;
	if (t->note_count == t->note_cap) {
		size_t cap = t->note_cap ? t->note_cap * 2 : 32;
		struct l_note *grown = arena_alloc(&t->arena, cap * sizeof *grown);
		if (!grown) {
			c->failed = 1;
			return;
		}
		if (t->note_count)
			memcpy(grown, t->notes, t->note_count * sizeof *grown);
		t->notes = grown;
		t->note_cap = cap;
	}
	dst = &t->notes[t->note_count++];
	dst->step = n->step;
	dst->verdict = n->verdict;
	dst->index = n->index;
	dst->candidate = copy(&t->arena, n->candidate, strlen(n->candidate));
	dst->why = n->why; /* static strings */
	dst->field = n->field ? copy(&t->arena, n->field, strlen(n->field)) : NULL;
	dst->expected = copy(&t->arena, n->expected, n->expected_len);
	dst->expected_len = n->expected_len;
	dst->actual = copy(&t->arena, n->actual, n->actual_len);
	dst->actual_len = n->actual_len;
}

static void explain(lua_State *L, struct l_trace *t)
{
	struct mesh_error err;
	struct collect c = {t, 0};
	struct resolver *r;
	int rc;
	char msg[2048];
	if (t->explained)
		return;
	r = resolver_new(0);
	if (!r)
		luaL_error(L, "out of memory");
	mesh_error_clear(&err);
	if (t->snap)
		rc = resolve_explain(r, t->snap, &t->req, &t->res, on_note, &c, &err);
	else
		rc = resolve_routes_explain(r, t->rt, &t->req, &t->res, on_note, &c, &err);
	resolver_free(r);
	if (rc < 0) {
		mesh_error_format(&err, msg, sizeof msg);
		luaL_error(L, "%s", msg);
	}
	if (c.failed)
		luaL_error(L, "out of memory");
	t->explained = 1;
}

static void set_str(lua_State *L, const char *key, const char *s, size_t len)
{
	if (!s)
		return;
	lua_pushlstring(L, s, len);
	lua_setfield(L, -2, key);
}

/* trace:notes() -> every candidate of the explanation, in order:
 * { step =, verdict = "chosen"|"rejected"|"info", candidate =, index =
 * (1-based or nil), why =, field =, expected =, actual = }. */
static int l_trace_notes(lua_State *L)
{
	static const char *const verdicts[] = {"rejected", "chosen", "info"};
	struct l_trace *t = check_trace(L, 1);
	explain(L, t);
	lua_createtable(L, (int)t->note_count, 0);
	for (size_t i = 0; i < t->note_count; i++) {
		const struct l_note *n = &t->notes[i];
		lua_createtable(L, 0, 8);
		lua_pushstring(L, resolve_step_name(n->step));
		lua_setfield(L, -2, "step");
		lua_pushstring(L, verdicts[n->verdict]);
		lua_setfield(L, -2, "verdict");
		lua_pushstring(L, n->candidate);
		lua_setfield(L, -2, "candidate");
		if (n->index >= 0) {
			lua_pushinteger(L, n->index + 1);
			lua_setfield(L, -2, "index");
		}
		lua_pushstring(L, n->why);
		lua_setfield(L, -2, "why");
		if (n->field) {
			lua_pushstring(L, n->field);
			lua_setfield(L, -2, "field");
		}
		set_str(L, "expected", n->expected, n->expected_len);
		set_str(L, "actual", n->actual, n->actual_len);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* ---- the finalized request ---- */

static void finalize(lua_State *L, struct l_trace *t)
{
	if (t->finalized)
		return;
	if (resolve_finalize(&t->res, &t->req, t->response_seed, t->response_seed_count, &t->arena,
	                     &t->final) < 0)
		luaL_error(L, "out of memory");
	t->finalized = 1;
}

static void push_headers(lua_State *L, const struct resolve_header_list *l)
{
	lua_createtable(L, (int)l->count, 0);
	for (size_t i = 0; i < l->count; i++) {
		lua_createtable(L, 2, 0);
		lua_pushstring(L, l->items[i].name);
		lua_rawseti(L, -2, 1);
		lua_pushstring(L, l->items[i].value);
		lua_rawseti(L, -2, 2);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* trace:header_match(matcher, "request"|"response") -> boolean: Envoy's
 * HeaderMatcher over the finalized headers (the router check tool's
 * request_header_matches / response_header_matches). */
static int l_trace_header_match(lua_State *L)
{
	struct l_trace *t = check_trace(L, 1);
	const char *which = luaL_checkstring(L, 3);
	struct arena a;
	struct node *m;
	struct mesh_error err;
	char why[256], msg[2048];
	int ok;
	luaL_checktype(L, 2, LUA_TTABLE);
	if (strcmp(which, "request") != 0 && strcmp(which, "response") != 0)
		return luaL_argerror(L, 3, "\"request\" or \"response\" expected");
	finalize(L, t);
	arena_init(&a, 4096);
	m = l_resolve_to_node(L, 2, &a, why, sizeof why);
	if (!m) {
		arena_free(&a);
		return luaL_error(L, "header matcher: %s", why);
	}
	mesh_error_clear(&err);
	ok = resolve_header_matcher_eval(
	    m, strcmp(which, "request") == 0 ? &t->final.request : &t->final.response,
	    "header matcher", &err);
	arena_free(&a);
	if (ok < 0) {
		mesh_error_format(&err, msg, sizeof msg);
		return luaL_error(L, "%s", msg);
	}
	lua_pushboolean(L, ok);
	return 1;
}

/* trace:header(name, "request"|"response") -> all values joined by ",",
 * or nil. */
static int l_trace_header(lua_State *L)
{
	struct l_trace *t = check_trace(L, 1);
	const char *name = luaL_checkstring(L, 2);
	const char *which = luaL_optstring(L, 3, "request");
	const char *v;
	finalize(L, t);
	v = resolve_header_list_get(strcmp(which, "response") == 0 ? &t->final.response
	                                                           : &t->final.request,
	                            name, &t->arena);
	if (v)
		lua_pushstring(L, v);
	else
		lua_pushnil(L);
	return 1;
}

/* ---- fields ---- */

static void push_listener(lua_State *L, const struct resolve_result *r)
{
	const struct node *sa =
	    node_field(node_field(r->listener_json, "address"), "socket_address");
	long long port;
	lua_createtable(L, 0, 4);
	lua_pushstring(L, r->listener);
	lua_setfield(L, -2, "name");
	if (sa) {
		const struct node *p = node_field(sa, "port_value");
		if (node_text(node_field(sa, "address"))) {
			lua_pushstring(L, node_text(node_field(sa, "address")));
			lua_setfield(L, -2, "address");
		}
		if (p && node_int(p, &port) == 0) {
			lua_pushinteger(L, port);
			lua_setfield(L, -2, "port");
		}
	}
}

static int push_entry_kind(lua_State *L, const struct resolve_result *r)
{
	switch (r->outcome) {
	case RESOLVE_REDIRECT:
	case RESOLVE_DIRECT_RESPONSE:
		lua_pushstring(L, "direct_response");
		return 1;
	case RESOLVE_FORWARDED:
	case RESOLVE_NO_CLUSTER:
	case RESOLVE_NO_HEALTHY:
	case RESOLVE_PASSTHROUGH:
	case RESOLVE_BLACKHOLE:
		if (r->route_json) {
			lua_pushstring(L, "route");
			return 1;
		}
		break;
	default:
		break;
	}
	lua_pushnil(L);
	return 1;
}

static const char *action_kind(const struct node *route)
{
	const struct node *ra = node_field(route, "route");
	if (node_field(route, "redirect"))
		return "redirect";
	if (node_field(route, "direct_response"))
		return "direct_response";
	if (!ra)
		return "other";
	if (node_field(ra, "cluster_header"))
		return "cluster_header";
	if (node_field(ra, "weighted_clusters"))
		return "weighted_clusters";
	return "cluster";
}

static const char *outcome_text(lua_State *L, const struct resolve_result *r)
{
	if (r->outcome == RESOLVE_NO_CLUSTER && (r->status == 404 || r->status == 500))
		return lua_pushfstring(L, "%d NC", (int)r->status);
	return lua_pushstring(L, resolve_outcome_name(r->outcome));
}

/* The weighted clusters of the route (or tcp_proxy) with their weights and
 * shares: the distribution the pick draws from. */
static void push_distribution(lua_State *L, const struct resolve_result *r)
{
	const struct node *wc = node_field(node_field(r->route_json, "route"), "weighted_clusters");
	const struct node *list;
	lua_newtable(L);
	if (!wc) { /* a tcp_proxy's weighted clusters */
		const struct node *filters = node_field(r->chain_json, "filters");
		for (size_t i = 0; filters && filters->type == NODE_SEQ && i < filters->len; i++)
			if ((wc = node_field(node_field(filters->items[i], "typed_config"),
			                     "weighted_clusters")))
				break;
	}
	list = node_field(wc, "clusters");
	for (size_t i = 0; list && list->type == NODE_SEQ && i < list->len; i++) {
		const struct node *w = node_field_value(list->items[i], "weight");
		long long weight = 0;
		if (!w || node_int(w, &weight) < 0)
			weight = 0;
		lua_createtable(L, 0, 3);
		l_resolve_push_node(L, node_field(list->items[i], "name"));
		lua_setfield(L, -2, "name");
		lua_pushinteger(L, weight);
		lua_setfield(L, -2, "weight");
		lua_pushnumber(
		    L, r->weighted_total ? 100.0 * (double)weight / (double)r->weighted_total : 0);
		lua_setfield(L, -2, "percent");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Sets field "locality" of the table on top to { region =, zone =,
 * sub_zone = } of the Locality where (the parts it has), for an endpoint
 * whose locality the locality scheduler chose. */
static void push_locality(lua_State *L, const struct node *where)
{
	static const char *const parts[] = {"region", "zone", "sub_zone"};
	lua_createtable(L, 0, 3);
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		const char *v = node_text(node_field(where, parts[i]));
		if (v && *v) {
			lua_pushstring(L, v);
			lua_setfield(L, -2, parts[i]);
		}
	}
	lua_setfield(L, -2, "locality");
}

/* Builds the value of key; returns 0 when key is not a field. */
static int build_field(lua_State *L, struct l_trace *t, const char *key)
{
	const struct resolve_result *r = &t->res;
	if (strcmp(key, "outcome") == 0) {
		outcome_text(L, r);
	} else if (strcmp(key, "status") == 0) {
		if (r->status)
			lua_pushinteger(L, r->status);
		else
			lua_pushnil(L);
	} else if (strcmp(key, "flags") == 0) {
		lua_pushstring(L, r->flags);
	} else if (strcmp(key, "listener") == 0) {
		if (r->listener)
			push_listener(L, r);
		else
			lua_pushnil(L);
	} else if (strcmp(key, "filter_chain") == 0) {
		if (!r->chain_json) {
			lua_pushnil(L);
		} else {
			lua_createtable(L, 0, 3);
			if (r->chain_index >= 0) {
				lua_pushinteger(L, r->chain_index + 1);
				lua_setfield(L, -2, "index");
			}
			lua_pushboolean(L, r->chain_index < 0);
			lua_setfield(L, -2, "default");
			if (r->chain_name) {
				lua_pushstring(L, r->chain_name);
				lua_setfield(L, -2, "name");
			}
			l_resolve_push_node(L, node_field(r->chain_json, "filter_chain_match"));
			lua_setfield(L, -2, "match");
		}
	} else if (strcmp(key, "network_filter") == 0) {
		lua_pushstring(L, r->network_filter);
	} else if (strcmp(key, "route_config") == 0) {
		if (!r->route_config) {
			lua_pushnil(L);
		} else {
			lua_createtable(L, 0, 1);
			lua_pushstring(L, r->route_config);
			lua_setfield(L, -2, "name");
		}
	} else if (strcmp(key, "virtual_host") == 0) {
		if (!r->virtual_host) {
			lua_pushnil(L);
		} else {
			lua_createtable(L, 0, 3);
			lua_pushstring(L, r->virtual_host);
			lua_setfield(L, -2, "name");
			lua_pushinteger(L, r->vhost_index + 1);
			lua_setfield(L, -2, "index");
			l_resolve_push_node(L, node_field(r->virtual_host_json, "domains"));
			lua_setfield(L, -2, "domains");
		}
	} else if (strcmp(key, "route") == 0) {
		if (!r->route_json) {
			lua_pushnil(L);
		} else {
			lua_createtable(L, 0, 5);
			lua_pushstring(L, r->route_name);
			lua_setfield(L, -2, "name");
			lua_pushinteger(L, r->route_index + 1);
			lua_setfield(L, -2, "index");
			l_resolve_push_node(L, node_field(r->route_json, "match"));
			lua_setfield(L, -2, "match");
			lua_pushstring(L, action_kind(r->route_json));
			lua_setfield(L, -2, "action");
			l_resolve_push_node(L, r->route_json);
			lua_setfield(L, -2, "raw");
		}
	} else if (strcmp(key, "entry") == 0) {
		push_entry_kind(L, r);
	} else if (strcmp(key, "virtual_cluster") == 0) {
		lua_pushstring(L, r->virtual_cluster);
	} else if (strcmp(key, "weighted") == 0) {
		if (r->weighted_index < 0) {
			lua_pushnil(L);
		} else {
			lua_createtable(L, 0, 3);
			lua_pushinteger(L, r->weighted_index + 1);
			lua_setfield(L, -2, "index");
			lua_pushinteger(L, (lua_Integer)r->weighted_value);
			lua_setfield(L, -2, "value");
			lua_pushinteger(L, (lua_Integer)r->weighted_total);
			lua_setfield(L, -2, "total");
			push_distribution(L, r);
			lua_setfield(L, -2, "clusters");
		}
	} else if (strcmp(key, "cluster") == 0) {
		if (!r->cluster) {
			lua_pushnil(L);
		} else {
			lua_createtable(L, 0, 4);
			lua_pushlstring(L, r->cluster, r->cluster_len);
			lua_setfield(L, -2, "name");
			lua_pushboolean(L, r->cluster_json != NULL);
			lua_setfield(L, -2, "found");
			if (r->cluster_type) {
				lua_pushstring(L, r->cluster_type);
				lua_setfield(L, -2, "type");
			}
			if (r->lb_policy) {
				lua_pushstring(L, r->lb_policy);
				lua_setfield(L, -2, "lb_policy");
			}
		}
	} else if (strcmp(key, "endpoint") == 0) {
		if (!r->endpoint_address) {
			lua_pushnil(L);
		} else {
			lua_createtable(L, 0, 6);
			lua_pushstring(L, r->endpoint_address);
			lua_setfield(L, -2, "address");
			lua_pushinteger(L, r->endpoint_port);
			lua_setfield(L, -2, "port");
			lua_pushinteger(L, r->priority);
			lua_setfield(L, -2, "priority");
			lua_pushboolean(L, r->panic);
			lua_setfield(L, -2, "panic");
			if (r->endpoint_json) {
				const char *h =
				    node_text(node_field(r->endpoint_json, "health_status"));
				lua_pushstring(L, h ? h : "HEALTHY");
				lua_setfield(L, -2, "health");
			}
			if (r->locality_json)
				push_locality(L, node_field(r->locality_json, "locality"));
		}
	} else if (strcmp(key, "timeout") == 0) {
		/* The route's timeout; Envoy's default is 15s (0s disables it). */
		const struct node *ra = node_field(r->route_json, "route");
		const char *v = node_text(node_field(ra, "timeout"));
		if (!ra)
			lua_pushnil(L);
		else
			lua_pushstring(L, v ? v : "15s");
	} else if (strcmp(key, "retry_policy") == 0) {
		/* A route's retry policy replaces the virtual host's. */
		const struct node *rp =
		    node_field(node_field(r->route_json, "route"), "retry_policy");
		l_resolve_push_node(L, rp ? rp : node_field(r->virtual_host_json, "retry_policy"));
	} else if (strcmp(key, "hash_policy") == 0) {
		l_resolve_push_node(L,
		                    node_field(node_field(r->route_json, "route"), "hash_policy"));
	} else if (strcmp(key, "random_value") == 0) {
		lua_pushinteger(L, (lua_Integer)r->random_value);
	} else if (strcmp(key, "path") == 0 || strcmp(key, "host") == 0 ||
	           strcmp(key, "location") == 0) {
		const char *v;
		finalize(L, t);
		v = key[0] == 'p'   ? t->final.path
		    : key[0] == 'h' ? t->final.host
		                    : t->final.location;
		if (v && *v)
			lua_pushstring(L, v);
		else
			lua_pushnil(L);
	} else if (strcmp(key, "body") == 0) {
		finalize(L, t);
		if (t->final.body)
			lua_pushlstring(L, t->final.body, t->final.body_len);
		else
			lua_pushnil(L);
	} else if (strcmp(key, "final_virtual_cluster") == 0) {
		/* the virtual cluster the finalized request headers fall in */
		const char *vc;
		finalize(L, t);
		vc = resolve_virtual_cluster(r, &t->final.request);
		if (vc)
			lua_pushstring(L, vc);
		else
			lua_pushnil(L);
	} else if (strcmp(key, "request_headers") == 0) {
		finalize(L, t);
		push_headers(L, &t->final.request);
	} else if (strcmp(key, "response_headers") == 0) {
		finalize(L, t);
		push_headers(L, &t->final.response);
	} else if (strcmp(key, "request") == 0) {
		const struct resolve_request *q = &t->req;
		lua_createtable(L, 0, 12);
		if (q->address) {
			lua_pushstring(L, q->address);
			lua_setfield(L, -2, "address");
		}
		if (q->port) {
			lua_pushinteger(L, q->port);
			lua_setfield(L, -2, "port");
		}
		if (q->authority) {
			lua_pushstring(L, q->authority);
			lua_setfield(L, -2, "authority");
		}
		if (q->path) {
			lua_pushstring(L, q->path);
			lua_setfield(L, -2, "path");
		}
		lua_pushstring(L, q->method ? q->method : "");
		lua_setfield(L, -2, "method");
		lua_pushstring(L, q->scheme ? q->scheme : "");
		lua_setfield(L, -2, "scheme");
		lua_pushstring(L, q->protocol == RESOLVE_PROTO_HTTP    ? "http"
		                  : q->protocol == RESOLVE_PROTO_HTTP2 ? "http2"
		                  : q->protocol == RESOLVE_PROTO_TCP   ? "tcp"
		                                                       : "tls");
		lua_setfield(L, -2, "protocol");
		if (q->sni) {
			lua_pushstring(L, q->sni);
			lua_setfield(L, -2, "sni");
		}
		lua_createtable(L, 0, (int)q->header_count);
		for (size_t i = 0; i < q->header_count; i++) {
			lua_pushstring(L, q->headers[i].value);
			lua_setfield(L, -2, q->headers[i].name);
		}
		lua_setfield(L, -2, "headers");
	} else {
		return 0;
	}
	return 1;
}

static int call_trace_module(lua_State *L, const char *fn)
{
	lua_getglobal(L, "require");
	lua_pushliteral(L, "meshlua.trace");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, fn);
	lua_remove(L, -2);
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	return 1;
}

static int l_trace_index(lua_State *L)
{
	struct l_trace *t = check_trace(L, 1);
	const char *key = luaL_checkstring(L, 2);
	if (lua_getiuservalue(L, 1, UV_CACHE) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setiuservalue(L, 1, UV_CACHE);
	}
	if (lua_getfield(L, -1, key) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	if (strcmp(key, "steps") == 0) {
		call_trace_module(L, "steps");
	} else if (!build_field(L, t, key)) {
		/* a method */
		luaL_getmetatable(L, MESHLUA_TRACE);
		lua_getfield(L, -1, "methods");
		lua_getfield(L, -1, key);
		return 1;
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, key);
	return 1;
}

static int l_trace_tostring(lua_State *L)
{
	check_trace(L, 1);
	return call_trace_module(L, "format");
}

static const luaL_Reg trace_meta[] = {
    {"__index", l_trace_index},
    {"__tostring", l_trace_tostring},
    {"__gc", l_trace_gc},
    {NULL, NULL},
};

static const luaL_Reg trace_methods[] = {
    {"notes", l_trace_notes},
    {"header_match", l_trace_header_match},
    {"header", l_trace_header},
    {NULL, NULL},
};

void l_resolve_open_trace(lua_State *L)
{
	luaL_newmetatable(L, MESHLUA_TRACE);
	luaL_setfuncs(L, trace_meta, 0);
	luaL_newlib(L, trace_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
}
