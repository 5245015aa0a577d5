/* Node trees as plain Lua values, one rule for every binding (a mesh
 * object's manifest, a resource's .raw, a trace's JSON parts, a read
 * document): maps are tables keyed by their keys' bytes, sequences tables
 * 1..n, integers Lua integers, floats numbers, booleans by the core's YAML
 * 1.1 table (node_bool), strings strings, null nil. What a value means is
 * the core's (node.h); this file only translates. */
#include <lauxlib.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"

/* Deeper than every parser allows (JSON_MAX_DEPTH, YAML_MAX_DEPTH are 200):
 * only a tree built in C could reach it, and it must not exhaust the C
 * stack. */
#define PUSH_MAX_DEPTH 1000

/* Pushes meshlua.kube.encode's array_mt (cached in the registry). */
static void push_array_mt(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, "meshlua.kube.array_mt") == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	meshlua_require(L, "meshlua.kube.encode");
	lua_getfield(L, -1, "array_mt");
	lua_remove(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "meshlua.kube.array_mt");
}

static void push_scalar(lua_State *L, const struct node *n)
{
	long long i;
	double d;
	int b;
	if (node_int(n, &i) == 0)
		lua_pushinteger(L, (lua_Integer)i);
	else if (node_float(n, &d) == 0)
		lua_pushnumber(L, (lua_Number)d);
	else if (node_bool(n, &b) == 0)
		lua_pushboolean(L, b);
	else if (!node_text(n))
		lua_pushnil(L);
	else
		lua_pushlstring(L, n->str, n->len);
}

/* mt is the stack index of the sequences' metatable, or 0. */
static void push(lua_State *L, const struct node *n, int mt, int depth)
{
	if (depth > PUSH_MAX_DEPTH)
		luaL_error(L, "value nested deeper than %d levels", PUSH_MAX_DEPTH);
	luaL_checkstack(L, 4, "value nested too deep");
	switch (n->type) {
	case NODE_MAP:
		lua_createtable(L, 0, (int)n->len);
		for (size_t i = 0; i < n->len; i++) {
			const struct node *k = n->pairs[i].key;
			lua_pushlstring(L, k->str, k->len);
			push(L, n->pairs[i].value, mt, depth + 1);
			lua_rawset(L, -3);
		}
		break;
	case NODE_SEQ:
		lua_createtable(L, (int)n->len, 0);
		for (size_t i = 0; i < n->len; i++) {
			push(L, n->items[i], mt, depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		if (mt) {
			lua_pushvalue(L, mt);
			lua_setmetatable(L, -2);
		}
		break;
	case NODE_SCALAR:
		push_scalar(L, n);
		break;
	}
}

void meshlua_push_node(lua_State *L, const struct node *n, unsigned flags)
{
	int mt = 0;
	if (!n) {
		lua_pushnil(L);
		return;
	}
	if (flags & MESHLUA_NODE_ARRAY_MT) {
		push_array_mt(L);
		mt = lua_gettop(L);
	}
	push(L, n, mt, 0);
	if (mt)
		lua_remove(L, mt);
}
