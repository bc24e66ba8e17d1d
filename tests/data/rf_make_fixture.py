#!/usr/bin/python3
"""Make tests/data/rf_sklearn_tree.csv: the independent reference for the random forest.

A small fixed dataset (600 rows, 4 integer-valued features with at most 32 distinct
values each, 3 classes from a noisy rule) and the training-set predictions and class
probabilities of sklearn's DecisionTreeClassifier (gini, max_depth 2, 4 and 8, all
features, no bootstrap). With <= maxBins distinct values the forest's candidate
thresholds are the midpoints between distinct values, exactly sklearn's, so a forest of
one tree with featureSubsetStrategy=all and bootstrap=false must partition the training
rows the same way (test_rf.c checks predictions and probabilities). Only depths at
which sklearn's own result does not depend on its random tie-breaking (checked here over
30 random_state values) are used: where two splits tie, sklearn and Spark may pick either.

usage: /usr/bin/python3 tests/data/rf_make_fixture.py   (Debian python3-sklearn)
"""
import os
import numpy as np
from sklearn.tree import DecisionTreeClassifier

DEPTHS = (2, 3, 5)

def main():
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

main()
