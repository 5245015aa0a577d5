/* The mesh userdata ("meshlua.mesh"): meshlua.mesh(opts), its fields
 * (version, now, profile ...), and the mutations that mirror kubectl:
 * apply, apply_string, delete, delete_string, label, scale, rollout_restart,
 * plus set_ready and advance for the simulation. Mutations return a list of
 * changes whose tostring is what kubectl prints ("deployment.apps/web-frontend
 * created"); failures raise kubectl's or a positioned message. The logic
 * lives in src/mesh/; this file translates. */
#include <stdlib.h>
#include <string.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"
#include "meshlua/yaml_load.h"

static struct l_mesh *check_l_mesh(lua_State *L, int idx)
{
	struct l_mesh *m = luaL_testudata(L, idx, MESHLUA_MESH);
	if (!m)
		luaL_typeerror(L, idx, "mesh");
	else if (!m->mesh)
		luaL_argerror(L, idx, "the mesh was closed");
	return m;
}

struct mesh *meshlua_check_mesh(lua_State *L, int idx)
{
	return check_l_mesh(L, idx)->mesh;
}

const struct istio_profile *meshlua_mesh_profile(lua_State *L, int idx)
{
	return check_l_mesh(L, idx)->profile;
}

int meshlua_mesh_error(lua_State *L, const struct mesh_error *err)
{
	char msg[2048];
	mesh_error_format(err, msg, sizeof msg);
	lua_pushstring(L, msg);
	return lua_error(L);
}

void meshlua_require(lua_State *L, const char *name)
{
	lua_getglobal(L, "require");
	lua_pushstring(L, name);
	lua_call(L, 1, 1);
}

#define ON_CHANGE_KEY "meshlua.mesh.on_change"

void meshlua_mesh_on_change(lua_State *L, lua_CFunction fn)
{
	lua_pushcfunction(L, fn);
	lua_setfield(L, LUA_REGISTRYINDEX, ON_CHANGE_KEY);
}

/* Calls the hook of meshlua_mesh_on_change, if any, and returns nresults
 * (the mutation's results stay on the top of the stack). */
static int after_change(lua_State *L, int nresults)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, ON_CHANGE_KEY) == LUA_TFUNCTION)
		lua_call(L, 0, 0);
	else
		lua_pop(L, 1);
	return nresults;
}

/* ---- meshlua.mesh(opts) ------------------------------------------------ */

static const char *const option_names[] = {"pod_cidr",  "service_cidr", "cluster_domain",
                                           "node_name", "node_ip",      "start_time",
                                           "bare",      "profile",      NULL};

static const char *opt_string(lua_State *L, int t, const char *key)
{
	const char *v = NULL;
	if (lua_getfield(L, t, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "meshlua.mesh: option %s must be a string", key);
		v = lua_tostring(L, -1);
	}
	lua_pop(L, 1); /* the string stays alive in the options table */
	return v;
}

static int l_mesh_gc(lua_State *L)
{
	struct l_mesh *m = luaL_checkudata(L, 1, MESHLUA_MESH);
	mesh_free(m->mesh);
	m->mesh = NULL;
	return 0;
}

/* meshlua.mesh([opts]) -> a simulated cluster with k3s's starting objects.
 * opts: pod_cidr ("10.42.0.0/16"), service_cidr ("10.43.0.0/16"),
 * cluster_domain ("cluster.local"), node_name, node_ip, start_time (Unix
 * seconds of the simulated clock), bare (no starting objects), profile
 * ("seed" or "current": the Istio release whose rules and formats the
 * mesh's proxies follow). */
