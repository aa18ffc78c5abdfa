#!/usr/bin/env python3
"""axum hello world under wrk, on Glasswing (the drop-in) and on real Tokio, side by side in one run.

The server (compat/bench-axum/src/main.rs: axum 0.8, `#[tokio::main]`, `axum::serve`) is built twice in
release from the same source and manifest:
- glasswing: compat/bench-axum as a member of the compat workspace, whose [patch] makes `tokio` (for
  the server, axum and hyper alike) the drop-in;
- tokio: a copy of the crate under compat/target/bench-axum-real, a workspace of its own without the
  patch, started from the compat workspace's Cargo.lock so that axum, hyper and the rest resolve to the
  same versions.
`cargo tree -i tokio` must show the path crate compat/tokio on the first and the crates.io package on
the second, or the run stops.

Both servers run at once on their own loopback ports with the default runtime (`#[tokio::main]`: the
multi-thread scheduler, one worker per core). wrk (1 thread, keep-alive connections, `--latency`) then
loads them in interleaved rounds, the side that goes first alternating every round, so that both sample
the same machine noise. Per side and connection count: median requests/s over the rounds, median of the
rounds' p50 and p99 latency, and the server's CPU time per request (from /proc, user + system).

    compat/bench-axum/run.py                          # 5 rounds x 10 s, 64 and 256 connections
    compat/bench-axum/run.py --rounds 3 --duration 5 --connections 64
    compat/bench-axum/run.py --no-build               # reuse the binaries built last time

Caveat: wrk runs on the same machine and takes a core of its own while it loads a server; on a 2-core
machine the server's workers share what is left with it.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPAT = HERE.parent
REAL_DIR = COMPAT / "target" / "bench-axum-real"
REAL_TARGET = COMPAT / "target" / "bench-axum-real-target"
LOGS = COMPAT / "target" / "bench-axum-logs"
SIDES = ("glasswing", "tokio")
# Line tables in both builds, so that perf and callgrind can name functions and lines; codegen is that
# of the default release profile.
BUILD_ENV = dict(os.environ, CARGO_PROFILE_RELEASE_DEBUG="line-tables-only")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def real_manifest():
    """The server's manifest as a stand-alone workspace, without the patch."""
    text = (HERE / "Cargo.toml").read_text()
    text = text.replace("edition.workspace = true", 'edition = "2021"')
    text = text.replace("license.workspace = true", 'license = "MIT"')
    return text + "\n[workspace]\n"


def setup_real():
    (REAL_DIR / "src").mkdir(parents=True, exist_ok=True)
    manifest = REAL_DIR / "Cargo.toml"
    text = real_manifest()
    if not manifest.exists() or manifest.read_text() != text:
        manifest.write_text(text)
    shutil.copy(HERE / "src" / "main.rs", REAL_DIR / "src" / "main.rs")
    if not (REAL_DIR / "Cargo.lock").exists():
        shutil.copy(COMPAT / "Cargo.lock", REAL_DIR / "Cargo.lock")


def cargo(args, cwd, target_dir=None, capture=False):
    env = dict(BUILD_ENV)
    if target_dir:
        env["CARGO_TARGET_DIR"] = str(target_dir)
    proc = subprocess.run(["cargo", *args], cwd=cwd, env=env, text=True,
                          stdout=subprocess.PIPE if capture else None)
    if proc.returncode != 0:
        sys.exit(f"cargo {' '.join(args)} failed in {cwd}")
    return proc.stdout


def check_tokio(side, cwd, target_dir):
    """`cargo tree -i tokio`: the drop-in (a path crate) on one side, crates.io's on the other."""
    tree = cargo(["tree", "-i", "tokio", "-e", "normal", *(["-p", "bench-axum"] if side == "glasswing" else [])],
                 cwd, target_dir, capture=True)
    first = tree.splitlines()[0]
    log(f"[{side}] cargo tree -i tokio: {first}")
    is_dropin = str(COMPAT / "tokio") in first
    if is_dropin != (side == "glasswing"):
        sys.exit(f"[{side}] built against the wrong tokio:\n{tree}")
    return first


