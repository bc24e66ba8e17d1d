#!/usr/bin/python3
"""Makes tests/data/gbt_xgb_fixture.csv, the xgboost reference of tests/unit/test_gbt.c.

Synthetic data (no MQTTset rows: its licence keeps them out of the repository), seeded:
600 rows, 5 integer features with 3..40 distinct values each (so binning is exact on both
sides: xgboost's cuts and mqttids' midpoints part the rows the same way) and 4 classes that
depend on the features with noise. Fitted with Debian's python3-xgboost:
  XGBClassifier(tree_method='hist', max_bin=256, learning_rate=0.3, max_depth=3,
                reg_lambda=1, min_child_weight=1, objective multi:softprob)
with 1 round (margins: base_score 0.5 + the first round's leaf values) and 10 rounds
(probabilities). Columns: x0..x4, y, m0..m3 (1 round, output margins), p0..p3 (10 rounds).
The test also checks the data: the same y and features are read back.

usage: gbt_make_fixture.py OUT.csv
"""
import sys
import numpy as np
import xgboost as xgb


def main():
    rng = np.random.default_rng(20240601)
    n = 600
    levels = [3, 7, 12, 25, 40]
    X = np.column_stack([rng.integers(0, m, n) for m in levels]).astype(np.float64)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    score = np.column_stack([
        1.2 * Z[:, 0] - 0.4 * Z[:, 3],
        1.0 * Z[:, 1] + 0.3 * Z[:, 4],
        -1.0 * Z[:, 2] + 0.8 * (X[:, 0] == 1),
        0.8 * Z[:, 4] * Z[:, 1],
    ]) + rng.normal(0, 0.6, (n, 4))
    y = score.argmax(axis=1)
    common = dict(tree_method="hist", max_bin=256, learning_rate=0.3, max_depth=3, reg_lambda=1.0,
                  min_child_weight=1.0, objective="multi:softprob", n_jobs=1, random_state=0)
    m1 = xgb.XGBClassifier(n_estimators=1, **common).fit(X, y)
    margins = m1.predict(X, output_margin=True)
    m10 = xgb.XGBClassifier(n_estimators=10, **common).fit(X, y)
    proba = m10.predict_proba(X)
    with open(sys.argv[1], "w") as f:
        f.write("x0,x1,x2,x3,x4,y,m0,m1,m2,m3,p0,p1,p2,p3\n")
        for i in range(n):
            vals = ["%d" % v for v in X[i]] + ["%d" % y[i]] + ["%.9g" % v for v in margins[i]] + \
                   ["%.9g" % v for v in proba[i]]
            f.write(",".join(vals) + "\n")


main()
