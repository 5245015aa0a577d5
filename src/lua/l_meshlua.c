/* The global `meshlua` table: version facts and the functions of every
 * binding family (each family adds its own through a meshlua_open_* call). */
#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"
#include "lua/l_proxy.h"
#include "lua/l_server.h"
#include "meshlua/config.h"

static const luaL_Reg meshlua_functions[] = {
    {"bundled_modules", meshlua_l_bundled_modules},
    {"isatty", meshlua_l_isatty},
    {"list", meshlua_l_list},
    {"profiles", meshlua_l_profiles},
    {"load", meshlua_l_load},
    {"fetch", meshlua_l_fetch},
    {NULL, NULL},
};

void meshlua_open_bindings(lua_State *L)
{
	meshlua_open_proxy(L);
	luaL_newlib(L, meshlua_functions);
	meshlua_open_mesh(L);
	meshlua_open_synth(L);
	meshlua_open_views(L);
	meshlua_open_server(L);
	meshlua_open_resolve(L);
	meshlua_open_x509(L);
	lua_pushliteral(L, MESHLUA_VERSION);
	lua_setfield(L, -2, "version");
	lua_pushliteral(L, LUA_RELEASE);
	lua_setfield(L, -2, "lua_version");
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "meshlua");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "meshlua");
	lua_pop(L, 1);
	lua_setglobal(L, "meshlua");
}
