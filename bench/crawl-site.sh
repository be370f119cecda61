#!/usr/bin/env bash
# Crawling side by side (issue 7): `govwire crawl` end to end against a generated static site of
# N German government-style article pages served by nginx on loopback.
#
#   bash bench/crawl-site.sh N            (e.g. 10000 or 100000; default 10000)
#
# Environment: PER_SOURCE (articles per source, default 1000), HOSTS (loopback addresses the
# sources are spread over, default 4: 127.0.0.1 .. 127.0.0.HOSTS), CONCURRENCY (max_concurrency,
# default 4), RUNNER (a command prefix for govwire, e.g. valgrind, used by profile-callgrind.sh),
# KEEP_SITE=1 keeps the generated site (it is deleted after the crawl otherwise), AUTO_LISTS=1
# drops the [source.list] selectors of the HTML sources so their lists are read automatically
# (issue 17; its sources file, data dir and output get an "-auto" suffix, so a selector run's
# data dir for bench/serve-vs-nginx.sh stays). To compare both on one site:
#   KEEP_SITE=1 bash bench/crawl-site.sh N && AUTO_LISTS=1 bash bench/crawl-site.sh N
#
# The site: PER_SOURCE articles per source (4-8 KB each: header, navigation, breadcrumb, headline,
# date line, 5-12 paragraphs of varied German text, a related-links box, footer), one listing per
# source, alternately an RSS feed (kind = "feed") and an HTML press list (kind = "html" with
# [source.list] selectors, or none with AUTO_LISTS=1) linking all of its articles, plus
# robots.txt. The crawler fetches every article page and extracts it automatically (no article
# selectors). A listing is one page (the generated lists have no pager), so N articles need
# N / PER_SOURCE sources with max_items_per_source = PER_SOURCE. per_host_interval = "1ms" caps
# each loopback host at 1,000 requests/s, so the sources are spread over HOSTS loopback addresses
# (all served by one nginx).
#
# Output: articles stored, articles/s (wall, whole `govwire crawl` run including start-up and the
# final index commit), peak RSS from /usr/bin/time -v, disk of the data dir (sled store and search
# index separately) per article against the generated main-text size. The data dir is kept under
# the target dir (crawl-site/data-N) for bench/serve-vs-nginx.sh; delete it when done.
# Needs nginx (apt-get install nginx-light) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
PER_SOURCE=${PER_SOURCE:-1000}
HOSTS=${HOSTS:-4}
CONCURRENCY=${CONCURRENCY:-4}
AUTO_LISTS=${AUTO_LISTS:-0}
VARIANT=; [ "$AUTO_LISTS" = 1 ] && VARIANT=-auto
case $N in ''|*[!0-9]*) echo "usage: bash bench/crawl-site.sh N   (N articles, e.g. 10000)"; exit 2 ;; esac
command -v python3 >/dev/null || { echo "python3 is missing; skipping"; exit 0; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; } || { echo "nginx is missing and could not be installed; skipping"; exit 0; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --release --quiet --bin govwire
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
BIN=$TARGET/release/govwire
WORK=$TARGET/crawl-site
SITE=$WORK/site-$N
DATA=$WORK/data-$N$VARIANT
mkdir -p "$WORK"
rm -rf "$DATA" "$WORK/nginx-$N$VARIANT"
SOURCES=$(( (N + PER_SOURCE - 1) / PER_SOURCE ))
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

NGINX_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  [ "${KEEP_SITE:-0}" = 1 ] || rm -rf "$SITE"
}
trap cleanup EXIT

if [ ! -f "$SITE/manifest.json" ]; then
  echo "generating $N articles in $SOURCES sources under $SITE ..."
  rm -rf "$SITE"
  python3 - "$SITE" "$N" "$PER_SOURCE" <<'PY'
