/* Reading the fields of an options table argument ({timeout = 5, ...}):
 * a field of the wrong type or out of range raises, in Lua's words, an
 * error naming the function, the argument and the option: "bad argument #2
 * to 'fetch' (option timeout: number expected, got table)". Each checks
 * the value on the top of the stack (just read with lua_getfield from the
 * table at argument arg) and leaves it there. */
#ifndef MESHLUA_L_OPTS_H
#define MESHLUA_L_OPTS_H

#include <lauxlib.h>
#include <lua.h>

/* A string (not a number: turning it into a string would leave the text
 * anchored nowhere); it stays valid while it stays in the options table. */
const char *meshlua_opt_string(lua_State *L, int arg, const char *key);

/* An integer from min to max. */
lua_Integer meshlua_opt_integer(lua_State *L, int arg, const char *key, lua_Integer min,
                                lua_Integer max);

/* A number from min to max (NaN is refused). */
lua_Number meshlua_opt_number(lua_State *L, int arg, const char *key, lua_Number min,
                              lua_Number max);

#endif
