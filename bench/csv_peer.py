#!/usr/bin/env python3
"""pandas.read_csv on an MQTTset CSV with the study's explicit schema (best of N runs).
usage: csv_peer.py FILE [RUNS]  prints: rows, seconds"""
import sys, time
import pandas as pd

TEXT = ["tcp.flags", "mqtt.conack.flags", "mqtt.conflags", "mqtt.hdrflags", "mqtt.msg",
        "mqtt.protoname", "target"]
path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
header = open(path).readline().strip().split(",")
dtype = {c: (str if c in TEXT else ("int64" if c == "tcp.len" else "float64")) for c in header}
best = 1e30
for _ in range(runs):
    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype=dtype, engine="c")
    best = min(best, time.perf_counter() - t0)
print("rows %d seconds %.4f" % (len(df), best))
