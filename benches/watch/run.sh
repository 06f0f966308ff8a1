#!/usr/bin/env bash
# `just bench-watch`: N concurrent WatchJob streams on one tracker, over many HTTP/2 connections,
# while jobs run (release scheduler, worker and tracker on Postgres and Redis). Jobs wait on a
# model that answers after a fixed delay, so they arrive at the same steady pace for every N.
# Prints one line per N (live-event latency, tracker memory per watcher, tracker Redis
# connections) and a table. See README.md.
#   BENCH_WATCHERS      watcher counts, one round each (default "100 1000 10000")
#   BENCH_SECONDS       seconds measured per round (default 20)
#   BENCH_CONNECTIONS   HTTP/2 connections to the tracker (default 64)
#   BENCH_WORKER_SLOTS  the worker's MAX_CONCURRENT_JOBS (default 10)
#   BENCH_LLM_DELAY_MS  the model's delay per answer, about a job's length (default 500)
#   BENCH_TRACKER       a tracker binary to measure instead of this tree's (to compare builds)
#   BENCH_QUICK=1       development mode: "100 1000" watchers, 5 seconds each
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  watchers="${BENCH_WATCHERS:-100 1000}"; seconds="${BENCH_SECONDS:-5}"
else
  watchers="${BENCH_WATCHERS:-100 1000 10000}"; seconds="${BENCH_SECONDS:-20}"
fi
connections="${BENCH_CONNECTIONS:-64}"
slots="${BENCH_WORKER_SLOTS:-10}"
delay="${BENCH_LLM_DELAY_MS:-500}"
target="${CARGO_TARGET_DIR:-$root/target}"
eval "$(scripts/ensure.sh redis postgres)"
cargo build -q --release -p specdoc-scheduler -p specdoc-worker -p specdoc-tracker --bins
cargo build -q --release -p specdoc-cli --example bench_watch
# One socket per connection on each side; raise the limit anyway, for a larger BENCH_CONNECTIONS.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="specdoc_bench_watch_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
pids=()
cleanup() {
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  # The run's keys (the event stream holds up to 100,000 events).
  if command -v redis-cli >/dev/null; then
    redis-cli --scan --pattern "specdoc-bench-watch-$$*" | xargs -r redis-cli del >/dev/null || true
  fi
}
trap cleanup EXIT
export DATABASE_URL="${admin%/*}/$db" REDIS_URL="redis://127.0.0.1:6379" REDIS_PREFIX="specdoc-bench-watch-$$" RUST_LOG=warn
# The benchmark's own admin token, and no quotas: the point is to go as fast as possible.
SPECDOC_TOKEN="bench-admin-token-$$-$RANDOM$RANDOM"
export AUTH_TOKENS="admin=$SPECDOC_TOKEN" SPECDOC_TOKEN QUOTA_SUBMISSIONS_PER_SECOND=0 QUOTA_MAX_QUEUED=0
# A base port with nothing listening on the 7 ports above it (other runs share this machine).
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
  port=$((20000 + RANDOM % 20000)) taken=0
  for i in $(seq 0 6); do in_use $((port + i)) && { taken=1; break; }; done
  [ "$taken" = 1 ] || break
done
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }
bench="$target/release/examples/bench_watch"
"$bench" llm --listen "127.0.0.1:$((port + 6))" --delay-ms "$delay" & pids+=($!)
# The scheduler runs the migrations; the others start once it serves.
LISTEN="127.0.0.1:$port" HTTP_LISTEN="127.0.0.1:$((port + 1))" "$target/release/specdoc-scheduler" & pids+=($!)
wait_port "$port"
LISTEN="127.0.0.1:$((port + 2))" HTTP_LISTEN="127.0.0.1:$((port + 3))" MAX_CONCURRENT_JOBS="$slots" \
  GENAI_BASE_URL="http://127.0.0.1:$((port + 6))/v1" GENAI_MODEL=bench GENAI_API_KEY=bench GENAI_MAX_CONCURRENCY="$slots" \
  "$target/release/specdoc-worker" & pids+=($!)
LISTEN="127.0.0.1:$((port + 4))" HTTP_LISTEN="127.0.0.1:$((port + 5))" "${BENCH_TRACKER:-$target/release/specdoc-tracker}" & tracker=$!
pids+=("$tracker")
wait_port "$((port + 4))"
wait_port "$((port + 6))"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; redis $(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/'); postgres $(psql "$admin" -Atc 'SHOW server_version' | awk '{print $1}'); worker slots $slots, model delay $delay ms; $connections connections; $seconds s per round"
# shellcheck disable=SC2086 # the watcher counts are separate arguments
"$bench" run --scheduler "http://127.0.0.1:$port" --tracker "http://127.0.0.1:$((port + 4))" \
  --tracker-pid "$tracker" --connections "$connections" --seconds "$seconds" $watchers
