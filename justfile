# specdoc's recipes. `just` lists them. New here? `./dev demo`, then `./dev test`.

set shell := ["bash", "-euo", "pipefail", "-c"]

buf := ".tools/node_modules/.bin/buf"

import "just/docs.just"
import "just/score.just"
import "just/deploy.just"
import "just/clients.just"
import "just/bench.just"

# List the recipes.
default:
    @just --list

# Build every binary (specdoc, specdoc-scheduler, specdoc-worker, specdoc-tracker).
build:
    cargo build --workspace --bins

# Run the system and document the bundled petstore spec end to end; documents land in ./demo-output.
demo: build
    #!/usr/bin/env bash
    set -euo pipefail
    scripts/ensure.sh redis-server
    specdoc="${CARGO_TARGET_DIR:-target}/debug/specdoc"
    RUST_LOG="${RUST_LOG:-warn}" $specdoc up --data-dir .specdoc & up=$!
    trap 'kill $up 2>/dev/null; wait $up 2>/dev/null || true' EXIT
    for _ in $(seq 100); do $specdoc queue >/dev/null 2>&1 && break; sleep 0.2; done
    $specdoc submit examples/petstore.yaml --team-id demo --service-name petstore --format markdown,html --watch | tee .specdoc/demo.log
    job=$(head -n1 .specdoc/demo.log | cut -d' ' -f2)
    $specdoc result "$job" --out demo-output
    echo "open demo-output/petstore.html in a browser, or read demo-output/petstore.md"

# Run scheduler, worker and tracker in one process (Ctrl-C stops it).
up *ARGS:
    cargo run -p specdoc-cli -- up {{ARGS}}

# Run the whole test suite: formatting, lints, buf, and every test against real Redis, Postgres and SQLite.
test:
    #!/usr/bin/env bash
    set -euo pipefail
    eval "$(scripts/ensure.sh redis postgres buf browser)"
    just lint
    cargo build --workspace --bins
    cargo test --workspace --no-fail-fast
    # The statistics benchmark at a small size, so its assertions run in CI too (`just
    # bench-stats` runs it at 100,000 jobs).
    STATS_JOBS=2000 cargo test -p specdoc-store --test stats_at_scale -- --ignored
    just clients
    just helm-lint
    just image-check

# Formatting and lints: rustfmt, clippy -D warnings, buf lint and buf format.
lint:
    scripts/ensure.sh buf
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --quiet
    {{buf}} lint
    {{buf}} format --diff --exit-code

# Format Rust and proto sources.
fmt:
    cargo fmt --all
    {{buf}} format -w

# The web monitor's browser test alone; `update` also refreshes docs/screenshots/ for the README.
monitor-test update="":
    #!/usr/bin/env bash
    set -euo pipefail
    eval "$(scripts/ensure.sh redis postgres browser)"
    cargo build --workspace --bins
    if [ -n "{{update}}" ]; then export SPECDOC_UPDATE_SCREENSHOTS=1; fi
    cargo test -p specdoc-cli --test monitor -- --nocapture

# The long chaos run: 200 workers killed with SIGKILL mid-job; every job must complete exactly once.
chaos:
    #!/usr/bin/env bash
    set -euo pipefail
    eval "$(scripts/ensure.sh redis postgres)"
    cargo build --workspace --bins
    CHAOS_KILLS=200 cargo test -p specdoc-cli --test reliability workers_killed_mid_job -- --nocapture

# Run the scheduler's periodic tasks only (reaper, re-dispatch, retention), like Celery beat. Needs DATABASE_URL.
beat:
    cargo run -p specdoc-scheduler -- --mode beat --listen 127.0.0.1:50061 --http-listen 127.0.0.1:8091
