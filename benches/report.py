#!/usr/bin/env python3
"""Writes the benchmark report from the raw results of benches/suite.sh.

    benches/report.py REPORT_DIR
    benches/report.py --readme README REPORT_DIR

Reads REPORT_DIR/raw (the benchmarks' logs, render.json, score.json, criterion/*.json,
steps.tsv) and writes REPORT_DIR/report.md with the machine, a summary table (every comparison
as a ratio specdoc / peer) and SVG plots drawn with matplotlib. A benchmark that failed or did
not run shows as "–"; nothing here measures anything. With --readme, it instead copies the
machine, the summary table and links to the plots of REPORT_DIR/report.md between the figure
markers of README (what `just bench` does with benches/README.md and benches/report/).
"""

import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Text stays text in the SVGs (smaller files, readable diffs); no hash salt, so a plot of the
# same figures is the same file.
plt.rcParams["svg.fonttype"] = "none"
plt.rcParams["svg.hashsalt"] = "specdoc"

MIB = 1024 * 1024
COLORS = {"specdoc": "#1f77b4", "specdoc HTML": "#17becf", "BullMQ": "#d62728", "Celery": "#2ca02c",
          "widdershins": "#ff7f0e", "Redocly": "#9467bd", "Spectral": "#8c564b"}


def read(raw, name):
    p = raw / name
    return p.read_text() if p.exists() else ""


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    osr = dict(re.findall(r'^(\w+)="?([^"\n]*)"?', Path("/etc/os-release").read_text(), re.M)) \
        if Path("/etc/os-release").exists() else {}
    db = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return {
        "Date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{os.cpu_count()} cores, {cpu.group(1).strip() if cpu else platform.processor()}",
        "RAM": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "?",
        "OS": f"{osr.get('PRETTY_NAME', platform.system())}, kernel {platform.release()}",
        "Rust": sh("rustc --version"),
        "Redis": sh("redis-server --version | sed 's/.* v=\\([^ ]*\\).*/\\1/'"),
        "Postgres": sh(f"psql '{db}' -Atc 'SHOW server_version'"),
        "Node": sh("node --version"),
        "Python": platform.python_version(),
    }


def steps(raw):
    rows, meta = {}, {}
    for line in read(raw, "steps.tsv").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            rows[parts[0]] = (int(parts[1]), int(parts[2]))
        elif len(parts) == 2:
            meta[parts[0]] = parts[1]
    return rows, meta


def queue(raw):
    text = read(raw, "queue.log")
    rounds = {}
    for w, s, rate in re.findall(r"^specdoc workers=(\d+) slots=(\d+): (\d+) jobs/s", text, re.M):
        rounds[(int(w), int(s))] = {"rate": float(rate)}
    for w, s, p50, p90, p99, mx in re.findall(
            r"^specdoc workers=(\d+) slots=(\d+) submit[^:]*: .*p50 ([\d.]+) ms, p90 ([\d.]+) ms, "
            r"p99 ([\d.]+) ms, max ([\d.]+) ms", text, re.M):
        rounds.setdefault((int(w), int(s)), {}).update(
            {"p50": float(p50), "p90": float(p90), "p99": float(p99), "max": float(mx)})
    peers = {name: float(rate) for name, rate in re.findall(r"^(bullmq|celery): (\d+) jobs/s", text, re.M)}
    return rounds, peers


def watch(raw):
    rows = []
    for m in re.finditer(
            r"^watch N=(\d+) .*?p50 ([\d.]+) ms p99 ([\d.]+) ms max ([\d.]+) ms \(events (\d+)\); "
            r"tracker memory ([\d.]+) KiB/watcher.*?([\d.]+) jobs/s", read(raw, "watch.log"), re.M):
        n, p50, p99, mx, events, kib, rate = m.groups()
        rows.append({"watchers": int(n), "p50": float(p50), "p99": float(p99), "max": float(mx),
                     "events": int(events), "kib": float(kib), "rate": float(rate)})
    return rows


def load_json(raw, name):
    text = read(raw, name)
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return None


def secs(r):
    return r.get("seconds") if r and "status" not in r else None


def fmt_s(r):
    if not r:
        return "–"
    if r.get("status") == "timeout":
        return f"timed out (> {r['seconds']:.0f} s)"
    if "status" in r:
        return r["status"]
    shown = f"{r['seconds'] * 1000:.0f} ms" if r["seconds"] < 0.1 else f"{r['seconds']:.2f} s"
    return f"{shown} / {r['mib']:.0f} MiB"


