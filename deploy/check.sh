#!/usr/bin/env bash
# The image's checks without a Docker engine (`just image-check`, part of `just test`):
#   1. hadolint lints deploy/Dockerfile (every rule, failing on any finding);
#   2. dclint validates compose.yaml against the Compose specification's schema; each specdoc
#      service must run one of the image's binaries, and the files it mounts must exist;
#   3. .dockerignore keeps every workspace member and the files the build reads;
#   4. the Dockerfile's build step runs outside Docker: its RUN calls deploy/build.sh, and so does
#      this, so CI compiles the image's binaries exactly as `docker build` would, then runs each.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1
scripts/deploy-tools.sh || exit 1
py=.tools/venv/bin/python
passed=0 failed=0

check() {
  local name="$1"
  shift
  echo "==> $name"
  if "$@"; then passed=$((passed + 1)); echo "ok    $name"; else failed=$((failed + 1)); echo "FAIL  $name"; fi
}

compose() {
  # dclint: the Compose specification's schema and its error-level rules (-q: its style warnings,
  # such as alphabetical key order, are left out).
  .tools/node_modules/.bin/dclint -q --color=false deploy/compose.yaml || return 1
  "$py" - <<'PY'
import sys
from pathlib import Path
import yaml

compose = yaml.safe_load(Path("deploy/compose.yaml").read_text())
binaries = {"specdoc", "specdoc-scheduler", "specdoc-worker", "specdoc-tracker"}
errors = []
for name, svc in compose["services"].items():
    if svc.get("image") == "specdoc:local" and svc["command"][0] not in binaries:
        errors.append(f"services.{name}: runs {svc['command'][0]}, which the image lacks")
    for volume in svc.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith(".") and not (Path("deploy") / source).exists():
            errors.append(f"services.{name}: mounts {source}, which does not exist")
for e in errors:
    print(f"deploy/compose.yaml: {e}", file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}

# The Docker build sees only what .dockerignore leaves in: it must keep every workspace member,
# proto/ (the proto crate's build script reads it), the Cargo files and build.sh.
context() {
  cargo metadata --no-deps --format-version 1 --locked | "$py" -c '
import fnmatch, json, os, sys
root = os.getcwd()
needed = ["Cargo.toml", "Cargo.lock", "proto/specdoc", "deploy/build.sh"]
needed += [os.path.relpath(os.path.dirname(p["manifest_path"]), root) + "/src" for p in json.load(sys.stdin)["packages"]]
rules = [l.strip() for l in open(".dockerignore") if l.strip() and not l.startswith("#")]
def excluded(path):
    parts = path.split("/")
    out = False
    for prefix in ("/".join(parts[:i]) for i in range(1, len(parts) + 1)):
        for rule in rules:
            negate = rule.startswith("!")
            pattern = rule.lstrip("!").replace("**/", "*")
            if fnmatch.fnmatch(prefix, pattern):
                out = not negate
    return out
lost = [p for p in needed if excluded(p)]
for p in lost:
    print(f".dockerignore leaves out {p}, which the build needs", file=sys.stderr)
sys.exit(1 if lost else 0)
'
}

build_steps() {
  grep -q '^    deploy/build.sh /out$' deploy/Dockerfile \
    || { echo "deploy/Dockerfile no longer builds with deploy/build.sh: keep the two in step" >&2; return 1; }
  local out="${CARGO_TARGET_DIR:-target}/dist"
  deploy/build.sh "$out" || return 1
  for bin in specdoc specdoc-scheduler specdoc-worker specdoc-tracker; do
    "$out/$bin" --version || return 1
  done
}

check "hadolint deploy/Dockerfile" .tools/venv/bin/hadolint --no-color --failure-threshold style deploy/Dockerfile
check "deploy/compose.yaml is valid" compose
check ".dockerignore keeps what the build needs" context
check "the Dockerfile's build steps, outside Docker (deploy/build.sh)" build_steps

echo "image-check: $passed passed, $failed failed"
[ "$failed" = 0 ]
