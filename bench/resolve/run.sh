#!/bin/sh
# Benchmark: resolution throughput on a sidecar of a 10,000-service mesh
# (route configuration "80" with 10,000 virtual hosts of 12 domains each,
# 10,000 EDS clusters with 2 endpoints), from C single-threaded and from a
# Lua loop, with a naive linear scan of the virtual hosts as the peer, side
# by side in one run. Builds bench_resolve.c against the static libraries
# of a meshlua build directory.
#
#   bench/resolve/run.sh [build-dir] [services] [requests]
set -eu
BUILD=${1:-build}
SERVICES=${2:-10000}
REQUESTS=${3:-4000000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cc -O2 -std=c11 -I"$ROOT/include" -I"$BUILD/generated" -o "$TMP/bench_resolve" \
	"$HERE/bench_resolve.c" "$BUILD/libmeshlua_resolve.a" "$BUILD/libmeshlua_xds.a" \
	"$BUILD/libmeshlua_core.a" $(pkg-config --libs libpcre2-8 yaml-0.1 libcjson) -lm -lpthread

"$BUILD/meshlua" "$HERE/gen_mesh.lua" "$SERVICES" "$TMP/dump.json" "$TMP/routes.json"
echo "dump $(wc -c <"$TMP/dump.json") bytes, route configuration $(wc -c <"$TMP/routes.json") bytes"
"$TMP/bench_resolve" "$TMP/dump.json" "$TMP/routes.json" "$REQUESTS"
"$BUILD/meshlua" "$HERE/lua_loop.lua" "$TMP/dump.json" "$SERVICES" $((REQUESTS / 4))
