#!/usr/bin/env bash
# Installs or starts what specdoc's commands need, and nothing that is already there.
#   scripts/ensure.sh just        `just` (from PyPI: rust-just)
#   scripts/ensure.sh buf         buf, into .tools/ (from npm: @bufbuild/buf)
#   scripts/ensure.sh redis       a Redis answering on 127.0.0.1:6379 (starts or installs one)
#   scripts/ensure.sh postgres    a Postgres on 127.0.0.1:5432 that TEST_DATABASE_URL can reach;
#                                 prints `export TEST_DATABASE_URL=...` when it had to set one (eval it)
#   scripts/ensure.sh redis-server   the redis-server binary (for `specdoc up`'s private Redis)
#   scripts/ensure.sh browser     Debian's chromium, and playwright-core into .tools/ (npm), for
#                                 the web monitor's browser test
# Uses the running servers when they answer. Installs with apt-get only as root (or with sudo).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

say() { printf '==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  say "installing $* with apt-get"
  as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || { echo "error: cannot install $* (need root or sudo); install it yourself and retry" >&2; exit 1; }
}

ensure_just() {
  command -v just >/dev/null && return
  say "installing just (pip install rust-just)"
  python3 -m pip install --quiet --disable-pip-version-check rust-just >&2
  command -v just >/dev/null || { echo "error: just installed but not on PATH (add ~/.local/bin to PATH)" >&2; exit 1; }
}

ensure_buf() {
  [ -x "$root/.tools/node_modules/.bin/buf" ] && return
  say "installing buf into .tools/ (npm @bufbuild/buf)"
  mkdir -p "$root/.tools"
  (cd "$root/.tools" && npm install --silent --no-audit --no-fund --prefix . @bufbuild/buf@1 >&2)
}

ensure_browser() {
  [ -x /usr/bin/chromium ] || apt_install chromium chromium-driver
  [ -f "$root/.tools/node_modules/playwright-core/package.json" ] && return
  say "installing playwright-core into .tools/ (npm; it drives Debian's chromium, downloads no browser)"
  mkdir -p "$root/.tools"
  (cd "$root/.tools" && npm install --silent --no-audit --no-fund --prefix . playwright-core@1 >&2)
}

ensure_redis_server() {
  command -v redis-server >/dev/null || apt_install redis-server
}

redis_answers() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }

ensure_redis() {
  redis_answers && return
  ensure_redis_server
  say "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp >/dev/null
  for _ in $(seq 50); do redis_answers && return; sleep 0.1; done
  echo "error: redis-server did not start" >&2; exit 1
}

pg_url() { echo "${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"; }
pg_answers() { psql "$(pg_url)" -qtAc 'SELECT 1' >/dev/null 2>&1; }

ensure_postgres() {
  pg_answers && return
  command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-client
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    say "starting postgres"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
    for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.1; done
  fi
  pg_answers && return
  # A fresh Debian install asks for a password on TCP: give the postgres role one for tests.
  say "setting a password for the postgres role (tests connect over TCP)"
  as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  export TEST_DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/postgres"
  pg_answers || { echo "error: cannot reach Postgres at $(pg_url); set TEST_DATABASE_URL" >&2; exit 1; }
  echo "export TEST_DATABASE_URL=$TEST_DATABASE_URL"
}

# Test databases (specdoc_test_*) of earlier runs: each test creates one and leaves it for
# post-mortems; the next run clears them so they do not pile up.
drop_test_databases() {
  psql "$(pg_url)" -qAtc "SELECT datname FROM pg_database WHERE datname LIKE 'specdoc\_test\_%'" \
    | while read -r db; do psql "$(pg_url)" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null; done
}

for what in "$@"; do
  case "$what" in
    just) ensure_just ;;
    buf) ensure_buf ;;
    redis) ensure_redis ;;
    redis-server) ensure_redis_server ;;
    browser) ensure_browser ;;
    postgres) ensure_postgres; drop_test_databases >&2 ;;
    *) echo "unknown: $what" >&2; exit 2 ;;
  esac
done
