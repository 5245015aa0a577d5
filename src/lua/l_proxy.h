/* The proxy userdata ("meshlua.proxy"): one Envoy, either the sidecar or
 * gateway of a simulated pod (its snapshot rebuilt lazily when the mesh
 * changed: an xDS push), or a config dump loaded from a file or fetched from
 * an admin endpoint. Every binding family that works on proxies (views,
 * resolution, servers, synthesis) goes through these functions. */
#ifndef MESHLUA_L_PROXY_H
#define MESHLUA_L_PROXY_H

#include <lauxlib.h>
#include <lua.h>

#include "meshlua/error.h"
#include "meshlua/profile.h"
#include "meshlua/xds.h"

#define MESHLUA_PROXY "meshlua.proxy"

struct l_proxy {
	struct xds_snapshot *snap;           /* current snapshot; one reference held */
	const struct istio_profile *profile; /* formats of the views; rules when synthesized */
	char *name;                          /* "web-frontend-5c9b9c6d9f-x7k2p.default", or the
	                                        source of a dump */
	/* Synthesized proxies only (NULL for dumps): returns the current
	 * snapshot as a new reference, which may be `current` itself with one
	 * more reference when nothing changed, or NULL with err filled (the pod
	 * is gone, the mesh is invalid). */
	struct xds_snapshot *(*refresh)(void *ctx, struct xds_snapshot *current,
	                                struct mesh_error *err);
	/* Synthesized proxies only: writes into buf (cap bytes) the address
	 * host resolves to in the mesh (a Service's cluster IP, as kube-dns
	 * would answer); returns 0, or -1 when the mesh knows no such name.
	 * NULL for dumps (their callers give an address). */
	int (*resolve_host)(void *ctx, const char *host, char *buf, size_t cap);
	void *ctx; /* refresh's and resolve_host's state, freed with ctx_free */
	void (*ctx_free)(void *ctx);
};

/* Pushes a new proxy userdata that takes over the caller's reference to
 * snap. profile NULL means istio_profile_default(). The userdata has one
 * user value (nil): synthesized proxies keep their mesh userdata there so the
 * mesh outlives them. Returns the new proxy (set refresh/ctx after). */
struct l_proxy *meshlua_push_proxy(lua_State *L, struct xds_snapshot *snap,
                                   const struct istio_profile *profile, const char *name);

/* The proxy at idx, or an argument error naming "proxy". */
struct l_proxy *meshlua_check_proxy(lua_State *L, int idx);

/* The current snapshot of the proxy at idx, refreshed first when it is
 * synthesized; raises the refresh error. The snapshot is borrowed: it stays
 * valid while the proxy holds it (take a reference to keep it longer, as
 * every userdata pointing into it must). */
struct xds_snapshot *meshlua_proxy_snapshot(lua_State *L, int idx);

/* Adds methods (name -> C function taking the proxy first) to the proxy
 * type, for families defined in other files (views, resolve, servers). */
void meshlua_proxy_add_methods(lua_State *L, const luaL_Reg *methods);

/* Sets fn(proxy) to be called on every proxy meshlua.load or meshlua.fetch
 * makes from a dump, before it is returned: what Envoy rejects when it
 * loads a configuration (resolve's route compile) is raised then. One
 * check; a second replaces it. */
void meshlua_proxy_on_load(lua_State *L, lua_CFunction fn);

/* Runs the check of meshlua_proxy_on_load, if any, on the proxy at idx. */
void meshlua_proxy_loaded(lua_State *L, int idx);

/* Creates the proxy metatable. Called once by meshlua_open_bindings before
 * any family adds its methods. */
void meshlua_open_proxy(lua_State *L);

#endif
