/* Bindings of the proxy-config views: node handles ("meshlua.xds_node": a
 * resource or any subtree of a snapshot, keeping the snapshot alive), the
 * proxy methods (listeners, routes, clusters, endpoints, eds, secrets,
 * bootstrap, ecds, all, config_dump), and the internal table
 * meshlua._xds the presenters in lua/meshlua/proxyconfig/ call: rows
 * computed in C (src/xds/views.c), JSON and YAML writers, Go's sort. The
 * tables themselves are formatted in Lua. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"
#include "lua/l_opts.h"
#include "lua/l_proxy.h"
#include "meshlua/xds_dump.h"
#include "meshlua/xds_json.h"
#include "meshlua/xds_views.h"
#include "xds/gosort.h"

#define XDS_NODE "meshlua.xds_node"
#define XDS_VIEW "meshlua.xds_view"

struct l_node {
	struct xds_snapshot *snap; /* one reference held */
	const struct node *node;
	const struct xds_resource *res; /* NULL for subtrees that are not resources */
};

struct l_view {
	struct xds_snapshot *snap;
	struct xds_view view;
};

static void push_node(lua_State *L, struct xds_snapshot *s, const struct node *n,
                      const struct xds_resource *res)
{
	struct l_node *h = lua_newuserdatauv(L, sizeof *h, 0);
	h->snap = NULL;
	h->node = n;
	h->res = res;
	luaL_setmetatable(L, XDS_NODE);
	xds_snapshot_ref(s);
	h->snap = s;
}

static struct l_node *check_node(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, XDS_NODE);
}

static int l_node_gc(lua_State *L)
{
	struct l_node *h = check_node(L, 1);
	xds_snapshot_unref(h->snap);
	h->snap = NULL;
	return 0;
}

static enum xds_json_style check_style(lua_State *L, int idx, const char *def)
{
	static const char *const names[] = {"istioctl", "protojson", "jsonpb", "envoy", NULL};
	return (enum xds_json_style)luaL_checkoption(L, idx, def, names);
}

static int push_strbuf(lua_State *L, struct strbuf *sb, int rc)
{
	if (rc != 0) {
		strbuf_free(sb);
		return luaL_error(L, "out of memory writing JSON");
	}
	lua_pushlstring(L, sb->data ? sb->data : "", sb->len);
	strbuf_free(sb);
	return 1;
}

/* node:json([style [, drop_type]]) -> the subtree as istioctl's -o json
 * prints one message (style "istioctl"), or "protojson", "jsonpb",
 * "envoy". drop_type leaves out the top "@type" (default: for resources,
 * which istioctl prints as typed messages, not Anys). */
static int l_node_json(lua_State *L)
{
	struct l_node *h = check_node(L, 1);
	struct xds_json_opts o = {check_style(L, 2, "istioctl"), 0, 0};
	struct strbuf sb = STRBUF_INIT;
	o.drop_type =
	    lua_isnoneornil(L, 3) ? h->res && o.style != XDS_JSON_ENVOY : lua_toboolean(L, 3);
	return push_strbuf(L, &sb, xds_write_json(&sb, h->node, &o));
}

/* node:yaml() -> the subtree as istioctl's -o yaml prints it. */
static int l_node_yaml(lua_State *L)
{
	struct l_node *h = check_node(L, 1);
	struct xds_json_opts o = {XDS_JSON_ISTIOCTL, h->res != NULL, 0};
	struct strbuf js = STRBUF_INIT, sb = STRBUF_INIT;
	int rc = xds_write_json(&js, h->node, &o);
	if (rc == 0)
		rc = xds_json_to_yaml(&sb, js.data ? js.data : "{}", js.len);
	strbuf_free(&js);
	return push_strbuf(L, &sb, rc);
}

