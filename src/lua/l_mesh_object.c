/* Objects of the simulated cluster as userdata ("meshlua.mesh_object"): one
 * reference to the store's object (it stays readable after it left the
 * mesh: obj.deleted) and the mesh userdata in a user value (so obj.mesh and
 * obj:endpoints() work). Fields read the typed parts; obj.manifest is the
 * applied manifest as Lua tables (lists marked with meshlua.kube.encode's
 * array_mt); tostring is kubectl's row; obj:json() / obj:yaml() kubectl's
 * -o json|yaml of the object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"

enum { UV_MESH = 1, UV_MANIFEST, UV_COUNT = UV_MANIFEST };

struct l_object {
	struct mesh_object *o;
};

void meshlua_push_mesh_object(lua_State *L, struct mesh_object *o, int mesh_idx)
{
	struct l_object *u;
	mesh_idx = lua_absindex(L, mesh_idx);
	u = lua_newuserdatauv(L, sizeof *u, UV_COUNT);
	u->o = o;
	mesh_object_ref(o);
	luaL_setmetatable(L, MESHLUA_MESH_OBJECT);
	lua_pushvalue(L, mesh_idx);
	lua_setiuservalue(L, -2, UV_MESH);
}

struct mesh_object *meshlua_check_mesh_object(lua_State *L, int idx)
{
	struct l_object *u = luaL_testudata(L, idx, MESHLUA_MESH_OBJECT);
	if (!u || !u->o)
		luaL_typeerror(L, idx, "mesh object");
	return u->o;
}

static int l_object_gc(lua_State *L)
{
	struct l_object *u = luaL_checkudata(L, 1, MESHLUA_MESH_OBJECT);
	mesh_object_unref(u->o);
	u->o = NULL;
	return 0;
}

/* ---- values ------------------------------------------------------------ */

static void push_labels(lua_State *L, const struct mesh_labels *l)
{
	lua_createtable(L, 0, (int)l->count);
	for (size_t i = 0; i < l->count; i++) {
		lua_pushstring(L, l->items[i].value);
		lua_setfield(L, -2, l->items[i].key);
	}
}

static void set_str(lua_State *L, const char *key, const char *v)
{
	if (v) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, key);
	}
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, key);
}

