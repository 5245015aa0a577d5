/* Tab completion for the REPL: "pri" -> globals and keywords, "string.fo" ->
 * fields of the table reached by the dotted path, "obj:me" -> methods found
 * through the metatable's __index table. Values are read with raw accesses
 * only, so completing never runs Lua code (no __index functions). */
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "meshlua/strbuf.h"
#include "repl.h"

/* How many __index tables to follow before giving up (cycles, deep chains). */
#define INDEX_DEPTH 8

static lua_State *completion_state;

/* The matches of the current completion, handed out one by one. */
static char **candidates;
static size_t candidate_count;
static size_t candidate_next;

static const char *const keywords[] = {
    "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
    "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
    "repeat",   "return", "then", "true", "until",  "while",
};

static int is_identifier(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static void add_candidate(const char *prefix, size_t prefix_len, const char *name)
{
	char **grown = realloc(candidates, (candidate_count + 1) * sizeof *candidates);
	char *match = malloc(prefix_len + strlen(name) + 1);
	if (!grown || !match) {
		free(match);
		if (grown)
			candidates = grown;
		return;
	}
	candidates = grown;
	memcpy(match, prefix, prefix_len);
	strcpy(match + prefix_len, name);
	candidates[candidate_count++] = match;
}

/* Pushes the __index table of the metatable of the value at idx and returns
 * 1; returns 0 with nothing pushed when there is no such table. When
 * __index is a function (userdata with fields as well as methods), the
 * metatable's `methods` table stands for it: meshlua's types keep their
 * methods there. */
static int push_index_table(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return 0;
	lua_pushliteral(L, "__index");
	lua_rawget(L, -2);
	if (lua_type(L, -1) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_pushliteral(L, "methods");
		lua_rawget(L, -2);
	}
	lua_remove(L, -2);
	if (lua_type(L, -1) == LUA_TTABLE)
		return 1;
	lua_pop(L, 1);
	return 0;
}

/* Adds the string keys of the value on the stack top (a table's own keys,
 * then those of its __index chain) that start with partial, each prefixed
 * with prefix. With methods_only, keeps only keys whose values are functions. */
static void collect_keys(lua_State *L, const char *prefix, size_t prefix_len, const char *partial,
                         int methods_only)
{
	size_t plen = strlen(partial);
	lua_pushvalue(L, -1);
	for (int depth = 0; depth < INDEX_DEPTH; depth++) {
		if (lua_type(L, -1) == LUA_TTABLE) {
			lua_pushnil(L);
			while (lua_next(L, -2)) {
				size_t klen;
				const char *key;
				if (lua_type(L, -2) == LUA_TSTRING &&
				    (!methods_only || lua_type(L, -1) == LUA_TFUNCTION)) {
					key = lua_tolstring(L, -2, &klen);
					if (is_identifier(key, klen) &&
					    strncmp(key, partial, plen) == 0)
						add_candidate(prefix, prefix_len, key);
				}
				lua_pop(L, 1);
			}
		}
		if (!push_index_table(L, -1))
			break;
		lua_remove(L, -2);
	}
	lua_pop(L, 1);
}

/* Replaces the value on the stack top with its field name[0..len), looked up
 * raw in the value (when a table) and then along its __index tables; with nil
 * when there is none. */
static void replace_with_field(lua_State *L, const char *name, size_t len)
{
	lua_pushvalue(L, -1);
	for (int depth = 0; depth < INDEX_DEPTH; depth++) {
		if (lua_type(L, -1) == LUA_TTABLE) {
			lua_pushlstring(L, name, len);
			lua_rawget(L, -2);
			if (!lua_isnil(L, -1)) {
				lua_replace(L, -3);
				lua_pop(L, 1);
				return;
			}
			lua_pop(L, 1);
		}
		if (!push_index_table(L, -1))
			break;
		lua_remove(L, -2);
	}
	lua_pop(L, 2);
	lua_pushnil(L);
}

/* Pushes the value named by the dotted path text[0..len) ("a.b.c"), starting
 * from the globals; nil when some part is missing. */
static void push_path_value(lua_State *L, const char *text, size_t len)
{
	const char *part = text, *stop = text + len;
	lua_pushglobaltable(L);
	while (!lua_isnil(L, -1)) {
		const char *end = memchr(part, '.', (size_t)(stop - part));
		replace_with_field(L, part, end ? (size_t)(end - part) : (size_t)(stop - part));
		if (!end)
			break;
		part = end + 1;
	}
}

static void clear_candidates(void)
{
	for (size_t i = candidate_next; i < candidate_count; i++)
		free(candidates[i]);
	free(candidates);
	candidates = NULL;
	candidate_count = candidate_next = 0;
}

/* Fills the candidate list for the word text. */
static void find_candidates(lua_State *L, const char *text)
{
	const char *sep = NULL;
	int top = lua_gettop(L);
	for (const char *p = text; *p; p++)
		if (*p == '.' || *p == ':')
			sep = p;
	if (!sep) {
		lua_pushglobaltable(L);
		collect_keys(L, "", 0, text, 0);
		for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
			if (strncmp(keywords[i], text, strlen(text)) == 0)
				add_candidate("", 0, keywords[i]);
	} else {
		push_path_value(L, text, (size_t)(sep - text));
		if (!lua_isnil(L, -1))
			collect_keys(L, text, (size_t)(sep - text) + 1, sep + 1, *sep == ':');
	}
	lua_settop(L, top);
}

/* readline generator: state 0 starts a new completion. */
static char *next_candidate(const char *text, int state)
{
	if (state == 0) {
		clear_candidates();
		if (!lua_checkstack(completion_state, 2 * INDEX_DEPTH + 10))
			return NULL;
		find_candidates(completion_state, text);
	}
	if (candidate_next < candidate_count)
		return candidates[candidate_next++]; /* readline frees it */
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	rl_completion_append_character = '\0';
	return rl_completion_matches(text, next_candidate);
}

void repl_complete_install(lua_State *L)
{
	completion_state = L;
	/* '.' and ':' belong to the word so "string.fo" is completed whole. */
	rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{}()[],+-*/%^~#";
	rl_completer_word_break_characters = rl_basic_word_break_characters;
	rl_attempted_completion_function = complete;
}
