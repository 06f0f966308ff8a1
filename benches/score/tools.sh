# Sourced by compare.sh and bench.sh: installs the npm tools (Spectral, Redocly) into a cache
# directory and builds the release `score` example. Sets SPECTRAL, REDOCLY, SCORE_BIN, SPECS_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=${SCORE_TOOLS:-$ROOT/.tools/score}
SPECTRAL_VERSION=${SPECTRAL_VERSION:-6.16.3}
REDOCLY_VERSION=${REDOCLY_VERSION:-2.77.0}
mkdir -p "$TOOLS"
if [[ ! -x $TOOLS/node_modules/.bin/spectral || ! -x $TOOLS/node_modules/.bin/redocly ]]; then
    echo "installing @stoplight/spectral-cli and @redocly/cli into $TOOLS" >&2
    npm install --no-audit --no-fund --prefix "$TOOLS" \
        "@stoplight/spectral-cli@$SPECTRAL_VERSION" "@redocly/cli@$REDOCLY_VERSION" >&2
fi
SPECTRAL=$TOOLS/node_modules/.bin/spectral
REDOCLY=$TOOLS/node_modules/.bin/redocly
SPECS_DIR=${SPECS_DIR:-$(cd "$ROOT/.." && pwd)/shared/specs}
(cd "$ROOT" && cargo build --release -q -p specdoc-docs --example score >&2)
SCORE_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/score
