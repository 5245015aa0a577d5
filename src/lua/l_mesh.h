/* The simulated cluster in Lua: the mesh userdata ("meshlua.mesh", made by
 * meshlua.mesh(opts)) and its objects ("meshlua.mesh_object"). Other binding
 * families add methods to the mesh (the synthesizer's mesh:proxy()) and
 * read the mesh and its Istio profile through these functions. */
#ifndef MESHLUA_L_MESH_H
#define MESHLUA_L_MESH_H

#include <lauxlib.h>
#include <lua.h>

#include "meshlua/mesh.h"
#include "meshlua/profile.h"

#define MESHLUA_MESH        "meshlua.mesh"
#define MESHLUA_MESH_OBJECT "meshlua.mesh_object"

struct l_mesh {
	struct mesh *mesh;                   /* owned; NULL once collected */
	const struct istio_profile *profile; /* the rules and formats its proxies use */
};

/* The mesh at idx, or an argument error naming "mesh". */
struct mesh *meshlua_check_mesh(lua_State *L, int idx);

/* The Istio profile of the mesh userdata at idx. */
const struct istio_profile *meshlua_mesh_profile(lua_State *L, int idx);

/* Adds methods (name -> C function taking the mesh first) to the mesh type. */
void meshlua_mesh_add_methods(lua_State *L, const luaL_Reg *methods);

/* Sets fn to be called (no arguments, no results) after every mutation of
 * any mesh that succeeded (the dashboards hear of changes this way). The
 * mutation's own argument errors stay named after it, as a wrapper
 * function calling it could not keep them. One hook; a second replaces it. */
void meshlua_mesh_on_change(lua_State *L, lua_CFunction fn);

/* Pushes an object userdata for o (taking its own reference) that keeps the
 * mesh userdata at mesh_idx alive. */
void meshlua_push_mesh_object(lua_State *L, struct mesh_object *o, int mesh_idx);

/* The object at idx, or an argument error naming "mesh object". */
struct mesh_object *meshlua_check_mesh_object(lua_State *L, int idx);

/* Raises err as a Lua error string ("file:line:col: message"). */
int meshlua_mesh_error(lua_State *L, const struct mesh_error *err);

/* Pushes the result of require(name). */
void meshlua_require(lua_State *L, const char *name);

/* Creates the mesh and object metatables and sets meshlua.mesh in the
 * table on the top of the stack (the `meshlua` table being built). */
void meshlua_open_mesh(lua_State *L);

/* The query methods (get, pods, services ...), registered by
 * meshlua_open_mesh (l_mesh_query.c). */
extern const luaL_Reg meshlua_mesh_query_methods[];

/* The object type's setup (l_mesh_object.c). */
void meshlua_open_mesh_object(lua_State *L);

#endif
