#!/usr/bin/env bash
# Extraction side by side (issue 7): govwire's automatic extraction against trafilatura on the
# public benchmark in ../shared/bench-data, in ONE run, scored with the same score.py.
#
#   bash bench/extract-vs-trafilatura.sh [BENCH_DIR]      (default ../shared/bench-data)
#
# Creates a Python virtual environment under the cargo target dir (bench-venv) and installs
# trafilatura (pinned below) from PyPI into it; builds benches/extract_bench in release mode.
# Both tools run one page at a time on one thread. Timing covers extraction only: trafilatura
# is timed per call to trafilatura.extract() on the page's raw bytes (it decodes the charset
# itself), excluding interpreter start and imports; govwire's extract_bench times
# extract_article() on the decoded page. Prints F1 on both sets, pages/s of each and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAFILATURA_VERSION=2.3.1
BENCH=${1:-../shared/bench-data}
if [ ! -f "$BENCH/score.py" ] || [ ! -d "$BENCH/scrapinghub" ]; then
  echo "no benchmark data at $BENCH (needs score.py, scrapinghub/, trafilatura-eval/); skipping"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 is missing; skipping"; exit 0; }
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
VENV=$TARGET/bench-venv
OUT=$TARGET/extract-vs-trafilatura
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || { echo "cannot create a venv (apt-get install python3-venv); skipping"; exit 0; }
fi
if ! "$VENV/bin/python" -c "import trafilatura, sys; sys.exit(trafilatura.__version__ != '$TRAFILATURA_VERSION')" 2>/dev/null; then
  "$VENV/bin/pip" install -q "trafilatura==$TRAFILATURA_VERSION" lxml_html_clean  # justext needs lxml.html.clean
fi
# `cargo bench --no-run` builds the bench program (release profile) and names its executable,
# which is run directly so that the timing covers it alone. All of cargo's messages are read
# before picking the line: stopping at the first match broke cargo's pipe (`set -o pipefail`).
EXE=$(cargo bench --quiet --no-run --bench extract_bench --message-format=json |
  python3 -c 'import json, sys; ms = [json.loads(l) for l in sys.stdin]; print(next(m["executable"] for m in ms if m.get("executable") and m["target"]["name"] == "extract_bench"))')

echo "machine: $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== govwire (benches/extract_bench)"
/usr/bin/time -f "cpu %U %S" -o "$OUT/govwire.cpu" "$EXE" "$BENCH" "$OUT/govwire" | tee "$OUT/govwire.txt"
echo "== trafilatura $TRAFILATURA_VERSION (defaults: trafilatura.extract(raw bytes))"
"$VENV/bin/python" - "$BENCH" "$OUT/trafilatura" <<'PY' | tee "$OUT/trafilatura.txt"
import gzip, json, os, sys, time
import trafilatura
bench, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for s in ("scrapinghub", "trafilatura-eval"):
    d = os.path.join(bench, s, "html")
    if not os.path.isdir(d):
        continue
    pages = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".html.gz"):
            with gzip.open(os.path.join(d, name), "rb") as f:
                pages.append((name[: -len(".html.gz")], f.read()))
    nbytes = sum(len(b) for _, b in pages)
    result, spent, cpu = {}, 0.0, 0.0
    for pid, raw in pages:
        t, c = time.perf_counter(), time.process_time()
        text = trafilatura.extract(raw)
        spent += time.perf_counter() - t
        cpu += time.process_time() - c
        result[pid] = text or ""
    with open(os.path.join(out, s + ".json"), "w") as f:
        json.dump(result, f)
    print(f"{s}: {len(pages)} pages, {len(pages)/spent:.1f} pages/s, {nbytes/1e6/spent:.1f} MB/s (extraction only, one core)")
    print(f"cpu {s} {cpu:.3f}")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

score() { # TOOL SET -> "P R F1"
  local gt=()
  [ "$2" = trafilatura-eval ] && gt=(--gt "$BENCH/trafilatura-eval/ground-truth.json")
  python3 "$BENCH/score.py" "$OUT/$1/$2.json" "${gt[@]}" --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.3f %.3f %.3f" % (d["precision"], d["recall"], d["f1"]))'
}
rate() { # TOOL SET -> pages/s (govwire: the wall-time figure of its extraction line for SET)
  if [ "$1" = govwire ]; then
    awk -v s="$2:" '$1 ~ /:$/ {on = ($1 == s)} on && $1 == "extraction" && $2 == "wall" {print $6; exit}' "$OUT/govwire.txt"
  else
    awk -v s="$2:" '$1 == s { print $4 }' "$OUT/$1.txt"
  fi
}
printf '\n| set | govwire P / R / F1 | trafilatura P / R / F1 | govwire pages/s | trafilatura pages/s | speed ratio |\n|---|---|---|---|---|---|\n'
for set in scrapinghub trafilatura-eval; do
  read -r gp gr gf < <(score govwire "$set")
  read -r tp tr tf < <(score trafilatura "$set")
  g=$(rate govwire "$set"); t=$(rate trafilatura "$set")
  ratio=$(python3 -c "print(f'{$g/$t:.1f}x')")
  echo "| $set | $gp / $gr / **$gf** | $tp / $tr / **$tf** | $g | $t | $ratio |"
done
# CPU time, which the other processes on a busy machine disturb far less than wall time:
# trafilatura's process CPU inside the extract() calls; govwire's thread CPU inside
# extract_article() as extract_bench reports it (all rounds; its parse baseline not counted).
read -r PAGES GCPU < <(awk '$2 ~ /^[0-9]+$/ && $3 == "pages" && $4 == "x" {n = $2 * $5} $1 == "extraction" && $2 == "wall" {for (i = 1; i <= NF; i++) if ($i == "CPU") c += $(i + 1); p += n} END {print p, c}' "$OUT/govwire.txt")
TCPU=$(awk '/^cpu / {c += $3} END {print c}' "$OUT/trafilatura.txt")
TPAGES=$(awk '$3 == "pages," {n += $2} END {print n}' "$OUT/trafilatura.txt")
python3 -c "p, g, tp, t = $PAGES, $GCPU, $TPAGES, $TCPU; print(f'\nCPU time, both sets: govwire {g:.2f} s in extract_article() for {p} pages = {p/g:.0f} pages per CPU-second; trafilatura {t:.2f} s in extract() for {tp} pages = {tp/t:.1f} pages per CPU-second; ratio {(p/g)/(tp/t):.1f}x')"
baseline=$(grep -i 'baseline\|scraper' "$OUT/govwire.txt" || true)
if [ -n "$baseline" ]; then
  echo; echo "baseline reported by extract_bench:"; echo "$baseline"
else
  echo; echo "(extract_bench reports no 'parse with scraper + body text' baseline)"
fi
