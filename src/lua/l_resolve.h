/* Bindings of the resolution engine (src/resolve/): proxy:resolve,
 * meshlua.routes and their route-table userdata, meshlua.check_routes, and
 * the trace userdata ("meshlua.trace") every resolution returns. Shared by
 * l_resolve.c, l_request.c, l_routes.c, l_resolve_node.c and l_trace.c
 * only. */
#ifndef MESHLUA_L_RESOLVE_H
#define MESHLUA_L_RESOLVE_H

#include <lauxlib.h>
#include <lua.h>

#include "meshlua/arena.h"
#include "meshlua/node.h"
#include "meshlua/resolve.h"
#include "meshlua/xds.h"
#include "meshlua/yaml_load.h"

#define MESHLUA_TRACE  "meshlua.trace"
#define MESHLUA_ROUTES "meshlua.routes"

/* A compiled RouteConfiguration standing alone (meshlua.routes). */
struct l_routes {
	struct yaml_stream stream; /* the tree the table borrows */
	int has_stream;
	struct resolve_routes *rt;
	struct resolver *resolver;
	char *source;
};

/* One note of an explanation, copied out of the engine's callback. */
struct l_note {
	enum resolve_step step;
	enum resolve_verdict verdict;
	const char *candidate, *why, *field, *expected, *actual;
	size_t expected_len, actual_len;
	int index;
};

/* The trace userdata: the request (its strings in arena), the result, and
 * what keeps the result's pointers valid: a snapshot reference, or the route
 * table userdata in user value 1. User value 2 caches the Lua tables built
 * from it. */
struct l_trace {
	struct arena arena;
	struct resolve_request req;
	struct resolve_header *headers; /* req.headers' storage, in arena */
	struct resolve_result res;
	struct xds_snapshot *snap;                  /* one reference, or NULL */
	const struct resolve_routes *rt;            /* when routed through a table */
	const struct resolve_header *response_seed; /* router check's response headers */
	size_t response_seed_count;
	int finalized;
	struct resolve_final final;
	int explained;
	struct l_note *notes;
	size_t note_count, note_cap;
	/* The request's strings, when they fit (most do): no malloc per
	 * resolve. Longer ones go to the arena. */
	size_t inline_used;
	char inline_buf[256];
};

/* Pushes a new, empty trace (two user values). */
struct l_trace *l_resolve_push_trace(lua_State *L);

/* Fills t->req from the request at idx: a URL string or a table (see
 * proxy:resolve). Strings are copied into t's arena. host_to_address (may
 * be NULL) turns a host name into an address for synthesized proxies: it
 * returns 0 and writes into buf, or -1. Raises a clear error on bad input. */
void l_resolve_check_request(lua_State *L, int idx, struct l_trace *t,
                             int (*host_to_address)(void *ctx, const char *host, char *buf,
                                                    size_t cap),
                             void *ctx, int need_address);

/* Converts the Lua value at idx (table, string, number, boolean) into a
 * node tree allocated in a. Returns NULL with a message in err on values
 * JSON cannot hold (functions, cycles, mixed keys). */
struct node *l_resolve_to_node(lua_State *L, int idx, struct arena *a, char *err, size_t cap);

/* Pushes n as a Lua value (maps and lists as tables, typed scalars), or nil
 * when n is NULL. */
void l_resolve_push_node(lua_State *L, const struct node *n);

/* Reads a route configuration or test file argument at idx: a path to an
 * existing file, JSON/YAML text, or a table. On success fills *stream and
 * returns its first document; raises with the input's name on failure. */
const struct node *l_resolve_load_doc(lua_State *L, int idx, struct yaml_stream *stream,
                                      const char *what);

/* Raises err, formatted with its place, as a Lua error. */
void l_resolve_raise(lua_State *L, const struct mesh_error *err);

void l_resolve_open_trace(lua_State *L);
/* Registers the route table type ("meshlua.routes") and sets routes,
 * check_routes and read_document in the table on top of the stack. */
void l_resolve_open_routes(lua_State *L);

#endif
