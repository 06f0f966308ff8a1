#!/usr/bin/env python3
"""Submits an OpenAPI spec to specdoc, watches its steps to the end and fetches the result.

    python submit_and_watch.py [SPEC] [--team-id T] [--service-name S]

Connects to SPECDOC_SCHEDULER_URL and SPECDOC_TRACKER_URL (default http://127.0.0.1:50051, what
`specdoc up` listens on) and sends `authorization: Bearer $SPECDOC_TOKEN` when that is set.

Exit code: 0 when the job completed and its Markdown documents every operation of the spec;
1 on any error or a missing operation; 2 when the job failed; 3 when it was cancelled (the same
codes as `specdoc watch`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import grpc
import yaml

from generate import generate

generate()  # proto/ -> gen/, on every run, so the stubs always match the protos.

from specdoc.job.v1 import job_pb2  # noqa: E402
from specdoc.scheduler.v1 import scheduler_pb2, scheduler_pb2_grpc  # noqa: E402
from specdoc.tracker.v1 import tracker_pb2, tracker_pb2_grpc  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_URL = "http://127.0.0.1:50051"
TERMINAL = {
    job_pb2.JOB_STATE_COMPLETED: 0,
    job_pb2.JOB_STATE_FAILED: 2,
    job_pb2.JOB_STATE_CANCELLED: 3,
}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def channel(url: str) -> grpc.Channel:
    """A channel to `url` (http://host:port, https://host:port or host:port)."""
    if url.startswith("https://"):
        return grpc.secure_channel(
            url.removeprefix("https://").rstrip("/"), grpc.ssl_channel_credentials()
        )
    return grpc.insecure_channel(url.removeprefix("http://").rstrip("/"))


def metadata() -> list[tuple[str, str]]:
    token = os.environ.get("SPECDOC_TOKEN")
    return [("authorization", f"Bearer {token}")] if token else []


def name(enum, value: int, prefix: str) -> str:
    """JOB_STATE_COMPLETED -> COMPLETED."""
    return enum.Name(value).removeprefix(prefix)


def operations(spec_text: str) -> list[tuple[str, str, str | None]]:
    """(METHOD, path, operationId) of every operation in the spec."""
    spec = yaml.safe_load(spec_text)
    found = []
    for path, item in (spec.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if method in METHODS and isinstance(op, dict):
                found.append((method.upper(), path, op.get("operationId")))
    return found


def watch(tracker, job_id: str, deadline: float) -> int:
    """Prints each event of the job until its terminal one; returns the terminal state.

    Resumes from the last seq seen if the stream drops, so no event is missed or printed twice.
    """
    last_seq, attempts = 0, 0
    while True:
        try:
            stream = tracker.WatchJob(
                tracker_pb2.WatchJobRequest(job_id=job_id, after_seq=last_seq),
                metadata=metadata(),
                timeout=max(1.0, deadline - time.monotonic()),
            )
            for response in stream:
                event = response.event
                last_seq = event.seq
                print(
                    f"  #{event.seq:<3} {name(job_pb2.Step, event.step, 'STEP_'):<9}"
                    f" {name(job_pb2.StepStatus, event.status, 'STEP_STATUS_'):<10}"
                    f" {name(job_pb2.JobState, event.state, 'JOB_STATE_'):<10}"
                    f" {event.progress_percent:>3}%  {event.message}",
                    flush=True,
                )
                if event.state in TERMINAL:
                    stream.cancel()  # the server ends it here anyway
                    return event.state
            raise RuntimeError("the watch stream ended before a terminal event")
        except grpc.RpcError as e:
            attempts += 1
            if (
                e.code() != grpc.StatusCode.UNAVAILABLE
                or attempts > 5
                or time.monotonic() > deadline
            ):
                raise
            print(f"  (stream dropped: {e.details()}; resuming after seq {last_seq})", flush=True)
            time.sleep(0.5 * attempts)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("spec", nargs="?", default=str(REPO / "examples" / "petstore.yaml"))
    parser.add_argument("--team-id", default="clients")
    parser.add_argument("--service-name", help="default: the spec's file name without extension")
    parser.add_argument("--scheduler", default=os.environ.get("SPECDOC_SCHEDULER_URL", DEFAULT_URL))
    parser.add_argument("--tracker", default=os.environ.get("SPECDOC_TRACKER_URL", DEFAULT_URL))
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for the job (default 120)"
    )
    args = parser.parse_args()

    spec_path = Path(args.spec)
    spec = spec_path.read_bytes()
    service_name = args.service_name or spec_path.stem
    deadline = time.monotonic() + args.timeout

    with channel(args.scheduler) as sched_channel, channel(args.tracker) as track_channel:
        scheduler = scheduler_pb2_grpc.SchedulerServiceStub(sched_channel)
        tracker = tracker_pb2_grpc.TrackerServiceStub(track_channel)

        submitted = scheduler.SubmitJob(
            scheduler_pb2.SubmitJobRequest(
                team_id=args.team_id,
                service_name=service_name,
                job_type=job_pb2.JOB_TYPE_DOCUMENTATION,
                spec=spec,
                output_formats=[job_pb2.OUTPUT_FORMAT_MARKDOWN, job_pb2.OUTPUT_FORMAT_HTML],
            ),
            metadata=metadata(),
            timeout=30,
        )
        print(
            f"job {submitted.job_id} {name(job_pb2.JobState, submitted.state, 'JOB_STATE_')}",
            flush=True,
        )

        state = watch(tracker, submitted.job_id, deadline)
        if state != job_pb2.JOB_STATE_COMPLETED:
            job = tracker.GetJob(
                tracker_pb2.GetJobRequest(job_id=submitted.job_id), metadata=metadata(), timeout=30
            ).job
            print(
                f"job {name(job_pb2.JobState, state, 'JOB_STATE_')}: {job.error}", file=sys.stderr
            )
            return TERMINAL[state]

        result = tracker.GetJobResult(
            tracker_pb2.GetJobResultRequest(job_id=submitted.job_id),
            metadata=metadata(),
            timeout=30,
        )

    for doc in result.documents:
        kind = name(job_pb2.OutputFormat, doc.format, "OUTPUT_FORMAT_")
        print(f"document {doc.file_name} ({kind}, {len(doc.content)} bytes)")
    if result.HasField("quality"):
        print(f"quality score {result.quality.overall}/100")
    markdown = [d for d in result.documents if d.format == job_pb2.OUTPUT_FORMAT_MARKDOWN]
    if not markdown:
        print("error: the result has no Markdown document", file=sys.stderr)
        return 1
    text = markdown[0].content.decode("utf-8")

    expected = operations(spec.decode("utf-8"))
    missing = [
        f"{method} {path}" + (f" ({op_id})" if op_id else "")
        for method, path, op_id in expected
        if f"### {method} {path}" not in text or (op_id and f"`{op_id}`" not in text)
    ]
    if not expected or missing:
        lacks = f"{len(missing)} of {len(expected)} operations: {', '.join(missing)}"
        print(f"error: the Markdown lacks {lacks}", file=sys.stderr)
        return 1
    print(f"ok: the Markdown documents all {len(expected)} operations")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except grpc.RpcError as e:
        hint = (
            " (is specdoc running? Start it with `specdoc up`, or set SPECDOC_SCHEDULER_URL)"
            if e.code() == grpc.StatusCode.UNAVAILABLE
            else ""
        )
        print(f"error: {e.code().name}: {e.details()}{hint}", file=sys.stderr)
        sys.exit(1)
    except (OSError, RuntimeError, yaml.YAMLError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