static int l_mesh_new(lua_State *L)
{
	struct mesh_options opts = {0};
	const struct istio_profile *profile = istio_profile_default();
	struct mesh_error err;
	struct l_mesh *m;
	if (!lua_isnoneornil(L, 1)) {
		const char *name;
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			int known = 0;
			lua_pop(L, 1);
			for (int i = 0; lua_type(L, -1) == LUA_TSTRING && option_names[i]; i++)
				known |= strcmp(lua_tostring(L, -1), option_names[i]) == 0;
			if (!known)
				return luaL_error(L, "meshlua.mesh: unknown option %s",
				                  luaL_tolstring(L, -1, NULL));
		}
		opts.pod_cidr = opt_string(L, 1, "pod_cidr");
		opts.service_cidr = opt_string(L, 1, "service_cidr");
		opts.cluster_domain = opt_string(L, 1, "cluster_domain");
		opts.node_name = opt_string(L, 1, "node_name");
		opts.node_ip = opt_string(L, 1, "node_ip");
		if (lua_getfield(L, 1, "start_time") != LUA_TNIL) {
			if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) <= 0)
				return luaL_error(L, "meshlua.mesh: option start_time must be a "
				                     "positive integer (Unix seconds)");
			opts.start_time = (int64_t)lua_tointeger(L, -1);
		}
		lua_pop(L, 1);
		lua_getfield(L, 1, "bare");
		opts.bare = lua_toboolean(L, -1);
		lua_pop(L, 1);
		if ((name = opt_string(L, 1, "profile")) && !(profile = istio_profile_find(name)))
			return luaL_error(
			    L, "meshlua.mesh: unknown profile \"%s\" (seed or current)", name);
	}
	m = lua_newuserdatauv(L, sizeof *m, 0);
	m->mesh = NULL;
	m->profile = profile;
	luaL_setmetatable(L, MESHLUA_MESH);
	m->mesh = mesh_new(&opts, &err);
	if (!m->mesh) {
		char msg[1200];
		mesh_error_format(&err, msg, sizeof msg);
		return luaL_error(L, "meshlua.mesh: %s", msg);
	}
	return 1;
}

/* ---- changes ----------------------------------------------------------- */

/* The fields of a change table, in the order push_changes sets them. */
enum { F_KIND, F_RESOURCE, F_PLURAL, F_NAMESPACE, F_NAME, F_ACTION, F_COUNT };
static const char *const change_fields[F_COUNT] = {"kind",      "resource", "plural",
                                                   "namespace", "name",     "action"};

/* make_changes's arguments: the changes first..last (1-based) of c. */
struct changes_range {
	const struct mesh_changes *c;
	lua_Integer first, last;
};

/* Sets the missing items first..last of the items table (argument 2) to
 * tables {kind, resource, plural, namespace, name, action} from the struct
 * changes_range given as a light userdata (argument 1). The strings items
 * share are made once per call. Run protected by fill_changes. */
static int make_changes(lua_State *L)
{
	const struct changes_range *r = lua_touserdata(L, 1);
	const char *ns = NULL; /* the namespace in slot keys + F_COUNT (changes come grouped) */
	int items = 2, cache, keys;
	lua_settop(L, 2);
	lua_createtable(L, 3 * MESH_KIND_COUNT + 16, 0);
	cache = lua_gettop(L);
	/* The field names as Lua strings, pushed once (not looked up per field). */
	for (int f = 0; f < F_COUNT; f++)
		lua_pushstring(L, change_fields[f]);
	keys = cache + 1;
	lua_pushnil(L);
	for (lua_Integer i = r->first; i <= r->last; i++) {
		const struct mesh_change *ch = &r->c->items[i - 1];
		int k = (int)ch->kind;
		if (lua_rawgeti(L, items, i) != LUA_TNIL) {
			lua_pop(L, 1); /* made before: the list keeps its table */
			continue;
		}
		lua_pop(L, 1);
		if (lua_rawgeti(L, cache, 3 * k + 1) == LUA_TNIL) {
			const struct mesh_kind_info *info = mesh_kind_info(ch->kind);
			lua_pushstring(L, info->kind);
			lua_rawseti(L, cache, 3 * k + 1);
			lua_pushstring(L, info->resource);
			lua_rawseti(L, cache, 3 * k + 2);
			lua_pushstring(L, info->plural_group);
			lua_rawseti(L, cache, 3 * k + 3);
		}
		lua_pop(L, 1);
		if (!ns || strcmp(ns, ch->namespace_) != 0) {
			ns = ch->namespace_;
			lua_pushstring(L, ns);
			lua_replace(L, keys + F_COUNT);
		}
		lua_createtable(L, 0, F_COUNT);
		for (int f = 0; f < F_COUNT; f++) {
			lua_pushvalue(L, keys + f);
			if (f == F_KIND || f == F_RESOURCE || f == F_PLURAL) {
				lua_rawgeti(L, cache, 3 * k + 1 + f);
			} else if (f == F_NAMESPACE) {
				lua_pushvalue(L, keys + F_COUNT);
			} else if (f == F_NAME) {
				lua_pushstring(L, ch->name);
			} else if (lua_rawgeti(L, cache,
			                       3 * MESH_KIND_COUNT + 1 + (int)ch->action) ==
			           LUA_TNIL) {
				lua_pop(L, 1);
				lua_pushstring(L, mesh_action_name(ch->action));
				lua_pushvalue(L, -1);
				lua_rawseti(L, cache, 3 * MESH_KIND_COUNT + 1 + (int)ch->action);
			}
			lua_rawset(L, -3);
		}
		lua_rawseti(L, items, i);
	}
	return 0;
}

