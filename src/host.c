/* Interpreter setup and protected calls shared by the command line and the
 * REPL: the same conventions as the standalone `lua` (lua.c), so errors,
 * tracebacks and Ctrl-C behave the way Lua users expect. */
#include <signal.h>
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host.h"
#include "lua/bindings.h"
#include "meshlua/config.h"

const char *host_progname = "meshlua";

/* The state a Ctrl-C interrupts. Only touched by host_docall and the signal
 * handler, which lua_sethook makes safe (see lua.c's laction). */
static lua_State *running_state;

void host_message(const char *progname, const char *msg)
{
	if (progname)
		fprintf(stderr, "%s: ", progname);
	fprintf(stderr, "%s\n", msg);
	fflush(stderr);
}

int host_report(lua_State *L, int status)
{
	if (status != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		if (msg == NULL)
			msg = luaL_typename(L, -1);
		host_message(host_progname, msg);
		lua_pop(L, 1);
	}
	return status;
}

/* Message handler: turns any error value into a string and appends a
 * traceback. Error objects with __tostring print through it. */
static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static void interrupted_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	luaL_error(L, "interrupted!");
}

/* SIGINT while Lua runs: a second Ctrl-C kills (default action restored),
 * the first makes the running code raise at its next instruction. */
static void on_interrupt(int sig)
{
	int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
	signal(sig, SIG_DFL);
	if (running_state)
		lua_sethook(running_state, interrupted_hook, mask, 1);
}

int host_docall(lua_State *L, int narg, int nres)
{
	int status;
	int base = lua_gettop(L) - narg;
	struct sigaction action = {0}, previous;
	lua_State *outer = running_state;
	lua_pushcfunction(L, msghandler);
	lua_insert(L, base);
	running_state = L;
	action.sa_handler = on_interrupt;
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, &previous);
	status = lua_pcall(L, narg, nres, base);
	sigaction(SIGINT, &previous, NULL);
	running_state = outer;
	lua_remove(L, base);
	return status;
}

/* Appends ";<dir>/<pattern>..." to package[field] so Debian's modules load
 * even when LUA_PATH/LUA_CPATH replace the defaults. */
static void append_search_path(lua_State *L, const char *field, const char *extra)
{
	lua_getglobal(L, "package");
	lua_getfield(L, -1, field);
	lua_pushfstring(L, "%s;%s", lua_tostring(L, -1), extra);
	lua_setfield(L, -3, field);
	lua_pop(L, 2);
}

static int run_prelude(lua_State *L)
{
	lua_getglobal(L, "require");
	lua_pushliteral(L, "meshlua.prelude");
	return host_docall(L, 1, 0);
}

int host_open(lua_State *L, int use_env)
{
	if (!use_env) {
		lua_pushboolean(L, 1); /* the package library reads this: LUA_NOENV */
		lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
	}
	luaL_openlibs(L);
	append_search_path(L, "path",
	                   MESHLUA_LUA_MOD_DIR "/?.lua;" MESHLUA_LUA_MOD_DIR "/?/init.lua");
	append_search_path(L, "cpath", MESHLUA_LUA_CMOD_DIR "/?.so");
	meshlua_open_embedded(L, use_env);
	meshlua_open_bindings(L);
	return run_prelude(L);
}
