#!/usr/bin/env bash
# The chart's checks, run by `just helm-lint` (and so by `just test` and CI):
#   - `helm lint --strict` and `helm template` with the default values and each ci/*.yaml, every
#     rendered object validated strictly against the Kubernetes schemas and the pod policy
#     (validate.py);
#   - values.schema.json and the templates reject bad values, with a message naming the problem;
#   - every environment variable the services read can be set from values (env_vars.py, which
#     reads the binaries' --help: they are built first, a no-op after `cargo build`);
#   - README.md's values table matches the comments in values.yaml (values_doc.py).
# Every check runs even when one fails; the last line counts them.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root" || exit 1
scripts/deploy-tools.sh || exit 1
helm=.tools/bin/helm
py=.tools/venv/bin/python
chart=helm/specdoc
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
passed=0 failed=0

check() {
  local name="$1"
  shift
  if "$@" >"$out/log" 2>&1; then
    passed=$((passed + 1))
    echo "ok    $name"
  else
    failed=$((failed + 1))
    echo "FAIL  $name"
  fi
  sed 's/^/      /' "$out/log"
}

# lint_render NAME [VALUES]: lint, render, validate.
lint_render() {
  local args=()
  [ -n "${2:-}" ] && args=(-f "$2")
  "$helm" lint --strict --quiet "$chart" "${args[@]}" \
    && "$helm" template t "$chart" "${args[@]}" >"$out/$1.yaml" \
    && "$py" helm/tests/validate.py "$out/$1.yaml"
}

# rejects MESSAGE HELM-ARGS...: rendering must fail, saying MESSAGE.
rejects() {
  local message="$1"
  shift
  if "$helm" template t "$chart" "$@" >/dev/null 2>"$out/err"; then
    echo "rendered with $*, but should have failed"
    return 1
  fi
  grep -qF -- "$message" "$out/err" || { echo "failed without saying '$message':"; cat "$out/err"; return 1; }
}

check "lint, render, validate: default values" lint_render default
for values in "$chart"/ci/*.yaml; do
  check "lint, render, validate: ci/$(basename "$values")" lint_render "$(basename "$values" .yaml)" "$values"
done

check "schema rejects replicaCount: two" rejects "/scheduler/replicaCount" --set scheduler.replicaCount=two
check "schema rejects an unknown key" rejects "/worker/replicas" --set worker.replicas=3
check "schema rejects an unknown setting" rejects "/worker/config/maxConcurentJobs" --set worker.config.maxConcurentJobs=8
check "schema rejects maxConcurrentJobs: 0" rejects "/worker/config/maxConcurrentJobs" --set worker.config.maxConcurrentJobs=0
check "schema rejects a bad image digest" rejects "/image/digest" --set image.digest=latest
check "schema rejects a bad env var name" rejects "/tracker/env" --set-string 'tracker.env.BAD-NAME=1'
check "templates reject no Redis URL or Secret" rejects "set redis.url or redis.existingSecret" --set redis.url=
check "templates reject TLS without a certificate Secret" rejects "tls.enabled needs tls.secretName" \
  --set tls.enabled=true
check "templates reject HPA and KEDA together" rejects "exclusive" \
  --set worker.autoscaling.enabled=true --set worker.keda.enabled=true

bins="${CARGO_TARGET_DIR:-target}/debug"
check "every env var the services read is settable from values" \
  bash -c "cargo build --workspace --bins --quiet && '$py' helm/tests/env_vars.py '$helm' '$bins'"

check "helm/specdoc/README.md is current" "$py" helm/tests/values_doc.py --check

echo "helm-lint: $passed passed, $failed failed"
[ "$failed" = 0 ]
