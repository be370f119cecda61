#!/usr/bin/env bash
# Hot spots (issue 7) by instruction counts, which stay stable on a busy machine (perf's hardware
# counters are not available in this VM: `perf stat -e instructions true` says <not supported>).
#
#   bash bench/profile-callgrind.sh serve [N] [PATH] [REQUESTS]   (default 100000 /search?q=Breitband 20)
#   bash bench/profile-callgrind.sh crawl [N]                     (default 1000 articles)
#
# serve: runs `govwire serve --no-crawl` on the data dir left by `bench/crawl-site.sh N` under
#   valgrind --tool=callgrind with instrumentation off during start-up, switches it on, sends
#   REQUESTS sequential GETs for PATH with curl, switches it off and stops the server. With
#   UNCACHED=1 every request (and the warm-up) spells the q= value in its own mix of upper and lower
#   case, which the search matches alike but the response cache keys apart: the cost of a search
#   the cache has not seen.
# crawl: runs bench/crawl-site.sh N (PER_SOURCE=N/2, so two sources: one feed, one HTML list)
#   with `govwire crawl` under callgrind; the whole process is counted (start-up, index commit).
# Prints the top functions by inclusive instruction count (callgrind_annotate --inclusive=yes)
# and leaves the callgrind.out file under the target dir for kcachegrind/callgrind_annotate.
# Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-}
usage() { echo "usage: bash bench/profile-callgrind.sh serve [N] [PATH] [REQUESTS] | crawl [N]"; exit 2; }
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; } ||
  { echo "valgrind is missing and could not be installed; skipping"; exit 0; }
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
OUTDIR=$TARGET/callgrind
mkdir -p "$OUTDIR"
top() { callgrind_annotate --inclusive=yes "$1" 2>/dev/null | awk -v n="${TOP:-45}" '/file:function/ {on = 1; next} on && /^ *[0-9]/ && k++ < n' || true; }
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {gsub(",", "", $1); t = $1} END {print (t == "" ? 0 : t)}'; }

case $MODE in
serve)
  N=${2:-100000}; PATHQ=${3:-/search?q=Breitband}; REQS=${4:-20}
  DATA=$TARGET/crawl-site/data-$N; CONF=$TARGET/crawl-site/sources-$N.toml
  [ -d "$DATA/store" ] && [ -f "$CONF" ] || { echo "no data dir $DATA; run bash bench/crawl-site.sh $N first (skipping)"; exit 0; }
  cargo build --release --quiet --bin govwire
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  OUT=$OUTDIR/serve-$(echo "$PATHQ" | tr -c 'A-Za-z0-9' _).out
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" \
    "$TARGET/release/govwire" -c "$CONF" serve --no-crawl --listen "127.0.0.1:$PORT" >"$OUTDIR/serve.log" 2>&1 &
  VG=$!
  trap 'kill $VG 2>/dev/null || true' EXIT
  until curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
    kill -0 $VG 2>/dev/null || { echo "server exited:"; tail "$OUTDIR/serve.log"; exit 1; }
    sleep 0.5
  done
  # One path per request (the warm-up first): PATH itself, or with UNCACHED=1 case variants of q=.
  mapfile -t PATHS < <(python3 - "$PATHQ" "$REQS" "${UNCACHED:-0}" <<'PY'
import re, sys
path, n, vary = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
m = re.search(r"([?&]q=)([^&]*)", path)
for i in range(n + 1):
    if not (vary and m):
        print(path)
        continue
    bits = i + 1
    q = "".join(c.upper() if (bits >> k) & 1 else c.lower() for k, c in enumerate(m.group(2)))
    print(path[: m.start(2)] + q + path[m.end(2) :])
PY
  )
  curl -fs -o /dev/null "http://127.0.0.1:$PORT${PATHS[0]}"   # first request outside the count
  callgrind_control -i on $VG >/dev/null
  for p in "${PATHS[@]:1}"; do curl -fs -o /dev/null "http://127.0.0.1:$PORT$p"; done
  callgrind_control -i off $VG >/dev/null
  kill -TERM $VG; wait $VG 2>/dev/null || true
  trap - EXIT
  total=$(total "$OUT")
  echo "$PATHQ$([ "${UNCACHED:-0}" = 1 ] && echo ' (uncached)'): $REQS requests, $total instructions in the server ($(( total / REQS )) per request); $OUT"
  top "$OUT"
  ;;
crawl)
  N=${2:-1000}
  OUT=$OUTDIR/crawl-$N.out
  RUNNER="valgrind --tool=callgrind --callgrind-out-file=$OUT" PER_SOURCE=$(( (N + 1) / 2 )) HOSTS=2 \
    bash bench/crawl-site.sh "$N" | grep -v '^|' || true
  total=$(total "$OUT")
  echo "crawl of $N articles: $total instructions ($(( total / N )) per article); $OUT"
  top "$OUT"
  ;;
*) usage ;;
esac
