/* Collections as userdata: every view and query that returns many things
 * (listeners, routes, pods ...) returns a list. `#list`, `list[i]`,
 * `for x in list`, `ipairs(list)`, `pairs(list)`; `tostring(list)` and the
 * list's methods come from a presenter table written in Lua (istioctl's or
 * kubectl's formats live in lua/meshlua/, not here).
 *
 * A presenter is a table { name = "listeners", tostring = function(items,
 * list) ... end, methods = { json = function(list, ...) ... end } }. Each
 * presenter gets one metatable (cached in the presenter under __meta), so
 * the REPL completes a list's methods.
 *
 * A lazy list (meshlua_push_lazy_list) makes its items from C data when
 * they are first needed: `#list` makes none, `list[i]` makes item i (the
 * same table from then on), anything else that sees every item (iteration,
 * tostring, methods) makes all of them first; the data is released once
 * every item exists. An apply's 20,000 changes cost nothing until read. */
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"

enum { UV_ITEMS = 1, UV_PRESENTER, UV_POSITIONS, UV_SOURCE, UV_COUNT = UV_SOURCE };

#define LIST_MARK   "meshlua.list"
#define SOURCE_MARK "meshlua.list_source"

/* UV_SOURCE of a lazy list whose items are not all made yet (then nil):
 * a userdata holding this header, then the caller's data. */
struct list_source {
	lua_Integer count; /* the list's length */
	lua_Integer made;  /* items made so far */
	meshlua_list_fill fill;
	void (*release)(void *data);
	int released;
	/* the caller's data follows, aligned as malloc would */
};

#define SOURCE_HEADER                                                                              \
	((sizeof(struct list_source) + sizeof(max_align_t) - 1) / sizeof(max_align_t) *            \
	 sizeof(max_align_t))

static void *source_data(struct list_source *src)
{
	return (char *)src + SOURCE_HEADER;
}

static void source_release(struct list_source *src)
{
	if (!src->released) {
		src->released = 1;
		src->release(source_data(src));
	}
}

static int l_source_gc(lua_State *L)
{
	source_release(lua_touserdata(L, 1));
	return 0;
}

/* The source of the list at idx, or NULL when every item exists. Pushes
 * nothing. */
static struct list_source *get_source(lua_State *L, int idx)
{
	struct list_source *src = NULL;
	if (lua_getiuservalue(L, idx, UV_SOURCE) == LUA_TUSERDATA)
		src = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return src;
}

/* Calls the fill function of the lazy list at idx (source src) for the
 * items first..last of the table at items, with its anchor pushed. */
static void call_fill(lua_State *L, int idx, struct list_source *src, int items, lua_Integer first,
                      lua_Integer last)
{
	int anchor;
	lua_getiuservalue(L, idx, UV_SOURCE);
	lua_getiuservalue(L, -1, 1);
	anchor = lua_gettop(L);
	src->fill(L, source_data(src), items, anchor, first, last);
	lua_settop(L, anchor - 2);
}

/* Makes every missing item of the lazy list at idx (with source src) into
 * a new items table of the list's full length; then drops the source. */
static void make_all(lua_State *L, int idx, struct list_source *src)
{
	int items;
	lua_createtable(L, (int)src->count, 1);
	items = lua_gettop(L);
	if (lua_getiuservalue(L, idx, UV_ITEMS) == LUA_TTABLE) { /* the items made so far */
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, items);
		}
	}
	lua_pop(L, 1);
	call_fill(L, idx, src, items, 1, src->count);
	lua_setiuservalue(L, idx, UV_ITEMS);
	src->made = src->count;
	source_release(src);
	lua_pushnil(L);
	lua_setiuservalue(L, idx, UV_SOURCE);
}

static void check_list(lua_State *L, int idx)
{
	if (lua_getmetatable(L, idx)) {
		lua_getfield(L, -1, "__name");
		int ok =
		    lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), LIST_MARK) == 0;
		lua_pop(L, 2);
		if (ok && lua_type(L, idx) == LUA_TUSERDATA)
			return;
	}
	luaL_typeerror(L, idx, "list");
}

/* Pushes the items table of the list at idx, every item made. */
static void push_items(lua_State *L, int idx)
{
	struct list_source *src = get_source(L, idx);
	if (src)
		make_all(L, idx, src);
	lua_getiuservalue(L, idx, UV_ITEMS);
}

static int l_list_len(lua_State *L)
{
	struct list_source *src;
	check_list(L, 1);
	if ((src = get_source(L, 1))) {
		lua_pushinteger(L, src->count);
		return 1;
	}
	push_items(L, 1);
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
	return 1;
}

/* Pushes the items table of the lazy list at idx (source src) with item i
 * made, if the list has one. */
