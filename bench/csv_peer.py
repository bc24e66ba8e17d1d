#!/usr/bin/env python3
"""pandas.read_csv on an MQTTset CSV with the study's explicit schema (best of N runs).
usage: csv_peer.py FILE [RUNS]  prints: rows, seconds"""
import time
import pandas as pd
from peer_schema import peer_args

path, runs, dtype = peer_args()
best = 1e30
for _ in range(runs):
    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype=dtype, engine="c")
    best = min(best, time.perf_counter() - t0)
print("rows %d seconds %.4f" % (len(df), best))
