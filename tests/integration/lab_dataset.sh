#!/bin/sh
# lab.dataset: the committed lab dataset (data/lab, made by `mqttids lab --context` and
# scripts/lab_dataset.sh, see data/lab/README.md).
# Checks:
#  - both files parse with mqttids (stats) and Python's csv; the header is the real MQTTset
#    33-feature header (that of the shared tshark-derived heads), then the ctx.* columns of
#    `train --recipe detector`, id.stream, id.client (integers), target; all six classes in
#    train and test; per-class row counts (Python's count) equal those of data/lab/lab.json
#    (the lab's own summary) and of the table in data/lab/README.md; the split is 70/30 per class.
#  - the study's rf (Spark's split mode, seed 42) trained on the lab train rows, on the shared
#    REAL heads: accuracy and macro-F1 as recorded in data/lab/README.md (+-0.005), recomputed
#    by Python from `mqttids predict`'s labels (the same to 1e-9), above the majority-class
#    macro-F1.
#  - the recommended detector (`train --recipe detector`) trained on the lab train rows, on the
#    real heads (extract --context --ids of the shared pcaps): packet, connection and host
#    macro-F1 at least the floors below (measured 0.980 / 0.877 / 1.000, seeds 1, 7, 13, 42, 99:
#    packet 0.979-0.980; seed 6 gave 0.83); and the reverse, trained on the heads, on both lab
#    files: packet macro-F1 at least 0.85 (measured 0.943 with seeds 1, 7, 13, 42 in this
#    input order; 0.917-0.943 with the heads in alphabetical order).
# Skips (77) without the shared MQTTset data. Env: MQTTIDS, SHARED, SRCDIR.
D=$SRCDIR/data/lab
FLOOR_PKT=0.95 FLOOR_CONN=0.80 FLOOR_HOST=0.90 FLOOR_REV=0.85
[ -f "$D/train.csv.gz" ] && [ -f "$D/test.csv.gz" ] && [ -f "$D/lab.json" ] || { echo "no $D/{train,test}.csv.gz, lab.json"; exit 1; }
[ -d "$SHARED/derived_from_pcap" ] || { echo "no shared MQTTset data: skip"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
"$MQTTIDS" stats -q --train "$D/train.csv.gz" --test "$D/test.csv.gz" > "$tmp/stats.txt" 2>&1 || { echo "mqttids stats failed"; cat "$tmp/stats.txt"; exit 1; }
/usr/bin/python3 - "$D" "$SHARED/derived_from_pcap/legitimate_from_benign_pcap_head.csv" <<'PY' || exit 1
import csv, gzip, json, re, sys, collections
csv.field_size_limit(sys.maxsize)
d, real = sys.argv[1], sys.argv[2]
summ = json.load(open(d + '/lab.json'))
readme = open(d + '/README.md').read()
hdr_real = open(real).readline().rstrip('\n').split(',')
ctx = ('ctx.pkt_kind ctx.pkt_malformed ctx.pkt_malformed_reason ctx.conn_malformed ctx.src_malformed_share '
       'ctx.conn_refused ctx.src_refused_share ctx.conn_kalive_long ctx.src_kalive_long_share ctx.conn_early_msgs '
       'ctx.src_early_share ctx.conn_abrupt_close ctx.src_abrupt_share ctx.src_pub_share ctx.stream_up_seg_log2 '
       'ctx.src_up_seg_log2').split()
want_hdr = hdr_real[:-1] + ctx + ['id.stream', 'id.client', 'target']
classes = ('legitimate', 'dos', 'bruteforce', 'malformed', 'slowite', 'flood')
ok = True
n = {}
for part in ('train', 'test'):
    with gzip.open('%s/%s.csv.gz' % (d, part), 'rt', newline='') as f:
        r = csv.reader(f)
        hdr = next(r)
        ok &= hdr == want_hdr
        cnt = collections.Counter()
        for row in r:
            if len(row) != len(hdr) or not (row[-3].isdigit() and row[-2].isdigit()):
                print('%s: a row of %d fields or with non-integer ids: %s' % (part, len(row), row[-3:])); ok = False; break
            cnt[row[-1]] += 1
    n[part] = cnt
print('header = real MQTTset 33 features + the detector\'s %d ctx.* + id.stream, id.client, target: %s'
      % (len(ctx), hdr == want_hdr))
for c in classes:
    tr, te = n['train'][c], n['test'][c]
    want = summ['classes'][c]
    m = re.search(r'^\| %s \| ([0-9,]+) \| ([0-9,]+) \| ([0-9,]+) \|' % c, readme, re.M)
    table = tuple(int(x.replace(',', '')) for x in m.groups()) if m else None
    good = (tr > 0 and te > 0 and tr == want['train'] and te == want['test'] and tr == (tr + te) * 7 // 10
            and table == (tr + te, tr, te))
    ok &= good
    print('  %-10s train %6d  test %6d  %s' % (c, tr, te, 'ok' if good else 'BAD (lab.json: %d/%d, README: %s)'
                                               % (want['train'], want['test'], table)))
ok &= set(n['train']) | set(n['test']) <= set(classes)
sys.exit(0 if ok else 1)
PY
H=$SHARED/derived_from_pcap
"$MQTTIDS" train -q -m rf --param splits=spark --seed 42 --train "$D/train.csv.gz" -o "$tmp/lab.model" > /dev/null || exit 1
# shellcheck disable=SC2086
"$MQTTIDS" eval -q -m "$tmp/lab.model" --json "$H"/*_from_*_head.csv > "$tmp/eval.json" || exit 1
# shellcheck disable=SC2086
"$MQTTIDS" predict -q -m "$tmp/lab.model" -o "$tmp/pred.csv" "$H"/*_from_*_head.csv || exit 1
/usr/bin/python3 - "$tmp/eval.json" "$D/README.md" "$tmp/pred.csv" "$H"/*_from_*_head.csv <<'PY' || exit 1
import csv, json, re, sys, collections
ev = json.load(open(sys.argv[1]))['metrics']
acc, mf1 = ev['accuracy'], ev['macro_f1']
text = open(sys.argv[2]).read()
m = re.search(r'rf on the real heads: accuracy ([0-9.]+), macro-F1 ([0-9.]+)', text)
# the same figures from predict's labels (classes present in truth or prediction)
pairs = [(r['target'], r['predicted']) for r in csv.DictReader(open(sys.argv[3], newline=''))]
cls = sorted({t for t, _ in pairs} | {p for _, p in pairs})
f1 = []
for c in cls:
    tp = sum(1 for t, p in pairs if t == c and p == c)
    npred = sum(1 for _, p in pairs if p == c)
    ntrue = sum(1 for t, _ in pairs if t == c)
    f1.append(2 * tp / (npred + ntrue) if npred + ntrue else 0.0)
py_acc = sum(1 for t, p in pairs if t == p) / len(pairs)
py_mf1 = sum(f1) / 6  # mqttids averages over its six classes
# majority-class baseline on the heads: macro-F1 of always predicting the largest class
sizes = collections.Counter()
for p in sys.argv[4:]:
    with open(p) as f:
        sizes[p] = sum(1 for _ in f) - 1
n, big = sum(sizes.values()), max(sizes.values())
p = big / n
base_f1 = (2 * p / (1 + p)) / 6
print('rf trained on the lab data, on the real MQTTset heads (%d rows): accuracy %.4f, macro-F1 %.4f '
      '(Python from predict: %.4f, %.4f; majority-class macro-F1 %.4f); recorded in data/lab/README.md: %s'
      % (n, acc, mf1, py_acc, py_mf1, base_f1, m.groups() if m else 'none'))
ok = (m is not None and abs(acc - float(m.group(1))) <= 0.005 and abs(mf1 - float(m.group(2))) <= 0.005
      and mf1 > base_f1 and abs(py_acc - acc) < 1e-9 and abs(py_mf1 - mf1) < 1e-9 and len(pairs) == n)
sys.exit(0 if ok else 1)
PY
# the recommended detector, both ways between the lab dataset and the real heads (with ctx.*)
P=$SHARED/pcap_l-laura
[ -d "$P" ] || { echo "no shared MQTTset pcaps: detector not checked"; exit 0; }
HC=""
for x in benign:legitimate bruteforce:bruteforce flood:flood malariados:dos malformed:malformed slowite:slowite; do
    f=$(ls "$P/${x%%:*}"-head.pcap* | head -1)
    "$MQTTIDS" extract -q -r "$f" --label "${x##*:}" --context --ids -o "$tmp/${x##*:}.csv" || exit 1
    HC="$HC $tmp/${x##*:}.csv"
done
"$MQTTIDS" train -q --recipe detector "$D/train.csv.gz" -o "$tmp/det.model" > /dev/null || exit 1
# shellcheck disable=SC2086
"$MQTTIDS" eval -q -m "$tmp/det.model" --by packet,connection,host --json $HC > "$tmp/det.json" || exit 1
# shellcheck disable=SC2086
"$MQTTIDS" train -q --recipe detector $HC -o "$tmp/rev.model" > /dev/null || exit 1
"$MQTTIDS" eval -q -m "$tmp/rev.model" --json "$D/train.csv.gz" "$D/test.csv.gz" > "$tmp/rev.json" || exit 1
/usr/bin/python3 - "$tmp/det.json" "$tmp/rev.json" $FLOOR_PKT $FLOOR_CONN $FLOOR_HOST $FLOOR_REV <<'PY'
import json, sys
det, rev = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
fp, fc, fh, fr = map(float, sys.argv[3:7])
pk, co, ho = det['metrics']['macro_f1'], det['by']['connection']['macro_f1'], det['by']['host']['macro_f1']
rv = rev['metrics']['macro_f1']
rec = ' '.join('%s %.3f' % (c['class'], c['recall']) for c in det['metrics']['classes'])
print('detector lab -> real heads: packet macro-F1 %.4f (floor %.2f), connection %.4f (floor %.2f), host %.4f '
      '(floor %.2f); recall %s' % (pk, fp, co, fc, ho, fh, rec))
print('detector real heads -> lab (both files): packet macro-F1 %.4f (floor %.2f)' % (rv, fr))
sys.exit(0 if pk >= fp and co >= fc and ho >= fh and rv >= fr else 1)
PY
