/* The REPL: lua.c's read-eval-print conventions (try "return <line>" first,
 * continue while the chunk ends in <eof>) over GNU readline's callback
 * interface, so Ctrl-C at the prompt is ours to handle: it discards the line
 * instead of killing the process. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"
#include "meshlua/strbuf.h"
#include "repl.h"

#define PROMPT        "> "
#define PROMPT_MORE   ">> "
#define HISTORY_LINES 1000

enum read_result { READ_LINE, READ_EOF, READ_CANCEL };

struct repl {
	lua_State *L;
	int tty;
	int failed;            /* some chunk failed (matters when !tty) */
	struct strbuf history; /* path of the history file; "" for none */
};

/* readline's callback interface hands lines to a function without a context
 * argument; these carry them back to read_tty_line. */
static char *delivered_line;
static int line_delivered;
static volatile sig_atomic_t got_sigint;
static volatile sig_atomic_t got_sigwinch;

static void on_line(char *line)
{
	delivered_line = line;
	line_delivered = 1;
	rl_callback_handler_remove();
}

static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_sigint = 1;
	else
		got_sigwinch = 1;
}

/* Ctrl-C at the prompt: drop what was typed and leave readline's state clean
 * for the next prompt. */
static void cancel_line(void)
{
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_cleanup_after_signal();
	rl_callback_handler_remove();
	fputs("\n", rl_outstream);
	fflush(rl_outstream);
}

/* Signals are blocked except while waiting in pselect, which unblocks them
 * atomically: a Ctrl-C that lands between the prompt and the wait would
 * otherwise set the flag after its check and leave select blocked. */
static enum read_result read_tty_line(const char *prompt, char **out)
{
	struct sigaction action = {0}, old_int, old_winch;
	sigset_t blocked, wait_mask;
	enum read_result result = READ_LINE;
	action.sa_handler = on_signal; /* no SA_RESTART: pselect must wake up */
	sigemptyset(&action.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGWINCH);
	sigprocmask(SIG_BLOCK, &blocked, &wait_mask);
	sigaction(SIGINT, &action, &old_int);
	sigaction(SIGWINCH, &action, &old_winch);
	got_sigint = 0;
	line_delivered = 0;
	delivered_line = NULL;
	rl_callback_handler_install(prompt, on_line);
	while (!line_delivered) {
		fd_set fds;
		int n;
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		n = pselect(STDIN_FILENO + 1, &fds, NULL, NULL, NULL, &wait_mask);
		if (got_sigwinch) {
			got_sigwinch = 0;
			rl_resize_terminal();
		}
		if (got_sigint) {
			cancel_line();
			result = READ_CANCEL;
			break;
		}
		if (n < 0 && errno != EINTR) {
			rl_callback_handler_remove();
			break;
		}
		if (n > 0)
			rl_callback_read_char();
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	sigprocmask(SIG_SETMASK, &wait_mask, NULL);
	if (result == READ_LINE && !delivered_line)
		result = READ_EOF;
	*out = delivered_line;
	return result;
}

/* Reads one line of piped input, without its line ending. */
static enum read_result read_plain_line(char **out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		*out = NULL;
		return READ_EOF;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	*out = line;
	return READ_LINE;
}

/* Reads a line (malloc'd, the caller frees it) with the given prompt. */
static enum read_result read_line(struct repl *r, const char *prompt, char **out)
{
	return r->tty ? read_tty_line(prompt, out) : read_plain_line(out);
}

static void remember(struct repl *r, const char *chunk)
{
	HIST_ENTRY *last;
	if (!r->tty || chunk[0] == '\0')
		return;
	last = history_get(history_base + history_length - 1);
	if (last && strcmp(last->line, chunk) == 0)
		return;
	add_history(chunk);
	if (r->history.len && append_history(1, strbuf_cstr(&r->history)) != 0)
		write_history(strbuf_cstr(&r->history));
}

/* A function that raises its first upvalue as the error. */
static int raise_upvalue(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	return lua_error(L);
}

/* After a command word, these start Lua rather than arguments:
 * "kubectl = f", "kubectl(...)", "kubectl 'x'", "kubectl.x", "kubectl ~= nil". */
static int continues_as_lua(const char *rest)
{
	return strchr("=(\"'[{.:~,", *rest) != NULL && *rest != '\0';
}

/* "kubectl get pods" -> pushes the function `kubectl` and "get pods".
 * Returns 1 when line is such a command line, 0 otherwise. */
static int push_command_line(lua_State *L, const char *line)
{
	static const char *const commands[] = {"kubectl", "istioctl"};
	while (*line == ' ' || *line == '\t')
		line++;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		size_t len = strlen(commands[i]);
		const char *rest = line + len;
		if (strncmp(line, commands[i], len) != 0 ||
		    (*rest != '\0' && *rest != ' ' && *rest != '\t'))
			continue;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (continues_as_lua(rest))
			return 0;
		lua_getglobal(L, commands[i]);
		if (!lua_isfunction(L, -1) && *rest == '\0') {
			lua_pop(L, 1); /* the bare word of a rebound global is Lua: its value */
			return 0;
		}
		if (!lua_isfunction(L, -1)) {
			lua_pop(L, 1);
			lua_pushfstring(L, "%s: not available (the global '%s' is not a function)",
			                commands[i], commands[i]);
			lua_pushcclosure(L, raise_upvalue, 1);
		}
		lua_pushstring(L, rest);
		return 1;
	}
	return 0;
}

