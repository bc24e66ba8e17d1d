#!/bin/sh
# lab.dataset: the committed lab dataset (data/lab, made by `mqttids lab`, see data/lab/README.md).
# Checks: both files parse with mqttids (stats) and Python's csv, carry the real MQTTset header
# (that of the shared tshark-derived heads), all six classes in train and test, and the per-class
# row counts recorded in data/lab/lab.json (the lab's own summary); the split is 70/30 per class.
# Then an rf model (study defaults: Spark's split mode, seed 42) trained on the lab train rows is evaluated on the
# shared REAL heads: the figures recorded in data/lab/README.md must be reproduced (+-0.005) and
# the model must do better than predicting the heads' majority class for macro-F1.
# Skips (77) without the shared MQTTset data. Env: MQTTIDS, SHARED, SRCDIR.
D=$SRCDIR/data/lab
[ -f "$D/train.csv.gz" ] && [ -f "$D/test.csv.gz" ] && [ -f "$D/lab.json" ] || { echo "no $D/{train,test}.csv.gz, lab.json"; exit 1; }
[ -d "$SHARED/derived_from_pcap" ] || { echo "no shared MQTTset data: skip"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
"$MQTTIDS" stats -q --train "$D/train.csv.gz" --test "$D/test.csv.gz" > "$tmp/stats.txt" 2>&1 || { echo "mqttids stats failed"; cat "$tmp/stats.txt"; exit 1; }
/usr/bin/python3 - "$D" "$SHARED/derived_from_pcap/legitimate_from_benign_pcap_head.csv" <<'PY' || exit 1
import csv, gzip, json, sys, collections
csv.field_size_limit(sys.maxsize)
d, real = sys.argv[1], sys.argv[2]
summ = json.load(open(d + '/lab.json'))
hdr_real = open(real).readline().rstrip('\n').split(',')
ok = True
n = {}
for part in ('train', 'test'):
    with gzip.open('%s/%s.csv.gz' % (d, part), 'rt', newline='') as f:
        r = csv.reader(f)
        hdr = next(r)
        ok &= hdr == hdr_real
        cnt = collections.Counter()
        for row in r:
            if len(row) != len(hdr):
                print('%s: a row of %d fields' % (part, len(row))); ok = False; break
            cnt[row[-1]] += 1
    n[part] = cnt
print('header = real MQTTset header: %s' % (hdr == hdr_real))
for c in ('legitimate', 'dos', 'bruteforce', 'malformed', 'slowite', 'flood'):
    tr, te = n['train'][c], n['test'][c]
    want = summ['classes'][c]
    good = tr > 0 and te > 0 and tr == want['train'] and te == want['test'] and tr == (tr + te) * 7 // 10
    ok &= good
    print('  %-10s train %6d  test %6d  %s' % (c, tr, te, 'ok' if good else 'BAD (lab.json: %d/%d)' % (want['train'], want['test'])))
ok &= set(n['train']) | set(n['test']) <= {'legitimate', 'dos', 'bruteforce', 'malformed', 'slowite', 'flood'}
sys.exit(0 if ok else 1)
PY
"$MQTTIDS" train -q -m rf --param splits=spark --seed 42 --train "$D/train.csv.gz" -o "$tmp/lab.model" > /dev/null || exit 1
# shellcheck disable=SC2086
"$MQTTIDS" eval -q -m "$tmp/lab.model" --json "$SHARED"/derived_from_pcap/*_from_*_head.csv > "$tmp/eval.json" || exit 1
/usr/bin/python3 - "$tmp/eval.json" "$D/README.md" "$SHARED"/derived_from_pcap/*_from_*_head.csv <<'PY'
import json, re, sys, collections
ev = json.load(open(sys.argv[1]))['metrics']
acc, mf1 = ev['accuracy'], ev['macro_f1']
text = open(sys.argv[2]).read()
m = re.search(r'real heads: accuracy ([0-9.]+), macro-F1 ([0-9.]+)', text)
# majority-class baseline on the heads: macro-F1 of always predicting the largest class
sizes = collections.Counter()
for p in sys.argv[3:]:
    with open(p) as f:
        sizes[p] = sum(1 for _ in f) - 1
n, big = sum(sizes.values()), max(sizes.values())
p = big / n
base_f1 = (2 * p / (1 + p)) / 6
print('rf trained on the lab data, on the real MQTTset heads (%d rows): accuracy %.4f, macro-F1 %.4f '
      '(majority-class macro-F1 %.4f); recorded in data/lab/README.md: %s'
      % (n, acc, mf1, base_f1, m.groups() if m else 'none'))
ok = m is not None and abs(acc - float(m.group(1))) <= 0.005 and abs(mf1 - float(m.group(2))) <= 0.005 and mf1 > base_f1
sys.exit(0 if ok else 1)
PY
