#!/usr/bin/env bash
# Runs Spectral (extends spectral:oas) and specdoc's scorer on the same specs and compares finding
# counts per shared rule id: `just score-compare [SPEC...]`. Default specs: shared/specs edge/2.0,
# edge/3.0, edge/3.1 and real/stripe-spec3.json (k8s is skipped: Spectral takes minutes on it).
# Writes raw outputs to $OUT (default target/score-compare) and prints the table.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
OUT=${OUT:-$ROOT/target/score-compare}
mkdir -p "$OUT/spectral" "$OUT/specdoc"
if [[ $# -gt 0 ]]; then
    specs=("$@")
else
    specs=("$SPECS_DIR"/edge/2.0/*.yaml "$SPECS_DIR"/edge/3.0/*.yaml "$SPECS_DIR"/edge/3.1/*.yaml
        "$SPECS_DIR"/real/stripe-spec3.json)
fi
printf 'extends: ["spectral:oas"]\n' > "$OUT/.spectral.yaml"
"$SCORE_BIN" --rules > "$OUT/rules.tsv"
: > "$OUT/specs.txt"
for spec in "${specs[@]}"; do
    name=$(basename "$(dirname "$spec")")__$(basename "$spec")
    echo "$name $spec" >> "$OUT/specs.txt"
    # Spectral exits non-zero when it finds errors; its JSON is still complete.
    "$SPECTRAL" lint "$spec" -r "$OUT/.spectral.yaml" -f json -q -o "$OUT/spectral/$name.json" >/dev/null 2>"$OUT/spectral/$name.err" || true
    "$SCORE_BIN" --json "$spec" > "$OUT/specdoc/$name.json"
    echo "compared $name" >&2
done
python3 "$(dirname "${BASH_SOURCE[0]}")/compare.py" "$OUT"
