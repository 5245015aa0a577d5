/* meshlua's command line: the conventions of the standalone `lua`
 * interpreter (options, `arg`, exit status, error format), plus the REPL of
 * repl.c when no script is given or -i asks for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host.h"
#include "meshlua/config.h"
#include "repl.h"

/* Flags found by collect_args. */
enum {
	HAS_ERROR = 1,  /* bad option */
	HAS_I = 2,      /* -i */
	HAS_V = 4,      /* -v */
	HAS_E = 8,      /* -e */
	HAS_NOENV = 16, /* -E */
	HAS_HELP = 32,  /* -h, --help */
};

static void print_usage(FILE *out, const char *badoption)
{
	if (badoption) {
		if (badoption[1] == 'e' || badoption[1] == 'l')
			fprintf(out, "%s: '%s' needs argument\n", host_progname, badoption);
		else
			fprintf(out, "%s: unrecognized option '%s'\n", host_progname, badoption);
	}
	fprintf(out,
	        "usage: %s [options] [script [args]]\n"
	        "\n"
	        "meshlua answers \"where will Envoy send this request, and why?\" for a\n"
	        "simulated Istio mesh or a real Envoy config dump. It is a Lua 5.4\n"
	        "interpreter with the `meshlua` library, `kubectl` and `istioctl` built in.\n"
	        "\n"
	        "Options (as in the standalone lua interpreter):\n"
	        "  -e stat   execute string 'stat'\n"
	        "  -i        enter the REPL after executing 'script'\n"
	        "  -l mod    require library 'mod' into global 'mod'\n"
	        "  -l g=mod  require library 'mod' into global 'g'\n"
	        "  -v        show version information\n"
	        "  -E        ignore environment variables (LUA_PATH, LUA_CPATH, MESHLUA_PATH)\n"
	        "  -W        turn warnings on\n"
	        "  -h, --help  show this help\n"
	        "  --        stop handling options\n"
	        "  -         stop handling options and execute stdin\n"
	        "\n"
	        "The script sees its arguments in the global table `arg` (arg[0] is the\n"
	        "script, arg[1] the first argument, negative indices the interpreter and\n"
	        "its options) and as `...`. A first line starting with #! is skipped.\n"
	        "A script error prints 'meshlua: file:line: message' and a traceback on\n"
	        "stderr and exits with status 1; success exits with 0.\n"
	        "\n"
	        "REPL (no script, or -i): a bare expression prints its values; incomplete\n"
	        "statements continue on the next line (prompt '>>'); Tab completes globals,\n"
	        "table fields (string.fo<Tab>) and methods (obj:<Tab>); Ctrl-C interrupts a\n"
	        "running statement or discards the line; Ctrl-D exits. A line starting with\n"
	        "'kubectl ' or 'istioctl ' calls the Lua function of that name with the\n"
	        "rest of the line. Type help() in the REPL for more. History is kept in\n"
	        "~/.meshlua_history (MESHLUA_HISTORY overrides the path). When stdin is not\n"
	        "a terminal and no script is given, its lines run one by one as in the REPL,\n"
	        "without prompts; the exit status is 1 if any of them failed.\n"
	        "\n"
	        "Every script can require \"cjson\" (lua-cjson) and the bundled modules\n"
	        "\"meshlua.*\"; MESHLUA_PATH=<source tree> loads those from <tree>/lua\n"
	        "instead, for development.\n"
	        "\n"
	        "Examples:\n"
	        "  %s examples/envoy-demo.lua     the walkthrough, no cluster needed\n"
	        "  %s                             the REPL\n"
	        "  %s audit.lua dump.json         a script over a real config dump\n",
	        host_progname, host_progname, host_progname, host_progname);
}

static void print_version(void)
{
	printf("meshlua %s (%s)\n", MESHLUA_VERSION, LUA_RELEASE);
	fflush(stdout);
}

/* Scans the options. Returns the index of the script (argc when there is
 * none) and sets *flags; on a bad option, sets HAS_ERROR and *first_bad to its index. */
static int collect_args(int argc, char **argv, int *flags, int *first_bad)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		*first_bad = i;
		if (a[0] != '-')
			return i;
		if (strcmp(a, "--help") == 0) {
			*flags |= HAS_HELP;
			continue;
		}
		switch (a[1]) {
		case '\0': /* "-": the script is stdin */
			return i;
		case '-': /* "--" */
			if (a[2] != '\0')
				goto bad;
			return i + 1 < argc ? i + 1 : argc;
		case 'E':
		case 'W':
		case 'i':
		case 'v':
		case 'h':
			if (a[2] != '\0')
				goto bad;
			*flags |= a[1] == 'E'   ? HAS_NOENV
			          : a[1] == 'i' ? HAS_I | HAS_V
			          : a[1] == 'v' ? HAS_V
			          : a[1] == 'h' ? HAS_HELP
			                        : 0;
			break;
		case 'e':
			*flags |= HAS_E;
			/* fall through */
		case 'l':
			if (a[2] == '\0' && (++i >= argc || argv[i][0] == '-'))
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	*first_bad = 0;
	return argc;
bad:
	*flags |= HAS_ERROR;
	return 0;
}