import json, os, random, sys, html
out, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(20261129)
os.makedirs(out, exist_ok=True)
# A vocabulary large enough that independent articles share few 3-word shingles.
stems = ("Verwaltung Digitalisierung Onlinezugangsgesetz Bürgerinnen Bürger Kommunen Landkreis Bund "
 "Register Modernisierung Servicekonto Portal Antrag Behörde Ministerium Förderung Projekt Umsetzung "
 "Plattform Daten Schnittstelle Nachweis Leistung Haushalt Klimaschutz Wasserstoff Breitband Schule "
 "Lehrkräfte Hochschule Forschung Krankenhaus Pflege Gesundheit Polizei Feuerwehr Katastrophenschutz "
 "Straße Brücke Schiene Radweg Nahverkehr Wohnungsbau Mietpreisbremse Energie Windkraft Photovoltaik "
 "Landwirtschaft Forst Wald Naturschutz Tierschutz Verbraucherschutz Justiz Gericht Strafvollzug "
 "Integration Migration Sport Kultur Denkmal Museum Tourismus Wirtschaft Mittelstand Handwerk "
 "Fachkräfte Ausbildung Arbeitsmarkt Rente Familie Kinder Jugend Senioren Ehrenamt Gemeinde Stadt "
 "Kreistag Landtag Bundesrat Staatssekretärin Ministerpräsident Landesregierung Kabinett Gesetzentwurf "
 "Verordnung Richtlinie Zuwendung Bescheid Millionen Euro Investition Programm Wettbewerb Preis "
 "Konferenz Gipfel Abkommen Vereinbarung Partnerschaft Strategie Konzept Studie Bericht Evaluation "
 "Cloud Rechenzentrum Sicherheit Cyberabwehr Informationssicherheit Open Source Künstliche Intelligenz "
 "Chatbot Terminvergabe Personalausweis Führerschein Kfz-Zulassung Wohngeld Elterngeld BAföG "
 "Baugenehmigung Gewerbeanmeldung Steuer Grundsteuer Vergabe Beschaffung Nachhaltigkeit Mobilität").split()
verbs = ("stellt vor fördert beschließt startet eröffnet unterstützt erweitert prüft verbessert "
 "vereinfacht beschleunigt bündelt modernisiert digitalisiert finanziert plant begrüßt übergibt").split()
funcw = ("der die das und mit für von im am zum zur auf über nach bei durch sowie auch noch "
 "heute künftig bereits insgesamt erstmals gemeinsam weiterhin deutlich rund etwa mehr").split()
laender = ("Baden-Württemberg Bayern Berlin Brandenburg Bremen Hamburg Hessen Mecklenburg-Vorpommern "
 "Niedersachsen Nordrhein-Westfalen Rheinland-Pfalz Saarland Sachsen Sachsen-Anhalt "
 "Schleswig-Holstein Thüringen").split()
vornamen = "Anna Jonas Miriam Felix Sabine Thomas Katrin Stefan Aylin Murat Julia Michael Petra Lukas".split()
nachnamen = "Schneider Becker Wagner Hoffmann Schulz Koch Richter Wolf Neumann Schwarz Krüger Hartmann Lange Yilmaz".split()
monate = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
def word():
    r = rnd.random()
    if r < 0.45: return rnd.choice(funcw)
    if r < 0.9: return rnd.choice(stems)
    if r < 0.95: return str(rnd.randint(2, 4999))
    return rnd.choice(laender)
def sentence():
    w = [word() for _ in range(rnd.randint(9, 20))]
    w[0] = w[0][:1].upper() + w[0][1:]
    if rnd.random() < 0.3: w.insert(rnd.randint(1, len(w) - 1), rnd.choice(verbs))
    return " ".join(w) + rnd.choice(".....:;") .replace(":", ".").replace(";", ".")
def para():
    return " ".join(sentence() for _ in range(rnd.randint(2, 5)))
NAV = "".join(f'<li><a href="/{p}/">{t}</a></li>' for p, t in [("themen", "Themen"), ("presse", "Presse"),
      ("service", "Service"), ("ministerium", "Ministerium"), ("karriere", "Karriere"), ("kontakt", "Kontakt")])