/* The change list's meshlua_list_fill (data: its struct mesh_changes).
 * The collector rests while many items are made: all of them stay alive in
 * the list, so a cycle in the middle would walk them for nothing. */
static void fill_changes(lua_State *L, void *data, int items, int anchor, lua_Integer first,
                         lua_Integer last)
{
	struct changes_range r = {data, first, last};
	int stop = last > first && lua_gc(L, LUA_GCISRUNNING), rc;
	(void)anchor;
	lua_pushcfunction(L, make_changes);
	lua_pushlightuserdata(L, &r);
	lua_pushvalue(L, items);
	if (stop)
		lua_gc(L, LUA_GCSTOP);
	rc = lua_pcall(L, 2, 0, 0);
	if (stop)
		lua_gc(L, LUA_GCRESTART);
	if (rc != LUA_OK)
		lua_error(L);
}

static void release_changes(void *data)
{
	mesh_changes_free(data);
}

/* Pushes the lazy list over the struct mesh_changes given as a light
 * userdata, taking the changes over (the struct is left empty). Run
 * protected by push_changes. */
static int new_changes(lua_State *L)
{
	struct mesh_changes *c = lua_touserdata(L, 1), *owned;
	meshlua_require(L, "meshlua.kube.printers");
	lua_getfield(L, -1, "changes_presenter");
	owned = meshlua_push_lazy_list(L, (lua_Integer)c->count, sizeof *c, fill_changes,
	                               release_changes, -1, 0, 0);
	*owned = *c;
	c->count = 0;
	c->items = NULL;
	return 1;
}

/* Pushes a list of the changes (tables {kind, resource, plural, namespace,
 * name, action}) whose tostring prints them as kubectl does. Takes c over
 * (frees it also when a Lua error, out of memory, is raised). The items
 * are made when first read (an apply may report 20,000 that nobody
 * reads). */
static void push_changes(lua_State *L, struct mesh_changes *c)
{
	int rc;
	lua_pushcfunction(L, new_changes);
	lua_pushlightuserdata(L, c);
	rc = lua_pcall(L, 1, 1, 0);
	mesh_changes_free(c);
	if (rc != LUA_OK)
		lua_error(L);
}

/* One change, for the operations on a single object. */
static void push_one_change(lua_State *L, enum mesh_kind kind, const char *ns, const char *name,
                            enum mesh_action action)
{
	struct mesh_change *ch = malloc(sizeof *ch);
	struct mesh_changes c = {1, ch};
	if (!ch || mesh_change_set(ch, kind, ns, name, action) != 0) {
		free(ch);
		luaL_error(L, "out of memory");
		return;
	}
	push_changes(L, &c);
}

/* The `namespace` field of the options table at idx (NULL: default). */
static const char *opt_namespace(lua_State *L, int idx)
{
	const char *ns = NULL;
	if (lua_type(L, idx) != LUA_TTABLE)
		return NULL;
	if (lua_getfield(L, idx, "namespace") == LUA_TSTRING)
		ns = lua_tostring(L, -1);
	else if (!lua_isnil(L, -1))
		luaL_argerror(L, idx, "namespace must be a string");
	lua_pop(L, 1);
	return ns;
}