static void push_items_with(lua_State *L, int idx, struct list_source *src, lua_Integer i)
{
	int items;
	if (lua_getiuservalue(L, idx, UV_ITEMS) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setiuservalue(L, idx, UV_ITEMS);
	}
	items = lua_gettop(L);
	if (i < 1 || i > src->count || lua_rawgeti(L, items, i) != LUA_TNIL) {
		lua_settop(L, items);
		return;
	}
	lua_pop(L, 1);
	call_fill(L, idx, src, items, i, i);
	if (++src->made == src->count) { /* every item exists: no more source */
		source_release(src);
		lua_pushnil(L);
		lua_setiuservalue(L, idx, UV_SOURCE);
	}
}

/* list[i] -> the i-th item (nil past the end); list.name -> a method. */
static int l_list_index(lua_State *L)
{
	check_list(L, 1);
	if (lua_type(L, 2) == LUA_TNUMBER) {
		struct list_source *src = get_source(L, 1);
		lua_Integer i;
		int exact;
		if (src) {
			i = lua_tointegerx(L, 2, &exact);
			push_items_with(L, 1, src, exact ? i : 0);
		} else {
			push_items(L, 1);
		}
		lua_pushvalue(L, 2);
		lua_rawget(L, -2);
		return 1;
	}
	lua_getmetatable(L, 1);
	lua_getfield(L, -1, "methods");
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

/* Marks a positions table whose list repeats a value. */
static const char repeated_key = 0;

/* Pushes the table from item to its first position in the list at idx,
 * building it on first use. */
static void push_positions(lua_State *L, int idx)
{
	if (lua_getiuservalue(L, idx, UV_POSITIONS) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	int positions = lua_gettop(L);
	push_items(L, idx);
	for (lua_Integer i = 1, n = (lua_Integer)lua_rawlen(L, -1); i <= n; i++) {
		lua_rawgeti(L, -1, i);
		lua_pushvalue(L, -1);
		int seen = lua_rawget(L, positions) != LUA_TNIL;
		lua_pop(L, 1);
		if (seen) {
			lua_pop(L, 1);
			lua_pushboolean(L, 1);
			lua_rawsetp(L, positions, &repeated_key);
			continue;
		}
		lua_pushinteger(L, i);
		lua_rawset(L, positions);
	}
	lua_pop(L, 1);
	lua_pushvalue(L, positions);
	lua_setiuservalue(L, idx, UV_POSITIONS);
}

/* The generic-for iterator: `for x in list` calls list(nil, previous); the
 * positions table finds where to go on. */
static int l_list_call(lua_State *L)
{
	lua_Integer next = 1;
	check_list(L, 1);
	if (!lua_isnoneornil(L, 3)) {
		push_positions(L, 1);
		if (lua_rawgetp(L, -1, &repeated_key) != LUA_TNIL)
			return luaL_error(
			    L, "this list repeats a value: iterate it with ipairs(list)");
		lua_pop(L, 1);
		lua_pushvalue(L, 3);
		lua_rawget(L, -2);
		next = lua_tointeger(L, -1) + 1;
		if (next == 1)
			return 0; /* the previous item is not ours: stop */
	}
	push_items(L, 1);
	lua_rawgeti(L, -1, next);
	return 1;
}

static int ipairs_step(lua_State *L)
{
	lua_Integer i = luaL_checkinteger(L, 2) + 1;
	lua_pushinteger(L, i);
	return lua_rawgeti(L, 1, i) == LUA_TNIL ? 1 : 2;
}

/* pairs(list) walks the items in order, as ipairs does. */
static int l_list_pairs(lua_State *L)
{
	check_list(L, 1);
	lua_pushcfunction(L, ipairs_step);
	push_items(L, 1);
	lua_pushinteger(L, 0);
	return 3;
}

/* tostring(list): the presenter's table, or "list of N <name>". */
static int l_list_tostring(lua_State *L)
{
	check_list(L, 1);
	lua_getiuservalue(L, 1, UV_PRESENTER);
	if (lua_getfield(L, -1, "tostring") == LUA_TFUNCTION) {
		push_items(L, 1);
		lua_pushvalue(L, 1);
		lua_call(L, 2, 1);
		if (!lua_isstring(L, -1))
			return luaL_error(L, "list presenter's tostring must return a string");
		return 1;
	}
	lua_getfield(L, -2, "name");
	push_items(L, 1);
	lua_pushfstring(L, "list of %d %s", (int)lua_rawlen(L, -1),
	                lua_isstring(L, -2) ? lua_tostring(L, -2) : "items");
	return 1;
}

/* list:items() -> a new plain table of the items (a copy: lists are
 * read-only). */
static int l_list_items(lua_State *L)
{
	check_list(L, 1);
	push_items(L, 1);
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
	lua_createtable(L, (int)n, 0);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, -2, i);
		lua_rawseti(L, -2, i);
	}
	return 1;
}

