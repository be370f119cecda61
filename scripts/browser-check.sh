#!/usr/bin/env bash
# Loads govwire's main pages in a real headless browser (Debian's chromium) and checks them.
#
#   bash scripts/browser-check.sh [OUT_DIR]      (default: target/browser-check)
#
# 1. installs chromium with apt-get if it is missing;
# 2. serves tests/fixtures on loopback, crawls the fixture sites into a fresh data folder;
# 3. starts `govwire serve --no-crawl` and runs tests/browser/check.mjs against it (node +
#    playwright-core + axe-core; `npm ci` in tests/browser if needed): forms, pager, facets,
#    overflow, console errors and CSP violations, accessibility in light and dark;
# 4. fails if that fails or if any link on the main pages to our own site answers with
#    something other than 200.
# Screenshots land in OUT_DIR as NAME-390.png, NAME-390-dark.png and NAME-1280.png; look at them.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/browser-check}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if ! command -v chromium >/dev/null; then
  echo "== installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

cargo build --quiet
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
BIN=$TARGET/debug/govwire
WORK=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
FIX_PORT=$(free_port)
WEB_PORT=$(free_port)
python3 -m http.server "$FIX_PORT" --bind 127.0.0.1 --directory tests/fixtures >/dev/null 2>&1 &
FIX="http://127.0.0.1:$FIX_PORT"
cat >"$WORK/sources.toml" <<EOF
[settings]
data_dir = "$WORK/data"
per_host_interval = "1s"

[[source]]
id = "k21"
name = "Kommune21 (Fixture)"
url = "$FIX/kommune21/index.html"
kind = "html"
level = "presse"
[source.list]
item = "div.teaser"

[[source]]
id = "bmi"
name = "Ministerium (Fixture)"
url = "$FIX/ministry/index.html"
kind = "html"
level = "bund"
[source.list]
item = "li.c-result"
link = "h2 a"
title = ".c-teaser__headline"
date = ".c-teaser__date"

[[source]]
id = "stk"
name = "Staatskanzlei (Fixture)"
url = "$FIX/feed/rss.xml"
kind = "feed"
level = "land"
land = "NW"
fetch_articles = false

[[keyword]]
name = "OZG"
aliases = ["Onlinezugangsgesetz"]

[[keyword]]
name = "BayernPortal"
EOF
sleep 0.5
echo "== crawling the fixture sites"
"$BIN" -c "$WORK/sources.toml" crawl >"$OUT/crawl.txt" 2>&1 || true
cat "$OUT/crawl.txt"
"$BIN" -c "$WORK/sources.toml" serve --no-crawl --listen "127.0.0.1:$WEB_PORT" >"$WORK/serve.log" 2>&1 &
WEB="http://127.0.0.1:$WEB_PORT"
for _ in $(seq 100); do curl -fs "$WEB/healthz" >/dev/null && break; sleep 0.1; done

ARTICLE=$(curl -fs "$WEB/" | grep -o 'href="/article/[0-9a-f]*"' | head -1 | cut -d'"' -f2)
PAGES="home=/ article=$ARTICLE keywords=/keywords keyword=/keyword/OZG sources=/sources source=/source/k21 regions=/regions land=/land/NW"

# The same checks as tests/it/browser.rs (forms, pager, facets, overflow at 320/390/1280 px,
# console and CSP, axe-core light and dark), with screenshots NAME-390.png, NAME-390-dark.png
# and NAME-1280.png and the measured page widths.
fail=0
[ -d tests/browser/node_modules ] || (cd tests/browser && npm ci --no-audit --no-fund --silent)
echo "== checking the pages in chromium"
node tests/browser/check.mjs "$WEB" --query=OZG --no-pager --screenshots="$OUT" --report \
  --profile="$WORK/profile" | tee "$OUT/check.txt" || fail=1

echo "== checking links on those pages"
python3 - "$WEB" $PAGES <<'PY' || fail=1
import sys, urllib.request, urllib.error, html.parser
web, pages = sys.argv[1], [p.split("=", 1)[1] for p in sys.argv[2:]]
class Links(html.parser.HTMLParser):
    def __init__(self): super().__init__(); self.found = set()
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v and v.startswith("/") and not v.startswith("//"):
                self.found.add(v)
def get(path):
    try:
        with urllib.request.urlopen(web + path, timeout=10) as r: return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e: return e.code, ""
links, bad = set(), []
for p in pages:
    if p == "/gibt-es-nicht": continue
    status, body = get(p)
    if status != 200: bad.append((p, status)); continue
    parser = Links(); parser.feed(body); links |= parser.found
for link in sorted(links):
    status, _ = get(link)
    if status != 200: bad.append((link, status))
print(f"{len(links)} internal links checked, {len(bad)} broken")
for b in bad: print("BROKEN", *b)
sys.exit(1 if bad else 0)
PY
echo "screenshots: $OUT"
exit $fail
