/* Entry points of the Lua bindings (src/lua/): what the host calls to give a
 * fresh lua_State the `meshlua` global and the bundled Lua library. */
#ifndef MESHLUA_LUA_BINDINGS_H
#define MESHLUA_LUA_BINDINGS_H

#include <stddef.h>

#include <lua.h>

struct node;

/* Installs the package searcher for the embedded Lua library (first after
 * package.preload). When use_env is nonzero, a non-empty MESHLUA_PATH names a
 * source tree whose lua/ files take precedence over the embedded copies. */
void meshlua_open_embedded(lua_State *L, int use_env);

/* Creates the global table `meshlua` (also package.loaded.meshlua) with the
 * version fields and the functions of every binding family. */
void meshlua_open_bindings(lua_State *L);

/* meshlua.bundled_modules() -> list of the embedded module names, in the
 * order of their paths. */
int meshlua_l_bundled_modules(lua_State *L);

/* Pushes a list userdata over the items table at items_idx with the
 * presenter table at presenter_idx (see l_list.c). */
void meshlua_push_list(lua_State *L, int items_idx, int presenter_idx);

/* Makes the items first to last of a lazy list into the table at index
 * items, each one that is not there yet, from data; anchor is the index of
 * the list's anchor value (nil when none). Indexes are absolute. */
typedef void (*meshlua_list_fill)(lua_State *L, void *data, int items, int anchor,
                                  lua_Integer first, lua_Integer last);

/* Pushes a list of count items made on demand by fill (see l_list.c), with
 * the presenter table at presenter_idx. items_idx (0: none) is a table to
 * start the items table from (fields such as opts are kept; it holds no
 * items); anchor_idx (0: none) a value the list keeps alive for fill until
 * every item is made. Returns size zeroed bytes (aligned as malloc's) for
 * fill's data: the caller fills them, the list owns them and calls
 * release(data) once every item is made or the list is collected (release
 * must accept the zeroed bytes). */
void *meshlua_push_lazy_list(lua_State *L, lua_Integer count, size_t size, meshlua_list_fill fill,
                             void (*release)(void *data), int presenter_idx, int items_idx,
                             int anchor_idx);

/* meshlua.list(items [, presenter]) -> list. */
int meshlua_l_list(lua_State *L);

/* Flags of meshlua_push_node. MESHLUA_NODE_ARRAY_MT: sequences get
 * meshlua.kube.encode's array_mt, so an empty list still writes as [] in
 * kubectl's -o json. */
enum { MESHLUA_NODE_ARRAY_MT = 1 };

/* Pushes the tree n as plain Lua values (nil when n is NULL): tables,
 * integers, numbers, booleans as node_bool reads them, strings; null as
 * nil. Raises past 1000 levels (see l_node.c). */
void meshlua_push_node(lua_State *L, const struct node *n, unsigned flags);

/* meshlua.isatty(file) -> whether the Lua file handle is a terminal (l_term.c). */
int meshlua_l_isatty(lua_State *L);

/* meshlua.profiles() -> the Istio profiles' names and versions (l_profile.c). */
int meshlua_l_profiles(lua_State *L);

/* Adds meshlua.x509 and meshlua.base64_decode to the meshlua table on the
 * stack's top (see l_x509.c). */
void meshlua_open_x509(lua_State *L);

/* meshlua.load(path_or_text [, opts]) -> proxy (see l_load.c). */
int meshlua_l_load(lua_State *L);

/* meshlua.fetch(url_or_list [, opts]) -> proxy or results (see l_fetch.c). */
int meshlua_l_fetch(lua_State *L);

/* Adds the proxy-config view methods to the proxy type and the internal
 * table _xds to the meshlua table on the stack's top (see l_views.c). */
void meshlua_open_views(lua_State *L);

/* Adds proxy:resolve to the proxy type, the trace and route table types, and
 * meshlua.routes / meshlua.check_routes to the meshlua table on the stack's
 * top (see l_resolve.c). */
void meshlua_open_resolve(lua_State *L);

/* Adds mesh:proxy(ref [, ns]) to the mesh type: the synthesized Envoy of a
 * pod (see l_synth.c). Called after meshlua_open_mesh. */
void meshlua_open_synth(lua_State *L);

#endif
