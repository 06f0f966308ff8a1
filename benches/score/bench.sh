#!/usr/bin/env bash
# Speed of specdoc's scorer against Redocly lint and Spectral (spectral:oas) on the same machine in
# the same run: `just bench-score`. Specs: GitHub's (npm @octokit/openapi@23.0.2,
# generated/api.github.com.json, 13 MB) and Stripe's (shared/specs/real/stripe-spec3.json).
# Targets: specdoc parse+score <= 1 s on GitHub, <= 0.5 s on Stripe (release build).
# Prints a Markdown table; exits 1 when a target is missed.
#   SCORE_SPECS    which specs, of github, stripe and petstore (default "github stripe")
#   PEER_TIMEOUT   seconds after which a peer is stopped and reported as timed out (default 600)
#   BENCH_OUT      a folder: the results are also written there as score.json (benches/suite.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
GH_DIR=$TOOLS/octokit-openapi-23.0.2
if [[ ! -f $GH_DIR/package/generated/api.github.com.json ]]; then
    mkdir -p "$GH_DIR"
    (cd "$GH_DIR" && npm pack --silent @octokit/openapi@23.0.2 >/dev/null && tar xzf octokit-openapi-23.0.2.tgz)
fi
GITHUB=$GH_DIR/package/generated/api.github.com.json
STRIPE=$SPECS_DIR/real/stripe-spec3.json
RULESET=$(mktemp -d)/.spectral.yaml
printf 'extends: ["spectral:oas"]\n' > "$RULESET"
RUNS=${RUNS:-5}
PEER_TIMEOUT=${PEER_TIMEOUT:-600}
PETSTORE=$ROOT/examples/petstore.yaml

now() { date +%s.%N; }
# Wall seconds of one run of a command (its output and exit status are ignored).
calc() { python3 -c "print($1)"; }
wall() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; calc "$(now) - $t0"; }
# Like wall, for a peer: "timeout" when it runs longer than PEER_TIMEOUT.
peer() {
    local t0 rc=0; t0=$(now)
    timeout -k 5 "$PEER_TIMEOUT" "$@" >/dev/null 2>&1 || rc=$?
    if [[ $rc == 124 || $rc == 137 ]]; then echo timeout; else calc "$(now) - $t0"; fi
}
num() { [[ $1 == timeout ]] && echo "timed out (> ${PEER_TIMEOUT} s)" || printf '%.2f s' "$1"; }
ratio_of() { [[ $1 == timeout ]] && echo "n/a" || printf '%.0f×' "$(calc "$1 / $2")"; }
json_rows=()

echo "| Spec | specdoc parse+score (process) | specdoc score only (median of $RUNS) | Redocly lint | Spectral lint | Redocly / specdoc | Spectral / specdoc | target |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
status=0
declare -A SPEC_OF=([github]="$GITHUB:1.0" [stripe]="$STRIPE:0.5" [petstore]="$PETSTORE:0.1")
for name in ${SCORE_SPECS:-github stripe}; do
    IFS=: read -r spec target <<<"${SPEC_OF[$name]}"
    ours=$(wall "$SCORE_BIN" --json "$spec")
    timing=$("$SCORE_BIN" --time "$RUNS" "$spec")
    score_ms=$(sed -E 's/.*score_median_ms=([0-9.]+).*/\1/' <<<"$timing")
    redocly=$(peer "$REDOCLY" lint "$spec" --format=summary)
    spectral=$(peer "$SPECTRAL" lint "$spec" -r "$RULESET" -f json -q -o /dev/null)
    ok=$(calc "int($ours <= $target)")
    verdict=$([[ $ok == 1 ]] && echo "≤ ${target} s: met" || echo "≤ ${target} s: MISSED")
    [[ $ok == 1 ]] || status=1
    printf '| %s | %.2f s | %.0f ms | %s | %s | %s | %s | %s |\n' "$name" "$ours" "$score_ms" \
        "$(num "$redocly")" "$(num "$spectral")" "$(ratio_of "$redocly" "$ours")" "$(ratio_of "$spectral" "$ours")" "$verdict"
    json_rows+=("$(printf '{"spec": "%s", "bytes": %d, "specdoc_s": %s, "score_median_ms": %s, "redocly_s": "%s", "spectral_s": "%s", "target_s": %s}' \
        "$name" "$(stat -c %s "$spec")" "$ours" "$score_ms" "$redocly" "$spectral" "$target")")
done
if [[ -n ${BENCH_OUT:-} ]]; then
    mkdir -p "$BENCH_OUT"
    (IFS=,; echo "{\"peer_timeout\": $PEER_TIMEOUT, \"specs\": [${json_rows[*]}]}") > "$BENCH_OUT/score.json"
fi
exit $status
