/* The host's shared plumbing: creating the interpreter state, running a chunk
 * in protected mode with tracebacks and Ctrl-C, reporting errors the way the
 * standalone `lua` does. Used by main.c and repl.c. */
#ifndef MESHLUA_HOST_H
#define MESHLUA_HOST_H

#include <lua.h>

/* The program name used in messages ("meshlua"), set once by main(). */
extern const char *host_progname;

/* Opens the standard libraries, appends Debian's Lua module directories to
 * package.path/cpath, installs the embedded-module searcher and the `meshlua`
 * global, then runs the bundled prelude (kubectl, istioctl, help). When
 * use_env is zero, LUA_PATH, LUA_CPATH and MESHLUA_PATH are ignored (-E).
 * Returns LUA_OK or an error status with the message on the stack. */
int host_open(lua_State *L, int use_env);

/* Calls the function below narg arguments on the stack with a message handler
 * that appends a traceback; Ctrl-C while it runs raises "interrupted!".
 * Returns the lua_pcall status; on error the message is on the stack. */
int host_docall(lua_State *L, int narg, int nres);

/* Prints "<progname>: <message>" to stderr (no progname when NULL). */
void host_message(const char *progname, const char *msg);

/* When status is not LUA_OK, prints and pops the error message on the stack
 * top. Returns status unchanged. */
int host_report(lua_State *L, int status);

#endif
