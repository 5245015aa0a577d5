/* Options tables' fields checked with errors in Lua's words (see l_opts.h). */
#include "lua/l_opts.h"

static int opt_error(lua_State *L, int arg, const char *key, const char *problem)
{
	return luaL_argerror(L, arg, lua_pushfstring(L, "option %s: %s", key, problem));
}

static int type_error(lua_State *L, int arg, const char *key, const char *expected)
{
	return opt_error(L, arg, key,
	                 lua_pushfstring(L, "%s expected, got %s", expected, luaL_typename(L, -1)));
}

const char *meshlua_opt_string(lua_State *L, int arg, const char *key)
{
	if (lua_type(L, -1) != LUA_TSTRING)
		type_error(L, arg, key, "string");
	return lua_tostring(L, -1);
}

lua_Integer meshlua_opt_integer(lua_State *L, int arg, const char *key, lua_Integer min,
                                lua_Integer max)
{
	int ok;
	lua_Integer v = lua_tointegerx(L, -1, &ok);
	if (!ok) {
		if (lua_type(L, -1) == LUA_TNUMBER)
			opt_error(L, arg, key, "number has no integer representation");
		type_error(L, arg, key, "integer");
	}
	if (v < min || v > max)
		opt_error(L, arg, key,
		          lua_pushfstring(L, "%I is out of range (%I to %I)", v, min, max));
	return v;
}

lua_Number meshlua_opt_number(lua_State *L, int arg, const char *key, lua_Number min,
                              lua_Number max)
{
	int ok;
	lua_Number v = lua_tonumberx(L, -1, &ok);
	if (!ok)
		type_error(L, arg, key, "number");
	if (!(v >= min && v <= max)) /* NaN fails both */
		opt_error(L, arg, key,
		          lua_pushfstring(L, "%f is out of range (%f to %f)", v, min, max));
	return v;
}
