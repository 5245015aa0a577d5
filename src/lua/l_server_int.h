/* Internal to the dashboard bindings (l_server.c, l_server_stats.c,
 * l_server_push.c): the server userdata and the registry keys they share. */
#ifndef MESHLUA_L_SERVER_INT_H
#define MESHLUA_L_SERVER_INT_H

#include <lauxlib.h>
#include <lua.h>

#include "meshlua/admin.h"
#include "meshlua/controlz.h"
#include "meshlua/server.h"

#define MESHLUA_SERVER "meshlua.server"
#define STATS_HOLDER   "meshlua.proxy_stats_holder"
#define SERVERS_KEY    "meshlua.servers" /* registry: running server -> true */

enum { UV_SOURCE = 1 }; /* admin: the proxy; ControlZ: its mesh source (or nil) */

struct l_server {
	struct http_server *http; /* NULL once closed */
	struct admin *admin;      /* Envoy admin servers */
	struct controlz *cz;      /* ControlZ servers */
	char url[96];
	unsigned long long pushes; /* admin: snapshots handed to the server */
};

/* Hands the server s (its userdata at idx) the current state: the proxy's
 * snapshot (admin) or a new mesh page (ControlZ). Errors leave it as it
 * was (l_server_push.c). */
void meshlua_server_refresh(lua_State *L, struct l_server *s, int idx);

/* Makes running servers hear of each change of a mesh (l_server_push.c). */
void meshlua_server_watch_meshes(lua_State *L);

/* The counters' registry and holder type, and proxy:count_request /
 * proxy:stat (l_server_stats.c). */
void meshlua_open_proxy_stats(lua_State *L);

#endif
