#!/usr/bin/env bash
# `just bench-queue`: no-op-sized jobs through specdoc (scheduler → Redis → worker → Postgres,
# with events; QUALITY_SCORE on a tiny spec), BullMQ and Celery, on the same Redis in the same
# run. specdoc's first worker layout and BullMQ at concurrency 32 take turns, BENCH_REPEAT runs
# each; then each other layout runs once, then BullMQ at 64 and Celery. Every line is
# `name: N jobs/s` (specdoc's carry the layout, `specdoc workers=1 slots=64: N jobs/s`, and a
# repeated run its number), plus specdoc's admission time and submit latency per layout (a
# separate phase of single SubmitJob calls from 64 callers; see the driver). The headlines are
# the medians of the turns, `specdoc: N jobs/s` and `bullmq: N jobs/s`, with the ratio of each
# turn (and `bullmq concurrency=64: …`, `celery: …`).
#   BENCH_JOBS         jobs per specdoc round and per BullMQ run (default 20000)
#   BENCH_LATENCY_JOBS single SubmitJob calls per specdoc round, after its BENCH_JOBS (default 2000)
#   BENCH_CELERY_JOBS  jobs for Celery (default 2000)
#   BENCH_ROUNDS       specdoc layouts, WORKERSxSLOTS: that many worker processes, each with
#                      MAX_CONCURRENT_JOBS=SLOTS (default "1x64 1x32": one worker at its best
#                      setting, then at BullMQ's concurrency; the suite runs "1x8 1x32 2x32 4x32")
#   BENCH_REPEAT       runs of the first layout, each followed by one of BullMQ at 32 (default 5);
#                      `specdoc:` and `bullmq:` are their medians, and each run's ratio is printed
#   BENCH_PEERS=0      skip BullMQ and Celery
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
jobs="${BENCH_JOBS:-20000}"
latency_jobs="${BENCH_LATENCY_JOBS:-2000}"
celery_jobs="${BENCH_CELERY_JOBS:-2000}"
rounds="${BENCH_ROUNDS:-1x64 1x32}"
repeat="${BENCH_REPEAT:-5}"
peers="${BENCH_PEERS:-1}"
target="${CARGO_TARGET_DIR:-$root/target}"
eval "$(scripts/ensure.sh redis postgres)"
cache="$root/target/bench-cache"
mkdir -p "$cache/node"
if [ "$peers" = 1 ]; then
  [ -d "$cache/node/node_modules/bullmq" ] || npm install --silent --no-audit --no-fund --prefix "$cache/node" bullmq@5 >&2
  [ -x "$cache/venv/bin/celery" ] && "$cache/venv/bin/python" -c "import packaging" 2>/dev/null || { python3 -m venv "$cache/venv" && "$cache/venv/bin/pip" install -q celery redis packaging >&2; }
fi
cargo build -q --release -p specdoc-scheduler -p specdoc-worker --bins
cargo build -q --release -p specdoc-cli --example bench_queue

admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="specdoc_bench_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
database_url="${admin%/*}/$db"
redis_url="redis://127.0.0.1:6379"
# A base port with nothing listening on the 20 ports above it (other runs share this machine).
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
  port=$((20000 + RANDOM % 20000)) taken=0
  for i in $(seq 0 19); do in_use $((port + i)) && { taken=1; break; }; done
  [ "$taken" = 1 ] || break