/* A presenter's method (upvalue 1, a Lua function) as the list sees it:
 * its first argument must be a list, so list.json() or a method called on
 * something else raises "bad argument #1 to 'json' (list expected, got
 * no value)" rather than an error from inside the presenter. */
static int l_list_method(lua_State *L)
{
	check_list(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static const luaL_Reg list_meta[] = {
    {"__len", l_list_len},     {"__index", l_list_index},       {"__call", l_list_call},
    {"__pairs", l_list_pairs}, {"__tostring", l_list_tostring}, {NULL, NULL},
};

/* Pushes the metatable of presenter (at absolute index p), making it on
 * first use: the list metamethods, __name, and `methods` = the presenter's
 * methods (each checking its list, l_list_method) plus items(). */
static void push_meta(lua_State *L, int p)
{
	if (lua_getfield(L, p, "__meta") == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	luaL_setfuncs(L, list_meta, 0);
	lua_pushliteral(L, LIST_MARK);
	lua_setfield(L, -2, "__name");
	lua_newtable(L);
	lua_pushcfunction(L, l_list_items);
	lua_setfield(L, -2, "items");
	if (lua_getfield(L, p, "methods") == LUA_TTABLE) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			if (lua_type(L, -1) == LUA_TFUNCTION)
				lua_pushcclosure(L, l_list_method, 1);
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, -5);
		}
	}
	lua_pop(L, 1);
	lua_setfield(L, -2, "methods");
	lua_pushvalue(L, -1);
	lua_setfield(L, p, "__meta");
}

void meshlua_push_list(lua_State *L, int items_idx, int presenter_idx)
{
	items_idx = lua_absindex(L, items_idx);
	presenter_idx = lua_absindex(L, presenter_idx);
	lua_newuserdatauv(L, 0, UV_COUNT);
	lua_pushvalue(L, items_idx);
	lua_setiuservalue(L, -2, UV_ITEMS);
	lua_pushvalue(L, presenter_idx);
	lua_setiuservalue(L, -2, UV_PRESENTER);
	push_meta(L, presenter_idx);
	lua_setmetatable(L, -2);
}

void *meshlua_push_lazy_list(lua_State *L, lua_Integer count, size_t size, meshlua_list_fill fill,
                             void (*release)(void *data), int presenter_idx, int items_idx,
                             int anchor_idx)
{
	struct list_source *src;
	presenter_idx = lua_absindex(L, presenter_idx);
	items_idx = items_idx ? lua_absindex(L, items_idx) : 0;
	anchor_idx = anchor_idx ? lua_absindex(L, anchor_idx) : 0;
	lua_newuserdatauv(L, 0, UV_COUNT);
	src = lua_newuserdatauv(L, SOURCE_HEADER + size, 1);
	memset(src, 0, SOURCE_HEADER + size);
	src->count = count;
	src->fill = fill;
	src->release = release;
	src->released = 1; /* until the list is complete */
	if (luaL_newmetatable(L, SOURCE_MARK)) {
		lua_pushcfunction(L, l_source_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	if (anchor_idx) {
		lua_pushvalue(L, anchor_idx);
		lua_setiuservalue(L, -2, 1);
	}
	lua_setiuservalue(L, -2, UV_SOURCE);
	if (items_idx || count == 0) {
		if (items_idx)
			lua_pushvalue(L, items_idx);
		else
			lua_newtable(L);
		lua_setiuservalue(L, -2, UV_ITEMS);
	}
	lua_pushvalue(L, presenter_idx);
	lua_setiuservalue(L, -2, UV_PRESENTER);
	push_meta(L, presenter_idx);
	lua_setmetatable(L, -2);
	if (count == 0) { /* nothing to make */
		lua_pushnil(L);
		lua_setiuservalue(L, -2, UV_SOURCE);
	}
	src->released = 0; /* nothing raises from here: the list owns the data */
	return source_data(src);
}

/* meshlua.list(items [, presenter]) -> a list over the array part of items
 * (kept, not copied: the caller hands it over). presenter as above; none
 * gives a plain list whose tostring is "list of N items". */
int meshlua_l_list(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_isnoneornil(L, 2)) {
		lua_settop(L, 1);
		luaL_getsubtable(L, LUA_REGISTRYINDEX, "meshlua.plain_list");
	} else {
		luaL_checktype(L, 2, LUA_TTABLE);
	}
	meshlua_push_list(L, 1, 2);
	return 1;
}
