#!/usr/bin/python3
"""Makes the logistic-regression fixture for tests/unit/test_lr.c with sklearn.

usage: /usr/bin/python3 tests/data/make_lr_fixture.py   (Debian python3-sklearn)

Writes tests/data/lr_small/{data.txt,expect_*.txt}:
  data.txt            "n d k", then n lines "y w x_1 .. x_d" (w: a sample weight for the weighted case)
  expect_<case>.txt   "regParam standardization weighted", then k lines of d coefficients,
                      one line of k intercepts, then 20 lines of k probabilities (rows 0..19)

mqttids' objective is Spark's: (1/sum w) sum w_i * logloss_i + regParam/2 * |B|^2 (intercepts
free). sklearn minimises C * sum w_i * logloss_i + 1/2 |B|^2, the same optimum when
C = 1 / (regParam * sum w). standardization=true in mqttids means fitting on x_j / std_j
(weighted sample std, ddof 1) and mapping back coef_j / std_j: done here by hand.
Every case is fitted by newton-cg to tol 1e-12 (lbfgs stops early on the badly scaled
feature: its objective was 6e-7 above the optimum), so the optimum is pinned to ~1e-8.
"""
import os
import numpy as np
from sklearn.linear_model import LogisticRegression

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lr_small")
rng = np.random.RandomState(7)
n, d, k = 300, 5, 4
centers = rng.normal(0, 1.2, size=(k, d))
y = rng.randint(0, k, size=n)
X = centers[y] + rng.normal(0, 1.0, size=(n, d))
X[:, 2] *= 50.0          # very different feature scales make standardization matter
X[:, 4] = (X[:, 4] > 0.3).astype(float)  # a 0/1 feature, like one-hot columns
w = rng.uniform(0.5, 2.0, size=n)

os.makedirs(HERE, exist_ok=True)
with open(os.path.join(HERE, "data.txt"), "w") as f:
    f.write("%d %d %d\n" % (n, d, k))
    for i in range(n):
        f.write("%d %.17g %s\n" % (y[i], w[i], " ".join("%.17g" % v for v in X[i])))


def fit(reg, std, weighted):
    sw = w if weighted else np.ones(n)
    if std:
        mu = np.average(X, axis=0, weights=sw)
        var = (sw[:, None] * (X - mu) ** 2).sum(0) / (sw.sum() - (sw ** 2).sum() / sw.sum())
        sd = np.sqrt(var)
    else:
        sd = np.ones(d)
    Xs = X / sd
    kw = dict(multi_class="multinomial", solver="newton-cg", tol=1e-12, max_iter=100000)
    if reg > 0:
        m = LogisticRegression(C=1.0 / (reg * sw.sum()), **kw)
    else:
        m = LogisticRegression(penalty=None, **kw)
    m.fit(Xs, y, sample_weight=sw)
    coef = m.coef_ / sd
    b = m.intercept_
    # centered over classes, as mqttids reports them
    coef = coef - coef.mean(0)
    b = b - b.mean()
    p = m.predict_proba(Xs[:20])
    return coef, b, p


CASES = {"l2": (0.05, 0, 0), "l2_std": (0.05, 1, 0), "l2_weighted": (0.02, 0, 1), "none": (0.0, 0, 0)}
for name, (reg, std, weighted) in CASES.items():
    coef, b, p = fit(reg, std, weighted)
    with open(os.path.join(HERE, "expect_%s.txt" % name), "w") as f:
        f.write("%.17g %d %d\n" % (reg, std, weighted))
        for c in range(k):
            f.write(" ".join("%.17g" % v for v in coef[c]) + "\n")
        f.write(" ".join("%.17g" % v for v in b) + "\n")
        for i in range(20):
            f.write(" ".join("%.17g" % v for v in p[i]) + "\n")
print("wrote", HERE)

# ---------------------------------------------------------------------------------------
# Part 2: the feature pipeline's expected output on the six shared head CSVs (pandas), for
# tests/unit/test_features.c: tests/data/lr_pipeline/expect.txt.
import sys
import pandas as pd

SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(HERE), "..", "..", "..", "shared", "data", "mqttset"))
FILES = ["legitimate_from_benign_pcap_head.csv", "dos_from_malariados_pcap_head.csv",
         "bruteforce_from_bruteforce_pcap_head.csv", "malformed_from_malformed_pcap_head.csv",
         "slowite_from_slowite_pcap_head.csv", "flood_from_flood_pcap_head.csv"]
HEXTEXT = {"tcp.flags", "mqtt.conack.flags", "mqtt.conflags", "mqtt.hdrflags",
           "mqtt.msg", "mqtt.protoname", "mqtt.willmsg", "mqtt.willtopic"}
frames = [pd.read_csv(os.path.join(SHARED, "derived_from_pcap", f), dtype=str, keep_default_na=False) for f in FILES]
df = pd.concat(frames, ignore_index=True)
feats = [c for c in df.columns if c != "target"]
num = {c: df[c].astype(float) for c in feats if c not in HEXTEXT}
zero_share = {c: ((df[c].isin(["0", "0.0"])) if c in HEXTEXT else (num[c] == 0)).mean() for c in feats}
drop_zero = [c for c in feats if zero_share[c] > 0.90]
drop_corr = []
cand = [c for c in feats if c not in HEXTEXT and c not in drop_zero and num[c].std() > 0]
for j, b in enumerate(cand):
    for a in cand[:j]:
        if a in drop_corr:
            continue
        r = np.corrcoef(num[a], num[b])[0, 1]
        if abs(r) > 0.95:
            drop_corr.append(b)
            break
dropped = set(drop_zero) | set(drop_corr) | {"mqtt.msg"}
cont = [c for c in ["tcp.time_delta", "tcp.len", "mqtt.len", "mqtt.msgid"] if c not in dropped]
nom = [c for c in feats if c in ["mqtt.hdrflags", "tcp.flags", "mqtt.msgtype"] and c not in dropped]
auto = [c for c in feats if c not in dropped and c not in cont and c not in nom]
cont += [c for c in auto if c not in HEXTEXT]
nom += [c for c in auto if c in HEXTEXT]
cont = [c for c in feats if c in cont]  # CSV order
nom = [c for c in feats if c in nom]
cats = {}
for c in nom:
    s = df[c] if c in HEXTEXT else num[c].map(repr)
    vc = s.value_counts()
    cats[c] = sorted(vc.index, key=lambda v: (-vc[v], v))
cols = []
for c in cont:
    cols.append(num[c].values)
for c in nom:
    s = df[c] if c in HEXTEXT else num[c].map(repr)
    for v in cats[c][:-1]:  # Spark OneHotEncoder dropLast
        cols.append((s == v).astype(float).values)
M = np.column_stack(cols)
sd = M.std(axis=0, ddof=1)
Ms = np.where(sd > 0, M / np.where(sd > 0, sd, 1), 0.0)
out = os.path.join(os.path.dirname(HERE), "lr_pipeline")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "expect.txt"), "w") as f:
    f.write("rows %d\n" % len(df))
    f.write("drop_zero %d %s\n" % (len(drop_zero), " ".join(drop_zero)))
    f.write("drop_corr %d %s\n" % (len(drop_corr), " ".join(drop_corr)))
    f.write("continuous %d %s\n" % (len(cont), " ".join(cont)))
    for c in nom:
        f.write("cats %s %d %s\n" % (c, len(cats[c]), " ".join(cats[c])))
    f.write("d %d\n" % M.shape[1])
    f.write("std %s\n" % " ".join("%.17g" % v for v in sd))
    starts = np.cumsum([0] + [len(x) for x in frames])
    for fi in range(len(FILES)):
        for i in range(3):
            r = starts[fi] + i * 7
            f.write("row %d %s\n" % (r, " ".join("%.17g" % v for v in Ms[r])))
print("wrote", out)