done
pids=()
workers=()
stop_workers() { [ ${#workers[@]} -eq 0 ] || { kill "${workers[@]}" 2>/dev/null || true; wait "${workers[@]}" 2>/dev/null || true; }; workers=(); }
cleanup() {
  stop_workers
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  if command -v redis-cli >/dev/null; then
    redis-cli --scan --pattern "specdoc-bench-$$*" | xargs -r redis-cli del >/dev/null || true
  fi
}
trap cleanup EXIT
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }
export DATABASE_URL="$database_url" REDIS_URL="$redis_url" REDIS_PREFIX="specdoc-bench-$$" RUST_LOG=warn
# The benchmark's own admin token, and no quotas: the point is to go as fast as possible.
SPECDOC_TOKEN="bench-admin-token-$$-$RANDOM$RANDOM"
export AUTH_TOKENS="admin=$SPECDOC_TOKEN" SPECDOC_TOKEN QUOTA_SUBMISSIONS_PER_SECOND=0 QUOTA_MAX_QUEUED=0
LISTEN="127.0.0.1:$port" HTTP_LISTEN="127.0.0.1:$((port + 1))" "$target/release/specdoc-scheduler" & pids+=($!)
wait_port "$port"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; redis $(redis-server --version | awk '{print $3}'); $jobs jobs per round (celery: $celery_jobs)"
# One specdoc round of layout $1 (WORKERSxSLOTS) with $2 single submissions after the throughput
# phase; its throughput line is labelled `$3` besides the layout (the run, when repeated).
specdoc_round() {
  local n="${1%x*}" slots="${1#*x}" i p
  for i in $(seq "$n"); do
    p=$((port + 10 + 2 * i))
    LISTEN="127.0.0.1:$p" HTTP_LISTEN="127.0.0.1:$((p + 1))" MAX_CONCURRENT_JOBS="$slots" "$target/release/specdoc-worker" & workers+=($!)
    wait_port "$p"
  done
  "$target/release/examples/bench_queue" "http://127.0.0.1:$port" "$database_url" "$jobs" 64 "$2" |
    sed -e "s/^specdoc /specdoc workers=$n slots=$slots /" -e "s/^specdoc: /specdoc workers=$n slots=$slots$3: /"
  stop_workers
}
rate() { grep -m1 -oE "^$1: [0-9]+" | grep -oE '[0-9]+$'; }
# The median of the space-separated numbers on stdin, printed with format $1.
median() {
  tr ' ' '\n' | grep . | sort -n |
    awk -v format="$1\n" '{v[NR] = $1} END {m = int((NR + 1) / 2); printf format, NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2}'
}
[ "$peers" = 1 ] && cp benches/queue/bullmq.mjs "$cache/node/"

# The headline: the first layout and BullMQ at concurrency 32 take turns, $repeat runs each, so
# that both meet the machine in the same states (its speed drifts by half within minutes here).
# The headline figures are the medians; the latency phase runs once, in the first run.
first="${rounds%% *}"
specdoc_rates="" bullmq_rates="" ratios=""
for run in $(seq "$repeat"); do
  label=""; [ "$repeat" = 1 ] || label=" run $run"
  latency=0; [ "$run" = 1 ] && latency="$latency_jobs"
  out="$(specdoc_round "$first" "$latency" "$label")"
  echo "$out"
  specdoc_rate="$(echo "$out" | rate "specdoc workers=[0-9]+ slots=[0-9]+$label")"
  specdoc_rates+=" $specdoc_rate"
  [ "$peers" = 1 ] || continue
  bullmq_rate="$(node "$cache/node/bullmq.mjs" "$redis_url" "$jobs" 32 | rate bullmq)"
  echo "bullmq$label: $bullmq_rate jobs/s"
  bullmq_rates+=" $bullmq_rate"
  ratios+=" $(awk "BEGIN {printf \"%.2f\", $specdoc_rate / $bullmq_rate}")"
done
specdoc_median="$(echo "$specdoc_rates" | median %.0f)"
[ "$repeat" = 1 ] || echo "specdoc workers=${first%x*} slots=${first#*x}: $specdoc_median jobs/s"
for round in ${rounds#"$first"}; do
  specdoc_round "$round" "$latency_jobs" ""
done
echo "specdoc: $specdoc_median jobs/s"
[ "$peers" = 1 ] || exit 0
echo "bullmq: $(echo "$bullmq_rates" | median %.0f) jobs/s"
echo "specdoc/bullmq, run by run:$ratios; median $(echo "$ratios" | median %.2f)"
node "$cache/node/bullmq.mjs" "$redis_url" "$jobs" 64

(cd benches/queue && BENCH_REDIS="$redis_url/15" exec "$cache/venv/bin/celery" -A celery_bench worker --pool threads --concurrency 32 --loglevel warning >/dev/null 2>&1) & pids+=($!)
sleep 3
(cd benches/queue && BENCH_REDIS="$redis_url/15" "$cache/venv/bin/python" celery_bench.py "$celery_jobs")