static void push_containers(lua_State *L, const struct mesh_pod_spec *spec)
{
	lua_createtable(L, (int)spec->container_count, 0);
	for (size_t i = 0; i < spec->container_count; i++) {
		const struct mesh_container *c = &spec->containers[i];
		lua_createtable(L, 0, 3);
		set_str(L, "name", c->name);
		set_str(L, "image", c->image);
		lua_createtable(L, (int)c->port_count, 0);
		for (size_t j = 0; j < c->port_count; j++) {
			lua_createtable(L, 0, 3);
			set_str(L, "name", c->ports[j].name);
			set_int(L, "port", c->ports[j].port);
			set_str(L, "protocol", c->ports[j].protocol);
			lua_rawseti(L, -2, (lua_Integer)j + 1);
		}
		lua_setfield(L, -2, "ports");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static void push_ports(lua_State *L, const struct mesh_service *s)
{
	lua_createtable(L, (int)s->port_count, 0);
	for (size_t i = 0; i < s->port_count; i++) {
		const struct mesh_port *p = &s->ports[i];
		lua_createtable(L, 0, 6);
		set_str(L, "name", p->name);
		set_int(L, "port", p->port);
		set_str(L, "protocol", p->protocol);
		set_str(L, "app_protocol", p->app_protocol);
		if (p->target_port_name)
			set_str(L, "target_port", p->target_port_name);
		else
			set_int(L, "target_port", p->target_port);
		if (p->node_port)
			set_int(L, "node_port", p->node_port);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A workload's selector as kubectl prints it (metav1.FormatLabelSelector):
 * requirements sorted by key, "<none>" when empty. */
static void push_selector_text(lua_State *L, const struct mesh_selector *sel)
{
	luaL_Buffer b;
	const struct mesh_requirement **reqs;
	size_t n = sel ? sel->count : 0;
	if (n == 0) {
		lua_pushliteral(L, "<none>");
		return;
	}
	reqs = lua_newuserdatauv(L, n * sizeof *reqs, 0);
	for (size_t i = 0; i < n; i++)
		reqs[i] = &sel->items[i];
	for (size_t i = 1; i < n; i++) /* insertion sort by key: stable, small n */
		for (size_t j = i; j > 0 && strcmp(reqs[j - 1]->key, reqs[j]->key) > 0; j--) {
			const struct mesh_requirement *t = reqs[j];
			reqs[j] = reqs[j - 1];
			reqs[j - 1] = t;
		}
	luaL_buffinit(L, &b);
	for (size_t i = 0; i < n; i++) {
		const struct mesh_requirement *r = reqs[i];
		if (i)
			luaL_addchar(&b, ',');
		if (r->op == MESH_SEL_NOT_EXISTS)
			luaL_addchar(&b, '!');
		luaL_addstring(&b, r->key);
		if (r->op == MESH_SEL_EQ || r->op == MESH_SEL_NE) {
			luaL_addstring(&b, r->op == MESH_SEL_EQ ? "=" : "!=");
			luaL_addstring(&b, r->values[0]);
		} else if (r->op == MESH_SEL_IN || r->op == MESH_SEL_NOTIN) {
			const char *vals[64];
			size_t vn = r->value_count < 64 ? r->value_count : 64;
			memcpy(vals, r->values, vn * sizeof *vals);
			qsort(vals, vn, sizeof *vals, str_cmp);
			luaL_addstring(&b, r->op == MESH_SEL_IN ? " in (" : " notin (");
			for (size_t j = 0; j < vn; j++) {
				if (j)
					luaL_addchar(&b, ',');
				luaL_addstring(&b, vals[j]);
			}
			luaL_addchar(&b, ')');
		}
	}
	luaL_pushresult(&b);
	lua_remove(L, -2);
}

/* A UUID derived from the object's uid and identity (stable across runs);
 * kind names the object it identifies (the object's kind, or "Endpoints"
 * for a Service's Endpoints). */
static void push_uuid(lua_State *L, const struct mesh_object *o, const char *kind)
{
	unsigned long long h1 = 14695981039346656037ULL, h2;
	char text[40];
	const char *parts[3] = {o->namespace_, o->name, kind};
	for (int p = 0; p < 3; p++)
		for (const char *s = parts[p]; *s; s++) {
			h1 ^= (unsigned char)*s;
			h1 *= 1099511628211ULL;
		}
	h2 = (h1 ^ (o->uid * 0x9e3779b97f4a7c15ULL)) * 1099511628211ULL;
	snprintf(text, sizeof text, "%08llx-%04llx-4%03llx-%04llx-%012llx", h1 >> 32,
	         (h1 >> 16) & 0xffff, h1 & 0xfff, 0x8000 | ((h2 >> 48) & 0x3fff),
	         h2 & 0xffffffffffffULL);
	lua_pushstring(L, text);
}

/* ---- fields ------------------------------------------------------------ */

static int push_manifest(lua_State *L, int idx, const struct node *manifest)
{
	if (!manifest)
		return 0;
	if (lua_getiuservalue(L, idx, UV_MANIFEST) != LUA_TTABLE) {
		lua_pop(L, 1);
		meshlua_push_node(L, manifest, MESHLUA_NODE_ARRAY_MT);
		lua_pushvalue(L, -1);
		lua_setiuservalue(L, idx, UV_MANIFEST);
	}
	return 1;
}

static int common_field(lua_State *L, const struct mesh_object *o, const char *key)
{
	if (strcmp(key, "kind") == 0)
		lua_pushstring(L, mesh_kind_info(o->kind)->kind);
	else if (strcmp(key, "resource") == 0)
		lua_pushstring(L, mesh_kind_info(o->kind)->plural);
	else if (strcmp(key, "name") == 0)
		lua_pushstring(L, o->name);
	else if (strcmp(key, "namespace") == 0)
		lua_pushstring(L, o->namespace_);
	else if (strcmp(key, "api_version") == 0)
		lua_pushstring(L, o->api_version);
	else if (strcmp(key, "uid") == 0)
		lua_pushinteger(L, (lua_Integer)o->uid);
	else if (strcmp(key, "uuid") == 0)
		push_uuid(L, o, mesh_kind_info(o->kind)->kind);
	else if (strcmp(key, "created") == 0)
		lua_pushinteger(L, (lua_Integer)o->created);
	else if (strcmp(key, "generation") == 0)
		lua_pushinteger(L, (lua_Integer)o->generation);
	else if (strcmp(key, "resource_version") == 0)
		lua_pushinteger(L, (lua_Integer)o->resource_version);
	else if (strcmp(key, "deleted") == 0)
		lua_pushboolean(L, o->deleted);
	else if (strcmp(key, "applied") == 0)
		lua_pushboolean(L, o->applied);
	else if (strcmp(key, "labels") == 0)
		push_labels(L, &o->labels);
	else if (strcmp(key, "annotations") == 0)
		push_labels(L, &o->annotations);
	else if (strcmp(key, "source") == 0 && o->source)
		lua_pushstring(L, o->source);
	else if (strcmp(key, "line") == 0 && o->manifest)
		lua_pushinteger(L, o->manifest->line);
	else
		return 0;
	return 1;
}

static int service_field(lua_State *L, const struct mesh_service *s, const char *key)
{
	if (strcmp(key, "type") == 0)
		lua_pushstring(L, s->type_name);
	else if (strcmp(key, "cluster_ip") == 0 && s->cluster_ip)
		lua_pushstring(L, s->cluster_ip);
	else if (strcmp(key, "external_name") == 0 && s->external_name)
		lua_pushstring(L, s->external_name);
	else if (strcmp(key, "headless") == 0)
		lua_pushboolean(L, s->headless);
	else if (strcmp(key, "selector") == 0 && s->has_selector)
		push_labels(L, &s->selector);
	else if (strcmp(key, "ports") == 0)
		push_ports(L, s);
	else
		return 0;
	return 1;
}

static int workload_field(lua_State *L, const struct mesh_workload *w, const char *key)
{
	if (strcmp(key, "replicas") == 0)
		lua_pushinteger(L, w->replicas);
	else if (strcmp(key, "current_replicas") == 0)
		lua_pushinteger(L, w->status_replicas);
	else if (strcmp(key, "ready_replicas") == 0)
		lua_pushinteger(L, w->ready_replicas);
	else if (strcmp(key, "updated_replicas") == 0)
		lua_pushinteger(L, w->updated_replicas);
	else if (strcmp(key, "available_replicas") == 0)
		lua_pushinteger(L, w->available_replicas);
	else if (strcmp(key, "template_hash") == 0)
		lua_pushstring(L, w->template_hash);
	else if (strcmp(key, "restarts") == 0)
		lua_pushinteger(L, w->restarts);
	else if (strcmp(key, "containers") == 0)
		push_containers(L, &w->pod);
	else if (strcmp(key, "service_account") == 0)
		lua_pushstring(L, w->pod.service_account);
	else if (strcmp(key, "selector") == 0)
		push_selector_text(L, w->selector);
	else if (strcmp(key, "pod_labels") == 0)
		push_labels(L, &w->pod_labels);
	else if (strcmp(key, "pod_annotations") == 0)
		push_labels(L, &w->pod_annotations);
	else
		return 0;
	return 1;
}

static int pod_field(lua_State *L, const struct mesh_object *o, const char *key)
{
	const struct mesh_pod *p = o->pod;
	static const char *const proxies[] = {NULL, "sidecar", "gateway"};
	if (strcmp(key, "ip") == 0)
		lua_pushstring(L, p->ip);
	else if (strcmp(key, "node") == 0)
		lua_pushstring(L, p->node_name);
	else if (strcmp(key, "ready") == 0)
		lua_pushboolean(L, p->ready);
	else if (strcmp(key, "sidecar") == 0)
		lua_pushboolean(L, p->proxy == MESH_PROXY_SIDECAR);
	else if (strcmp(key, "proxy") == 0 && p->proxy != MESH_PROXY_NONE)
		lua_pushstring(L, proxies[p->proxy]);
	else if (strcmp(key, "injection") == 0)
		lua_pushstring(L, p->injection);
	else if (strcmp(key, "owner_kind") == 0 && p->owner_kind)
		lua_pushstring(L, p->owner_kind);
	else if (strcmp(key, "owner_name") == 0 && p->owner_name)
		lua_pushstring(L, p->owner_name);
	else if (strcmp(key, "replica_set") == 0 && p->replica_set)
		lua_pushstring(L, p->replica_set);
	else if (strcmp(key, "template_hash") == 0 && p->template_hash)
		lua_pushstring(L, p->template_hash);
	else if (strcmp(key, "containers") == 0)
		push_containers(L, &p->spec);
	else if (strcmp(key, "service_account") == 0)
		lua_pushstring(L, p->spec.service_account);
	else if (strcmp(key, "host_network") == 0)
		lua_pushboolean(L, p->spec.host_network);
	else if (strcmp(key, "template") == 0 && o->borrowed && o->borrowed->manifest) {
		const struct node *t =
		    node_get(node_get(o->borrowed->manifest, "spec"), "template");
		if (!t)
			return 0;
		meshlua_push_node(L, t, MESHLUA_NODE_ARRAY_MT);
	} else
		return 0;
	return 1;
}

/* obj.<field>, then the methods. */
static int l_object_index(lua_State *L)
{
	struct mesh_object *o = meshlua_check_mesh_object(L, 1);
	const char *key = lua_tostring(L, 2);
	if (!key)
		return 0;
	if (common_field(L, o, key))
		return 1;
	if (strcmp(key, "manifest") == 0)
		return push_manifest(L, 1, o->manifest);
	if (strcmp(key, "spec") == 0) {
		if (!push_manifest(L, 1, o->manifest))
			return 0;
		lua_getfield(L, -1, "spec");
		return 1;
	}
	if (strcmp(key, "mesh") == 0) {
		lua_getiuservalue(L, 1, UV_MESH);
		return 1;
	}
	if (o->service && strcmp(key, "endpoints_uuid") == 0) { /* its Endpoints' uid */
		push_uuid(L, o, "Endpoints");
		return 1;
	}
	if ((o->service && service_field(L, o->service, key)) ||
	    (o->workload && workload_field(L, o->workload, key)) ||
	    (o->pod && pod_field(L, o, key)))
		return 1;
	luaL_getmetatable(L, MESHLUA_MESH_OBJECT);
	lua_getfield(L, -1, "methods");
	lua_getfield(L, -1, key);
	return 1;
}

/* ---- methods ----------------------------------------------------------- */

/* svc:endpoints() -> a list of {ip, port, name, protocol, ready, pod}: the
 * Service's Endpoints (mesh_service_endpoints): per Service port, the pods
 * it selects that serve it, by IP; not-ready pods carry ready = false. */
static int l_object_endpoints(lua_State *L)
{
	struct mesh_object *o = meshlua_check_mesh_object(L, 1);
	struct mesh_endpoint *eps;
	size_t n;
	luaL_argcheck(L, o->service != NULL, 1, "endpoints of a Service");
	lua_getiuservalue(L, 1, UV_MESH);
	if (mesh_service_endpoints(meshlua_check_mesh(L, -1), o, &eps, &n) != 0)
		return luaL_error(L, "out of memory");
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 6);
		set_str(L, "ip", eps[i].ip);
		if (eps[i].target_port)
			set_int(L, "port", eps[i].target_port);
		if (eps[i].port) {
			set_str(L, "name", eps[i].port->name);
			set_str(L, "protocol", eps[i].port->protocol);
		}
		lua_pushboolean(L, eps[i].ready);
		lua_setfield(L, -2, "ready");
		if (eps[i].pod)
			set_str(L, "pod", eps[i].pod->name);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(eps);
	return 1;
}

/* pod:has_proxy() -> true when an Envoy runs in the pod (a sidecar or a
 * gateway), else false and why not (and what would give it one). */
static int l_object_has_proxy(lua_State *L)
{
	struct mesh_object *o = meshlua_check_mesh_object(L, 1);
	struct mesh_error err;
	if (mesh_pod_proxy_check(o, &err) == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	lua_pushboolean(L, 0);
	lua_pushstring(L, err.message);
	return 2;
}

/* Calls require("meshlua.kube.<module>").<fn>(obj) and returns its result. */
static int call_lua(lua_State *L, const char *module, const char *fn)
{
	meshlua_check_mesh_object(L, 1);
	meshlua_require(L, module);
	lua_getfield(L, -1, fn);
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	return 1;
}

/* obj:json() -> kubectl get <kind> <name> -o json. */
static int l_object_json(lua_State *L)
{
	return call_lua(L, "meshlua.kube.printers", "object_json");
}

/* obj:yaml() -> kubectl get <kind> <name> -o yaml. */
static int l_object_yaml(lua_State *L)
{
	return call_lua(L, "meshlua.kube.printers", "object_yaml");
}

/* tostring(obj): its row of kubectl get, without the header. */
static int l_object_tostring(lua_State *L)
{
	return call_lua(L, "meshlua.kube.printers", "line");
}

static int l_object_eq(lua_State *L)
{
	struct l_object *a = luaL_testudata(L, 1, MESHLUA_MESH_OBJECT);
	struct l_object *b = luaL_testudata(L, 2, MESHLUA_MESH_OBJECT);
	lua_pushboolean(L, a && b && a->o == b->o);
	return 1;
}

static const luaL_Reg object_methods[] = {
    {"endpoints", l_object_endpoints},
    {"has_proxy", l_object_has_proxy},
    {"json", l_object_json},
    {"yaml", l_object_yaml},
    {NULL, NULL},
};

static const luaL_Reg object_meta[] = {
    {"__index", l_object_index}, {"__gc", l_object_gc}, {"__tostring", l_object_tostring},
    {"__eq", l_object_eq},       {NULL, NULL},
};

void meshlua_open_mesh_object(lua_State *L)
{
	luaL_newmetatable(L, MESHLUA_MESH_OBJECT);
	luaL_setfuncs(L, object_meta, 0);
	luaL_newlib(L, object_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
}