/* node:get(key...) -> the handle of a field (either name form), or nil. */
static int l_node_get(lua_State *L)
{
	struct l_node *h = check_node(L, 1);
	const struct node *n = h->node;
	int top = lua_gettop(L);
	for (int i = 2; i <= top && n; i++) {
		if (lua_type(L, i) == LUA_TNUMBER) {
			lua_Integer k = lua_tointeger(L, i);
			n = n->type == NODE_SEQ && k >= 1 && (size_t)k <= n->len ? n->items[k - 1]
			                                                         : NULL;
		} else {
			n = node_field(n, luaL_checkstring(L, i));
		}
	}
	if (!n)
		return 0;
	push_node(L, h->snap, n, NULL);
	return 1;
}

static const char *state_name(enum xds_state s)
{
	switch (s) {
	case XDS_STATIC:
		return "static";
	case XDS_DYNAMIC_ACTIVE:
		return "active";
	case XDS_DYNAMIC_WARMING:
		return "warming";
	default:
		return "draining";
	}
}

/* node.raw (a fresh table), node.name, node.state, node.type, node.version_info,
 * node.last_updated, node.line; then methods. */
static int l_node_index(lua_State *L)
{
	struct l_node *h = check_node(L, 1);
	const char *key = luaL_checkstring(L, 2);
	if (strcmp(key, "raw") == 0) {
		meshlua_push_node(L, h->node, 0);
	} else if (strcmp(key, "line") == 0) {
		lua_pushinteger(L, h->node->line);
	} else if (h->res && strcmp(key, "name") == 0) {
		lua_pushstring(L, h->res->name);
	} else if (h->res && strcmp(key, "state") == 0) {
		lua_pushstring(L, state_name(h->res->state));
	} else if (h->res && strcmp(key, "type") == 0) {
		lua_pushstring(L, xds_type_name(h->res->type));
	} else if (h->res && strcmp(key, "version_info") == 0) {
		lua_pushstring(L, h->res->version_info);
	} else if (h->res && strcmp(key, "last_updated") == 0) {
		lua_pushstring(L, h->res->last_updated);
	} else if (h->res && strcmp(key, "entry") == 0) {
		if (!h->res->entry)
			return 0;
		push_node(L, h->snap, h->res->entry, NULL);
	} else {
		luaL_getmetatable(L, XDS_NODE);
		lua_getfield(L, -1, "methods");
		lua_getfield(L, -1, key);
	}
	return 1;
}

static int l_node_tostring(lua_State *L)
{
	struct l_node *h = check_node(L, 1);
	if (h->res)
		lua_pushfstring(L, "%s %s", xds_type_name(h->res->type), h->res->name);
	else
		lua_pushfstring(L, "config node at line %d", h->node->line);
	return 1;
}

static const luaL_Reg node_methods[] = {
    {"json", l_node_json},
    {"yaml", l_node_yaml},
    {"get", l_node_get},
    {NULL, NULL},
};

static const luaL_Reg node_meta[] = {
    {"__index", l_node_index},
    {"__gc", l_node_gc},
    {"__tostring", l_node_tostring},
    {NULL, NULL},
};

/* ---- meshlua._xds: what the presenters build on ---- */

static int type_of(lua_State *L, int idx)
{
	static const char *const names[] = {"listener", "route", "cluster",      "endpoint",
	                                    "secret",   "ecds",  "scoped_route", NULL};
	return luaL_checkoption(L, idx, NULL, names);
}

/* _xds.resources(proxy, kind) -> array of node handles of that family, in
 * dump order (every state: callers look at .state). */
