#!/usr/bin/env bash
# Serving while a crawl writes: the web view and feeds under a bounded load (wrk, 64 connections)
# while `govwire serve` crawls SOURCES generated feeds of ITEMS items each into a fresh store.
#
#   bash bench/serve-under-load.sh [SOURCES] [ITEMS] [SECONDS]     (default 20 500 15)
#
# Needs wrk (apt-get install wrk) and python3. Prints wrk's summary per path and the number of
# articles stored before and after each run, which shows that writes went on during the load.
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCES=${1:-20}; ITEMS=${2:-500}; SECS=${3:-15}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
BIN=$TARGET/release/govwire
WORK=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SITE_PORT=$(free_port); WEB_PORT=$(free_port)

python3 - "$WORK/site" "$SOURCES" "$ITEMS" <<'PY'
import os, sys, random
out, sources, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rnd = random.Random(7)
words = ("Verwaltung Digitalisierung Onlinezugangsgesetz Bürgerinnen Bürger Kommunen Land Bund "
         "Register Modernisierung Servicekonto Portal Antrag online Behörde Ministerium Landkreis "
         "Förderung Projekt Umsetzung Plattform Daten Schnittstelle Nachweis Leistung").split()
for s in range(sources):
    rows = []
    for i in range(items):
        text = " ".join(rnd.choice(words) for _ in range(250))
        day = 1 + (i % 28)
        rows.append(f"<item><title>Meldung {s}-{i}: {' '.join(rnd.choice(words) for _ in range(6))}</title>"
                    f"<link>https://quelle{s}.example/meldung/{i}</link><guid>q{s}-{i}</guid>"
                    f"<pubDate>{['Mon','Tue','Wed','Thu','Fri','Sat','Sun'][i%7]}, {day:02d} Oct 2026 09:00:00 +0200</pubDate>"
                    f"<description>{text}</description></item>")
    with open(f"{out}/feed{s}.xml", "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Q</title>'
                '<link>https://example.org/</link><description>x</description>' + "".join(rows) + "</channel></rss>")
PY
python3 -m http.server "$SITE_PORT" --bind 127.0.0.1 --directory "$WORK/site" >/dev/null 2>&1 &
{
  printf '[settings]\ndata_dir = "%s"\nmax_items_per_source = %s\nmax_concurrency = 4\n' "$WORK/data" "$ITEMS"
  printf '\n[[keyword]]\nname = "Onlinezugangsgesetz"\n'
  for s in $(seq 0 $((SOURCES - 1))); do
    printf '\n[[source]]\nid = "q%s"\nname = "Quelle %s"\nurl = "http://127.0.0.1:%s/feed%s.xml"\nkind = "feed"\nlevel = "land"\nfetch_articles = false\ninterval = "1h"\n' "$s" "$s" "$SITE_PORT" "$s"
  done
} >"$WORK/sources.toml"
"$BIN" -c "$WORK/sources.toml" serve --listen "127.0.0.1:$WEB_PORT" >"$WORK/serve.log" 2>&1 &
WEB="http://127.0.0.1:$WEB_PORT"
for _ in $(seq 100); do curl -fs "$WEB/healthz" >/dev/null && break; sleep 0.1; done
stored() { curl -fs "$WEB/metrics" | awk '/^govwire_articles_stored /{print $2}'; }
echo "machine: $(nproc) cores; $SOURCES sources x $ITEMS items crawled while serving; wrk -t2 -c64 -d${SECS}s"
for path in / /feed.xml "/keyword/Onlinezugangsgesetz"; do
  before=$(stored)
  echo "== $path (articles stored before: $before)"
  wrk -t2 -c64 -d"${SECS}s" --latency "$WEB$path" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors|requests in'
  echo "   articles stored after: $(stored)"
done
ID=$(curl -fs "$WEB/" | grep -o '/article/[0-9a-f]*' | head -1)
echo "== $ID"
wrk -t2 -c64 -d"${SECS}s" --latency "$WEB$ID" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors|requests in'
echo "final: $(stored) articles stored; errors in serve log: $(grep -c ' ERROR ' "$WORK/serve.log" || true)"
