#!/usr/bin/env bash
# Serving side by side (issue 7): `govwire serve` on a data dir of stored articles against nginx
# serving the very same response bytes as static files, at the same concurrency, in one run.
#
#   bash bench/serve-vs-nginx.sh [N] [SECONDS] [QUERY]      (default 100000 10 Breitband)
#
# Reuses the data dir and sources file that `bash bench/crawl-site.sh N` left under the target
# dir (crawl-site/data-N, crawl-site/sources-N.toml); run that first. Starts `govwire serve
# --no-crawl`, measures the time from process start to the first 200 on `/` (start-up, with the
# store and the search index already on disk), then for `/`, `/feed.xml`, one article page and
# `/search?q=QUERY`: saves the response body, runs wrk (THREADS threads, default 2, 64
# connections, SECONDS each, after a 2 s warm-up) against govwire and then against nginx serving
# the saved body as a static file (worker_processes = number of cores, access log off).
# Repeated requests for one URL are answered by govwire's response cache (search included, keyed
# by the index generation), so the table shows cached serving. Then, separately, UNCACHED search:
# bench/distinct-queries.lua sends a different search with every request, drawn from words of
# the stored articles (collected through /api/search): single words with pages 1-10, and pairs
# of words (AND); the warm-up uses other queries than the measured run. Those rows say how many
# queries were sent and how many distinct ones the list had, and the median number of hits of a
# sample of the queries.
# HEADER='Accept-Encoding: gzip' sends that request header with every cached-row request (curl
# saves the body as sent, compressed, and nginx serves those very bytes; nginx's response lacks
# the Content-Encoding header, a few bytes); UNCACHED=0 skips the uncached search rows;
# SENDFILE=off makes nginx copy the file through user space as govwire copies its in-memory body
# (with sendfile on, the default, nginx hands page-cache pages to the socket, which is what
# decides large bodies such as /feed.xml).
# The machine's cores are shared by wrk, the server under test and anything else running, so
# each cached row is also given as requests per CPU-second of the server (user + system time of
# govwire's process, of nginx's master and workers, from /proc during the measured run): the
# comparison that the neighbours' load moves least.
# Needs wrk and nginx (apt-get install wrk nginx-light), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; SECS=${2:-10}; QUERY=${3:-Breitband}
THREADS=${THREADS:-2}; CONNS=${CONNS:-64}
HEADER=${HEADER:-}; UNCACHED=${UNCACHED:-1}; SENDFILE=${SENDFILE:-on}
case $SENDFILE in on|off) ;; *) echo "SENDFILE must be on or off"; exit 2 ;; esac
HDR=(); [ -n "$HEADER" ] && HDR=(-H "$HEADER")
case $N$SECS in *[!0-9]*) echo "usage: bash bench/serve-vs-nginx.sh [N] [SECONDS] [QUERY]"; exit 2 ;; esac
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
DATA=$TARGET/crawl-site/data-$N
CONF=$TARGET/crawl-site/sources-$N.toml
if [ ! -d "$DATA/store" ] || [ ! -f "$CONF" ]; then
  echo "no crawled data dir at $DATA; run: bash bench/crawl-site.sh $N   (skipping)"
  exit 0
fi
for tool in wrk nginx; do
  if ! command -v $tool >/dev/null && [ ! -x /usr/sbin/$tool ]; then
    pkg=$tool; [ $tool = nginx ] && pkg=nginx-light
    { apt-get update -qq && apt-get install -y -qq $pkg >/dev/null; } || { echo "$tool is missing and could not be installed; skipping"; exit 0; }
  fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --release --quiet --bin govwire
BIN=$TARGET/release/govwire
WORK=$TARGET/serve-vs-nginx
rm -rf "$WORK"; mkdir -p "$WORK/static" "$WORK/nginx/logs" "$WORK/nginx/tmp"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WEB_PORT=$(free_port); NG_PORT=$(free_port)
SERVE_PID=; NGINX_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
WEB=http://127.0.0.1:$WEB_PORT
t0=$(date +%s.%N)
"$BIN" -c "$CONF" serve --no-crawl --listen "127.0.0.1:$WEB_PORT" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
until curl -fs -o /dev/null "$WEB/"; do
  kill -0 "$SERVE_PID" 2>/dev/null || { echo "govwire serve exited:"; tail "$WORK/serve.log"; exit 1; }
  sleep 0.005
done
t1=$(date +%s.%N)
STARTUP_MS=$(python3 -c "print(round(($t1 - $t0) * 1000))")
echo "start-up: ${STARTUP_MS} ms from exec to the first 200 on / ($N articles: $(curl -fs "$WEB/metrics" | awk '/^govwire_articles_stored /{print $2}') stored)"

