#!/usr/bin/python3
"""sklearn peer of the random-forest benchmark (bench/rf.sh).

Loads the exact matrices bench/rf_bench.c fitted and scored (PREFIX_X.npy, PREFIX_y.npy
train; PREFIX_Xt.npy, PREFIX_yt.npy test) and times
RandomForestClassifier(n_estimators, max_depth, max_features='sqrt', n_jobs) fit, then
single-core prediction (n_jobs=1) of the test rows, and scores them (accuracy, macro-F1).
Prints "key value" lines like rf_bench.

usage: rf_peer.py PREFIX [N_ESTIMATORS [MAX_DEPTH [N_JOBS [RANDOM_STATE]]]]
"""
import sys, time
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score, recall_score

CLASSES = ["legitimate", "dos", "bruteforce", "malformed", "slowite", "flood"]

def main():
    prefix = sys.argv[1]
    trees = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    X, y = np.load(prefix + "_X.npy"), np.load(prefix + "_y.npy")
    Xt, yt = np.load(prefix + "_Xt.npy"), np.load(prefix + "_yt.npy")
    m = RandomForestClassifier(n_estimators=trees, max_depth=depth, max_features="sqrt",
                               n_jobs=jobs, random_state=seed)
    t0 = time.perf_counter()
    m.fit(X, y)
    fit_s = time.perf_counter() - t0
    m.set_params(n_jobs=1)
    t0 = time.perf_counter()
    pred = m.predict(Xt)
    pred_s = time.perf_counter() - t0
    nodes = sum(e.tree_.node_count for e in m.estimators_)
    depth_max = max(e.tree_.max_depth for e in m.estimators_)
    print("rows %d\nfeatures %d\ntest_rows %d" % (X.shape[0], X.shape[1], len(yt)))
    print("fit_s %.4f\nfit_jobs %d" % (fit_s, jobs))
    print("state trees=%d nodes=%d max_tree_depth=%d" % (trees, nodes, depth_max))
    print("train_accuracy %.4f" % (m.predict(X) == y).mean())
    print("test_accuracy %.4f\ntest_macro_f1 %.4f" % (accuracy_score(yt, pred), f1_score(yt, pred, average="macro")))
    rec = recall_score(yt, pred, labels=range(6), average=None, zero_division=0)
    print("test_recall " + " ".join("%s=%.3f" % (c, r) for c, r in zip(CLASSES, rec)))
    print("predict_rows_per_s_per_core %.0f" % (len(yt) / pred_s))

main()