static int opt_bool(lua_State *L, int idx, const char *key)
{
	int v = 0;
	if (lua_type(L, idx) == LUA_TTABLE) {
		lua_getfield(L, idx, key);
		v = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	return v;
}

/* ---- apply ------------------------------------------------------------- */

static int apply_data(lua_State *L, const char *source, const char *data, size_t len, int opts_idx,
                      int deleting)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct mesh_changes changes;
	struct mesh_error err;
	const char *ns = opt_namespace(L, opts_idx);
	int rc = deleting ? mesh_delete_manifests(m, source, data, len, ns, &changes, &err)
	                  : mesh_apply(m, source, data, len, ns, &changes, &err);
	if (rc < 0)
		return meshlua_mesh_error(L, &err);
	push_changes(L, &changes);
	if (rc == 1) {
		char msg[2048];
		mesh_error_format(&err, msg, sizeof msg);
		lua_pushstring(L, msg);
		return after_change(L, 2);
	}
	return after_change(L, 1);
}

/* A malloc'd buffer owned by a userdata, so a Lua error cannot leak it. */
static int l_box_gc(lua_State *L)
{
	char **box = lua_touserdata(L, 1);
	free(*box);
	*box = NULL;
	return 0;
}

static int from_file(lua_State *L, const char *path, int opts_idx, int deleting)
{
	struct mesh_error err;
	char **box = lua_newuserdatauv(L, sizeof *box, 0);
	size_t len;
	*box = NULL;
	if (luaL_newmetatable(L, "meshlua.mesh_buffer")) {
		lua_pushcfunction(L, l_box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	if (read_whole_file(path, box, &len, &err) != 0)
		return meshlua_mesh_error(L, &err);
	return apply_data(L, path, *box, len, opts_idx, deleting);
}

/* mesh:apply(path [, {namespace=}]) -> changes (kubectl apply -f): creates,
 * configures or leaves unchanged every object of the file; all or nothing. */
static int l_mesh_apply(lua_State *L)
{
	const char *path = (meshlua_check_mesh(L, 1), luaL_checkstring(L, 2));
	return from_file(L, path, 3, 0);
}

/* mesh:apply_string(yaml [, name] [, {namespace=}]) -> changes; name is the
 * input's name in errors ("<string>"). */
static int l_mesh_apply_string(lua_State *L)
{
	size_t len;
	const char *data = (meshlua_check_mesh(L, 1), luaL_checklstring(L, 2, &len));
	const char *name = lua_type(L, 3) == LUA_TSTRING ? lua_tostring(L, 3) : "<string>";
	return apply_data(L, name, data, len, lua_type(L, 3) == LUA_TSTRING ? 4 : 3, 0);
}

/* ---- targets ----------------------------------------------------------- */

/* Reads "kind/name" at idx, or a kind at idx and a name at idx+1. Returns
 * the index of the next argument. */
static int check_target(lua_State *L, int idx, enum mesh_kind *kind, const char **name)
{
	const char *first = luaL_checkstring(L, idx), *slash = strchr(first, '/');
	if (slash) {
		lua_pushlstring(L, first, (size_t)(slash - first));
		if (mesh_kind_lookup(lua_tostring(L, -1), kind) != 0)
			return luaL_error(L,
			                  "error: the server doesn't have a resource type \"%s\"",
			                  lua_tostring(L, -1));
		lua_pop(L, 1);
		*name = slash + 1;
		if (!**name)
			return luaL_error(L, "error: arguments in resource/name form must have a "
			                     "single resource and name");
		return idx + 1;
	}
	if (mesh_kind_lookup(first, kind) != 0)
		return luaL_error(L, "error: the server doesn't have a resource type \"%s\"",
		                  first);
	*name = luaL_checkstring(L, idx + 1);
	return idx + 2;
}

/* mesh:delete("kind/name" | kind, name [, {namespace=}]) -> changes
 * (kubectl delete); mesh:delete{file = path [, namespace =]} deletes what
 * a file names (kubectl delete -f) and returns changes plus, when some
 * objects were not found, kubectl's NotFound text as a second value. */
static int l_mesh_delete(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct mesh_error err;
	enum mesh_kind kind;
	const char *name, *ns;
	int next;
	if (lua_type(L, 2) == LUA_TTABLE) {
		const char *path;
		lua_getfield(L, 2, "file");
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			lua_getfield(L, 2, "filename");
		}
		path = lua_tostring(L, -1);
		if (!path)
			return luaL_argerror(L, 2, "expected {file = path}");
		return from_file(L, path, 2, 1);
	}
	next = check_target(L, 2, &kind, &name);
	ns = opt_namespace(L, next);
	if (mesh_delete(m, kind, ns, name, &err) != 0)
		return meshlua_mesh_error(L, &err);
	push_one_change(L, kind, ns, name, MESH_DELETED);
	return after_change(L, 1);
}

/* mesh:delete_string(yaml [, name] [, {namespace=}]) -> changes [, err]. */
static int l_mesh_delete_string(lua_State *L)
{
	size_t len;
	const char *data = (meshlua_check_mesh(L, 1), luaL_checklstring(L, 2, &len));
	const char *name = lua_type(L, 3) == LUA_TSTRING ? lua_tostring(L, 3) : "<string>";
	return apply_data(L, name, data, len, lua_type(L, 3) == LUA_TSTRING ? 4 : 3, 1);
}

/* ---- label ------------------------------------------------------------- */

/* Appends kubectl's "key=value" or "key-" argument to the pairs table at
 * list (key, then value or false). */
static void add_label_arg(lua_State *L, int list, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = strlen(arg), n = lua_rawlen(L, list);
	if (eq && !strchr(eq + 1, '=') && eq != arg) {
		lua_pushlstring(L, arg, (size_t)(eq - arg));
		lua_pushstring(L, eq + 1);
	} else if (!eq && len > 1 && arg[len - 1] == '-') {
		lua_pushlstring(L, arg, len - 1);
		lua_pushboolean(L, 0);
	} else {
		luaL_error(L, "error: invalid label spec: %s", arg);
		return;
	}
	lua_rawseti(L, list, (lua_Integer)n + 2);
	lua_rawseti(L, list, (lua_Integer)n + 1);
}

/* mesh:label(target, labels... [, {overwrite=, namespace=}]) -> changes
 * (kubectl label). target: "kind/name" or kind, name. labels: a table
 * {key = value | false (removes)}, kubectl's arguments as strings
 * ("key=value", "key-"), or a list of them. The options table comes last,
 * after the labels (a table there with an overwrite or namespace field). */
static int l_mesh_label(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct mesh_label_change *changes;
	struct mesh_error err;
	enum mesh_kind kind;
	const char *name, *ns;
	int next = check_target(L, 2, &kind, &name), top = lua_gettop(L), opts = 0, list, changed;
	size_t count;
	if (top > next && lua_type(L, top) == LUA_TTABLE && lua_rawlen(L, top) == 0) {
		int is_opts;
		lua_getfield(L, top, "overwrite");
		lua_getfield(L, top, "namespace");
		is_opts = !lua_isnil(L, -1) || !lua_isnil(L, -2);
		lua_pop(L, 2);
		if (is_opts)
			opts = top--;
	}
	lua_newtable(L);
	list = lua_gettop(L);
	for (int i = next; i <= top; i++) {
		if (lua_type(L, i) == LUA_TSTRING) {
			add_label_arg(L, list, lua_tostring(L, i));
		} else if (lua_type(L, i) == LUA_TTABLE && lua_rawlen(L, i) > 0) {
			for (lua_Integer j = 1; j <= (lua_Integer)lua_rawlen(L, i); j++) {
				if (lua_rawgeti(L, i, j) != LUA_TSTRING)
					return luaL_argerror(L, i, "labels must be strings");
				add_label_arg(L, list, lua_tostring(L, -1));
				lua_pop(L, 1);
			}
		} else if (lua_type(L, i) == LUA_TTABLE) {
			lua_pushnil(L);
			while (lua_next(L, i)) {
				size_t n = lua_rawlen(L, list);
				if (lua_type(L, -2) != LUA_TSTRING ||
				    !(lua_type(L, -1) == LUA_TSTRING ||
				      (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))))
					return luaL_argerror(L, i,
					                     "labels: string keys, string values "
					                     "(false removes)");
				lua_pushvalue(L, -2);
				lua_rawseti(L, list, (lua_Integer)n + 1);
				lua_rawseti(L, list, (lua_Integer)n + 2);
			}
		} else if (!lua_isnil(L, i)) {
			return luaL_argerror(L, i, "expected labels");
		}
	}
	count = lua_rawlen(L, list) / 2;
	if (count == 0)
		return luaL_error(L, "error: at least one label update is required");
	changes = lua_newuserdatauv(L, count * sizeof *changes, 0);
	for (size_t i = 0; i < count; i++) {
		lua_rawgeti(L, list, (lua_Integer)(2 * i + 1));
		changes[i].key = lua_tostring(L, -1); /* anchored in list */
		lua_rawgeti(L, list, (lua_Integer)(2 * i + 2));
		changes[i].value = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		lua_pop(L, 2);
	}
	ns = opts ? opt_namespace(L, opts) : NULL;
	if (mesh_label(m, kind, ns, name, changes, count, opts ? opt_bool(L, opts, "overwrite") : 0,
	               &changed, &err) != 0)
		return meshlua_mesh_error(L, &err);
	push_one_change(L, kind, ns, name, changed ? MESH_LABELED : MESH_NOT_LABELED);
	return after_change(L, 1);
}

