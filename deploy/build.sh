#!/usr/bin/env bash
# The image's build step: builds the four release binaries and copies them to OUT (default:
# dist/ in the target dir). The Dockerfile's builder stage runs this script and so does CI
# (`just image-check`), so the image's build is exercised on every CI run without a Docker engine.
# Change the build here, not in the Dockerfile.
#   deploy/build.sh [OUT]          (honours CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
out="${1:-$target/dist}"

# --locked: exactly the Cargo.lock of the repository. protoc comes from the protoc-bin-vendored
# crate and no step needs npm, so a Rust toolchain (with a C compiler, for the bundled SQLite) is
# all the build needs.
cargo build --release --locked --bins

mkdir -p "$out"
for bin in specdoc specdoc-scheduler specdoc-worker specdoc-tracker; do
  install -m 0755 "$target/release/$bin" "$out/$bin"
  # The release profile keeps line tables for readable backtraces; compressed, they cost a third
  # of the size (a worker: 92 MB as built, 37 MB compressed, 15 MB stripped).
  objcopy --compress-debug-sections=zlib "$out/$bin"
done
echo "built: $(cd "$out" && du -sh -- * | tr '\t\n' ' ')" >&2
