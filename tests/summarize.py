#!/usr/bin/env python3
"""Sum up the meson test logs of one tests/run-all run into the line CI reads.

usage: summarize.py [LABEL=]LOG.json...  (meson-logs/<logbase>[-setup].json:
one JSON line per test; run-all deletes them first, so they hold this run
only; a missing file, e.g. of a suite that was not run, counts as no tests).
LABEL names the build a log came from (the same unit suite runs in the plain
and in the sanitizer build): its suites are listed as LABEL/suite.
"""
import json
import os
import sys

def main(paths):
    passed = failed = skipped = 0
    per_suite = {}
    for arg in paths:
        label, sep, path = arg.partition("=")
        if not sep or "/" in label:
            label, path = "", arg
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                t = json.loads(line)
                # "libpasid:vm / intel": the suite is between ":" and " / "
                suite = t["name"].split(" / ")[0].split(":")[-1]
                if label:
                    suite = f"{label}/{suite}"
                s = per_suite.setdefault(suite, [0, 0, 0])
                if t["result"] in ("OK", "EXPECTEDFAIL"):
                    passed += 1; s[0] += 1
                elif t["result"] == "SKIP":
                    skipped += 1; s[2] += 1
                else:
                    failed += 1; s[1] += 1
                    print(f"FAILED: {label + ' ' if label else ''}{t['name']} ({t['result']})")
    for suite, (p, f, s) in sorted(per_suite.items()):
        print(f"  {suite:12} {p} passed, {f} failed, {s} skipped")
    if passed + failed == 0:
        print("no test ran")
        failed = 1
    if skipped:
        print(f"{skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
