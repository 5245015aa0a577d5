/* The read-eval-print loop of `meshlua` (no script, or -i). */
#ifndef MESHLUA_REPL_H
#define MESHLUA_REPL_H

#include <lua.h>

/* Reads chunks until end of input and runs each: expressions print their
 * values, incomplete statements continue on the next line, lines starting
 * with "kubectl " or "istioctl " call those globals. With tty nonzero it uses
 * readline (prompts, history in ~/.meshlua_history or $MESHLUA_HISTORY, Tab
 * completion, Ctrl-C discards the line); otherwise it reads plain lines and
 * prints no prompts. Returns 0, or 1 when tty is zero and some chunk failed. */
int repl_run(lua_State *L, int tty);

/* Installs Tab completion of globals, table fields and userdata methods for
 * readline, reading the values from L (never running Lua code). */
void repl_complete_install(lua_State *L);

#endif