FOOT = ('<footer class="site-footer"><ul><li><a href="/impressum/">Impressum</a></li><li><a href="/datenschutz/">'
        'Datenschutz</a></li><li><a href="/barrierefreiheit/">Erklärung zur Barrierefreiheit</a></li><li>'
        '<a href="/leichte-sprache/">Leichte Sprache</a></li><li><a href="/gebaerdensprache/">Gebärdensprache</a></li>'
        '</ul><p>© 2026 Ministerium für Digitales und Verwaltung</p></footer>')
text_bytes = html_bytes = 0
with open(os.path.join(out, "robots.txt"), "w") as f:
    f.write("User-agent: *\nAllow: /\n")
sources = (n + per - 1) // per
k = 0
for s in range(sources):
    d = os.path.join(out, f"s{s}", "meldung")
    os.makedirs(d, exist_ok=True)
    items = []
    for i in range(min(per, n - k)):
        k += 1
        day, year = rnd.randint(1, 28), rnd.choice((2025, 2026))
        month = rnd.randint(1, 12 if year == 2025 else 10)  # no dates after the run
        who = f"{rnd.choice(vornamen)} {rnd.choice(nachnamen)}"
        title = f"{who} {rnd.choice(verbs)}: {' '.join(rnd.choice(stems) for _ in range(rnd.randint(3, 6)))} in {rnd.choice(laender)}"
        paras = [para() for _ in range(rnd.randint(5, 12))]
        lead = paras[0]
        body = "".join(f"<p>{html.escape(p)}</p>" + (f"<h2>{html.escape(' '.join(rnd.choice(stems) for _ in range(3)))}</h2>" if j == 2 else "")
                       for j, p in enumerate(paras[1:]))
        related = "".join(f'<li><a href="/s{s}/meldung/{rnd.randrange(per)}.html">{html.escape(rnd.choice(stems))} {html.escape(rnd.choice(stems))}</a></li>' for _ in range(4))
        date_de = f"{day}. {monate[month - 1]} {year}"
        page = ('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
                f'<title>{html.escape(title)} | Ministerium für Digitales und Verwaltung</title>'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<meta name="description" content="{html.escape(lead[:160])}">'
                '<link rel="stylesheet" href="/static/css/main.css"></head><body>'
                '<a class="skip" href="#main">Zum Inhalt springen</a>'
                '<header class="site-header"><div class="logo"><a href="/"><img src="/static/logo.svg" alt="Logo des Ministeriums"></a></div>'
                f'<nav class="main-nav" aria-label="Hauptnavigation"><ul>{NAV}</ul></nav>'
                '<form class="search" action="/suche/"><input name="q" placeholder="Suchbegriff"><button>Suchen</button></form></header>'
                '<nav class="breadcrumb" aria-label="Sie sind hier"><ol><li><a href="/">Startseite</a></li>'
                '<li><a href="/presse/">Presse</a></li><li>Pressemitteilungen</li></ol></nav>'
                '<main id="main"><article class="press-release">'
                f'<p class="kicker">Pressemitteilung Nr. {s * per + i + 1}/{year}</p>'
                f'<h1>{html.escape(title)}</h1>'
                f'<p class="date"><time datetime="{year}-{month:02d}-{day:02d}">{date_de}</time></p>'
                f'<p class="lead"><strong>{html.escape(lead)}</strong></p>{body}'
                '<div class="share"><span>Teilen:</span><a href="#">Mastodon</a><a href="#">E-Mail</a><a href="#">Drucken</a></div>'
                '</article><aside class="related"><h2>Das könnte Sie auch interessieren</h2>'
                f'<ul>{related}</ul></aside></main>{FOOT}</body></html>')
        with open(os.path.join(d, f"{i}.html"), "w") as f:
            f.write(page)
        text_bytes += len(title.encode()) + sum(len(p.encode()) + 1 for p in paras)
        html_bytes += len(page.encode())
        items.append((i, title, lead, day, month, year, date_de))
    if s % 2 == 0:
        wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        mo = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
        rows = "".join(f"<item><title>{html.escape(t)}</title><link>http://HOST/s{s}/meldung/{i}.html</link>"
                       f"<guid>http://HOST/s{s}/meldung/{i}.html</guid>"
                       f"<pubDate>{wd[(day + month) % 7]}, {day:02d} {mo[month - 1]} {y} 10:00:00 +0100</pubDate>"
                       f"<description>{html.escape(lead[:200])}</description></item>"
                       for i, t, lead, day, month, y, _ in items)
        with open(os.path.join(out, f"s{s}", "feed.xml"), "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                    f'<title>Pressemitteilungen {s}</title><link>http://HOST/s{s}/</link>'
                    f'<description>Pressemitteilungen</description>{rows}</channel></rss>')
    else:
        rows = "".join(f'<li class="teaser"><span class="date">{date_de}</span> '
                       f'<a class="title" href="/s{s}/meldung/{i}.html">{html.escape(t)}</a>'
                       f'<p>{html.escape(lead[:200])}</p></li>'
                       for i, t, lead, day, month, y, date_de in items)
        with open(os.path.join(out, f"s{s}", "index.html"), "w") as f:
            f.write('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Pressemitteilungen</title></head>'
                    f'<body><header class="site-header"><nav><ul>{NAV}</ul></nav></header><main><h1>Pressemitteilungen</h1>'
                    f'<ul class="press-list">{rows}</ul></main>{FOOT}</body></html>')
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"articles": n, "sources": sources, "text_bytes": text_bytes, "html_bytes": html_bytes}, f)
PY
fi
read -r TEXT_BYTES HTML_BYTES < <(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['text_bytes'], m['html_bytes'])" "$SITE/manifest.json")