def ratio(a, b, digits=2):
    return f"{a / b:.{digits}g}" if a and b else "–"


def size_label(n):
    return f"{n / 1024:.0f} KB" if n < MIB else f"{n / MIB:.1f} MB"


def save(fig, out, name):
    fig.tight_layout()
    fig.savefig(out / name, format="svg", metadata={"Date": None})
    plt.close(fig)
    return name


def plot_queue(out, rounds, peers):
    if not rounds:
        return None
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    by_workers = sorted((w, r["rate"]) for (w, s), r in rounds.items() if s == 32 and "rate" in r)
    by_slots = sorted((s, r["rate"]) for (w, s), r in rounds.items() if w == 1 and "rate" in r)
    for ax, pts, label in ((a, by_workers, "worker processes (32 slots each)"),
                           (b, by_slots, "slots of one worker (MAX_CONCURRENT_JOBS)")):
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=COLORS["specdoc"], label="specdoc")
            ax.set_xscale("log", base=2)
            ax.set_xticks([p[0] for p in pts], [str(p[0]) for p in pts])
        for name, rate in peers.items():
            pretty = {"bullmq": "BullMQ", "celery": "Celery"}[name]
            ax.axhline(rate, ls="--", color=COLORS[pretty], label=f"{pretty} (1 worker, 32)")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("jobs/s (log)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    a.set_title("Queue throughput against workers")
    b.set_title("Queue throughput against concurrency")
    return save(fig, out, "queue-throughput.svg")


def plot_latency(out, rounds, watchers):
    if not rounds and not watchers:
        return None
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    keys = [k for k in sorted(rounds) if "p50" in rounds[k]]
    for i, pct in enumerate(("p50", "p90", "p99", "max")):
        a.bar([j + i * 0.2 for j in range(len(keys))], [rounds[k][pct] for k in keys], 0.2, label=pct)
    a.set_xticks([j + 0.3 for j in range(len(keys))], [f"{w}×{s}" for w, s in keys])
    a.set_xlabel("workers × slots (64 concurrent callers)")
    a.set_ylabel("SubmitJob latency, ms")
    a.set_title("Submit latency percentiles")
    a.legend(fontsize=8)
    if watchers:
        xs = [w["watchers"] for w in watchers]
        for pct, style in (("p50", "o-"), ("p99", "s-"), ("max", "^:")):
            b.plot(xs, [w[pct] for w in watchers], style, label=pct)
        b.set_xscale("log")
        b.set_xlabel("concurrent WatchJob streams (log)")
        b.set_ylabel("event latency, ms")
        b.legend(fontsize=8)
    b.set_title("WatchJob live-event latency")
    for ax in (a, b):
        ax.grid(True, alpha=0.3)
    return save(fig, out, "latency.svg")


def series(specs, key):
    """(sizes, values, timed-out sizes, timeout) of one tool in the render results."""
    xs, ys, tx, timeout = [], [], [], None
    for s in specs:
        r = s.get(key) or {}
        if r.get("status") == "timeout":
            tx.append(s["bytes"])
            timeout = r["seconds"]
        elif "status" not in r and r:
            xs.append(s["bytes"])
            ys.append(r)
    return xs, ys, tx, timeout


def plot_render(out, render, field, name, ylabel, title):
    if not render or not render.get("specs"):
        return None
    specs = render["specs"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label, color, style in (("markdown", "specdoc Markdown", COLORS["specdoc"], "o-"),
                                     ("html", "specdoc HTML", COLORS["specdoc HTML"], "o--"),
                                     ("widdershins", "widdershins (Markdown)", COLORS["widdershins"], "s-"),
                                     ("redocly", "Redocly build-docs (HTML)", COLORS["Redocly"], "s--")):
        xs, ys, tx, timeout = series(specs, key)
        if xs:
            ax.plot([x / MIB for x in xs], [y[field] for y in ys], style, color=color, label=label)
        if tx and field == "seconds":
            ax.plot([x / MIB for x in tx], [timeout] * len(tx), "x", color=color, ms=10,
                    label=f"{label.split(' (')[0]} timed out (> {timeout:.0f} s)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("spec size, MiB (log)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, out, name)


def plot_memory(out, watchers, redis_bytes):
    if not watchers:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [w["watchers"] for w in watchers]
    ax.plot(xs, [w["kib"] for w in watchers], "o-", color=COLORS["specdoc"])
    ax.set_xscale("log")
    ax.set_xlabel("concurrent WatchJob streams (log)")
    ax.set_ylabel("tracker RSS per watcher, KiB")
    title = "Tracker memory per watcher"
    if redis_bytes:
        title += f"\n(Redis per queued job: {redis_bytes} bytes)"
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, out, "memory-watch.svg")


def plot_score(out, score):
    if not score or not score.get("specs"):
        return None
    specs = score["specs"]
    fig, ax = plt.subplots(figsize=(7, 4))
    names = [s["spec"] for s in specs]
    for i, (key, label) in enumerate((("specdoc_s", "specdoc"), ("redocly_s", "Redocly"), ("spectral_s", "Spectral"))):
        vals = [num(s[key]) or 0 for s in specs]
        ax.bar([j + i * 0.27 for j in range(len(names))], vals, 0.27, label=label, color=COLORS[label])
    ax.set_xticks([j + 0.27 for j in range(len(names))],
                  [f"{s['spec']} ({size_label(s['bytes'])})" for s in specs])
    ax.set_yscale("log")
    ax.set_ylabel("wall time per process, s (log)")
    ax.set_title("Quality score / lint against peers")
    ax.grid(True, which="both", axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, out, "score.svg")


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def update_readme(readme, report_dir):
    """Copies the machine and summary of report_dir/report.md, and plot links, into readme."""
    report = (report_dir / "report.md").read_text()
    intro = report.split("\n## Machine", 1)[0].split("\n", 2)[2].strip()
    machine_part = report.split("## Machine\n", 1)[1].split("\n## ", 1)[0].strip()
    summary = report.split("## Summary\n", 1)[1].split("\n## ", 1)[0].strip()
    rel = os.path.relpath(report_dir, readme.parent)
    plots = re.findall(r"^!\[([^]]+)\]\(([^)]+)\)$", report, re.M)
    body = "\n\n".join([
        intro.replace("`benches/report.py`", f"`benches/report.py` ([full report]({rel}/report.md))"),
        machine_part, summary,
        "Plots: " + ", ".join(f"[{name}]({rel}/{path})" for name, path in plots) + ".",
        "\n".join(f"![{name}]({rel}/{path})" for name, path in plots),
    ])
    text = readme.read_text()
    start, end = "<!-- figures:start -->", "<!-- figures:end -->"
    i, j = text.index(start) + len(start), text.index(end)
    readme.write_text(text[:i] + "\n" + body + "\n" + text[j:])
    print(f"wrote the figures into {readme}", file=sys.stderr)


def main():
    if sys.argv[1] == "--readme":
        update_readme(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    out = Path(sys.argv[1])
    raw = out / "raw"
    step_rows, meta = steps(raw)
    rounds, peers = queue(raw)
    watchers = watch(raw)
    render = load_json(raw, "render.json")
    score = load_json(raw, "score.json")
    mem = re.search(r"redis memory per queued job: (\d+) bytes", read(raw, "redis-memory.log"))
    redis_bytes = int(mem.group(1)) if mem else None
    stats = re.search(r"stats: (\d+) jobs populated in ([\d.]+) s; GetStats read p50 ([\d.]+) ms, "
                      r"p95 ([\d.]+) ms, max ([\d.]+) ms", read(raw, "stats.log"))
    crit = {}
    for f in sorted((raw / "criterion").glob("*.json")) if (raw / "criterion").is_dir() else []:
        crit[f.stem] = json.loads(f.read_text())["median"]["point_estimate"]

    plots = [p for p in (
        plot_queue(out, rounds, peers),
        plot_latency(out, rounds, watchers),
        plot_render(out, render, "seconds", "render-time.svg", "wall time, s (log)",
                    "Render time against spec size"),
        plot_render(out, render, "mib", "render-memory.svg", "peak RSS, MiB (log)",
                    "Render memory against spec size"),
        plot_memory(out, watchers, redis_bytes),
        plot_score(out, score),
    ) if p]

    mode = meta.get("mode", "?")
    total = step_rows.get("total", (0, 0))[1]
    lines = [f"# specdoc benchmark report ({mode} run)", "",
             f"Written by `benches/report.py` from a run of `just {'bench' if mode == 'full' else 'bench-quick'}` "
             f"that took {total // 60} min {total % 60} s. Ratios are specdoc / peer: below 1 is better "
             "for times and memory, above 1 for throughput.", "", "## Machine", ""]
    lines += [f"- **{k}**: {v}" for k, v in machine().items()]
    lines += ["", "## Summary", "", "| benchmark | specdoc | peer | specdoc / peer |", "| --- | --- | --- | --- |"]

    one = rounds.get((1, 32), {})
    for name, pretty in (("bullmq", "BullMQ"), ("celery", "Celery")):
        if name in peers:
            lines.append(f"| queue throughput, 1 worker × 32 slots | {one.get('rate', 0):.0f} jobs/s "
                         f"| {pretty}: {peers[name]:.0f} jobs/s | {ratio(one.get('rate'), peers[name])} |")
    for (w, s), r in sorted(rounds.items()):
        if "rate" in r:
            lines.append(f"| queue throughput, {w} worker{'s' if w > 1 else ''} × {s} slots | {r['rate']:.0f} jobs/s "
                         f"| – | {ratio(r['rate'], one.get('rate'))}× the 1 × 32 layout |")
    if "p50" in one:
        lines.append(f"| submit latency (1 × 32; 64 callers) | p50 {one['p50']:.1f} ms, p90 {one['p90']:.1f} ms, "
                     f"p99 {one['p99']:.1f} ms | – | – |")
    for w in watchers:
        lines.append(f"| WatchJob, {w['watchers']:,} watchers | p50 {w['p50']:.1f} ms, p99 {w['p99']:.1f} ms, "
                     f"max {w['max']:.1f} ms; {w['kib']:.1f} KiB/watcher | – | – |")
    if redis_bytes:
        lines.append(f"| Redis memory per queued job | {redis_bytes} bytes | – | – |")
    if stats:
        n, pop, p50, p95, mx = stats.groups()
        lines.append(f"| GetStats over {int(n):,} jobs (Postgres; populated in {float(pop):.0f} s) "
                     f"| p50 {p50} ms, p95 {p95} ms, max {mx} ms | – | – |")
    for s in (render or {}).get("specs", []):
        md, page = secs(s["markdown"]), secs(s["html"])
        wid, red = s["widdershins"], s["redocly"]
        label = f"{s['spec']} ({size_label(s['bytes'])})"
        lines.append(f"| render Markdown, {label} | {fmt_s(s['markdown'])} | widdershins: {fmt_s(wid)} "
                     f"| {ratio(md, secs(wid))} time, {ratio(s['markdown'].get('mib'), wid.get('mib'))} RSS |")
        lines.append(f"| render HTML, {label} | {fmt_s(s['html'])} | Redocly build-docs: {fmt_s(red)} "
                     f"| {ratio(page, secs(red))} time, {ratio(s['html'].get('mib'), red.get('mib'))} RSS |")
    for s in (score or {}).get("specs", []):
        ours = num(s["specdoc_s"])
        for key, pretty in (("redocly_s", "Redocly lint"), ("spectral_s", "Spectral")):
            peer = num(s[key])
            shown = f"{peer:.2f} s" if peer else f"timed out (> {score['peer_timeout']} s)"
            lines.append(f"| score, {s['spec']} ({size_label(s['bytes'])}), process | {ours:.2f} s "
                         f"(scoring alone {num(s['score_median_ms']):.0f} ms) | {pretty}: {shown} "
                         f"| {ratio(ours, peer)} |")
    for name, ns in crit.items():
        lines.append(f"| Criterion `engine/{name}` (median) | {ns / 1e6:.2f} ms | – | – |")

    lines += ["", "## Plots", ""] + [f"![{p}]({p})" for p in plots]
    lines += ["", "## Steps", "", "| step | exit status | seconds |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {v[0]} | {v[1]} |" for k, v in step_rows.items()]
    if "criterion_spec" in meta:
        lines += ["", f"Criterion spec: `{Path(meta['criterion_spec']).name}`. Raw logs: `raw/`."]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'report.md'} and {len(plots)} plots", file=sys.stderr)


if __name__ == "__main__":
    main()
