#!/bin/sh
# Benchmark: `mesh:apply` of a generated 20,000-object manifest (about 4 MB:
# namespaces, service accounts, deployments, services, virtual services,
# destination rules; see gen_manifest.lua) against a plain libyaml event
# parse of the same file (bench_yaml_events, built by CMake), side by side
# in one run. Prints a markdown table: median wall time of RUNS runs, CPU
# time, peak RSS; for meshlua also the CPU seconds of the apply call alone
# (the process adds start-up, the changes list and teardown).
#
#   bench/apply/run.sh [build-dir] [runs] [objects]
set -eu
BUILD=${1:-build}
RUNS=${2:-5}
OBJECTS=${3:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
MESHLUA=$BUILD/meshlua
EVENTS=$BUILD/bench_yaml_events
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

manifest="$TMP/manifest.yaml"
"$MESHLUA" "$HERE/gen_manifest.lua" "$OBJECTS" "$manifest" 2>"$TMP/gen"
size=$(wc -c <"$manifest")
# Both sides read the whole file: the same documents, and meshlua keeps all.
docs=$("$EVENTS" "$manifest" | awk '{print $3}')
applied=$("$MESHLUA" "$HERE/apply.lua" "$manifest" | awk '{print $1}')
[ "$docs" -eq "$applied" ] || { echo "documents differ: $docs vs $applied" >&2; exit 1; }

# measure <command...>: "<median wall s> <median cpu s> <max KB>" over RUNS runs.
measure() {
	: >"$TMP/times"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %U %S %M" -o "$TMP/one" "$@" >>"$TMP/out"
		cat "$TMP/one" >>"$TMP/times"
		i=$((i + 1))
	done
	w=$(awk '{ print $1 }' "$TMP/times" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
	c=$(awk '{ print $2 + $3 }' "$TMP/times" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
	m=$(awk '$4 > m { m = $4 } END { print m }' "$TMP/times")
	echo "$w $c $m"
}

set -- $(measure "$EVENTS" "$manifest")
ev_w=$1 ev_c=$2 ev_m=$3
: >"$TMP/out"
set -- $(measure "$MESHLUA" "$HERE/apply.lua" "$manifest")
ml_w=$1 ml_c=$2 ml_m=$3
apply_cpu=$(awk '{ print $NF == "cpu" ? $(NF - 2) : "" }' "$TMP/out" | sort -n | awk -v n="$RUNS" '{ a[NR] = $1 } END { print a[int((n + 1) / 2)] }')

# The split: CPU of the core YAML loader alone, and of a whole mesh_apply.
: >"$TMP/split"
i=0
while [ "$i" -lt "$RUNS" ]; do
	"$BUILD/bench_apply_split" "$manifest" >>"$TMP/split"
	i=$((i + 1))
done
load_cpu=$(awk '{ print $2 }' "$TMP/split" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
split_cpu=$(awk '{ print $4 }' "$TMP/split" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')

echo "| manifest | libyaml events: wall, cpu, peak RSS | meshlua apply: wall, cpu, peak RSS | apply call (cpu) | of which yaml_load (cpu) | pods made |"
echo "|---|---|---|---|---|---|"
pods=$("$MESHLUA" "$HERE/apply.lua" "$manifest" | awk '{print $4}')
awk -v o="$docs" -v b="$size" -v ew="$ev_w" -v ec="$ev_c" -v em="$ev_m" -v mw="$ml_w" -v mc="$ml_c" \
	-v mm="$ml_m" -v ac="$apply_cpu" -v lc="$load_cpu" -v sc="$split_cpu" -v p="$pods" 'BEGIN {
	printf "| %d objects, %.1f MB | %.2f s, %.2f s, %.1f MB | %.2f s, %.2f s, %d MB | %.2f s | %.2f s (C: apply %.2f s) | %d |\n",
		o, b / 1e6, ew, ec, em / 1024, mw, mc, mm / 1024, ac, lc, sc, p }'
