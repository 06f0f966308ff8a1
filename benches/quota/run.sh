#!/usr/bin/env bash
# `just bench-quota`: does one team's flood slow another team's submissions? A release
# scheduler and worker on Postgres with the default quotas (20/s, bursts of 100, 1,000 queued);
# team `steady` submits BENCH_QUOTA_JOBS jobs (default 300) one at a time, alone and then while
# BENCH_FLOODERS clients (default 64) of team `flood` submit as fast as they can (at the lowest
# CPU priority, standing in for clients on other machines). Prints the steady team's submit
# latency p50/p99 in both phases and the flood's calls/s. BENCH_QUOTA_OFF=1 lifts the flooding
# team's quota too, for comparison: every call of the flood is then a job accepted (and the
# steady team submits 30 jobs, which is what fits in the flood's 12 s then).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
eval "$(scripts/ensure.sh redis postgres)"
cargo build -q --release -p specdoc-scheduler -p specdoc-worker --bins
cargo build -q --release -p specdoc-cli --example bench_flood

admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="specdoc_bench_quota_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
pids=()
tmp="$(mktemp -d)"
cleanup() {
  rm -rf "$tmp"
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  redis-cli --scan --pattern "specdoc-bench-quota-$$*" | xargs -r redis-cli del >/dev/null || true
}
trap cleanup EXIT
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
  port=$((20000 + RANDOM % 20000))
  in_use "$port" || in_use $((port + 1)) || in_use $((port + 2)) || in_use $((port + 3)) || break
done
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }
SPECDOC_TOKEN="bench-admin-token-$$-$RANDOM$RANDOM"
export DATABASE_URL="${admin%/*}/$db" REDIS_URL="redis://127.0.0.1:6379" REDIS_PREFIX="specdoc-bench-quota-$$" RUST_LOG=warn
# The measured team has no quota of its own; the flooding team has the defaults.
export AUTH_TOKENS="admin=$SPECDOC_TOKEN" SPECDOC_TOKEN QUOTA_OVERRIDES="steady=0/1/0"
[ "${BENCH_QUOTA_OFF:-0}" = 1 ] && QUOTA_OVERRIDES="$QUOTA_OVERRIDES,flood=0/1/0"
LISTEN="127.0.0.1:$port" HTTP_LISTEN="127.0.0.1:$((port + 1))" "$target/release/specdoc-scheduler" & pids+=($!)
wait_port "$port"
LISTEN="127.0.0.1:$((port + 2))" HTTP_LISTEN="127.0.0.1:$((port + 3))" MAX_CONCURRENT_JOBS=32 "$target/release/specdoc-worker" & pids+=($!)
wait_port "$((port + 2))"
echo "machine: $(nproc) cores; quotas: $QUOTA_OVERRIDES, others the defaults (20/s, burst 100, 1000 queued)"
default_n=300
[ "${BENCH_QUOTA_OFF:-0}" = 1 ] && default_n=30
bench="$target/release/examples/bench_flood" url="http://127.0.0.1:$port" n="${BENCH_QUOTA_JOBS:-$default_n}"
echo "steady alone: $("$bench" steady "$url" "$n")"
# The flood at the lowest CPU priority, standing in for clients on other machines: what the
# steady team feels is then the scheduler's cost of the flood, not the flood clients' CPU.
nice -n 19 "$bench" flood "$url" "${BENCH_FLOODERS:-64}" 12 > "$tmp/flood" & flood=$!
sleep 2
echo "steady during the flood: $("$bench" steady "$url" "$n")"
wait "$flood"
cat "$tmp/flood"