/* A syntax error at <eof> means the user has not finished the statement. */
static int is_incomplete(lua_State *L, int status)
{
	size_t len;
	const char *msg;
	if (status != LUA_ERRSYNTAX)
		return 0;
	msg = lua_tolstring(L, -1, &len);
	return len >= 5 && strcmp(msg + len - 5, "<eof>") == 0;
}

/* Compiles the chunk that starts with first, reading continuation lines as
 * needed. Pushes the function and its argument count, or an error message.
 * Returns LUA_OK, an error status, or -1 when the user cancelled. */
static int load_chunk(struct repl *r, char *first, int *nargs)
{
	lua_State *L = r->L;
	struct strbuf chunk = STRBUF_INIT;
	int status;
	*nargs = 0;
	if (push_command_line(L, first)) {
		*nargs = 1;
		remember(r, first);
		return LUA_OK;
	}
	strbuf_puts(&chunk, "return ");
	strbuf_puts(&chunk, first);
	status = luaL_loadbuffer(L, strbuf_cstr(&chunk), chunk.len, "=stdin");
	if (status == LUA_OK) {
		remember(r, first);
		strbuf_free(&chunk);
		return LUA_OK;
	}
	lua_pop(L, 1);
	strbuf_reset(&chunk);
	strbuf_puts(&chunk, first);
	for (;;) {
		char *more = NULL;
		enum read_result rr;
		status = luaL_loadbuffer(L, strbuf_cstr(&chunk), chunk.len, "=stdin");
		if (!is_incomplete(L, status))
			break;
		rr = read_line(r, PROMPT_MORE, &more);
		if (rr != READ_LINE) {
			free(more);
			if (rr == READ_CANCEL) {
				lua_pop(L, 1);
				strbuf_free(&chunk);
				return -1;
			}
			break; /* end of input: report the incomplete chunk */
		}
		lua_pop(L, 1);
		strbuf_putc(&chunk, '\n');
		strbuf_puts(&chunk, more);
		free(more);
	}
	remember(r, strbuf_cstr(&chunk));
	strbuf_free(&chunk);
	return status;
}

/* Prints the values left on the stack above base with the global print. */
static void print_results(lua_State *L, int base)
{
	int n = lua_gettop(L) - base;
	if (n <= 0)
		return;
	luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
	lua_getglobal(L, "print");
	lua_insert(L, base + 1);
	if (lua_pcall(L, n, 0, 0) != LUA_OK)
		host_message(host_progname,
		             lua_pushfstring(L, "error calling 'print' (%s)", lua_tostring(L, -1)));
	lua_settop(L, base);
}

/* Whether a kubectl/istioctl line just failed: the facades print their
 * error as the tool does instead of raising (lua/meshlua/prelude.lua) and
 * leave this mark in the registry. Clears the mark. */
static int facade_line_failed(lua_State *L)
{
	int failed;
	lua_getfield(L, LUA_REGISTRYINDEX, "meshlua.line_failed");
	failed = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (failed) {
		lua_pushnil(L);
		lua_setfield(L, LUA_REGISTRYINDEX, "meshlua.line_failed");
	}
	return failed;
}

static void run_line(struct repl *r, char *line)
{
	lua_State *L = r->L;
	int base = lua_gettop(L), nargs = 0;
	int status = load_chunk(r, line, &nargs);
	if (status == -1)
		return;
	if (status == LUA_OK)
		status = host_docall(L, nargs, LUA_MULTRET);
	if (status == LUA_OK)
		print_results(L, base);
	else {
		host_report(L, status);
		r->failed = 1;
	}
	lua_settop(L, base);
	if (facade_line_failed(L))
		r->failed = 1;
}

static void open_history(struct repl *r)
{
	const char *path = getenv("MESHLUA_HISTORY");
	const char *home = getenv("HOME");
	if (path)
		strbuf_puts(&r->history, path);
	else if (home && *home)
		strbuf_appendf(&r->history, "%s/.meshlua_history", home);
	using_history();
	if (r->history.len)
		read_history(strbuf_cstr(&r->history));
}

int repl_run(lua_State *L, int tty)
{
	struct repl r = {L, tty, 0, STRBUF_INIT};
	char *line = NULL;
	enum read_result rr;
	if (tty) {
		rl_readline_name = "meshlua";
		rl_catch_signals = 0;
		rl_catch_sigwinch = 0;
		open_history(&r);
		repl_complete_install(L);
		printf("Type help() for help, Ctrl-D to exit.\n");
		fflush(stdout);
	}
	while ((rr = read_line(&r, PROMPT, &line)) != READ_EOF) {
		if (rr == READ_LINE)
			run_line(&r, line);
		free(line);
		line = NULL;
	}
	if (tty) {
		fputs("\n", stdout);
		if (r.history.len)
			history_truncate_file(strbuf_cstr(&r.history), HISTORY_LINES);
	}
	fflush(stdout);
	strbuf_free(&r.history);
	return !tty && r.failed;
}
