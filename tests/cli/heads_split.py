"""heads_split.py: what the Python checks in tests/cli share (test code only), as heads_split.sh
does for the shell ones: the check counter and the six shared head CSVs split as MQTTset
splits them (per class file the first 70% of rows train, the rest test)."""
import os, sys

NAMES = ["legitimate_from_benign", "dos_from_malariados", "bruteforce_from_bruteforce",
         "malformed_from_malformed", "slowite_from_slowite", "flood_from_flood"]
passed = failed = 0


def check(cond, msg):
    """Counts one check; prints msg when cond is false."""
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg)


def finish(code=None):
    """Prints the counts and exits: code, or 1 when a check failed, else 0."""
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(code if code is not None else (1 if failed else 0))


def heads_dir(shared):
    """The shared head CSVs' folder; exits 77 (skip) when it is missing."""
    src = os.path.join(shared, "derived_from_pcap")
    if not os.path.isdir(src):
        print("shared data missing: skip")
        sys.exit(77)
    return src


def split_heads(src, tmp):
    """Writes each head's train and test parts into tmp; returns the tool's arguments,
    --train TRAIN --test TEST per file in NAMES order."""
    args = []
    for n in NAMES:
        with open(os.path.join(src, n + "_pcap_head.csv")) as f:
            lines = f.read().splitlines()
        head, rows = lines[0], lines[1:]
        k = len(rows) * 7 // 10
        for part, sel in (("train", rows[:k]), ("test", rows[k:])):
            p = os.path.join(tmp, "%s.%s.csv" % (n, part))
            with open(p, "w") as f:
                f.write("\n".join([head] + sel) + "\n")
            args += ["--" + part, p]
    return args
