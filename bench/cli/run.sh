#!/bin/sh
# bench/cli/run.sh [BUILD_DIR] [N]: shell word splitting of N generated command
# lines by meshlua's cli.split (what every kubectl/istioctl line typed in the
# REPL goes through) next to Python's shlex.split on the very same lines, in
# the same run; both outputs must be identical. Then the Envoy demo end to end
# (examples/envoy-demo.lua): wall time and peak RSS of three runs.
set -e
BUILD=${1:-build}
N=${2:-200000}
BIN=$BUILD/meshlua
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BIN" bench/cli/gen_lines.lua "$N" > "$TMP/lines"
for round in 1 2 3; do
  /usr/bin/time -f "meshlua total: %e s, max RSS %M KiB" "$BIN" bench/cli/split.lua "$TMP/lines" > "$TMP/meshlua.words"
  /usr/bin/time -f "python3 total: %e s, max RSS %M KiB" python3 bench/cli/split.py "$TMP/lines" > "$TMP/python.words"
  cmp "$TMP/meshlua.words" "$TMP/python.words" && echo "round $round: identical words"
done
for round in 1 2 3; do
  /usr/bin/time -f "envoy-demo.lua: %e s, max RSS %M KiB" "$BIN" examples/envoy-demo.lua > "$TMP/demo.out"
  tail -1 "$TMP/demo.out"
done
