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