/* ---- scale, restart, readiness, clock ---------------------------------- */

/* mesh:scale(target, replicas [, {namespace=}]) -> changes (kubectl scale). */
static int l_mesh_scale(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct mesh_error err;
	enum mesh_kind kind;
	const char *name, *ns;
	int next = check_target(L, 2, &kind, &name);
	lua_Integer replicas = luaL_checkinteger(L, next);
	ns = opt_namespace(L, next + 1);
	if (replicas < 0 || replicas > 100000)
		return luaL_error(L, "error: The --replicas=COUNT flag is required, and COUNT must "
		                     "be greater than or equal to 0");
	if (mesh_scale(m, kind, ns, name, (int)replicas, &err) != 0)
		return meshlua_mesh_error(L, &err);
	push_one_change(L, kind, ns, name, MESH_SCALED);
	return after_change(L, 1);
}

/* mesh:rollout_restart(target [, {namespace=}]) -> changes (kubectl rollout
 * restart): every pod replaced, injection decided again. */
static int l_mesh_rollout_restart(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct mesh_error err;
	enum mesh_kind kind;
	const char *name, *ns;
	int next = check_target(L, 2, &kind, &name);
	ns = opt_namespace(L, next);
	if (mesh_rollout_restart(m, kind, ns, name, &err) != 0)
		return meshlua_mesh_error(L, &err);
	push_one_change(L, kind, ns, name, MESH_RESTARTED);
	return after_change(L, 1);
}

