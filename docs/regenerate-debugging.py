#!/usr/bin/env python3
"""Regenerates the example outputs shown in docs/debugging.md and the user's guide, or checks them.

Each output block in debugging.md sits between two marker comments:

    <!-- output: blocking -->
    ```text
    ...what `cargo run --example blocking` prints...
    ```
    <!-- /output -->

Usage (from anywhere in the repository):

    python3 docs/regenerate-debugging.py            # build the examples, run each, rewrite the blocks
    python3 docs/regenerate-debugging.py --check    # build, run, and fail if a block has another shape
    --no-build                                      # use the binaries already in target/debug/examples

What the blocks show is stdout and stderr together, as a terminal shows them, with the repository's
absolute path made relative. Timings, addresses, ports, counts and the order of lines vary from run to
run (the example runs two workers on a shared machine), so --check compares shapes, not text: in
both the block and the fresh output it replaces every duration and number with a placeholder, drops
what depends on the machine's load or on races the example does not control (what a long poll's
thread did on the CPU, the frames of a captured stack, the runtime's own stderr lines for a long poll),
and compares the lines as a multiset. A
new or removed line, a reworded message or a new field fails the check; a different figure does not.

The user's guide (docs/guide/08-finding-bugs.md) quotes single lines of the same outputs, some cut short
with " [...]":

    <!-- excerpt: lost_waker -->
    ```text
    lost waker: task 1 "waits-for-flag" (spawned at examples/lost_waker.rs:42:14) is waiting [...]
    ```
    <!-- /excerpt -->

Each quoted line must be found in what its example prints now, with its figures (and the long-poll CPU
clause) free to differ and each " [...]" standing for any text; regenerating puts the fresh text in
around the cuts. A runtime's stderr line for a long poll may not be out before the example exits (see
above), so a line quoted with "glasswing: long poll: " is looked for without that prefix: the report's
warnings carry the same text.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DOC = os.path.join(ROOT, "docs", "debugging.md")
GUIDE = os.path.join(ROOT, "docs", "guide", "08-finding-bugs.md")
EXAMPLES = ["blocking", "lost_waker", "stalled", "deadlock", "dump"]
# The slowest, deadlock, waits about two seconds for the watchdog's second look.
TIMEOUT_S = 60

BLOCK = re.compile(
    r"(?P<open><!-- output: (?P<name>[\w-]+) -->\n```text\n)(?P<body>.*?)(?P<close>```\n<!-- /output -->)",
    re.S,
)


EXCERPT = re.compile(
    r"(?P<open><!-- excerpt: (?P<name>[\w-]+) -->\n```text\n)(?P<body>.*?)(?P<close>```\n<!-- /excerpt -->)",
    re.S,
)
CUT = " [...]"
LONG_POLL_PREFIX = "glasswing: "


def excerpt_pattern(quoted):
    """A regex for one quoted line: each piece between cuts is a group, its figures free."""
    groups = []
    for piece in quoted.split(CUT):
        out, at = [], 0
        for m in VARYING.finditer(piece):
            out.append(re.escape(piece[at : m.start()]))
            out.append(VARYING_PATTERN[m.lastgroup])
            at = m.end()
        out.append(re.escape(piece[at:]))
        groups.append("(" + "".join(out) + ")")
    return re.compile(".*?".join(groups))


def fresh_excerpt_line(quoted, output):
    """The quoted line as the example prints it now (cuts kept), or None if it prints no such line."""
    prefix = ""
    if quoted.startswith(LONG_POLL_PREFIX + "long poll: "):
        prefix, quoted = LONG_POLL_PREFIX, quoted[len(LONG_POLL_PREFIX) :]
    pattern = excerpt_pattern(quoted)
    for line in output.split("\n"):
        m = pattern.search(line)
        if m:
            return prefix + CUT.join(m.groups())
    return None


def build():
    cmd = ["cargo", "build", "--workspace", "--examples", "--quiet"]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=ROOT, check=True)


def run(name):
    exe = os.path.join(ROOT, "target", "debug", "examples", name)
    if os.name == "nt":
        exe += ".exe"
    if not os.path.exists(exe):
        sys.exit(f"{exe} is missing: build the examples first (drop --no-build)")
    # From the repository root, as `cargo run --example` from there: the reports name files
    # relative to the working directory.
    proc = subprocess.run(
        [exe],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=TIMEOUT_S,
        env={k: v for k, v in os.environ.items() if not k.startswith("GLASSWING_")},
    )
    out = proc.stdout.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        sys.exit(f"examples/{name}.rs exited with {proc.returncode}:\n{out}")
    out = out.replace(ROOT + os.sep, "")
    # Trailing blank lines are the examples' final newlines, not part of the report.
    return "\n".join(line.rstrip() for line in out.strip("\n").split("\n")) + "\n"


# What varies from run to run, each written once: the shape check below replaces it, and a quoted
# line is matched with it (the CPU clause first, since it holds a duration).
# The example's checksum: how many rounds its loop makes in 200 ms varies.
HEX_RAW = r"[0-9a-f]{8,16}"
DURATION_RAW = r"\d+(?:\.\d+)?(?:ns|µs|us|ms|s)"
NUMBER_RAW = r"\d+"
# What a long poll's thread did: whether it waited for a CPU, or looked blocked in the kernel while
# the scheduler had it off the CPU, depends on the machine's load at that instant.
CPU_CLAUSE_AFTER_DURATION = r" of it on CPU: the worker was (?:descheduled|blocked)[^)]*\)"
HEX = re.compile(rf"\b{HEX_RAW}\b")
DURATION = re.compile(rf"\b{DURATION_RAW}\b")
NUMBER = re.compile(NUMBER_RAW)
CPU_CLAUSE = re.compile("; <d>" + CPU_CLAUSE_AFTER_DURATION)
VARYING_PATTERN = {
    "cpu": f"; {DURATION_RAW}{CPU_CLAUSE_AFTER_DURATION}",
    "dur": DURATION_RAW,
    "hex": HEX_RAW,
    "num": NUMBER_RAW,
}
VARYING = re.compile(
    rf"(?P<cpu>{VARYING_PATTERN['cpu']})|(?P<dur>{DURATION.pattern})|(?P<hex>{HEX.pattern})|(?P<num>{NUMBER_RAW})"
)
# The worker's thread, named in the report, or "(no thread drives it now)" at the instant between two.
WORKER = re.compile(r"^#N [^:]*:")
# The runtime's own stderr lines for a long poll, running or finished, come when the watchdog looks:
# whether one is out before the example prints its report, or exits, is a race. (The same long poll
# is in the report's warnings, and in the examples' own `on_long_poll` lines, which are checked.)
RUNTIME_LONG_POLL = re.compile(r"^glasswing: long poll: ")


def shape(text):
    """The lines of an output with everything that varies between runs normalized away, sorted."""
    lines = []
    in_stack = False
    for line in text.split("\n"):
        if line.startswith("  stack of task "):
            # Which frames a capture shows depends on the instant it lands (in the loop's body or in
            # its clock read): keep the section's heading only.
            in_stack = True
        elif in_stack:
            if line.strip():
                continue
            in_stack = False
        s = HEX.sub("<hex>", line)
        s = DURATION.sub("<d>", s)
        s = CPU_CLAUSE.sub("", s)
        s = NUMBER.sub("N", s)
        s = WORKER.sub("#N <thread>:", s.strip())
        if RUNTIME_LONG_POLL.match(s):
            continue
        s = re.sub(r"\bframes\b", "frame", s)
        s = " ".join(s.split())
        if s:
            lines.append(s)
    return sorted(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare shapes; change nothing")
    parser.add_argument("--no-build", action="store_true", help="use the examples already built")
    args = parser.parse_args()

    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    names = [m.group("name") for m in BLOCK.finditer(doc)]
    if sorted(names) != sorted(EXAMPLES):
        sys.exit(f"docs/debugging.md has output blocks for {names}, expected one for each of {EXAMPLES}")

    if not args.no_build:
        build()
    outputs = {name: run(name) for name in EXAMPLES}

    with open(GUIDE, encoding="utf-8") as f:
        guide = f.read()
    excerpts = [(m.group("name"), m.group("body")) for m in EXCERPT.finditer(guide)]
    for name, _ in excerpts:
        if name not in EXAMPLES:
            sys.exit(f"docs/guide/08-finding-bugs.md quotes examples/{name}.rs, which this script does not run")
    missing = []
    for name, body in excerpts:
        for quoted in body.strip("\n").split("\n"):
            if fresh_excerpt_line(quoted, outputs[name]) is None:
                missing.append(f"examples/{name}.rs prints no line like: {quoted}")

    if args.check:
        stale = []
        for m in BLOCK.finditer(doc):
            name = m.group("name")
            want, got = shape(m.group("body")), shape(outputs[name])
            if want != got:
                diff = "\n".join(
                    difflib.unified_diff(want, got, "docs/debugging.md", f"examples/{name}.rs now", lineterm="", n=0)
                )
                stale.append(f"examples/{name}.rs (lines normalized and sorted):\n{diff}")
        if stale:
            print("docs/debugging.md shows outputs the examples no longer print:\n", file=sys.stderr)
            print("\n\n".join(stale), file=sys.stderr)
        if missing:
            print("docs/guide/08-finding-bugs.md quotes lines the examples no longer print:\n", file=sys.stderr)
            print("\n".join(missing), file=sys.stderr)
        if stale or missing:
            print("\nRun `python3 docs/regenerate-debugging.py` and commit the result.", file=sys.stderr)
            sys.exit(1)
        print(f"docs/debugging.md: the {len(EXAMPLES)} output blocks match what the examples print")
        print(f"docs/guide/08-finding-bugs.md: the {len(excerpts)} quoted outputs are lines the examples print")
        return

    if missing:
        # A quote whose line is gone needs a person to choose what to quote instead.
        sys.exit("\n".join(missing))

    new = BLOCK.sub(lambda m: m.group("open") + outputs[m.group("name")] + m.group("close"), doc)
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(new)
    print(f"docs/debugging.md: {len(EXAMPLES)} output blocks regenerated")

    def fresh_body(m):
        lines = [fresh_excerpt_line(q, outputs[m.group("name")]) for q in m.group("body").strip("\n").split("\n")]
        return m.group("open") + "\n".join(lines) + "\n" + m.group("close")

    with open(GUIDE, "w", encoding="utf-8") as f:
        f.write(EXCERPT.sub(fresh_body, guide))
    print(f"docs/guide/08-finding-bugs.md: {len(excerpts)} quoted outputs regenerated")


if __name__ == "__main__":
    main()
