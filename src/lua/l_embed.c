/* The package searcher for the Lua library compiled into the binary, and
 * meshlua.bundled_modules(). MESHLUA_PATH (a source tree) overrides it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"
#include "lua/embedded.h"

#define DEV_TREE_KEY "meshlua.dev_tree"

static const struct meshlua_embedded_module *find_embedded(const char *name)
{
	for (const struct meshlua_embedded_module *m = meshlua_embedded_modules; m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

/* Pushes "<tree>/lua/<a/b>.lua" (or ".../init.lua" when that is the file that
 * exists) for module "a.b" and returns 1; returns 0 with nothing pushed when
 * neither file is readable. */
static int push_dev_file(lua_State *L, const char *tree, const char *name)
{
	static const char *const patterns[] = {"%s/lua/%s.lua", "%s/lua/%s/init.lua"};
	const char *path = luaL_gsub(L, name, ".", "/");
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		const char *file = lua_pushfstring(L, patterns[i], tree, path);
		FILE *f = fopen(file, "r");
		if (f) {
			fclose(f);
			lua_remove(L, -2);
			return 1;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return 0;
}

/* package.searchers entry: returns a loader and its origin, or a message. */
static int l_search_embedded(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const struct meshlua_embedded_module *m;
	lua_getfield(L, LUA_REGISTRYINDEX, DEV_TREE_KEY);
	if (lua_isstring(L, -1) && strncmp(name, "meshlua", 7) == 0 &&
	    push_dev_file(L, lua_tostring(L, -1), name)) {
		const char *file = lua_tostring(L, -1);
		if (luaL_loadfile(L, file) != LUA_OK)
			return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s",
			                  name, file, lua_tostring(L, -1));
		lua_insert(L, -2);
		return 2;
	}
	lua_pop(L, 1);
	m = find_embedded(name);
	if (!m) {
		lua_pushfstring(L, "no embedded module '%s'", name);
		return 1;
	}
	lua_pushfstring(L, "@%s", m->path);
	if (luaL_loadbufferx(L, (const char *)m->source, m->size, lua_tostring(L, -1), "t") !=
	    LUA_OK)
		return luaL_error(L, "error loading embedded module '%s':\n\t%s", name,
		                  lua_tostring(L, -1));
	lua_pushfstring(L, "embedded:%s", m->path);
	return 2;
}

void meshlua_open_embedded(lua_State *L, int use_env)
{
	const char *tree = use_env ? getenv("MESHLUA_PATH") : NULL;
	if (tree && *tree) {
		lua_pushstring(L, tree);
		lua_setfield(L, LUA_REGISTRYINDEX, DEV_TREE_KEY);
	}
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchers");
	/* Shift searchers 2..n up by one and put ours right after preload. */
	for (lua_Integer i = (lua_Integer)luaL_len(L, -1); i >= 2; i--) {
		lua_rawgeti(L, -1, i);
		lua_rawseti(L, -2, i + 1);
	}
	lua_pushcfunction(L, l_search_embedded);
	lua_rawseti(L, -2, 2);
	lua_pop(L, 2);
}

int meshlua_l_bundled_modules(lua_State *L)
{
	lua_Integer n = 0;
	lua_newtable(L);
	for (const struct meshlua_embedded_module *m = meshlua_embedded_modules; m->name; m++) {
		lua_pushstring(L, m->name);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}