/* mesh:set_ready(pod, ready [, {namespace=}]): pod is a pod object or a
 * reference as istioctl takes it ("deployment/x", "<pod>.<ns>", "<pod>").
 * Returns the pod. */
static int l_mesh_set_ready(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	struct mesh_error err;
	struct mesh_object *pod;
	int ready;
	luaL_checkany(L, 3);
	ready = lua_toboolean(L, 3);
	if (lua_type(L, 2) == LUA_TSTRING) {
		pod = mesh_resolve_pod(m, lua_tostring(L, 2), opt_namespace(L, 4), &err);
		if (!pod)
			return meshlua_mesh_error(L, &err);
	} else {
		pod = meshlua_check_mesh_object(L, 2);
		if (pod->kind != MESH_POD || pod->deleted)
			return luaL_argerror(L, 2, "expected a pod of this mesh");
	}
	if (mesh_set_pod_ready(m, pod->namespace_, pod->name, ready, &err) != 0)
		return meshlua_mesh_error(L, &err);
	meshlua_push_mesh_object(L, pod, 1);
	return after_change(L, 1);
}

/* mesh:advance(seconds) -> now: moves the simulated clock forward (AGE
 * columns grow; nothing else happens by itself). */
static int l_mesh_advance(lua_State *L)
{
	struct mesh *m = meshlua_check_mesh(L, 1);
	lua_Integer s = luaL_checkinteger(L, 2);
	luaL_argcheck(L, s >= 0, 2, "the clock only moves forward");
	if (mesh_advance(m, (int64_t)s) != 0)
		return luaL_argerror(L, 2, "the clock stops at 9999-12-31T23:59:59Z");
	lua_pushinteger(L, (lua_Integer)mesh_now(m));
	return after_change(L, 1);
}