static int l_resources(lua_State *L)
{
	struct xds_snapshot *s = meshlua_proxy_snapshot(L, 1);
	int t = type_of(L, 2);
	lua_createtable(L, (int)s->count[t], 0);
	for (size_t i = 0; i < s->count[t]; i++) {
		push_node(L, s, s->items[t][i].json, &s->items[t][i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* The last config of s whose type ends in `type` (as istioctl's getSection
 * picks it), or, for the bootstrap, a root that holds "bootstrap" itself. */
static const struct node *config_of_type(const struct xds_snapshot *s, const char *type)
{
	const struct node *configs = node_field(s->root, "configs"), *found = NULL;
	size_t tn = strlen(type);
	for (size_t i = 0; configs && configs->type == NODE_SEQ && i < configs->len; i++) {
		const char *t = node_text(node_get(configs->items[i], "@type"));
		size_t n = t ? strlen(t) : 0;
		if (n > tn && t[n - tn - 1] == '.' && strcmp(t + n - tn, type) == 0)
			found = configs->items[i];
	}
	if (!found && strcmp(type, "BootstrapConfigDump") == 0 && node_field(s->root, "bootstrap"))
		found = s->root;
	return found;
}

/* _xds.part(proxy, "bootstrap" | "clusters_status" | "root" |
 * "bootstrap_dump" | "secrets_dump") -> handle or nil. */
static int l_part(lua_State *L)
{
	struct xds_snapshot *s = meshlua_proxy_snapshot(L, 1);
	static const char *const names[] = {"bootstrap",      "clusters_status", "root",
	                                    "bootstrap_dump", "secrets_dump",    NULL};
	int which = luaL_checkoption(L, 2, NULL, names);
	const struct node *n = which == 0   ? s->bootstrap
	                       : which == 1 ? s->clusters_status
	                       : which == 2 ? s->root
	                       : which == 3 ? config_of_type(s, "BootstrapConfigDump")
	                                    : config_of_type(s, "SecretsConfigDump");
	if (!n)
		return 0;
	push_node(L, s, n, NULL);
	return 1;
}

static const char *opt_string(lua_State *L, int t, const char *key)
{
	const char *v = NULL;
	if (lua_getfield(L, t, key) != LUA_TNIL)
		v = meshlua_opt_string(L, t, key);
	lua_pop(L, 1); /* the string stays alive in the options table */
	return v;
}

static long opt_long(lua_State *L, int t, const char *key)
{
	long v = 0;
	if (lua_getfield(L, t, key) != LUA_TNIL)
		v = (long)meshlua_opt_integer(L, t, key, LONG_MIN, LONG_MAX);
	lua_pop(L, 1);
	return v;
}

static void set_str(lua_State *L, const char *key, const char *v)
{
	lua_pushstring(L, v ? v : "");
	lua_setfield(L, -2, key);
}

/* _xds.clusters(proxy, filter) -> array of row tables (see xds_view_clusters). */
static int l_clusters(lua_State *L)
{
	struct xds_snapshot *s = meshlua_proxy_snapshot(L, 1);
	struct xds_cluster_filter f = {0};
	struct xds_view v;
	const struct xds_cluster_row *rows;
	luaL_checktype(L, 2, LUA_TTABLE);
	f.fqdn = opt_string(L, 2, "fqdn");
	f.port = opt_long(L, 2, "port");
	f.subset = opt_string(L, 2, "subset");
	f.direction = opt_string(L, 2, "direction");
	f.management_prefix = meshlua_check_proxy(L, 1)->profile->management_prefix;
	f.go_sort = meshlua_check_proxy(L, 1)->profile->go_sort;
	if (xds_view_clusters(&v, s, &f) != 0) {
		xds_view_free(&v);
		return luaL_error(L, "out of memory listing clusters");
	}
	rows = v.rows;
	lua_createtable(L, (int)v.count, 0);
	for (size_t i = 0; i < v.count; i++) {
		const struct xds_cluster_row *r = &rows[i];
		lua_createtable(L, 0, 10);
		set_str(L, "name", r->name);
		set_str(L, "fqdn", r->fqdn);
		lua_pushinteger(L, r->port);
		lua_setfield(L, -2, "port");
		set_str(L, "subset", r->subset);
		set_str(L, "direction", r->direction);
		set_str(L, "type", r->type);
		set_str(L, "destination_rule", r->dest_rule);
		lua_pushboolean(L, r->parsed);
		lua_setfield(L, -2, "parsed");
		push_node(L, s, r->res->json, r->res);
		lua_setfield(L, -2, "resource");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	xds_view_free(&v);
	return 1;
}

static int l_view_gc(lua_State *L)
{
	struct l_view *v = luaL_checkudata(L, 1, XDS_VIEW);
	if (v->snap) {
		xds_view_free(&v->view);
		xds_snapshot_unref(v->snap);
		v->snap = NULL;
	}
	return 0;
}

/* view:json() -> the filtered ClusterLoadAssignments as istioctl -o json. */
static int l_view_json(lua_State *L)
{
	struct l_view *v = luaL_checkudata(L, 1, XDS_VIEW);
	struct xds_json_opts o = {XDS_JSON_ISTIOCTL, 1, 0};
	struct strbuf sb = STRBUF_INIT;
	return push_strbuf(L, &sb, xds_write_json_list(&sb, v->view.clas, v->view.cla_count, &o));
}

/* _xds.eds(proxy, filter) -> rows, view (view:json() gives -o json). */
static int l_eds(lua_State *L)
{
	struct xds_snapshot *s = meshlua_proxy_snapshot(L, 1);
	struct xds_eds_filter f = {0};
	struct l_view *v;
	const struct xds_eds_row *rows;
	luaL_checktype(L, 2, LUA_TTABLE);
	f.address = opt_string(L, 2, "address");
	f.port = opt_long(L, 2, "port");
	f.cluster = opt_string(L, 2, "cluster");
	f.status = opt_string(L, 2, "status");
	f.go_sort = meshlua_check_proxy(L, 1)->profile->go_sort;
	v = lua_newuserdatauv(L, sizeof *v, 0);
	memset(v, 0, sizeof *v);
	luaL_setmetatable(L, XDS_VIEW);
	if (xds_view_eds(&v->view, s, &f) != 0)
		return luaL_error(L, "out of memory listing endpoints");
	xds_snapshot_ref(s);
	v->snap = s;
	rows = v->view.rows;
	lua_createtable(L, (int)v->view.count, 0);
	for (size_t i = 0; i < v->view.count; i++) {
		const struct xds_eds_row *r = &rows[i];
		lua_createtable(L, 0, 8);
		set_str(L, "address", r->address);
		lua_pushinteger(L, r->port);
		lua_setfield(L, -2, "port");
		set_str(L, "status", r->status);
		set_str(L, "locality", r->locality);
		set_str(L, "cluster", r->cluster);
		push_node(L, s, r->lb_endpoint, NULL);
		lua_setfield(L, -2, "endpoint");
		push_node(L, s, r->res->json, r->res);
		lua_setfield(L, -2, "resource");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_insert(L, -2);
	return 2;
}

/* _xds.json_list(handles, style [, keep_type [, level]]) -> a JSON list of
 * the subtrees (istioctl's MessageSlice), starting at indentation level. */
static int l_json_list(lua_State *L)
{
	struct xds_json_opts o;
	struct strbuf sb = STRBUF_INIT;
	const struct node **items;
	lua_Integer n, level;
	int rc;
	luaL_checktype(L, 1, LUA_TTABLE);
	o.style = check_style(L, 2, "istioctl");
	o.drop_type = !lua_toboolean(L, 3);
	level = luaL_optinteger(L, 4, 0);
	luaL_argcheck(L, level >= 0 && level <= 100, 4, "indentation level from 0 to 100");
	o.level = (int)level;
	n = (lua_Integer)lua_rawlen(L, 1);
	/* a userdata, not malloc: a bad item below raises and the GC frees it */
	items = lua_newuserdatauv(L, ((size_t)n + 1) * sizeof *items, 0);
	for (lua_Integer i = 1; i <= n; i++) {
		struct l_node *item;
		lua_rawgeti(L, 1, i);
		item = luaL_testudata(L, -1, XDS_NODE);
		if (!item)
			return luaL_argerror(L, 1,
			                     lua_pushfstring(L, "item %I is a %s, not a node", i,
			                                     luaL_typename(L, -1)));
		items[i - 1] = item->node;
		lua_pop(L, 1);
	}
	rc = xds_write_json_list(&sb, items, (size_t)n, &o);
	return push_strbuf(L, &sb, rc);
}

/* _xds.yaml(json_text) -> YAML as sigs.k8s.io/yaml's JSONToYAML. */
static int l_yaml(lua_State *L)
{
	size_t len;
	const char *js = luaL_checklstring(L, 1, &len);
	struct strbuf sb = STRBUF_INIT;
	if (xds_json_to_yaml(&sb, js, len) != 0) {
		strbuf_free(&sb);
		return luaL_error(L, "cannot convert to YAML: not valid JSON");
	}
	return push_strbuf(L, &sb, 0);
}

struct lua_sort {
	lua_State *L;
	int array, less;
};

static int lua_less(void *ctx, size_t i, size_t j)
{
	struct lua_sort *c = ctx;
	int r;
	lua_pushvalue(c->L, c->less);
	lua_rawgeti(c->L, c->array, (lua_Integer)i + 1);
	lua_rawgeti(c->L, c->array, (lua_Integer)j + 1);
	lua_call(c->L, 2, 1);
	r = lua_toboolean(c->L, -1);
	lua_pop(c->L, 1);
	return r;
}

static void lua_swap(void *ctx, size_t i, size_t j)
{
	struct lua_sort *c = ctx;
	lua_rawgeti(c->L, c->array, (lua_Integer)i + 1);
	lua_rawgeti(c->L, c->array, (lua_Integer)j + 1);
	lua_rawseti(c->L, c->array, (lua_Integer)i + 1);
	lua_rawseti(c->L, c->array, (lua_Integer)j + 1);
}

/* _xds.gosort(array, less [, algo]) sorts array in place exactly as Go's
 * sort.Slice would with that less(a, b) (algo: a profile's go_sort, default
 * 0 = Go 1.24+); returns array. */
static int l_gosort(lua_State *L)
{
	struct lua_sort c = {L, 1, 2};
	struct go_sorter s = {lua_less, lua_swap, &c};
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	go_sort_slice_as(&s, (size_t)lua_rawlen(L, 1), (enum go_sort_algo)luaL_optinteger(L, 3, 0));
	lua_settop(L, 1);
	return 1;
}

/* _xds.config_dump(proxy [, opts]) -> Envoy's admin JSON, shaped as GET
 * /config_dump answers (see xds_dump.h). opts: resource, mask, name_regex,
 * include_eds (true: ?include_eds, the EndpointsConfigDump built from the
 * clusters when the proxy has none; false: none; nil: the proxy's own, so
 * the text loads back to the same proxy). Raises Envoy's 400/404 text. */
static int l_config_dump(lua_State *L)
{
	struct xds_snapshot *s = meshlua_proxy_snapshot(L, 1);
	struct xds_dump_opts o = {NULL, NULL, NULL, XDS_DUMP_EDS_KEPT};
	struct strbuf sb = STRBUF_INIT;
	struct mesh_error err;
	char msg[1200];
	if (lua_istable(L, 2)) {
		o.resource = opt_string(L, 2, "resource");
		o.mask = opt_string(L, 2, "mask");
		o.name_regex = opt_string(L, 2, "name_regex");
		lua_getfield(L, 2, "include_eds");
		if (!lua_isnil(L, -1))
			o.include_eds =
			    lua_toboolean(L, -1) ? XDS_DUMP_EDS_ENVOY : XDS_DUMP_EDS_NONE;
		lua_pop(L, 1);
	}
	mesh_error_clear(&err);
	if (xds_write_config_dump(&sb, s, &o, &err) != 0) {
		strbuf_free(&sb);
		mesh_error_format(&err, msg, sizeof msg);
		return luaL_error(L, "%s", msg);
	}
	return push_strbuf(L, &sb, 0);
}

/* _xds.profile(proxy) -> the view fields of the proxy's Istio profile. */
static int l_profile(lua_State *L)
{
	const struct istio_profile *p = meshlua_check_proxy(L, 1)->profile;
	lua_createtable(L, 0, 4);
	set_str(L, "name", p->name);
	set_str(L, "listener_address_header", p->listener_address_header);
	lua_pushboolean(L, p->domains_trailing_dot_view);
	lua_setfield(L, -2, "domains_trailing_dot_view");
	lua_pushboolean(L, p->route_vhost_name_view);
	lua_setfield(L, -2, "route_vhost_name");
	lua_pushboolean(L, p->listener_more_addresses_view);
	lua_setfield(L, -2, "listener_more_addresses");
	lua_pushboolean(L, p->match_path_separated_view);
	lua_setfield(L, -2, "match_path_separated");
	set_str(L, "management_prefix", p->management_prefix);
	lua_pushinteger(L, p->go_sort);
	lua_setfield(L, -2, "go_sort");
	return 1;
}

static const luaL_Reg xds_functions[] = {
    {"profile", l_profile},
    {"resources", l_resources},
    {"part", l_part},
    {"clusters", l_clusters},
    {"eds", l_eds},
    {"json_list", l_json_list},
    {"yaml", l_yaml},
    {"gosort", l_gosort},
    {"config_dump", l_config_dump},
    {NULL, NULL},
};

/* ---- proxy methods: each hands over to lua/meshlua/proxyconfig ---- */

static int call_view(lua_State *L, const char *kind)
{
	int nargs = lua_gettop(L);
	meshlua_check_proxy(L, 1);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "meshlua.proxyconfig");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "view");
	lua_pushstring(L, kind);
	lua_pushvalue(L, 1);
	if (nargs >= 2)
		lua_pushvalue(L, 2);
	else
		lua_pushnil(L);
	lua_call(L, 3, 1);
	return 1;
}

/* proxy:listeners{address=, port=, type=, verbose=} -> list (istioctl's table). */
static int l_listeners(lua_State *L)
{
	return call_view(L, "listeners");
}

/* proxy:routes{name=, verbose=} -> list. */
static int l_routes(lua_State *L)
{
	return call_view(L, "routes");
}

/* proxy:clusters{fqdn=, port=, subset=, direction=} -> list. */
static int l_proxy_clusters(lua_State *L)
{
	return call_view(L, "clusters");
}

/* proxy:endpoints{cluster=, status=, address=, port=} -> list (/clusters data,
 * else EDS). */
static int l_endpoints(lua_State *L)
{
	return call_view(L, "endpoints");
}

/* proxy:eds{cluster=, status=, address=, port=} -> list (istioctl pc eds). */
static int l_proxy_eds(lua_State *L)
{
	return call_view(L, "eds");
}

/* proxy:secrets() -> list. */
static int l_secrets(lua_State *L)
{
	return call_view(L, "secrets");
}

/* proxy:bootstrap{output=} -> list of one bootstrap (tostring: -o short,
 * :json() the default -o json). */
static int l_bootstrap(lua_State *L)
{
	return call_view(L, "bootstrap");
}

/* proxy:ecds() -> list. */
static int l_ecds(lua_State *L)
{
	return call_view(L, "ecds");
}

/* proxy:all{with_headers=} -> list of the six sections. */
static int l_all(lua_State *L)
{
	return call_view(L, "all");
}

/* proxy:config_dump([opts]) -> Envoy's admin JSON of the proxy. */
static int l_proxy_config_dump(lua_State *L)
{
	meshlua_check_proxy(L, 1);
	return l_config_dump(L);
}

static const luaL_Reg proxy_methods[] = {
    {"listeners", l_listeners},           {"routes", l_routes}, {"clusters", l_proxy_clusters},
    {"endpoints", l_endpoints},           {"eds", l_proxy_eds}, {"secrets", l_secrets},
    {"bootstrap", l_bootstrap},           {"ecds", l_ecds},     {"all", l_all},
    {"config_dump", l_proxy_config_dump}, {NULL, NULL},
};

void meshlua_open_views(lua_State *L)
{
	luaL_newmetatable(L, XDS_NODE);
	luaL_setfuncs(L, node_meta, 0);
	luaL_newlib(L, node_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
	luaL_newmetatable(L, XDS_VIEW);
	lua_pushcfunction(L, l_view_gc);
	lua_setfield(L, -2, "__gc");
	lua_newtable(L);
	lua_pushcfunction(L, l_view_json);
	lua_setfield(L, -2, "json");
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	meshlua_proxy_add_methods(L, proxy_methods);
	/* meshlua._xds, for the presenters (meshlua is on the stack's top). */
	luaL_newlib(L, xds_functions);
	lua_setfield(L, -2, "_xds");
}
