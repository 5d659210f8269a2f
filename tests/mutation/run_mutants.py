#!/usr/bin/python3
"""Mutation testing of the rules that matter: does the suite fail when one of them breaks?

Usage: tests/mutation/run_mutants.py [--work DIR] [--only ID[,ID...]] [--list] [-j N]

Copies the working tree (tracked and untracked files, not build folders) to WORK/src, builds
it once in WORK/build (Release, tests on) and checks that the suite passes there. Then, for each
mutant of tests/mutation/mutants.txt: applies its one-line change to the copy, rebuilds, runs
ctest (all but the 2G-link tests, label `link`, which take minutes of waiting and test no rule
a mutant breaks) stopping at the first failure, and puts the line back. A mutant is caught
when a test fails or times out; it survives when the suite passes. A mutant that does not
build is a fault in the list.

Prints a table (Markdown) of every mutant, the test that caught it and the time it took, and
exits with 1 when any mutant survived or did not build. Too slow for CI (about a minute or two
a mutant on two cores): run it when a rule changes, and paste the table in the closing note.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MUTANTS = os.path.join(ROOT, "tests", "mutation", "mutants.txt")


def read_mutants(path):
    """The mutants of `path`, each a dict with id, what, file, find, replace."""
    mutants, current = [], None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("## "):
                ident, _, what = line[3:].partition(":")
                current = {"id": ident.strip(), "what": what.strip(), "line": number}
                mutants.append(current)
            elif current is not None and re.match(r"^(file|find|replace): ", line):
                key, _, value = line.partition(": ")
                current[key] = value
    for m in mutants:
        missing = [k for k in ("file", "find", "replace") if k not in m]
        if missing:
            sys.exit(f"{path}:{m['line']}: mutant {m['id']} has no {', '.join(missing)}")
        if m["find"] == m["replace"]:
            sys.exit(f"{path}:{m['line']}: mutant {m['id']} changes nothing")
    ids = [m["id"] for m in mutants]
    if len(set(ids)) != len(ids):
        sys.exit(f"{path}: mutant ids repeat")
    return mutants


def copy_tree(dest):
    """Copies the working tree's files (what git tracks or would track) to `dest`, keeping what is
    there already when unchanged, so the build in WORK stays incremental between runs."""
    listed = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src, dst = os.path.join(ROOT, rel), os.path.join(dest, rel)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(src, "rb") as a:
            data = a.read()
        if os.path.exists(dst):
            with open(dst, "rb") as b:
                if b.read() == data:
                    continue
        with open(dst, "wb") as b:
            b.write(data)
        shutil.copymode(src, dst)


def run(cmd, log, **kw):
    with open(log, "w") as out:
        return subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kw).returncode


def build(src, build_dir, jobs, log):
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        if run(["cmake", "-S", src, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"], log) != 0:
            return False
    return run(["cmake", "--build", build_dir, "-j", str(jobs)], log) == 0


def first_failure(log):
    """The first test ctest reports as failed or timed out in `log`, or None."""
    with open(log, errors="replace") as f:
        for line in f:
            m = re.search(r"Test\s+#\d+: (.*?) \.+\s*(\*\*\*Failed|\*\*\*Timeout|\*\*\*Exception|Subprocess aborted)", line)
            if m:
                return m.group(1) + ("" if "Failed" in m.group(2) else f" ({m.group(2).strip('*')})")
    return None


def run_suite(build_dir, jobs, log):
    """Runs the suite (without the 2G-link tests, nor the check that the mutation list matches the
    code, which every mutant fails by design), stopping at the first failure. True if it passed."""
    return run(["ctest", "--test-dir", build_dir, "-j", str(jobs), "-LE", "link", "-E", "mutation list",
                "--stop-on-failure"], log) == 0


def check_lines(tree, mutants):
    """Stops with a message when a mutant's line is not in `tree` exactly once (the code moved on)."""
    for m in mutants:
        with open(os.path.join(tree, m["file"]), encoding="utf-8") as f:
            count = f.read().split("\n").count(m["find"])
        if count != 1:
            sys.exit(f"mutant {m['id']}: its line occurs {count} times in {m['file']}, not once; update mutants.txt")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default="/tmp/fieldcheck-mutation", help="copy, build and logs go here")
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--check", action="store_true",
                        help="check that each mutant's line is in the source tree, once, and stop (a test runs this)")
    parser.add_argument("-j", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    mutants = read_mutants(MUTANTS)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in mutants}
        if unknown:
            sys.exit(f"unknown mutants: {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["id"] in wanted]
    if args.list:
        for m in mutants:
            print(f"{m['id']:28} {m['file']:36} {m['what']}")
        return 0

    if args.check:
        check_lines(ROOT, mutants)
        print(f"{len(mutants)} mutants, each line found once")
        return 0

    src, build_dir, logs = (os.path.join(args.work, d) for d in ("src", "build", "logs"))
    os.makedirs(logs, exist_ok=True)
    copy_tree(src)
    check_lines(src, mutants)

    print(f"baseline: building {src} and running the suite ...", flush=True)
    if not build(src, build_dir, args.j, os.path.join(logs, "baseline-build.log")):
        sys.exit(f"the unmutated tree does not build: {logs}/baseline-build.log")
    if not run_suite(build_dir, args.j, os.path.join(logs, "baseline-test.log")):
        sys.exit(f"the suite fails without any mutant: {logs}/baseline-test.log")

    rows, survivors = [], 0
    for m in mutants:
        path = os.path.join(src, m["file"])
        with open(path, encoding="utf-8") as f:
            original = f.read()
        lines = original.split("\n")
        lines[lines.index(m["find"])] = m["replace"]
        start = time.monotonic()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            build_log, test_log = (os.path.join(logs, f"{m['id']}-{kind}.log") for kind in ("build", "test"))
            if not build(src, build_dir, args.j, build_log):
                verdict, by = "DOES NOT BUILD", build_log
                survivors += 1
            elif run_suite(build_dir, args.j, test_log):
                verdict, by = "SURVIVED", "-"
                survivors += 1
            else:
                verdict, by = "caught", first_failure(test_log) or f"(see {test_log})"
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        seconds = time.monotonic() - start
        rows.append((m["id"], m["what"], verdict, by, seconds))
        print(f"{m['id']}: {verdict} in {seconds:.0f} s by {by}", flush=True)

    print()
    print("| mutant | the bug | verdict | first test to fail | s |")
    print("|---|---|---|---|---|")
    for ident, what, verdict, by, seconds in rows:
        print(f"| {ident} | {what} | {verdict} | {by} | {seconds:.0f} |")
    print(f"\n{len(rows) - survivors} of {len(rows)} mutants caught")
    # Leave the copy's build as the unmutated tree's, for the next run.
    build(src, build_dir, args.j, os.path.join(logs, "restore-build.log"))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
