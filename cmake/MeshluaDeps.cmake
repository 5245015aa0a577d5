# Finds meshlua's dependencies, all from Debian packages. Each lookup that
# fails stops the configure step with the name of the package to install, so a
# new machine is one `apt-get install` away from a build.
include_guard(GLOBAL)
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' "
                      "(or run scripts/install-deps)")
endif()

# meshlua_require_pkg(<prefix> <pkg-config module> <Debian package>)
# Defines the imported target PkgConfig::<prefix>.
function(meshlua_require_pkg prefix module debian)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package '${debian}' "
                        "(or run scripts/install-deps)")
  endif()
  message(STATUS "Found ${module} ${${prefix}_VERSION} (${debian})")
endfunction()

meshlua_require_pkg(LUA lua5.4 liblua5.4-dev)
meshlua_require_pkg(YAML yaml-0.1 libyaml-dev)
meshlua_require_pkg(CJSON libcjson libcjson-dev)
meshlua_require_pkg(PCRE2 libpcre2-8 libpcre2-dev)
meshlua_require_pkg(CURL libcurl libcurl4-openssl-dev)
meshlua_require_pkg(READLINE readline libreadline-dev)
meshlua_require_pkg(MHD libmicrohttpd libmicrohttpd-dev)
find_package(Threads REQUIRED)

# Lua modules the host loads at run time: lua-cjson for every script, busted
# for the specs. Their directories are appended to package.(c)path so they are
# found even when LUA_PATH/LUA_CPATH point elsewhere.
find_path(MESHLUA_LUA_CMOD_DIR cjson.so
  PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/lua/5.4 /usr/lib/lua/5.4 /usr/local/lib/lua/5.4
  NO_DEFAULT_PATH)
if(NOT MESHLUA_LUA_CMOD_DIR)
  message(FATAL_ERROR "cjson.so for Lua 5.4 not found: install the Debian package 'lua-cjson' "
                      "(or run scripts/install-deps)")
endif()
find_path(MESHLUA_LUA_MOD_DIR busted/runner.lua
  PATHS /usr/share/lua/5.4 /usr/local/share/lua/5.4 NO_DEFAULT_PATH)
if(BUILD_TESTING AND NOT MESHLUA_LUA_MOD_DIR)
  message(FATAL_ERROR "busted for Lua 5.4 not found: install the Debian package 'lua-busted' "
                      "(or run scripts/install-deps)")
endif()
if(NOT MESHLUA_LUA_MOD_DIR)
  set(MESHLUA_LUA_MOD_DIR /usr/share/lua/5.4)
endif()
