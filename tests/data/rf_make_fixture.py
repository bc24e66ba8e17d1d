#!/usr/bin/python3
"""Make the random forest's independent references (Debian python3-sklearn):
tests/data/rf_sklearn_tree.csv (synthetic) and tests/data/rf_sklearn_heads.csv (real rows).

rf_sklearn_tree.csv:
A small fixed dataset (600 rows, 4 integer-valued features with at most 32 distinct
values each, 3 classes from a noisy rule) and the training-set predictions and class
probabilities of sklearn's DecisionTreeClassifier (gini, max_depth 2, 4 and 8, all
features, no bootstrap). With <= maxBins distinct values the forest's candidate
thresholds are the midpoints between distinct values, exactly sklearn's, so a forest of
one tree with featureSubsetStrategy=all and bootstrap=false must partition the training
rows the same way (test_rf.c checks predictions and probabilities). Only depths at
which sklearn's own result does not depend on its random tie-breaking (checked here over
30 random_state values) are used: where two splits tie, sklearn and Spark may pick either.

rf_sklearn_heads.csv: real MQTTset rows, read from the shared heads at test time (the data
is licensed non-commercial and never copied here: the file names the rows, it does not hold
them). Per head CSV (class = file), every 8th row (every flood row) of the first 70% is a
train row and every 8th of the rest a test row; the features are the six columns the study
keeps as plain numbers (tcp.flags, tcp.time_delta, tcp.len, mqtt.hdrflags, mqtt.len,
mqtt.msgtype), rounded to float32 because sklearn's trees compute in float32, tcp.time_delta
first to whole microseconds because sklearn never cuts between values closer than 1e-7
(FEATURE_THRESHOLD; a few deltas are 1 ns apart) where rf does (the test rounds the same way). Columns: file (index into HEADS), row (0-based data row), test (0/1), y, then
per tree configuration sklearn's class and six probabilities (12 digits) on every row:
  g30  DecisionTreeClassifier(gini, max_depth=30): a full tree; rf with splits=exact,
       numTrees=1, featureSubsetStrategy=all, bootstrap=false, maxDepth=30 must match it on
       held-out rows too, which checks the exact thresholds (halfway between the node's
       neighbouring values), the zero-gain splits and that nothing stops early;
  e3   DecisionTreeClassifier(entropy, max_depth=3) (deeper entropy trees have ties).
Each is checked over 30 random_state values (sklearn breaks ties at random). A comment
line gives RandomForestClassifier(20, max_depth=30) test accuracy and macro-F1 averaged
over random_state 0..4 on the same rows: the forest must do at least as well.

usage: /usr/bin/python3 tests/data/rf_make_fixture.py SHARED_MQTTSET_DIR
       (e.g. ../shared/data/mqttset; without it only rf_sklearn_tree.csv is made)
"""
import csv
import os
import sys
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.tree import DecisionTreeClassifier

HEADS = ["legitimate_from_benign_pcap_head.csv", "dos_from_malariados_pcap_head.csv",
         "bruteforce_from_bruteforce_pcap_head.csv", "malformed_from_malformed_pcap_head.csv",
         "slowite_from_slowite_pcap_head.csv", "flood_from_flood_pcap_head.csv"]
CLASSES = ["legitimate", "dos", "bruteforce", "malformed", "slowite", "flood"]  # mqttids' order
COLUMNS = ["tcp.flags", "tcp.time_delta", "tcp.len", "mqtt.hdrflags", "mqtt.len", "mqtt.msgtype"]
TREES = [("g30", "gini", 30), ("e3", "entropy", 3)]

def number(s):
    return float(int(s, 16)) if s.startswith("0x") else float(s)

