#!/usr/bin/env python3
"""Runs Tokio's own integration tests against the drop-in `tokio` crate and, for comparison, against
the real Tokio, and reports per test file: passed, failed, or not compiling.

The files are Tokio's `tests/*.rs` (and `tests/support/`) exactly as the `tokio` package on crates.io
ships them: copied from the registry source of the version Cargo resolves for the real side, never
edited. They build twice from the same manifest (compat/tokio-suite/Cargo.toml):
- glasswing: compat/tokio-suite, a member of the compat workspace, whose [patch] makes `tokio` (here
  and in tokio-test and tokio-stream) the drop-in;
- tokio: a copy of that crate under compat/target/, a workspace of its own without the patch.

The binaries run in the tokio package's directory, as in Tokio's own CI (some
tests read its Cargo.toml). Each side is one `cargo build --keep-going` of the test targets, so a file that does not compile does not stop the
others; then every test binary runs with a time limit. Tests that exercise a Tokio internal or an
unstable API are listed in excluded.txt with the reason, and are skipped on the glasswing side only.

    compat/tokio-suite/run.py                       # every file, both sides, a table on stdout
    compat/tokio-suite/run.py --side glasswing --runtime-relevant --check   # what CI runs
    compat/tokio-suite/run.py --side glasswing sync_mutex rt_common         # some files

With --check the exit status is 1 if a file fails or does not compile, unless known-failures.txt
lists it (the whole file, or each of its failing tests): those are behaviours Glasswing does not match
yet, listed so that CI catches any other failure. A listed failure that now passes is reported, to
be taken off the list.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPAT = HERE.parent
REAL_DIR = COMPAT / "target" / "tokio-suite-real"

# The files CI runs: those about the runtime and the API Glasswing implements (issue 18).
RUNTIME_RELEVANT = re.compile(
    r"^(rt_|task_|time_|tcp_|udp|uds_|io_|sync_|macros_|fs|process_|signal_)"
)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read_exclusions(name="excluded.txt"):
    """`file` or `file::test_name`, then `#` and the reason, one per line."""
    whole, tests = {}, {}
    path = HERE / name
    for raw in path.read_text().splitlines() if path.exists() else []:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        item, _, reason = line.partition("#")
        item, reason = item.strip(), reason.strip()
        if not reason:
            sys.exit(f"{name}: `{item}` has no reason after `#`")
        if "::" in item:
            file, test = item.split("::", 1)
            tests.setdefault(file, []).append((test, reason))
        else:
            whole[item] = reason
    return whole, tests


def real_manifest():
    """The harness manifest as a stand-alone workspace, without the patch."""
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
    shutil.copy(HERE / "src" / "lib.rs", REAL_DIR / "src" / "lib.rs")


def tokio_source():
    """Where Cargo unpacked the real tokio package (downloading it if needed)."""
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1"],
        cwd=REAL_DIR, check=True, capture_output=True, text=True,
    ).stdout
    for pkg in json.loads(out)["packages"]:
        if pkg["name"] == "tokio" and pkg["source"] and pkg["source"].startswith("registry+"):
            return Path(pkg["manifest_path"]).parent, pkg["version"]
    sys.exit("cargo metadata found no tokio from crates.io")


def copy_tests(src, dest, files):
    tests = dest / "tests"
    if tests.exists():
        shutil.rmtree(tests)
    shutil.copytree(src / "tests" / "support", tests / "support")
    for f in files:
        shutil.copy(src / "tests" / f"{f}.rs", tests / f"{f}.rs")


def build(crate_dir, target_dir, files):
    """One `cargo build --keep-going`: the test binaries that built, by file name."""
    cmd = ["cargo", "build", "--keep-going", "--message-format=json-render-diagnostics"]
    for f in files:
        cmd += ["--test", f]
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    proc = subprocess.run(cmd, cwd=crate_dir, env=env, stdout=subprocess.PIPE, text=True)
    built = {}
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            if msg["target"]["kind"] == ["test"]:
                built[msg["target"]["name"]] = msg["executable"]
    return built


RESULT = re.compile(r"test result: (\w+)\. (\d+) passed; (\d+) failed; (\d+) ignored")
FAILED_TEST = re.compile(r"^test (\S+) \.\.\. FAILED", re.M)


def run_binary(exe, skips, timeout, cwd):
    cmd = [exe]
    for test in skips:
        cmd += ["--skip", test]
    if skips:
        cmd.append("--exact")
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return {"status": "timeout", "passed": 0, "failed": 0, "failures": [], "secs": timeout, "output": out}
    out = proc.stdout + proc.stderr
    passed = failed = 0
    for m in RESULT.finditer(out):
        passed += int(m.group(2))
        failed += int(m.group(3))
    status = "ok" if proc.returncode == 0 else "failed"
    if proc.returncode != 0 and failed == 0:
        status = "crashed"
    return {"status": status, "passed": passed, "failed": failed,
            "failures": FAILED_TEST.findall(out), "secs": round(time.monotonic() - start, 1),
            "output": out}


def run_side(name, crate_dir, target_dir, files, skips, timeout, cwd):
    log(f"== {name}: building {len(files)} test files")
    built = build(crate_dir, target_dir, files)
    results = {}
    for f in files:
        if f not in built:
            results[f] = {"status": "no build", "passed": 0, "failed": 0, "failures": []}
            continue
        r = run_binary(built[f], [t for t, _ in skips.get(f, [])], timeout, cwd)
        results[f] = r
        log(f"   {name} {f}: {r['status']} ({r['passed']} passed, {r['failed']} failed, {r['secs']} s)")
        if r["status"] != "ok":
            logs = target_dir / "suite-logs" / name
            logs.mkdir(parents=True, exist_ok=True)
            (logs / f"{f}.log").write_text(r["output"])
    return results


def cell(r):
    if r is None:
        return ""
    if r["status"] == "ok":
        return f"pass ({r['passed']})"
    if r["status"] == "no build":
        return "does not compile"
    if r["status"] == "timeout":
        return "timeout"
    if r["status"] == "crashed":
        return f"crashed ({r['passed']} passed first)"
    return f"FAIL {r['failed']} of {r['passed'] + r['failed']}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="test files (without .rs); default: all")
    ap.add_argument("--side", choices=["both", "glasswing", "tokio"], default="both")
    ap.add_argument("--runtime-relevant", action="store_true", help="only rt_*, task_*, time_*, ...")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per test file")
    ap.add_argument("--check", action="store_true", help="exit 1 if a non-excluded file fails")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    setup_real()
    src, version = tokio_source()
    log(f"Tokio {version}'s tests, from {src}")
    all_files = sorted(p.stem for p in (src / "tests").glob("*.rs"))
    files = args.files or all_files
    unknown = [f for f in files if f not in all_files]
    if unknown:
        sys.exit(f"no such test file in tokio {version}: {', '.join(unknown)}")
    if args.runtime_relevant:
        files = [f for f in files if RUNTIME_RELEVANT.match(f)]
    whole, skips = read_exclusions()

    results = {}
    if args.side in ("both", "tokio"):
        copy_tests(src, REAL_DIR, files)
        results["tokio"] = run_side("tokio", REAL_DIR, COMPAT / "target" / "suite-real", files, {}, args.timeout, src)
    if args.side in ("both", "glasswing"):
        ours = [f for f in files if f not in whole]
        copy_tests(src, HERE, ours)
        results["glasswing"] = run_side("glasswing", HERE, COMPAT / "target", ours, skips, args.timeout, src)

    sides = [s for s in ("tokio", "glasswing") if s in results]
    print(f"| file | {' | '.join(sides)} | excluded on glasswing |")
    print(f"|---|{'---|' * len(sides)}---|")
    for f in files:
        excluded = whole.get(f) or "; ".join(f"`{t}`: {why}" for t, why in skips.get(f, []))
        print(f"| {f} | {' | '.join(cell(results[s].get(f)) for s in sides)} | {excluded} |")
    for s in sides:
        counts = {}
        for r in results[s].values():
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        log(f"{s}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if args.json:
        slim = {s: {f: {k: v for k, v in r.items() if k != "output"} for f, r in rs.items()}
                for s, rs in results.items()}
        Path(args.json).write_text(json.dumps(slim, indent=1))
    if args.check and "glasswing" in results:
        known_files, known_tests = read_exclusions("known-failures.txt")
        bad, fixed = [], []
        for f, r in results["glasswing"].items():
            known = {t for t, _ in known_tests.get(f, [])}
            if r["status"] == "ok":
                if f in known_files or known:
                    fixed.append(f)
            elif f in known_files:
                continue
            elif r["status"] == "failed" and set(r["failures"]) <= known:
                if set(r["failures"]) != known:
                    fixed.append(f)
            else:
                bad.append(f)
        if fixed:
            log("listed in known-failures.txt but passing now (take them off): " + ", ".join(fixed))
        if bad:
            log("failing on glasswing: " + ", ".join(bad))
            log(f"(output of each under {COMPAT / 'target' / 'suite-logs'})")
            sys.exit(1)


if __name__ == "__main__":
    main()
