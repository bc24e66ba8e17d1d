#!/usr/bin/env python3
"""Independent check of `mqttids stats --json` on the shared head CSVs.

Runs mqttids on the six *_head.csv files (first 70% of each file tagged train, the rest
test, passed as two temp files each) and recomputes every figure here with the csv module
and plain Python arithmetic: rows per split and class, share of zeros per column, distinct
tcp.flags counts, mean mqtt.len over train, mean tcp.len per class, top 3 tcp.flags,
Pearson r of mqtt.len vs mqtt.qos and tcp.len vs mqtt.len, IQR outliers of tcp.len
(nearest-rank quartiles) and the columns the >90%-zeros rule drops.
usage: stats_check.py MQTTIDS SHARED_DIR TMPDIR
"""
import csv, glob, json, math, os, subprocess, sys

mqttids, shared, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
TEXT_ZERO = {"mqtt.msg", "mqtt.protoname", "mqtt.willmsg", "mqtt.willtopic",
             "tcp.flags", "mqtt.hdrflags", "mqtt.conflags", "mqtt.conack.flags"}
files = sorted(glob.glob(os.path.join(shared, "derived_from_pcap", "*_from_*_head.csv")))
assert len(files) == 6, files
args, rows = [], []
for f in files:
    lines = open(f).read().splitlines()
    header, body = lines[0], lines[1:]
    k = len(body) * 7 // 10
    for tag, part in (("train", body[:k]), ("test", body[k:])):
        p = os.path.join(tmp, "%s.%s.csv" % (os.path.basename(f), tag))
        with open(p, "w") as out:
            out.write("\n".join([header] + part) + "\n")
        args += ["--" + tag, p]
        for r in csv.DictReader([header] + part):
            r["_split"] = tag
            rows.append(r)

out = subprocess.run([mqttids, "stats", "--json", "--top", "3", "-q"] + args,
                     check=True, capture_output=True, text=True).stdout
got = json.loads(out)
fails = 0
def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", what)

n = len(rows)
check(got["rows"] == n, "rows %s != %d" % (got["rows"], n))
for split in ("train", "test"):
    for cls in ("legitimate", "dos", "bruteforce", "malformed", "slowite", "flood"):
        want = sum(1 for r in rows if r["_split"] == split and r["target"] == cls)
        check(got["counts"][split][cls] == want, "count %s/%s %s != %d" % (split, cls, got["counts"][split][cls], want))

def is_zero(col, v):
    if col in TEXT_ZERO:
        return v in ("0", "0.0")
    return float(v) == 0.0

cols = {c["name"]: c for c in got["columns"]}
dropped = []
for name in list(rows[0].keys()):
    if name in ("target", "_split"):
        continue
    z = sum(1 for r in rows if is_zero(name, r[name]))
    check(cols[name]["zeros"] == z, "zeros %s %s != %d" % (name, cols[name]["zeros"], z))
    if z / n > 0.9:
        dropped.append(name)
check(sorted(got["dropped"]["zeros"]) == sorted(dropped), "zero rule %s != %s" % (got["dropped"]["zeros"], dropped))

train = [r for r in rows if r["_split"] == "train"]
want = sum(float(r["mqtt.len"]) for r in train) / len(train)
check(abs(got["mean_mqtt_len_train"] - want) < 1e-9, "mean mqtt.len %r != %r" % (got["mean_mqtt_len_train"], want))
for cls in ("legitimate", "dos", "bruteforce", "malformed", "slowite", "flood"):
    v = [int(r["tcp.len"]) for r in rows if r["target"] == cls]
    check(abs(got["mean_tcp_len"]["all"][cls] - sum(v) / len(v)) < 1e-9, "mean tcp.len " + cls)

counts = {}
for r in rows:
    counts[r["tcp.flags"]] = counts.get(r["tcp.flags"], 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
check([(t["value"], t["count"]) for t in got["top_tcp_flags"]] == top, "top flags %s != %s" % (got["top_tcp_flags"], top))

def pearson(a, b):
    x = [float(r[a]) for r in rows]; y = [float(r[b]) for r in rows]
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((p - mx) * (q - my) for p, q in zip(x, y))
    sxx = sum((p - mx) ** 2 for p in x); syy = sum((q - my) ** 2 for q in y)
    return sxy / math.sqrt(sxx * syy)
names = got["correlation"]["columns"]
for a, b in (("mqtt.len", "mqtt.qos"), ("tcp.len", "mqtt.len"), ("tcp.time_delta", "tcp.len")):
    r = got["correlation"]["r"][names.index(a)][names.index(b)]
    check(abs(r - pearson(a, b)) < 1e-9, "r(%s,%s) %r != %r" % (a, b, r, pearson(a, b)))

tl = sorted(int(r["tcp.len"]) for r in rows)
q1, q3 = tl[math.ceil(0.25 * n) - 1], tl[math.ceil(0.75 * n) - 1]
lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
out1 = sum(1 for v in tl if v < lo or v > hi)
check(got["iqr_outliers"]["rows_with_1_outlier"] == out1, "IQR outliers %s != %d" % (got["iqr_outliers"]["rows_with_1_outlier"], out1))
check(got["iqr_outliers"]["rows_with_0_outliers"] == n - out1, "IQR non-outliers")

total = 1 + 2 * 6 + 6 + 1 + 1 + 6 + 1 + 3 + 2 + 33
print("%d passed, %d failed" % (max(total - fails, 0), fails))
sys.exit(1 if fails else 0)
