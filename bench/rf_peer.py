#!/usr/bin/python3
"""sklearn peer of the random-forest benchmark (bench/rf.sh).

Loads the exact matrix bench/rf_bench.c fitted (PREFIX_X.npy, PREFIX_y.npy) and times
RandomForestClassifier(n_estimators, max_depth, max_features='sqrt', n_jobs) fit, then
single-core prediction (n_jobs=1). Prints "key value" lines like rf_bench.

usage: rf_peer.py PREFIX [N_ESTIMATORS [MAX_DEPTH [N_JOBS]]]
"""
import sys, time
import numpy as np
from sklearn.ensemble import RandomForestClassifier

def main():
    prefix = sys.argv[1]
    trees = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    X = np.load(prefix + "_X.npy")
    y = np.load(prefix + "_y.npy")
    m = RandomForestClassifier(n_estimators=trees, max_depth=depth, max_features="sqrt",
                               n_jobs=jobs, random_state=1)
    t0 = time.perf_counter()
    m.fit(X, y)
    fit_s = time.perf_counter() - t0
    m.set_params(n_jobs=1)
    t0 = time.perf_counter()
    pred = m.predict(X)
    pred_s = time.perf_counter() - t0
    nodes = sum(e.tree_.node_count for e in m.estimators_)
    depth_max = max(e.tree_.max_depth for e in m.estimators_)
    print("rows %d\nfeatures %d" % X.shape)
    print("fit_s %.4f\nfit_jobs %d" % (fit_s, jobs))
    print("state trees=%d nodes=%d max_tree_depth=%d" % (trees, nodes, depth_max))
    print("predict_s %.4f\npredict_rows_per_s_per_core %.0f" % (pred_s, len(y) / pred_s))
    print("train_accuracy %.4f" % (pred == y).mean())

main()
