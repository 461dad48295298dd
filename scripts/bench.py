#!/usr/bin/env python3
"""Whole-process benchmark of svc against Docker Compose's own parser.

For each size of the synthetic project (benches/support/synth.rs) it times, in one run:
  - `svc emit --target compose` (release build), best of several runs, and its peak RSS;
  - `docker compose config -q` on the compose.yaml svc wrote (the reference implementation
    parsing what svc produced), best of several runs;
  - `svc emit --target all`, best of several runs, and its peak RSS;
and `svc emit --target all` on the seed example. Timed runs write their output to /dev/null.
It prints a Markdown table and writes the
scaling chart (log-log, time against N) to docs/performance.svg.

Usage: scripts/bench.py [--runs K] [--sizes 10,100,1000,10000]
Needs: cargo, /usr/bin/time (GNU time), and Docker Compose v2 for the comparison column.
"""

import argparse
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SVC = os.path.join(ROOT, "target", "release", "svc")
SYNTH = os.path.join(ROOT, "target", "release", "examples", "synth")


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def run_quiet(args, **kw):
    """A run whose output goes to /dev/null: what is timed is the command's own work, not this
    script reading and decoding tens of megabytes through a pipe."""
    return subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)


def best_of(args, runs, cwd=None):
    """Best wall time in seconds of `runs` runs, and the last run's exit code."""
    best, code = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        result = run_quiet(args, cwd=cwd)
        best = min(best, time.perf_counter() - start)
        code = result.returncode
    return best, code


def peak_rss_mib(args, cwd=None):
    """Peak resident set size in MiB, from GNU time's -v report."""
    result = run_quiet(["/usr/bin/time", "-v"] + args, cwd=cwd)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    return int(match.group(1)) / 1024 if match else float("nan")


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        if names:
            cpu = f"{names[0]}, {len(names)} cores"
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{cpu}{mem}, {platform.system()} {platform.release()}"


def chart(rows, path):
    """A log-log SVG of time against N for svc and for the compose parser."""
    width, height, pad = 640, 400, 60
    series = {
        "svc emit --target compose": ("#1f77b4", [(r["n"], r["svc"]) for r in rows]),
        "docker compose config -q": ("#d62728", [(r["n"], r["compose"]) for r in rows if r["compose"]]),
    }
    points = [p for _, (_, ps) in series.items() for p in ps if p[1] and p[1] > 0]
    xs = [math.log10(n) for n, _ in points]
    ys = [math.log10(t * 1000) for _, t in points]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))
    sx = lambda v: pad + (v - x0) / max(x1 - x0, 1) * (width - 2 * pad)
    sy = lambda v: height - pad - (v - y0) / max(y1 - y0, 1) * (height - 2 * pad)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for e in range(x0, x1 + 1):
        out.append(f'<line x1="{sx(e):.1f}" y1="{pad}" x2="{sx(e):.1f}" y2="{height - pad}" stroke="#ddd"/>')
        out.append(f'<text x="{sx(e):.1f}" y="{height - pad + 18}" text-anchor="middle">{10 ** e:,}</text>')
    for e in range(y0, y1 + 1):
        out.append(f'<line x1="{pad}" y1="{sy(e):.1f}" x2="{width - pad}" y2="{sy(e):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{pad - 6}" y="{sy(e) + 4:.1f}" text-anchor="end">{10 ** e:g} ms</text>')
    out.append(f'<text x="{width / 2}" y="{height - 15}" text-anchor="middle">services (log)</text>')
    out.append(f'<text x="15" y="{height / 2}" transform="rotate(-90 15 {height / 2})" text-anchor="middle">wall time (log)</text>')
    for i, (label, (color, ps)) in enumerate(series.items()):
        ps = [(math.log10(n), math.log10(t * 1000)) for n, t in ps if t and t > 0]
        path_d = " ".join(f"{'M' if j == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for j, (x, y) in enumerate(ps))
        out.append(f'<path d="{path_d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in ps:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"/>')
        out.append(f'<rect x="{pad + 10}" y="{pad + 10 + 18 * i}" width="12" height="3" fill="{color}"/>')
        out.append(f'<text x="{pad + 28}" y="{pad + 15 + 18 * i}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "svc", "--example", "synth"], cwd=ROOT, check=True)
    has_compose = shutil.which("docker") and run(["docker", "compose", "version"]).returncode == 0
    work = tempfile.mkdtemp(prefix="svc-bench-")
    rows = []
    for n in sizes:
        project = os.path.join(work, str(n))
        subprocess.run([SYNTH, str(n), project], check=True)
        out = os.path.join(project, "deploy")
        emit = [SVC, "emit", "--target", "compose", "-c", "vercel.json"]
        svc_time, code = best_of(emit, args.runs, cwd=project)
        assert code == 0, f"svc emit --target compose failed at {n} services"
        subprocess.run([SVC, "emit", "--target", "compose", "-c", "vercel.json", "--out", out], cwd=project, check=True, stdout=subprocess.DEVNULL)
        compose_file = os.path.join(out, "compose.yaml")
        compose_time = None
        if has_compose:
            compose_time, code = best_of(["docker", "compose", "-f", compose_file, "config", "-q"], args.runs)
            assert code == 0, f"docker compose config rejected svc's output at {n} services"
        all_time, all_code = best_of([SVC, "emit", "--target", "all", "-c", "vercel.json"], args.runs, cwd=project)
        rows.append({
            "n": n,
            "svc": svc_time,
            "svc_rss": peak_rss_mib(emit, cwd=project),
            "compose": compose_time,
            "all": all_time,
            "all_ok": all_code == 0,
            "all_rss": peak_rss_mib([SVC, "emit", "--target", "all", "-c", "vercel.json"], cwd=project),
        })
        print(f"{n} services done", file=sys.stderr)
    seed, code = best_of([SVC, "emit", "--target", "all", "-c", "examples/seed/vercel.json"], max(args.runs, 20), cwd=ROOT)
    chart(rows, os.path.join(ROOT, "docs", "performance.svg"))
    shutil.rmtree(work, ignore_errors=True)

    ms = lambda t: "n/a" if t is None else f"{t * 1000:.1f}"
    print(f"Machine: {machine()}\n")
    print("| services | svc emit compose (ms) | peak RSS (MiB) | docker compose config -q (ms) | ratio | svc emit all (ms) | all: exit | all: peak RSS (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        ratio = "n/a" if not r["compose"] else f"{r['compose'] / r['svc']:.1f}x"
        print(f"| {r['n']:,} | {ms(r['svc'])} | {r['svc_rss']:.1f} | {ms(r['compose'])} | {ratio} | {ms(r['all'])} | {'ok' if r['all_ok'] else 'error'} | {r['all_rss']:.1f} |")
    for a, b in zip(rows, rows[1:]):
        print(f"\ntime({b['n']:,}) / time({a['n']:,}), emit compose: {b['svc'] / a['svc']:.1f}", end="")
    print(f"\n\nSeed example, `svc emit --target all`, best of {max(args.runs, 20)}: {seed * 1000:.2f} ms (exit {code})")


if __name__ == "__main__":
    main()