/* Builds `arg`: arg[0] is the script, positives its arguments, negatives the
 * interpreter and its options (lua.c's convention). */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
	if (script == argc)
		script = 0; /* no script: arg[0] is the program */
	lua_createtable(L, argc - script - 1, script + 1);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - script);
	}
	lua_setglobal(L, "arg");
}

static int run_chunk(lua_State *L, int status)
{
	if (status == LUA_OK)
		status = host_docall(L, 0, 0);
	return host_report(L, status);
}

static int run_string(lua_State *L, const char *code)
{
	return run_chunk(L, luaL_loadbuffer(L, code, strlen(code), "=(command line)"));
}

/* -l [g=]mod: require mod and store it in global g (default: mod). */
static int run_require(lua_State *L, char *spec)
{
	char *eq = strchr(spec, '=');
	const char *global = spec;
	const char *module = spec;
	int status;
	if (eq) {
		*eq = '\0';
		module = eq + 1;
	}
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	status = host_docall(L, 1, 1);
	if (status == LUA_OK)
		lua_setglobal(L, global);
	if (eq)
		*eq = '=';
	return host_report(L, status);
}

/* Runs -e and -l in command-line order. Returns 0 or 1 on the first error. */
static int run_options(lua_State *L, char **argv, int script)
{
	for (int i = 1; i < script; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || (a[1] != 'e' && a[1] != 'l'))
			continue;
		char *value = a[2] == '\0' ? argv[++i] : (char *)a + 2;
		if ((a[1] == 'e' ? run_string(L, value) : run_require(L, value)) != LUA_OK)
			return 1;
	}
	return 0;
}

static int run_script(lua_State *L, char **argv, int argc, int script)
{
	const char *fname = argv[script];
	int status, nargs = argc - script - 1;
	if (strcmp(fname, "-") == 0 && strcmp(argv[script - 1], "--") != 0)
		fname = NULL; /* stdin */
	status = luaL_loadfile(L, fname);
	if (status == LUA_OK) {
		luaL_checkstack(L, nargs, "too many script arguments");
		for (int i = script + 1; i < argc; i++)
			lua_pushstring(L, argv[i]);
		status = host_docall(L, nargs, LUA_MULTRET);
	}
	return host_report(L, status);
}

struct main_args {
	int argc;
	char **argv;
	int status;
};

/* The body of main, run in protected mode so that even a memory error while
 * setting up is reported instead of aborting. */
static int protected_main(lua_State *L)
{
	struct main_args *m = lua_touserdata(L, 1);
	int flags = 0, bad = 0, script;
	m->status = EXIT_FAILURE;
	script = collect_args(m->argc, m->argv, &flags, &bad);
	if (flags & HAS_ERROR) {
		print_usage(stderr, m->argv[bad]);
		return 0;
	}
	if (flags & HAS_HELP) {
		print_usage(stdout, NULL);
		m->status = EXIT_SUCCESS;
		return 0;
	}
	if (flags & HAS_V)
		print_version();
	if (host_report(L, host_open(L, !(flags & HAS_NOENV))) != LUA_OK)
		return 0;
	create_arg_table(L, m->argv, m->argc, script);
	lua_gc(L, LUA_GCRESTART);
	lua_gc(L, LUA_GCGEN, 0, 0);
	for (int i = 1; i < script; i++)
		if (strcmp(m->argv[i], "-W") == 0)
			lua_warning(L, "@on", 0);
	if (run_options(L, m->argv, script) != 0)
		return 0;
	if (script < m->argc && run_script(L, m->argv, m->argc, script) != LUA_OK)
		return 0;
	if (flags & HAS_I) {
		m->status = repl_run(L, isatty(STDIN_FILENO)) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		return 0;
	}
	if (script == m->argc && !(flags & (HAS_E | HAS_V))) {
		int tty = isatty(STDIN_FILENO);
		if (tty)
			print_version();
		m->status = repl_run(L, tty) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		return 0;
	}
	m->status = EXIT_SUCCESS;
	return 0;
}

int main(int argc, char **argv)
{
	struct main_args m = {argc, argv, EXIT_FAILURE};
	lua_State *L = luaL_newstate();
	int status;
	if (L == NULL) {
		host_message(host_progname, "cannot create state: not enough memory");
		return EXIT_FAILURE;
	}
	lua_gc(L, LUA_GCSTOP); /* no GC while building the state */
	lua_pushcfunction(L, protected_main);
	lua_pushlightuserdata(L, &m);
	status = lua_pcall(L, 1, 0, 0);
	host_report(L, status);
	lua_close(L);
	return status == LUA_OK ? m.status : EXIT_FAILURE;
}
