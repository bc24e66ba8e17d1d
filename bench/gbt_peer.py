#!/usr/bin/python3
"""Peers of the gradient-boosted trees benchmark (bench/gbt.sh).

Loads the exact matrices bench/gbt_bench.c wrote (PREFIX_{Xtr,ytr,Xte,yte}.npy) and
 - fits xgboost's XGBClassifier(tree_method='hist', n_estimators=ROUNDS, max_depth=DEPTH,
   learning_rate=ETA, max_bin=256, n_jobs=NTHREADS) (objective multi:softprob), times the
   fit, scores the test rows (accuracy, macro-F1);
 - fits sklearn's RandomForestClassifier(20, max_depth=30, max_features='sqrt') and times
   its predict of the train matrix with n_jobs=NTHREADS (the compiled-prediction peer).
Prints "key value" lines like gbt_bench.

usage: gbt_peer.py PREFIX ROUNDS DEPTH ETA NTHREADS
"""
import sys, time
import numpy as np
import xgboost as xgb
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score


def best_rate(model, X, clock, reps=3):
    """Best rows per second of `clock` (wall or CPU) over reps predictions of X."""
    best = 0.0
    for _ in range(reps):
        t0 = clock()
        model.predict(X)
        best = max(best, len(X) / (clock() - t0))
    return best


def main():
    prefix = sys.argv[1]
    rounds, depth, eta, jobs = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    Xtr, ytr = np.load(prefix + "_Xtr.npy"), np.load(prefix + "_ytr.npy")
    Xte, yte = np.load(prefix + "_Xte.npy"), np.load(prefix + "_yte.npy")
    # xgboost wants labels 0..K-1 all present; map the classes seen in train
    classes = np.unique(ytr)
    remap = {c: i for i, c in enumerate(classes)}
    ytr_m = np.array([remap[c] for c in ytr])
    m = xgb.XGBClassifier(tree_method="hist", n_estimators=rounds, max_depth=depth, learning_rate=eta,
                          max_bin=256, n_jobs=jobs, random_state=0)
    t0, c0 = time.perf_counter(), time.process_time()
    m.fit(Xtr, ytr_m)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    pred = classes[m.predict(Xte)]
    labels = sorted(set(yte) | set(pred))
    print("xgb_fit_s %.4f" % fit_s)
    print("xgb_fit_cpu_s %.4f" % fit_cpu)
    print("xgb_test_accuracy %.4f" % accuracy_score(yte, pred))
    print("xgb_test_macro_f1 %.4f" % f1_score(yte, pred, labels=labels, average="macro", zero_division=0))
    t0 = time.perf_counter()
    m.predict(Xtr)
    print("xgb_predict_rows_per_s %.0f" % (len(ytr) / (time.perf_counter() - t0)))
    rf = RandomForestClassifier(n_estimators=20, max_depth=30, max_features="sqrt", n_jobs=jobs, random_state=1)
    rf.fit(Xtr, ytr)
    print("sklearn_rf_predict_rows_per_s %.0f" % best_rate(rf, Xtr, time.perf_counter))
    rf.set_params(n_jobs=1)
    print("sklearn_rf_predict_rows_per_cpu_s %.0f" % best_rate(rf, Xtr, time.process_time))
    print("sklearn_rf_nodes %d" % sum(e.tree_.node_count for e in rf.estimators_))


main()