ARTICLE=$(curl -fs "$WEB/" | grep -o '/article/[0-9a-f]*' | head -1)
PATHS=("/" "/feed.xml" "$ARTICLE" "/search?q=$QUERY")
NAMES=(index.html feed.xml article.html search.html)
for i in "${!PATHS[@]}"; do
  curl -fs ${HDR[@]+"${HDR[@]}"} -D "$WORK/static/${NAMES[$i]}.headers" -o "$WORK/static/${NAMES[$i]}" "$WEB${PATHS[$i]}"
  if [ -n "$HEADER" ]; then
    echo "${PATHS[$i]} with '$HEADER': $(grep -i '^content-encoding' "$WORK/static/${NAMES[$i]}.headers" | tr -d '\r' || echo 'no Content-Encoding (identity)')"
  fi
done

{
  echo "worker_processes $(nproc); daemon off; pid $WORK/nginx/nginx.pid; error_log $WORK/nginx/logs/error.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; sendfile $SENDFILE; tcp_nopush on; keepalive_requests 1000000;"
  echo "  types { text/html html; application/rss+xml xml; }"
  echo "  client_body_temp_path $WORK/nginx/tmp/body; proxy_temp_path $WORK/nginx/tmp/proxy; fastcgi_temp_path $WORK/nginx/tmp/fcgi;"
  echo "  uwsgi_temp_path $WORK/nginx/tmp/uwsgi; scgi_temp_path $WORK/nginx/tmp/scgi;"
  echo "  server { listen 127.0.0.1:$NG_PORT; root $WORK/static; } }"
} >"$WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" &
NGINX_PID=$!
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$NG_PORT/index.html" && break; sleep 0.1; done

# CPU time (clock ticks, user + system, all threads) of a server: govwire's process, or nginx's
# master and workers. On a shared machine the requests served per CPU-second of the server are
# the comparison that the neighbours' load does not move (wall req/s moves by ±20 points).
server_ticks() {  # govwire|nginx
  local pids
  if [ "$1" = govwire ]; then pids=$SERVE_PID; else pids="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; fi
  local total=0 p
  for p in $pids; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)

# run URL LABEL -> appends "LABEL req/s p50 p99 non2xx errors requests cpu-seconds" to results
run() {
  wrk -t"$THREADS" -c"$CONNS" -d2s ${HDR[@]+"${HDR[@]}"} "$1" >/dev/null
  local before after
  before=$(server_ticks "${2%% *}")
  wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency ${HDR[@]+"${HDR[@]}"} "$1" >"$WORK/wrk.txt"
  after=$(server_ticks "${2%% *}")
  python3 - "$2" "$WORK/wrk.txt" "$(( after - before ))" "$HZ" >>"$WORK/results.txt" <<'PY'
import re, sys
label, text = sys.argv[1], open(sys.argv[2]).read()
cpu = int(sys.argv[3]) / int(sys.argv[4])
requests = int(re.search(r"(\d+) requests in", text).group(1))
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errs = re.search(r"Socket errors: (.*)", text)
print(f"{label}\t{rps:.0f}\t{p50:.2f}\t{p99:.2f}\t{non2xx.group(1) if non2xx else 0}\t{errs.group(1) if errs else 'none'}\t{requests}\t{cpu:.2f}")
PY
}
: >"$WORK/results.txt"
for i in "${!PATHS[@]}"; do
  run "$WEB${PATHS[$i]}" "govwire ${PATHS[$i]}"
  run "http://127.0.0.1:$NG_PORT/${NAMES[$i]}" "nginx ${NAMES[$i]}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$THREADS -c$CONNS -d${SECS}s per row${HEADER:+, header '$HEADER'}, nginx sendfile $SENDFILE"