# nginx: own prefix and config under the target dir; never the system one.
NG=$WORK/nginx-$N$VARIANT
mkdir -p "$NG/logs" "$NG/tmp"
{
  echo "worker_processes 1; daemon off; pid $NG/nginx.pid; error_log $NG/logs/error.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;"
  echo "  default_type text/html; types { text/html html; application/rss+xml xml; text/plain txt; }"
  echo "  client_body_temp_path $NG/tmp/body; proxy_temp_path $NG/tmp/proxy; fastcgi_temp_path $NG/tmp/fcgi;"
  echo "  uwsgi_temp_path $NG/tmp/uwsgi; scgi_temp_path $NG/tmp/scgi;"
  printf '  server {'
  for h in $(seq 1 "$HOSTS"); do printf ' listen 127.0.0.%s:%s;' "$h" "$PORT"; done
  echo " root $SITE; } }"
} >"$NG/nginx.conf"
"$NGINX" -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" &
NGINX_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/robots.txt" >/dev/null && break; sleep 0.1; done

CONF=$WORK/sources-$N$VARIANT.toml
LAENDER=(BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH)
{
  printf '[settings]\ndata_dir = "%s"\nper_host_interval = "1ms"\nmax_concurrency = %s\n' "$DATA" "$CONCURRENCY"
  printf 'max_items_per_source = %s\ntimeout = "30s"\n' "$PER_SOURCE"
  for kw in Onlinezugangsgesetz Breitband Wasserstoff "Künstliche Intelligenz" Cloud Katastrophenschutz; do
    printf '\n[[keyword]]\nname = "%s"\n' "$kw"
  done
  for s in $(seq 0 $((SOURCES - 1))); do
    host=127.0.0.$(( s % HOSTS + 1 ))
    if [ $((s % 2)) = 0 ]; then
      sed -i -E "s#http://(HOST|127\.0\.0\.[0-9]+:[0-9]+)/#http://$host:$PORT/#g" "$SITE/s$s/feed.xml"
      printf '\n[[source]]\nid = "s%s"\nname = "Quelle %s"\nurl = "http://%s:%s/s%s/feed.xml"\nkind = "feed"\nlevel = "land"\nland = "%s"\n' \
        "$s" "$s" "$host" "$PORT" "$s" "${LAENDER[$(( s / 2 % 16 ))]}"
    elif [ "$AUTO_LISTS" = 1 ]; then
      printf '\n[[source]]\nid = "s%s"\nname = "Quelle %s"\nurl = "http://%s:%s/s%s/index.html"\nkind = "html"\nlevel = "bund"\n' \
        "$s" "$s" "$host" "$PORT" "$s"
    else
      printf '\n[[source]]\nid = "s%s"\nname = "Quelle %s"\nurl = "http://%s:%s/s%s/index.html"\nkind = "html"\nlevel = "bund"\n[source.list]\nitem = "li.teaser"\nlink = "a.title"\ntitle = "a.title"\ndate = ".date"\n' \
        "$s" "$s" "$host" "$PORT" "$s"
    fi
  done
} >"$CONF"

echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "crawling $N articles: $SOURCES sources x $PER_SOURCE over $HOSTS loopback hosts, max_concurrency $CONCURRENCY, HTML lists $([ "$AUTO_LISTS" = 1 ] && echo "read automatically (no selectors)" || echo "by [source.list] selectors")"
set +e
/usr/bin/time -v ${RUNNER:-} "$BIN" -c "$CONF" crawl >"$WORK/crawl-$N$VARIANT.out" 2>"$WORK/crawl-$N$VARIANT.err"
rc=$?
set -e
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); govwire crawl exit code $rc"
tail -n 4 "$WORK/crawl-$N$VARIANT.out"
WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/crawl-$N$VARIANT.err")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/crawl-$N$VARIANT.err")
CPU_U=$(awk -F': ' '/User time/ {print $2}' "$WORK/crawl-$N$VARIANT.err")
CPU_S=$(awk -F': ' '/System time/ {print $2}' "$WORK/crawl-$N$VARIANT.err")
STORED=$(awk 'NR > 1 && $2 ~ /^[0-9]+$/ {n += $2} END {print n + 0}' "$WORK/crawl-$N$VARIANT.out")
ERRORS=$(awk 'NR > 1 && $5 ~ /^[0-9]+$/ {n += $5} END {print n + 0}' "$WORK/crawl-$N$VARIANT.out")
echo "articles stored: $STORED of $N ($([ "$STORED" = "$N" ] && echo all found || echo "NOT all found")), source errors: $ERRORS"
STORE_B=$(du -sb "$DATA/store" | cut -f1)
INDEX_B=$(du -sb "$DATA/index" | cut -f1)
python3 - "$N" "$STORED" "$WALL" "$CPU_U" "$CPU_S" "$RSS_KB" "$STORE_B" "$INDEX_B" "$TEXT_BYTES" "$HTML_BYTES" <<'PY'
import sys
n, stored, wall, cu, cs, rss, store, index, text, htmlb = sys.argv[1:]
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
n, stored, rss, store, index, text, htmlb = map(int, (n, stored, rss, store, index, text, htmlb))
cpu = float(cu) + float(cs)
a = max(stored, 1)
print(f"| articles (site) | stored (new) | wall | articles/s (wall) | CPU (user+sys) | articles per CPU-s | peak RSS | store | index | store+index per article | main text per article | ratio to text |")
print(f"|---|---|---|---|---|---|---|---|---|---|---|---|")
print(f"| {n:,} | {stored:,} | {secs:.1f} s | {stored / secs:,.0f} | {cpu:.1f} s | {stored / cpu:,.0f} | {rss / 1024:.0f} MB | "
      f"{store / 2**20:.0f} MiB | {index / 2**20:.0f} MiB | {(store + index) / a:,.0f} B | {text / n:,.0f} B | "
      f"{(store + index) / a / (text / n):.2f}x (store {store / a / (text / n):.2f}x, index {index / a / (text / n):.2f}x) |")
print(f"(generated HTML: {htmlb / n:,.0f} B per article page)")
PY
echo "crawl output: $WORK/crawl-$N$VARIANT.out, $WORK/crawl-$N$VARIANT.err; data dir kept: $DATA"