/* ---- the type ---------------------------------------------------------- */

/* mesh.version, mesh.now, mesh.profile (its name), mesh.istio_version,
 * mesh.cluster_domain, mesh.pod_cidr,
 * mesh.service_cidr, mesh.node_name, mesh.node_ip; then the methods (also
 * of a closed mesh: calling them says it was closed). */
static int l_mesh_index(lua_State *L)
{
	struct l_mesh *lm = luaL_checkudata(L, 1, MESHLUA_MESH);
	const struct mesh_options *o;
	const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
	if (!key)
		return 0;
	if (!lm->mesh) {
		luaL_getmetatable(L, MESHLUA_MESH);
		lua_getfield(L, -1, "methods");
		if (lua_getfield(L, -1, key) == LUA_TNIL)
			check_l_mesh(L, 1); /* raises: the mesh was closed */
		return 1;
	}
	o = mesh_options(lm->mesh);
	if (strcmp(key, "version") == 0)
		lua_pushinteger(L, (lua_Integer)mesh_version(lm->mesh));
	else if (strcmp(key, "now") == 0)
		lua_pushinteger(L, (lua_Integer)mesh_now(lm->mesh));
	else if (strcmp(key, "profile") == 0)
		lua_pushstring(L, lm->profile->name);
	else if (strcmp(key, "istio_version") == 0)
		lua_pushstring(L, lm->profile->istio_version);
	else if (strcmp(key, "cluster_domain") == 0)
		lua_pushstring(L, o->cluster_domain);
	else if (strcmp(key, "pod_cidr") == 0)
		lua_pushstring(L, o->pod_cidr);
	else if (strcmp(key, "service_cidr") == 0)
		lua_pushstring(L, o->service_cidr);
	else if (strcmp(key, "node_name") == 0)
		lua_pushstring(L, o->node_name);
	else if (strcmp(key, "node_ip") == 0)
		lua_pushstring(L, o->node_ip);
	else {
		luaL_getmetatable(L, MESHLUA_MESH);
		lua_getfield(L, -1, "methods");
		lua_getfield(L, -1, key);
	}
	return 1;
}

static int l_mesh_tostring(lua_State *L)
{
	struct l_mesh *lm = luaL_checkudata(L, 1, MESHLUA_MESH);
	if (!lm->mesh)
		lua_pushliteral(L, "mesh (closed)");
	else
		lua_pushfstring(L, "mesh (version %d, %d namespaces, %d pods, profile %s)",
		                (int)mesh_version(lm->mesh),
		                (int)mesh_count(lm->mesh, MESH_NAMESPACE, NULL),
		                (int)mesh_count(lm->mesh, MESH_POD, NULL), lm->profile->name);
	return 1;
}

static const luaL_Reg mesh_methods[] = {
    {"apply", l_mesh_apply},
    {"apply_string", l_mesh_apply_string},
    {"delete", l_mesh_delete},
    {"delete_string", l_mesh_delete_string},
    {"label", l_mesh_label},
    {"scale", l_mesh_scale},
    {"rollout_restart", l_mesh_rollout_restart},
    {"set_ready", l_mesh_set_ready},
    {"advance", l_mesh_advance},
    {NULL, NULL},
};

static const luaL_Reg mesh_meta[] = {
    {"__index", l_mesh_index},       {"__gc", l_mesh_gc}, {"__close", l_mesh_gc},
    {"__tostring", l_mesh_tostring}, {NULL, NULL},
};

void meshlua_mesh_add_methods(lua_State *L, const luaL_Reg *methods)
{
	luaL_getmetatable(L, MESHLUA_MESH);
	lua_getfield(L, -1, "methods");
	luaL_setfuncs(L, methods, 0);
	lua_pop(L, 2);
}

void meshlua_open_mesh(lua_State *L)
{
	luaL_newmetatable(L, MESHLUA_MESH);
	luaL_setfuncs(L, mesh_meta, 0);
	lua_newtable(L);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
	meshlua_mesh_add_methods(L, mesh_methods);
	meshlua_mesh_add_methods(L, meshlua_mesh_query_methods);
	meshlua_open_mesh_object(L);
	lua_pushcfunction(L, l_mesh_new);
	lua_setfield(L, -2, "mesh");
}
