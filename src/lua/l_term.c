/* meshlua.isatty(file): whether a Lua file handle is a terminal, so the Lua
 * presentation code (tutorials) colours its output only where a person reads
 * it. Nothing else about terminals lives here. */
#include <stdio.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"

int meshlua_l_isatty(lua_State *L)
{
	luaL_Stream *stream = luaL_checkudata(L, 1, LUA_FILEHANDLE);
	/* A closed handle has no closef (see liolib.c's isclosed). */
	int tty = stream->closef != NULL && stream->f != NULL && isatty(fileno(stream->f));
	lua_pushboolean(L, tty);
	return 1;
}