python3 - "$WORK/results.txt" "$WORK/static" "${NAMES[@]}" <<'PY'
import os, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
static, names = sys.argv[2], sys.argv[3:]
print("| path | body | govwire req/s | p50 | p99 | nginx req/s | p50 | p99 | govwire / nginx |")
print("|---|---|---|---|---|---|---|---|---|")
for i in range(0, len(rows), 2):
    g, n = rows[i], rows[i + 1]
    size = os.path.getsize(os.path.join(static, names[i // 2]))
    print(f"| `{g[0].split(' ', 1)[1]}` | {size / 1024:.1f} KiB | {float(g[1]):,.0f} | {g[2]} ms | {g[3]} ms | "
          f"{float(n[1]):,.0f} | {n[2]} ms | {n[3]} ms | {float(g[1]) / float(n[1]) * 100:.0f} % |")
print()
print("Requests per CPU-second of the server (user + system time of govwire's process, of nginx's master and workers):")
print("| path | govwire req / CPU-s | nginx req / CPU-s | govwire / nginx |")
print("|---|---|---|---|")
for i in range(0, len(rows), 2):
    g, n = rows[i], rows[i + 1]
    ge, ne = int(g[6]) / max(float(g[7]), 0.01), int(n[6]) / max(float(n[7]), 0.01)
    print(f"| `{g[0].split(' ', 1)[1]}` | {ge:,.0f} ({g[6]} in {g[7]} s) | {ne:,.0f} ({n[6]} in {n[7]} s) | {ge / ne * 100:.0f} % |")
bad = [r for r in rows if r[4] != "0" or r[5] != "none"]
for r in bad:
    print(f"warning: {r[0]}: non-2xx {r[4]}, socket errors {r[5]}")
PY
rss() { awk '/VmRSS|VmHWM/ {printf "%s %.0f MB  ", $1, $2 / 1024}' /proc/$SERVE_PID/status; }
echo "govwire serve memory after the cached rows: $(rss)"

[ "$UNCACHED" = 1 ] || exit 0
# Uncached search: a different query with every request.
python3 - "$WEB" "$WORK" <<'PY'
import json, random, re, sys, urllib.parse, urllib.request
web, work = sys.argv[1], sys.argv[2]
words = set()
for page in range(1, 21):
    with urllib.request.urlopen(f"{web}/api/search?q=&per_page=100&page={page}") as r:
        for item in json.load(r)["items"]:
            text = item["title"] + " " + re.sub(r"<[^>]+>", " ", item["snippet_html"])
            words.update(w for w in re.findall(r"\w+", text) if len(w) >= 4)
words = sorted(words)
rnd = random.Random(7)
enc = lambda q: urllib.parse.urlencode({"q": q})
singles = [f"{enc(w)}&page={p}" for w in words for p in range(1, 11)]
rnd.shuffle(singles)
pairs = set()
while len(pairs) < min(60000, len(words) * (len(words) - 1) // 2):
    a, b = rnd.sample(words, 2)
    pairs.add(enc(f"{a} {b}"))
pairs = sorted(pairs)
rnd.shuffle(pairs)
open(f"{work}/queries-words.txt", "w").write("\n".join(singles) + "\n")
open(f"{work}/queries-pairs.txt", "w").write("\n".join(pairs) + "\n")
print(f"uncached search: {len(words)} distinct words from the stored articles; "
      f"{len(singles)} word+page queries, {len(pairs)} word-pair queries")
PY
uncached() {  # LABEL FILE
  local n; n=$(wc -l <"$2")
  wrk -t"$THREADS" -c"$CONNS" -d2s -s bench/distinct-queries.lua "$WEB/search" -- "$2" $((n / 2)) "$THREADS" >/dev/null
  wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/distinct-queries.lua "$WEB/search" -- "$2" 0 "$THREADS" >"$WORK/wrk.txt"
  python3 - "$1" "$WORK/wrk.txt" "$2" "$WEB" <<'PY'
import json, re, statistics, sys, urllib.request
label, text, qfile, web = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3], sys.argv[4]
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errs = re.search(r"Socket errors: (.*)", text)
distinct = re.search(r"distinct queries: (.*)", text).group(1)
queries = open(qfile).read().split()
hits = []
for q in queries[:: max(1, len(queries) // 40)][:40]:
    with urllib.request.urlopen(f"{web}/api/search?{q}&per_page=1") as r:
        hits.append(json.load(r)["total"])
print(f"| uncached {label} | {rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms | non-2xx {non2xx.group(1) if non2xx else 0}, "
      f"socket errors {errs.group(1) if errs else 'none'} | {distinct} | median hits {statistics.median(hits):,.0f} |")
PY
}
echo "load average before the uncached runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| search | govwire req/s | p50 | p99 | errors | queries | hits |"
echo "|---|---|---|---|---|---|---|"
uncached "word, page 1-10" "$WORK/queries-words.txt"
uncached "two words (AND)" "$WORK/queries-pairs.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "govwire serve memory after the uncached runs: $(rss)"
echo "govwire serve peak RSS (VmHWM): $(awk '/VmHWM/ {print $2 / 1024 " MB"}' /proc/$SERVE_PID/status)"
echo "search index rebuilt at start-up: $(grep -q 'search index rebuilt' "$WORK/serve.log" && echo yes || echo no)"
echo "server log errors: $(grep -c ' ERROR ' "$WORK/serve.log" || true)"