def build(no_build):
    real_bin = REAL_TARGET / "release" / "bench-axum"
    ours_bin = COMPAT / "target" / "release" / "bench-axum"
    setup_real()
    trees = {}
    if not no_build:
        log("building the glasswing side (compat workspace, release)...")
        cargo(["build", "--release", "-p", "bench-axum"], COMPAT)
        log("building the tokio side (stand-alone copy, release)...")
        cargo(["build", "--release"], REAL_DIR, REAL_TARGET)
    trees["glasswing"] = check_tokio("glasswing", COMPAT, None)
    trees["tokio"] = check_tokio("tokio", REAL_DIR, REAL_TARGET)
    return {"glasswing": ours_bin, "tokio": real_bin}, trees


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, limit=30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"server on port {port} did not listen within {limit} s")


def cpu_seconds(pid):
    """User + system CPU time of a whole process, and of its threads named `glasswing-watch*` (the
    diagnostics watchdog, which Tokio has no counterpart of), from /proc."""
    def stat(path):
        comm, rest = path.read_text().rsplit(")", 1)
        fields = rest.split()
        return comm.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    total = stat(Path(f"/proc/{pid}/stat"))[1]
    watchdog = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            comm, secs = stat(task / "stat")
        except OSError:
            continue  # a thread that just exited
        if comm.startswith("glasswing-watch"):
            watchdog += secs
    return total, watchdog


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def workers(pid):
    """The runtime's worker threads, by the names the runtimes give them."""
    names = [(task / "comm").read_text().strip() for task in Path(f"/proc/{pid}/task").iterdir()]
    return sum(1 for n in names if n.startswith(("tokio-rt-worker", "glasswing-runti")))


UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_latency(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    return float(m.group(1)) * UNIT[m.group(2)]


def run_wrk(port, connections, duration):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
           f"http://127.0.0.1:{port}/"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    dist = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors:.*|Non-2xx.*", out)
    return {"rps": rps, "p50": parse_latency(dist["50"]), "p99": parse_latency(dist["99"]),
            "requests": requests, "errors": errors.group(0) if errors else None, "raw": out}


def fmt_ms(ms):
    return f"{ms * 1e3:.0f} µs" if ms < 1 else f"{ms:.2f} ms"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--connections", default="64,256", help="comma-separated connection counts")
    ap.add_argument("--workers", type=int, default=os.cpu_count(),
                    help="worker threads of both servers, through TOKIO_WORKER_THREADS (default: the cores)")
    ap.add_argument("--no-build", action="store_true", help="use the binaries built last time")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found (apt-get install -y wrk)")
    conns = [int(c) for c in args.connections.split(",")]

    bins, trees = build(args.no_build)
    load0 = f"{os.getloadavg()[0]:.1f}"
    servers = {}
    try:
        for side in SIDES:
            port = free_port()
            # The servers' stderr (glasswing's diagnostics warnings) goes to a file per side.
            LOGS.mkdir(parents=True, exist_ok=True)
            with open(LOGS / f"{side}.stderr", "w") as err:
                env = dict(os.environ, TOKIO_WORKER_THREADS=str(args.workers))
                env.pop("GLASSWING_WORKER_THREADS", None)
                proc = subprocess.Popen([str(bins[side]), f"127.0.0.1:{port}"], stderr=err, env=env)
            servers[side] = (proc, port)
        for side, (proc, port) in servers.items():
            wait_listening(port, proc)
        for side, (proc, port) in servers.items():
            run_wrk(port, max(conns), 2)  # warm-up: connections, allocator, page cache
        thread_counts = {side: threads(proc.pid) for side, (proc, _) in servers.items()}
        for side, (proc, _) in servers.items():
            if workers(proc.pid) != args.workers:
                sys.exit(f"[{side}] runs {workers(proc.pid)} worker threads, not {args.workers}")

        results = {(side, c): [] for side in SIDES for c in conns}
        for c in conns:
            for r in range(args.rounds):
                order = SIDES if r % 2 == 0 else SIDES[::-1]
                for side in order:
                    proc, port = servers[side]
                    cpu0, wd0 = cpu_seconds(proc.pid)
                    res = run_wrk(port, c, args.duration)
                    cpu1, wd1 = cpu_seconds(proc.pid)
                    res["cpu_us_per_req"] = (cpu1 - cpu0) / res["requests"] * 1e6
                    res["watchdog_us_per_req"] = (wd1 - wd0) / res["requests"] * 1e6
                    results[(side, c)].append(res)
                    log(f"{c:>4} conns round {r + 1}/{args.rounds} {side:>9}: {res['rps']:>9.0f} req/s  "
                        f"p50 {fmt_ms(res['p50'])}  p99 {fmt_ms(res['p99'])}  "
                        f"cpu {res['cpu_us_per_req']:.1f} µs/req (watchdog {res['watchdog_us_per_req']:.1f})" + (f"  ({res['errors']})" if res["errors"] else ""))
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()

    long_polls = sum(1 for line in (LOGS / "glasswing.stderr").read_text(errors="replace").splitlines()
                     if "long poll" in line)
    cpu = os.cpu_count()
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    print(f"- machine: {cpu} cores (os.cpu_count), CPU: {model}")
    print(f"- server: compat/bench-axum (axum 0.8 hello world, `#[tokio::main]` default multi-thread "
          f"runtime, TOKIO_WORKER_THREADS={args.workers}: {args.workers} workers on both sides); threads in each server after warm-up: "
          + ", ".join(f"{s} {thread_counts[s]}" for s in SIDES))
    print(f"- load average before / after: {load0} / {os.getloadavg()[0]:.1f}; long-poll warnings glasswing printed "
          f"(its stderr, rate-limited): {long_polls} (server logs in {LOGS})")
    print(f"- glasswing side: `{trees['glasswing']}`; tokio side: `{trees['tokio']}` (cargo tree -i tokio)")
    print(f"- wrk -t1 -c{{{','.join(map(str, conns))}}} -d{args.duration}s --latency, {args.rounds} rounds per "
          f"side and connection count, interleaved (first side alternating each round), both servers up "
          f"throughout; medians over the rounds")
    print()
    print("| connections | side | requests/s | p50 | p99 | server CPU / request (of it watchdog) | requests/s range |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    summary = {}
    for c in conns:
        for side in SIDES:
            rs = results[(side, c)]
            med = {k: statistics.median(x[k] for x in rs)
                   for k in ("rps", "p50", "p99", "cpu_us_per_req", "watchdog_us_per_req")}
            summary[(side, c)] = med
            lo, hi = min(x["rps"] for x in rs), max(x["rps"] for x in rs)
            print(f"| {c} | {side} | {med['rps']:,.0f} | {fmt_ms(med['p50'])} | {fmt_ms(med['p99'])} | "
                  f"{med['cpu_us_per_req']:.1f} µs ({med['watchdog_us_per_req']:.1f} µs) | {lo:,.0f}–{hi:,.0f} |")
    print()
    print("| connections | requests/s glasswing / tokio | p50 glasswing / tokio | p99 glasswing / tokio | CPU per request glasswing / tokio |")
    print("|---:|---:|---:|---:|---:|")
    for c in conns:
        g, t = summary[("glasswing", c)], summary[("tokio", c)]
        print(f"| {c} | {g['rps'] / t['rps']:.2f} | {g['p50'] / t['p50']:.2f} | {g['p99'] / t['p99']:.2f} | "
              f"{g['cpu_us_per_req'] / t['cpu_us_per_req']:.2f} |")


if __name__ == "__main__":
    main()
