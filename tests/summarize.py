#!/usr/bin/env python3
"""Sum up the meson test logs of one tests/run-all run into the line CI reads.

meson keeps one JSON line per test in meson-logs/testlog[-setup].json; each
`meson test` invocation rewrites its file, so the files hold this run only.
"""
import glob
import json
import os
import sys

def main(logdir):
    passed = failed = skipped = 0
    per_suite = {}
    for path in sorted(glob.glob(os.path.join(logdir, "testlog*.json"))):
        with open(path) as f:
            for line in f:
                t = json.loads(line)
                suite = (t.get("suite") or ["?"])[0].split(":")[-1]
                s = per_suite.setdefault(suite, [0, 0, 0])
                if t["result"] in ("OK", "EXPECTEDFAIL"):
                    passed += 1; s[0] += 1
                elif t["result"] == "SKIP":
                    skipped += 1; s[2] += 1
                else:
                    failed += 1; s[1] += 1
                    print(f"FAILED: {t['name']} ({t['result']})")
    for suite, (p, f, s) in sorted(per_suite.items()):
        print(f"  {suite:8} {p} passed, {f} failed, {s} skipped")
    if passed + failed == 0:
        print("no test ran")
        failed = 1
    if skipped:
        print(f"{skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