def heads(shared):
    d = os.path.join(shared, "derived_from_pcap")
    meta, X = [], []
    for fi, name in enumerate(HEADS):
        with open(os.path.join(d, name), newline="") as f:
            rows = list(csv.DictReader(f))
        cut = len(rows) * 7 // 10
        step = 1 if name.startswith("flood") else 8
        for i, r in enumerate(rows):
            test = i >= cut
            if (i - (cut if test else 0)) % step:
                continue
            meta.append((fi, i, int(test), CLASSES.index(r["target"])))
            X.append([number(r[c]) for c in COLUMNS])
    X = np.array(X)
    X[:, 1] = np.rint(X[:, 1] * 1e6) / 1e6  # whole microseconds: see below
    X = X.astype(np.float32).astype(np.float64)
    return np.array(meta), X

def make_heads(shared, out):
    meta, X = heads(shared)
    tr, y = meta[:, 2] == 0, meta[:, 3]
    cols = ["file", "row", "test", "y"]
    vals = [meta[:, 0], meta[:, 1], meta[:, 2], y]
    for name, crit, depth in TREES:
        t = DecisionTreeClassifier(criterion=crit, max_depth=depth, random_state=0).fit(X[tr], y[tr])
        p = t.predict_proba(X)
        for r in range(1, 30):
            q = DecisionTreeClassifier(criterion=crit, max_depth=depth, random_state=r).fit(X[tr], y[tr])
            assert np.array_equal(q.predict_proba(X), p), "ties in %s" % name
        cols += ["pred_" + name] + ["p%d_%s" % (c, name) for c in range(6)]
        vals += [t.predict(X)] + [p[:, c] for c in range(6)]
    acc, f1 = [], []
    for r in range(5):
        m = RandomForestClassifier(20, max_depth=30, random_state=r).fit(X[tr], y[tr])
        pr = m.predict(X[~tr])
        acc.append(accuracy_score(y[~tr], pr))
        f1.append(f1_score(y[~tr], pr, average="macro"))
    with open(out, "w") as f:
        f.write("# sklearn RandomForestClassifier(20, max_depth=30), random_state 0..4, test rows: "
                "accuracy %.6f macro_f1 %.6f\n" % (np.mean(acc), np.mean(f1)))
        f.write(",".join(cols) + "\n")
        for i in range(len(meta)):
            f.write(",".join(str(int(v[i])) if j < 4 or cols[j].startswith("pred") else "%.12g" % v[i]
                             for j, v in enumerate(vals)) + "\n")

DEPTHS = (2, 3, 5)

def make_tree():
    rng = np.random.RandomState(20240611)
    n = 600
    X = rng.randint(0, 32, size=(n, 4)).astype(float)
    X[:, 3] = rng.randint(0, 6, size=n)           # a feature with few values
    score = 0.6 * X[:, 0] - 0.4 * X[:, 1] + 1.5 * (X[:, 3] == 2) + rng.normal(0, 2.0, n)
    y = np.where(score < -2, 0, np.where(score < 4, 1, 2))
    y = np.where(rng.rand(n) < 0.05, (y + 1) % 3, y)  # label noise: impure leaves
    cols = ["x0", "x1", "x2", "x3", "y"]
    out = [X[:, 0], X[:, 1], X[:, 2], X[:, 3], y]
    for d in DEPTHS:
        t = DecisionTreeClassifier(criterion="gini", max_depth=d, random_state=0).fit(X, y)
        p = t.predict_proba(X)
        for r in range(1, 30):
            q = DecisionTreeClassifier(criterion="gini", max_depth=d, random_state=r).fit(X, y)
            assert np.array_equal(q.predict_proba(X), p), "ties at max_depth %d" % d
        cols += ["pred_d%d" % d] + ["p%d_d%d" % (c, d) for c in range(3)]
        out += [t.predict(X)] + [p[:, c] for c in range(3)]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rf_sklearn_tree.csv")
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for i in range(n):
            f.write(",".join(repr(float(v[i])) for v in out) + "\n")

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    make_tree()
    if len(sys.argv) > 1:
        make_heads(sys.argv[1], os.path.join(here, "rf_sklearn_heads.csv"))

main()
