#!/usr/bin/python3
"""Peer of bench/lr.sh: sklearn LogisticRegression(lbfgs) on mqttids' dumped feature matrix.

usage: lr_peer.py FEATURES.csv MQ.json MQ_PRED.csv [MQ2.json MQ2_PRED.csv]

The objective compared is Spark's with regParam 0: the mean training log-loss. sklearn's is
computed from predict_proba on the matrix; mqttids' from the probabilities `mqttids predict`
wrote for the same rows (6 significant digits, so about 1e-6 relative), and also as the
objective mqttids itself reported.
"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

feat, runs = sys.argv[1], sys.argv[2:]
df = pd.read_csv(feat)
y = df.pop("label").values
X = df.values
t0 = time.perf_counter()
m = LogisticRegression(penalty=None, solver="lbfgs", multi_class="multinomial", max_iter=100)
m.fit(X, y)
t_sk = time.perf_counter() - t0
P = m.predict_proba(X)
cls = list(m.classes_)
loss_sk = -np.mean(np.log(np.clip(P[np.arange(len(y)), [cls.index(v) for v in y]], 1e-300, None)))
print("rows %d, features %d, classes %d" % (X.shape[0], X.shape[1], len(cls)))
print("sklearn LogisticRegression(lbfgs, max_iter=100): fit %.3f s, train log-loss %.6f, n_iter %d"
      % (t_sk, loss_sk, int(m.n_iter_[0])))
names = ["legitimate", "dos", "bruteforce", "malformed", "slowite", "flood"]
for js, pred in zip(runs[0::2], runs[1::2]):
    j = json.load(open(js))
    secs = float(j["model"]["metadata"]["seconds"])
    fitted = dict(kv.split("=", 1) for kv in j["model"]["fitted"].split())
    params = j["model"]["params"]
    p = pd.read_csv(pred)
    pt = p[["p_" + n for n in names]].values
    idx = [names.index(t) for t in p["target"]]
    loss_mq = -np.mean(np.log(np.clip(pt[np.arange(len(idx)), idx], 1e-300, None)))
    mode = "compress=false" if "compress=false" in params else "compress=true"
    print("mqttids lr (%s, 2 threads): pipeline+fit %.3f s, train log-loss %.6f (reported objective %s, "
          "%s iterations, %s distinct rows)" % (mode, secs, loss_mq, fitted["objective"], fitted["iterations"],
                                                 fitted["distinct_rows"]))
    print("  ratio (sklearn fit / mqttids pipeline+fit): %.1fx; loss %s sklearn's (%+.2e)"
          % (t_sk / secs, "<=" if loss_mq <= loss_sk + 1e-6 else ">", loss_mq - loss_sk))
