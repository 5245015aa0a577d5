/* Between Lua values and node trees for the resolution bindings: a
 * configuration given as a table becomes the same tree a file would give,
 * JSON subtrees of a trace become tables, and a route configuration or test
 * argument may be a file, JSON/YAML text or a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lua/bindings.h"
#include "lua/l_resolve.h"

static struct node *scalar(struct arena *a, enum node_tag tag, const char *text)
{
	struct node *n = arena_calloc(a, 1, sizeof *n);
	if (!n || !(n->str = arena_strdup(a, text)))
		return NULL;
	n->type = NODE_SCALAR;
	n->tag = tag;
	n->len = strlen(text);
	return n;
}

/* 1 when the table at idx is a non-empty sequence 1..n with no other key. */
static int is_array(lua_State *L, int idx)
{
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
	if (n == 0)
		return 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
			lua_pop(L, 1);
			return 0;
		}
		count++;
	}
	return count == n;
}

static struct node *convert(lua_State *L, int idx, struct arena *a, char *err, size_t cap,
                            int depth)
{
	char buf[64];
	struct node *n;
	idx = lua_absindex(L, idx);
	if (depth > YAML_MAX_DEPTH) {
		snprintf(err, cap, "nested too deep (or a cycle)");
		return NULL;
	}
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		return scalar(a, NODE_TAG_STR, lua_tostring(L, idx));
	case LUA_TBOOLEAN:
		return scalar(a, NODE_TAG_BOOL, lua_toboolean(L, idx) ? "true" : "false");
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, idx));
			return scalar(a, NODE_TAG_INT, buf);
		}
		snprintf(buf, sizeof buf, "%.17g", lua_tonumber(L, idx));
		return scalar(a, NODE_TAG_FLOAT, buf);
	case LUA_TTABLE:
		break;
	default:
		snprintf(err, cap, "a %s cannot be part of a configuration", luaL_typename(L, idx));
		return NULL;
	}
	if (!lua_checkstack(L, 4)) {
		snprintf(err, cap, "nested too deep");
		return NULL;
	}
	if (!(n = arena_calloc(a, 1, sizeof *n)))
		goto oom;
	if (is_array(L, idx)) {
		n->type = NODE_SEQ;
		n->len = lua_rawlen(L, idx);
		if (!(n->items = arena_calloc(a, n->len, sizeof *n->items)))
			goto oom;
		for (size_t i = 0; i < n->len; i++) {
			lua_rawgeti(L, idx, (lua_Integer)i + 1);
			n->items[i] = convert(L, -1, a, err, cap, depth + 1);
			lua_pop(L, 1);
			if (!n->items[i])
				return NULL;
		}
		return n;
	}
	n->type = NODE_MAP;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		n->len++;
	}
	if (!(n->pairs = arena_calloc(a, n->len ? n->len : 1, sizeof *n->pairs)))
		goto oom;
	n->len = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		struct node_pair *p = &n->pairs[n->len];
		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(err, cap, "table keys must be strings (got a %s)",
			         luaL_typename(L, -2));
			lua_pop(L, 2);
			return NULL;
		}
		p->key = scalar(a, NODE_TAG_STR, lua_tostring(L, -2));
		p->value = convert(L, -1, a, err, cap, depth + 1);
		lua_pop(L, 1);
		if (!p->key || !p->value) {
			lua_pop(L, 1);
			if (!p->key)
				goto oom;
			return NULL;
		}
		n->len++;
	}
	return n;
oom:
	snprintf(err, cap, "out of memory");
	return NULL;
}

struct node *l_resolve_to_node(lua_State *L, int idx, struct arena *a, char *err, size_t cap)
{
	return convert(L, idx, a, err, cap, 0);
}

/* The resolution bindings' name for meshlua_push_node (l_node.c). */
void l_resolve_push_node(lua_State *L, const struct node *n)
{
	meshlua_push_node(L, n, 0);
}

static int is_file(const char *s)
{
	struct stat st;
	return !strchr(s, '\n') && stat(s, &st) == 0 && S_ISREG(st.st_mode);
}

const struct node *l_resolve_load_doc(lua_State *L, int idx, struct yaml_stream *stream,
                                      const char *what)
{
	struct mesh_error err;
	char msg[2048];
	mesh_error_clear(&err);
	memset(stream, 0, sizeof *stream);
	if (lua_type(L, idx) == LUA_TTABLE) {
		char why[256];
		struct node *root;
		arena_init(&stream->arena, 0);
		root = l_resolve_to_node(L, idx, &stream->arena, why, sizeof why);
		if (!root || !(stream->docs = arena_alloc(&stream->arena, sizeof *stream->docs))) {
			arena_free(&stream->arena);
			luaL_error(L, "%s: %s", what, root ? "out of memory" : why);
		}
		stream->docs[0] = root;
		stream->count = 1;
		stream->source = arena_strdup(&stream->arena, "<table>");
		return root;
	}
	if (lua_type(L, idx) == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		int rc;
		if (is_file(s)) {
			char *data;
			size_t dlen;
			if (read_whole_file(s, &data, &dlen, &err) < 0)
				goto fail;
			rc = yaml_load(stream, s, data, dlen, &err);
			free(data);
		} else {
			rc = yaml_load(stream, "<string>", s, len, &err);
		}
		if (rc < 0)
			goto fail;
		if (stream->count == 0) {
			const char *src = is_file(s) ? s : "<string>";
			yaml_stream_free(stream);
			luaL_error(L, "%s: %s: empty document", what, src);
		}
		return stream->docs[0];
	}
	luaL_typeerror(L, idx, "file name, JSON/YAML text or table");
	return NULL;
fail:
	mesh_error_format(&err, msg, sizeof msg);
	luaL_error(L, "%s: %s", what, msg);
	return NULL;
}
