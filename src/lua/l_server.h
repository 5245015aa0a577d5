/* The dashboard servers in Lua (l_server.c): meshlua.serve_admin,
 * meshlua.serve_controlz, the server userdata ("meshlua.server"), and the
 * per-proxy counters that /stats and /clusters show. Other binding families
 * use the two functions below: the resolution binding counts each request,
 * the mesh binding tells the servers the mesh changed. */
#ifndef MESHLUA_L_SERVER_H
#define MESHLUA_L_SERVER_H

#include <lauxlib.h>
#include <lua.h>

#include "meshlua/admin.h"

/* The counters of the proxy at idx, made on first use and kept as long as
 * the proxy lives (shared with its admin servers). Borrowed. */
struct admin_stats *meshlua_proxy_stats(lua_State *L, int idx);

/* Counts one request resolved through the proxy at idx (see
 * admin_request_record). Raises only when memory runs out. */
void meshlua_proxy_count_request(lua_State *L, int idx, const struct admin_request_record *rec);

struct resolve_result;

/* Counts what proxy:resolve found (res, pointing into snap) for the proxy
 * at idx (which the caller has checked is a proxy): the listener's
 * address, the connection manager's stat prefix, the cluster, the
 * endpoint, the status and flags. The resolution binding calls it once per
 * resolve; a request shape seen before in snap costs a table lookup and a
 * counter bump, no formatting. */
void meshlua_count_resolution(lua_State *L, int idx, struct xds_snapshot *snap,
                              const struct resolve_result *res);

/* Tells every running server that the mesh may have changed: admin servers
 * of synthesized proxies take the proxy's current snapshot (an xDS push),
 * ControlZ servers republish their mesh page. Errors (a pod that is gone)
 * leave that server on its last good state. Call it after each mutation. */
void meshlua_dashboards_changed(lua_State *L);

/* Adds meshlua.serve_admin, meshlua.serve_controlz and
 * meshlua.dashboards_changed to the meshlua table on the stack's top,
 * proxy:count_request / proxy:stat to the proxy type, mesh:serve_admin /
 * mesh:serve_controlz to the mesh type, and wraps the mesh's mutating
 * methods so running servers hear of each change. Call after
 * meshlua_open_mesh. */
void meshlua_open_server(lua_State *L);

#endif
