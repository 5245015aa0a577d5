/* meshlua.profiles(): the Istio release lines meshlua reproduces, as Lua
 * tables of their names and versions, so the Lua side (istioctl version,
 * help texts) reports what the profile table says instead of repeating it.
 * The rules themselves stay in C (src/xds/profile.c). */
#include <lauxlib.h>
#include <lua.h>

#include "lua/bindings.h"
#include "meshlua/profile.h"

/* meshlua.profiles() -> { {name=, istio_version=, envoy_version=,
 * default=true|nil}, ... } in release order. */
int meshlua_l_profiles(lua_State *L)
{
	const struct istio_profile *const *all = istio_profile_all();
	const struct istio_profile *def = istio_profile_default();
	lua_newtable(L);
	for (lua_Integer i = 0; all[i]; i++) {
		lua_createtable(L, 0, 4);
		lua_pushstring(L, all[i]->name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, all[i]->istio_version);
		lua_setfield(L, -2, "istio_version");
		lua_pushstring(L, all[i]->envoy_version);
		lua_setfield(L, -2, "envoy_version");
		if (all[i] == def) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, "default");
		}
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}
