#!/usr/bin/env bash
# `just bench-queue`: no-op-sized jobs through specdoc (scheduler → Redis → worker → Postgres,
# with events; QUALITY_SCORE on a tiny spec; one worker process), BullMQ and Celery, on the same
# Redis in the same run. Prints one `name: N jobs/s` line per system.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
jobs="${BENCH_JOBS:-5000}"
celery_jobs="${BENCH_CELERY_JOBS:-2000}"
eval "$(scripts/ensure.sh redis postgres)"
cache="$root/target/bench-cache"
mkdir -p "$cache/node"
[ -d "$cache/node/node_modules/bullmq" ] || npm install --silent --no-audit --no-fund --prefix "$cache/node" bullmq@5 >&2
[ -x "$cache/venv/bin/celery" ] && "$cache/venv/bin/python" -c "import packaging" 2>/dev/null || { python3 -m venv "$cache/venv" && "$cache/venv/bin/pip" install -q celery redis packaging >&2; }
cargo build -q --release -p specdoc-scheduler -p specdoc-worker --bins
cargo build -q --release -p specdoc-cli --example bench_queue

admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="specdoc_bench_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
database_url="${admin%/*}/$db"
redis_url="redis://127.0.0.1:6379"
port=$((20000 + RANDOM % 20000))
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; }
trap cleanup EXIT
export DATABASE_URL="$database_url" REDIS_URL="$redis_url" REDIS_PREFIX="specdoc-bench-$$" RUST_LOG=warn
LISTEN="127.0.0.1:$port" HTTP_LISTEN="127.0.0.1:$((port + 1))" target/release/specdoc-scheduler & pids+=($!)
LISTEN="127.0.0.1:$((port + 2))" HTTP_LISTEN="127.0.0.1:$((port + 3))" MAX_CONCURRENT_JOBS=32 target/release/specdoc-worker & pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; redis $(redis-server --version | awk '{print $3}'); $jobs jobs (celery: $celery_jobs)"
target/release/examples/bench_queue "http://127.0.0.1:$port" "$database_url" "$jobs" 64

cp benches/queue/bullmq.mjs "$cache/node/"
node "$cache/node/bullmq.mjs" "$redis_url" "$jobs"

(cd benches/queue && BENCH_REDIS="$redis_url/15" exec "$cache/venv/bin/celery" -A celery_bench worker --pool threads --concurrency 32 --loglevel warning >/dev/null 2>&1) & pids+=($!)
sleep 3
(cd benches/queue && BENCH_REDIS="$redis_url/15" "$cache/venv/bin/python" celery_bench.py "$celery_jobs")
