#!/usr/bin/python3
"""mqttids train --model nn --curves PREFIX, checked from outside the tool.

usage: nn_curves.py MQTTIDS SHARED_DIR
Trains the study's model 1 on the first 70% of each shared head CSV with the last 30% given
as --test (the validation set), then checks:
  - PREFIX.csv: the header, 20 epochs numbered 1..20, finite values in [0, 1] for
    accuracies, lr 0.001 throughout;
  - the kept epoch (first maximum of val_acc in the CSV) is the one the saved model is:
    `mqttids eval --json` on the same test rows gives exactly that accuracy;
  - PREFIX.svg: well-formed XML; title, axis labels, legend, two panels of two series
    (train solid, validation dashed), the kept epoch marked; the two series colours differ
    in greyscale luminance by at least 0.35;
  - --curves with --model lr is a usage error (exit 2); lr=1e35 fails (exit 1) naming the
    divergence, and the curves of the diverged run are still written and say so.
Exits 77 (skip) when the shared data is missing.
"""
import csv, json, math, os, subprocess, sys, tempfile
import xml.etree.ElementTree as ET
from heads_split import check, finish, heads_dir, split_heads

tool, shared = sys.argv[1], sys.argv[2]
src = heads_dir(shared)
tmp = tempfile.mkdtemp()
args = split_heads(src, tmp)

prefix = os.path.join(tmp, "c")
model = os.path.join(tmp, "m.nn")
r = subprocess.run([tool, "train", "--model", "nn", "--param", "layers=16", "-q", "--curves", prefix,
                    "-o", model] + args, capture_output=True, text=True)
check(r.returncode == 0, "train exit %d: %s" % (r.returncode, r.stderr))

with open(prefix + ".csv") as f:
    rd = list(csv.reader(f))
check(rd[0] == ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr"], "header %s" % rd[0])
ep = [[float(v) for v in row] for row in rd[1:]]
check(len(ep) == 20 and [int(e[0]) for e in ep] == list(range(1, 21)), "epochs %s" % [e[0] for e in ep])
check(all(math.isfinite(v) for e in ep for v in e), "non-finite value in the CSV")
check(all(0 <= e[2] <= 1 and 0 <= e[4] <= 1 for e in ep), "accuracy outside [0, 1]")
check(all(e[5] == 0.001 for e in ep), "lr column not 0.001")
check(ep[-1][1] < ep[0][1], "train loss did not fall: %g -> %g" % (ep[0][1], ep[-1][1]))
best = max(range(len(ep)), key=lambda i: (ep[i][4], -i))

test_args = [a for i, a in enumerate(args) if args[i - 1] == "--test" or a == "--test"]
r = subprocess.run([tool, "eval", "--model", model, "--json"] + test_args, capture_output=True, text=True)
check(r.returncode == 0, "eval exit %d: %s" % (r.returncode, r.stderr))
acc = json.loads(r.stdout)["metrics"]["accuracy"]
check(abs(acc - ep[best][4]) < 1e-8, "saved model: test accuracy %.9f, kept epoch %d val_acc %.9f"
      % (acc, best + 1, ep[best][4]))

svg = ET.parse(prefix + ".svg").getroot()
ns = "{http://www.w3.org/2000/svg}"
check(svg.tag == ns + "svg", "root %s" % svg.tag)
texts = [("".join(t.itertext())) for t in svg.iter(ns + "text")]
for want in ("layers=16", "epoch", "cross-entropy loss", "accuracy", "train", "validation", "Loss", "Accuracy",
             "kept: epoch %d" % (best + 1)):
    check(any(want in t for t in texts), "SVG lacks text %r" % want)
lines = list(svg.iter(ns + "polyline"))
check(len(lines) == 4, "%d polylines, want 4" % len(lines))
check(sum(1 for l in lines if l.get("stroke-dasharray")) == 2, "validation series not dashed")


def lum(c):
    r, g, b = (int(c[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


cols = sorted({l.get("stroke") for l in lines})
check(len(cols) == 2 and abs(lum(cols[0]) - lum(cols[1])) >= 0.35, "series colours %s too close in grey" % cols)

r = subprocess.run([tool, "train", "--model", "lr", "--curves", prefix, "-o", model] + args,
                   capture_output=True, text=True)
check(r.returncode == 2 and "--curves" in r.stderr, "--curves with lr: exit %d %s" % (r.returncode, r.stderr))

dprefix = os.path.join(tmp, "d")
r = subprocess.run([tool, "train", "--model", "nn", "--param", "lr=1e35", "--param", "epochs=3", "-q",
                    "--curves", dprefix, "-o", os.path.join(tmp, "d.nn")] + args, capture_output=True, text=True)
check(r.returncode == 1 and "diverged" in r.stderr, "lr=1e35: exit %d %s" % (r.returncode, r.stderr))
check(not os.path.exists(os.path.join(tmp, "d.nn")), "a diverged model file was written")
check(os.path.exists(dprefix + ".svg") and "training diverged" in open(dprefix + ".svg").read(),
      "diverged run: no curves or no divergence note")

subprocess.run(["rm", "-rf", tmp])
finish()
