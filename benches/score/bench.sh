#!/usr/bin/env bash
# Speed of specdoc's scorer against Redocly lint and Spectral (spectral:oas) on the same machine in
# the same run: `just bench-score`. Specs: GitHub's (npm @octokit/openapi@23.0.2,
# generated/api.github.com.json, 13 MB) and Stripe's (shared/specs/real/stripe-spec3.json).
# Targets: specdoc parse+score <= 1 s on GitHub, <= 0.5 s on Stripe (release build).
# Prints a Markdown table; exits 1 when a target is missed.
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

now() { date +%s.%N; }
# Wall seconds of one run of a command (its output and exit status are ignored).
calc() { python3 -c "print($1)"; }
wall() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; calc "$(now) - $t0"; }

echo "| Spec | specdoc parse+score (process) | specdoc score only (median of $RUNS) | Redocly lint | Spectral lint | Redocly / specdoc | Spectral / specdoc | target |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
status=0
for pair in "github:$GITHUB:1.0" "stripe:$STRIPE:0.5"; do
    IFS=: read -r name spec target <<<"$pair"
    ours=$(wall "$SCORE_BIN" --json "$spec")
    timing=$("$SCORE_BIN" --time "$RUNS" "$spec")
    score_ms=$(sed -E 's/.*score_median_ms=([0-9.]+).*/\1/' <<<"$timing")
    redocly=$(wall "$REDOCLY" lint "$spec" --format=summary)
    spectral=$(wall "$SPECTRAL" lint "$spec" -r "$RULESET" -f json -q -o /dev/null)
    ok=$(calc "int($ours <= $target)")
    verdict=$([[ $ok == 1 ]] && echo "≤ ${target} s: met" || echo "≤ ${target} s: MISSED")
    [[ $ok == 1 ]] || status=1
    printf '| %s | %.2f s | %.0f ms | %.2f s | %.2f s | %.0f× | %.0f× | %s |\n' "$name" "$ours" "$score_ms" \
        "$redocly" "$spectral" "$(calc "$redocly / $ours")" "$(calc "$spectral / $ours")" "$verdict"
done
exit $status
