#!/usr/bin/python3
"""pandas peer of bench/stats.sh: the study's exploration of one MQTTset CSV (best of RUNS).

usage: stats_peer.py FILE [RUNS]   prints: rows N seconds S
What it computes, as `mqttids stats`: read_csv with the study's explicit schema; per column
nulls, share of zeros (numeric 0, or the absent value "0" of text columns), mean, std, min,
max; value counts of the nominal columns (text columns and mqtt.msgtype); the top 5
tcp.flags; mean mqtt.len; mean tcp.len per class; the Pearson correlation matrix of the
numeric columns; tcp.len quartiles (nearest rank) and its IQR outliers.
"""
import math, time
import numpy as np
import pandas as pd
from peer_schema import TEXT, peer_args

path, runs, dtype = peer_args()


def explore():
    df = pd.read_csv(path, dtype=dtype, engine="c")
    num = [c for c in df.columns if c not in TEXT]
    out = {"nulls": df.isna().sum(), "desc": df[num].agg(["mean", "std", "min", "max"])}
    zeros = {c: float((df[c] == 0).mean()) for c in num}
    zeros.update({c: float((df[c] == "0").mean()) for c in TEXT if c != "target"})
    out["zeros"] = zeros
    out["values"] = {c: df[c].value_counts() for c in TEXT + ["mqtt.msgtype"] if c in df.columns}
    out["top_flags"] = out["values"]["tcp.flags"].head(5)
    out["mean_len"] = df["mqtt.len"].mean()
    out["tcp_len_class"] = df.groupby("target")["tcp.len"].mean()
    out["corr"] = df[num].corr()
    x = np.sort(df["tcp.len"].to_numpy())
    n = len(x)
    q1, q3 = x[math.ceil(0.25 * n) - 1], x[math.ceil(0.75 * n) - 1]
    lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    out["outliers"] = int(((x < lo) | (x > hi)).sum())
    return len(df), out


best = 1e30
for _ in range(runs):
    t0 = time.perf_counter()
    n, _ = explore()
    best = min(best, time.perf_counter() - t0)
print("rows %d seconds %.4f" % (n, best))
