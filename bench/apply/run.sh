#!/bin/sh
# Benchmark: `mesh:apply` of a generated 20,000-object manifest (about 4 MB:
# namespaces, service accounts, deployments, services, virtual services,
# destination rules; see gen_manifest.lua) against a plain libyaml event
# parse of the same file (bench_yaml_events, built by CMake), side by side,
# the runs of the two interleaved so that a busy machine weighs on both.
# Prints two markdown tables over RUNS runs: the whole processes (wall and
# CPU seconds, median and best, peak RSS) and where meshlua's time goes
# (CPU of the Lua apply call; wall and CPU of the C mesh_apply, and the CPU
# of its calling thread, as libyaml parses big inputs on a second thread;
# yaml_load alone).
#
#   bench/apply/run.sh [build-dir] [runs] [objects]
set -eu
BUILD=${1:-build}
RUNS=${2:-9}
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

# One run of each, interleaved: /usr/bin/time lines in $TMP/{events,meshlua},
# apply.lua's and bench_apply_split's lines in $TMP/{lua,apply,load}.
i=0
while [ "$i" -lt "$RUNS" ]; do
	/usr/bin/time -a -o "$TMP/events" -f "%e %U %S %M" "$EVENTS" "$manifest" >/dev/null
	/usr/bin/time -a -o "$TMP/meshlua" -f "%e %U %S %M" "$MESHLUA" "$HERE/apply.lua" "$manifest" \
		>>"$TMP/lua"
	"$BUILD/bench_apply_split" "$manifest" apply >>"$TMP/apply"
	"$BUILD/bench_apply_split" "$manifest" load >>"$TMP/load"
	i=$((i + 1))
done

# stats <file> <awk expression>: "<median> <best>" of the expression over the lines.
stats() {
	awk "{ print $2 }" "$1" | sort -n | awk -v n="$RUNS" '
		NR == 1 { best = $1 } NR == int((n + 1) / 2) { median = $1 }
		END { printf "%.3f %.3f\n", median, best }'
}
rss() { awk '$4 > m { m = $4 } END { printf "%.1f\n", m / 1024 }' "$1"; }

set -- $(stats "$TMP/events" '$1') $(stats "$TMP/events" '$2 + $3') $(rss "$TMP/events")
ev="$1 ($2) | $3 ($4) | $5 MB"
set -- $(stats "$TMP/meshlua" '$1') $(stats "$TMP/meshlua" '$2 + $3') $(rss "$TMP/meshlua")
ml="$1 ($2) | $3 ($4) | $5 MB"
pods=$("$MESHLUA" "$HERE/apply.lua" "$manifest" | awk '{print $4}')

printf '%s objects, %.1f MB, %s pods made. Seconds: median of %s runs (best in brackets).\n\n' \
	"$docs" "$(echo "$size" | awk '{ print $1 / 1e6 }')" "$pods" "$RUNS"
echo "| process | wall | CPU | peak RSS |"
echo "|---|---|---|---|"
echo "| libyaml event parse (bench_yaml_events) | $ev |"
echo "| meshlua apply.lua (start-up, apply, 20,000-item list, exit) | $ml |"
echo
set -- $(stats "$TMP/lua" '$(NF - 2)') $(stats "$TMP/apply" '$3') $(stats "$TMP/apply" '$5') \
	$(stats "$TMP/apply" '$7') $(stats "$TMP/load" '$3') $(stats "$TMP/load" '$5')
echo "| meshlua, inside the process | median (best) |"
echo "|---|---|"
echo "| \`mesh:apply(path)\` in Lua, CPU (both threads) | $1 ($2) |"
echo "| C \`mesh_apply\`, wall | $3 ($4) |"
echo "| C \`mesh_apply\`, CPU (both threads) | $5 ($6) |"
echo "| C \`mesh_apply\`, CPU of the calling thread | $7 ($8) |"
echo "| C \`yaml_load\` alone, wall / CPU | $9 (${10}) / ${11} (${12}) |"
