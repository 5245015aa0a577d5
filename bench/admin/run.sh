#!/bin/sh
# The admin server under load: wrk (Debian) on loopback, 50 connections for
# 10 s each against /config_dump?include_eds and /clusters of the
# walkthrough's demo proxy (customers-v1, synthesized; or, with a number of
# services, a generated sidecar dump: bench/admin/gen_dump.lua), side by side with a peer serving
# the very same bytes as static files (python3 -m http.server), in one run.
# Checks that every request was answered without error and that the
# server's resident memory does not grow across repeated runs.
# Usage: bench/admin/run.sh [build-dir] [demo | services]
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
TARGET=${2:-demo}
BIN=$BUILD/meshlua
TMP=$(mktemp -d)
PIDS=""
cleanup() {
	exec 3>&- 2>/dev/null || true
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

if [ "$TARGET" = demo ]; then
	SOURCE=demo
else
	"$BIN" bench/admin/gen_dump.lua "$TMP/dump.json" "$TARGET"
	SOURCE="$TMP/dump.json"
fi

mkfifo "$TMP/in"
"$BIN" bench/admin/serve.lua "$SOURCE" 0 <"$TMP/in" >"$TMP/url" &
MESHLUA_PID=$!
PIDS="$PIDS $MESHLUA_PID"
exec 3>"$TMP/in"
i=0
while [ ! -s "$TMP/url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(cat "$TMP/url")

mkdir -p "$TMP/www"
curl -s "$URL/config_dump?include_eds" >"$TMP/www/config_dump"
curl -s "$URL/clusters" >"$TMP/www/clusters"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP/www" >"$TMP/peer.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while ! grep -q "port" "$TMP/peer.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PEER="http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$TMP/peer.log" | head -1)"

rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

# one wrk run: prints "requests/s total errors non2xx"
load() {
	wrk -t2 -c50 -d10s "$1" >"$TMP/wrk.txt" 2>&1
	rps=$(awk '/Requests\/sec/{print $2}' "$TMP/wrk.txt")
	total=$(awk '/requests in/{print $1}' "$TMP/wrk.txt")
	errors=$(awk '/Socket errors/{gsub(",",""); print $4+$6+$8+$10}' "$TMP/wrk.txt")
	non2xx=$(awk '/Non-2xx/{print $5}' "$TMP/wrk.txt")
	echo "$rps ${total:-0} ${errors:-0} ${non2xx:-0}"
}

echo "proxy: $TARGET, $(wc -c <"$TMP/www/config_dump") bytes of /config_dump?include_eds, $(wc -c <"$TMP/www/clusters") bytes of /clusters"
echo "| target | server | requests/s | requests | socket errors | non-2xx | RSS before (KiB) | RSS after (KiB) |"
echo "|---|---|---|---|---|---|---|---|"
for round in 1 2 3; do
	for path in "/config_dump?include_eds" /clusters; do
		before=$(rss "$MESHLUA_PID")
		set -- $(load "$URL$path")
		after=$(rss "$MESHLUA_PID")
		echo "| $path (round $round) | meshlua | $1 | $2 | $3 | $4 | $before | $after |"
		file=$(echo "$path" | sed 's/?.*//; s,^/,,')
		set -- $(load "$PEER/$file")
		echo "| $path (round $round) | python3 http.server (same bytes) | $1 | $2 | $3 | $4 | - | - |"
	done
done
