#!/bin/sh
# Benchmark: building one sidecar's snapshot with the synthesizer
# (bench_synth: synth_build of the client pod of a generated mesh, see
# gen_mesh.lua: 10,000 Services in 50 namespaces, 3 pods each) against the
# tools that merely read the config dump it produces, side by side in the
# same run: jq (`jq -c .configs[1]...`), Python's json.load, and meshlua's own
# loader (meshlua.load: JSON parser plus the same ingest). The synthesizer
# computes every listener, route, cluster and endpoint from the mesh; the
# peers only parse the result. Prints a markdown table (medians of RUNS
# runs; CPU and wall time, since the machine is shared; peak RSS from
# /usr/bin/time, and for the synthesizer the growth of its peak RSS during
# the builds, the mesh itself excluded).
#
#   bench/synth/run.sh [build-dir] [runs] [services] [namespaces]
set -eu
BUILD=${1:-build}
RUNS=${2:-5}
SERVICES=${3:-10000}
NAMESPACES=${4:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
MESHLUA=$BUILD/meshlua
BENCH=$BUILD/bench_synth
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

manifest="$TMP/mesh.yaml"
dump="$TMP/dump.json"
"$MESHLUA" "$HERE/gen_mesh.lua" "$SERVICES" "$NAMESPACES" "$manifest" 2>"$TMP/gen"
set -- $("$BENCH" "$manifest" "$RUNS" "$dump")
apply_s=$1 wall_ms=$2 min_ms=$3 cpu_ms=$4 peak_mb=$5 arena_mb=$6
listeners=$7 routes=$8 clusters=$9
shift 9
eds=$1 bytes=$2

# The peers see the same clusters the synthesizer built.
n_py=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(c.get("dynamic_active_clusters",[]))+len(c.get("static_clusters",[])) for c in d["configs"] if c["@type"].endswith("ClustersConfigDump")))' "$dump")
[ "$n_py" -eq "$clusters" ] || { echo "clusters differ: python $n_py, synth $clusters" >&2; exit 1; }

# measure <command...>: "<median wall s> <median cpu s> <max KB>" over RUNS runs.
measure() {
	: >"$TMP/times"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %U %S %M" -o "$TMP/one" "$@" >/dev/null
		cat "$TMP/one" >>"$TMP/times"
		i=$((i + 1))
	done
	w=$(awk '{ print $1 }' "$TMP/times" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
	c=$(awk '{ print $2 + $3 }' "$TMP/times" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
	m=$(awk '$4 > m { m = $4 } END { print m }' "$TMP/times")
	echo "$w $c $m"
}

set -- $(measure jq -c '.configs[1].dynamic_active_clusters | length' "$dump")
jq_w=$1 jq_c=$2 jq_m=$3
set -- $(measure python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dump")
py_w=$1 py_c=$2 py_m=$3
set -- $(measure "$MESHLUA" "$HERE/load.lua" "$dump")
ml_w=$1 ml_c=$2 ml_m=$3

echo "mesh: $SERVICES services in $NAMESPACES namespaces, applied in ${apply_s} s; snapshot: $listeners listeners, $routes route configs, $clusters clusters, $eds endpoint sets; dump $(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
echo
echo "| what | wall | cpu | memory |"
echo "|---|---|---|---|"
echo "| meshlua synth_build (mesh -> snapshot, median of $RUNS) | ${wall_ms} ms (min ${min_ms}) | ${cpu_ms} ms | ${peak_mb} MB peak growth (${arena_mb} MB arena) |"
awk -v w="$jq_w" -v c="$jq_c" -v m="$jq_m" 'BEGIN { printf "| jq 1.6: parse the dump, count clusters | %d ms | %d ms | %d MB peak |\n", w * 1000, c * 1000, m / 1024 }'
awk -v w="$py_w" -v c="$py_c" -v m="$py_m" 'BEGIN { printf "| python3 json.load of the dump | %d ms | %d ms | %d MB peak |\n", w * 1000, c * 1000, m / 1024 }'
awk -v w="$ml_w" -v c="$ml_c" -v m="$ml_m" 'BEGIN { printf "| meshlua.load of the dump (parse + ingest, clusters counted) | %d ms | %d ms | %d MB peak |\n", w * 1000, c * 1000, m / 1024 }'
