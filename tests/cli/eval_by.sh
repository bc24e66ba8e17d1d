#!/bin/bash
# Identity columns and evaluation by connection and host, end to end on the six shared MQTTset
# pcap heads (docs/FORMATS.md "Identity columns", docs/internals/ml.md "Evaluation by"):
#  1. `extract --ids` keeps the 33 MQTTset columns byte for byte and appends id.stream and
#     id.client before target; every row's id.stream equals tshark's tcp.stream and its
#     id.client the client address (the end not on port 1883) as a 32-bit number; the number
#     of connections equals the number of distinct tcp.stream values tshark gives.
#  2. id.* columns are never features: train refuses them by name or prefix; train and
#     predict work on files that carry them.
#  3. `eval --by all [--min-probability P] --json` on the six heads: the connection count
#     equals tshark's distinct tcp.stream values summed over the files, the host count the
#     distinct client addresses per file; every figure (per-class detected share, legitimate
#     alerted share, group confusion, macro-F1) equals an independent Python computation from
#     `predict`'s per-row classes and probabilities and tshark's stream/client of each row.
# Env: MQTTIDS (the tool), SHARED (shared data). KEEP=1 keeps the work dir.
. "$(dirname "$0")/pcap_heads.sh"   # fail, bad, work dir W; P, CAPS, head_pcap: the six pcap heads
command -v tshark >/dev/null 2>&1 || { echo "SKIP: no tshark"; exit 77; }
for x in $CAPS; do
    n=${x%%:*}; c=${x##*:}
    f=$(head_pcap "$n")
    # 1. the 33 features and the target unchanged, id.stream and id.client between them
    extract_with "$n" "$c" --ids "$W/$n.plain.csv" "$W/$n.csv"
    case "$(head -1 "$W/$n.csv")" in
    *,mqtt.willtopic_len,id.stream,id.client,target) ;;
    *) bad "$n: header $(head -1 "$W/$n.csv")" ;;
    esac
    tshark -r "$f" -T fields -E separator=, -e tcp.stream -e ip.src -e ip.dst -e tcp.dstport > "$W/$n.ts" 2>/dev/null ||
        bad "tshark $n"
    /usr/bin/python3 - "$W/$n.csv" "$W/$n.ts" "$n" <<'PY' || fail=1
import csv, sys, ipaddress
csv.field_size_limit(sys.maxsize)
mine = [(r['id.stream'], r['id.client']) for r in csv.DictReader(open(sys.argv[1], newline=''))]
ref = []
for line in open(sys.argv[2]):
    st, src, dst, dport = line.rstrip('\n').split(',')
    ref.append((st, str(int(ipaddress.ip_address(src if dport == '1883' else dst)))))
conns = len({m[0] for m in mine})
if mine != ref or conns != len({r[0] for r in ref}):
    print('FAIL: %s: ids differ from tshark (%d vs %d rows)' % (sys.argv[3], len(mine), len(ref)))
    sys.exit(1)
print('%s: %d rows, %d connections (tshark tcp.stream: %d), %d client hosts'
      % (sys.argv[3], len(mine), conns, len({r[0] for r in ref}), len({m[1] for m in mine})))
PY
done

# 2. identity columns are never features
for sel in "--features id" "--features id.stream" "--features ctx,id.client" "--continuous tcp.len,id.client"; do
    # shellcheck disable=SC2086
    if "$MQTTIDS" train -q -m lr $sel "$W/benign.csv" "$W/malformed.csv" -o "$W/x.model" > /dev/null 2> "$W/err"; then
        bad "train $sel accepted an identity column"
    fi
    grep -q "identity column" "$W/err" || bad "train $sel: no clear message ($(cat "$W/err"))"
done
[ -e "$W/x.model" ] && bad "a refused train wrote a model"
"$MQTTIDS" train -q -m lr "$W/benign.csv" "$W/malformed.csv" -o "$W/lr.model" > /dev/null || bad "train on rows with ids"
"$MQTTIDS" predict -q -m "$W/lr.model" "$W/malformed.csv" -o "$W/pred.csv" || bad "predict on rows with ids"
[ "$(wc -l < "$W/pred.csv")" = "$(wc -l < "$W/malformed.csv")" ] || bad "predict: row count"

# 3. evaluation by packet, connection and host against an independent computation
ALL=""
for x in $CAPS; do ALL="$ALL $W/${x%%:*}.csv"; done
# shellcheck disable=SC2086
"$MQTTIDS" train -q -m lr $ALL -o "$W/all.model" > /dev/null || bad "train lr on the heads"
# shellcheck disable=SC2086
"$MQTTIDS" predict -q -m "$W/all.model" $ALL -o "$W/all.pred.csv" || bad "predict"
for P in 0 0.9; do
    # shellcheck disable=SC2086
    "$MQTTIDS" eval -q -m "$W/all.model" --by all --min-probability $P --json $ALL > "$W/eval.$P.json" ||
        bad "eval --by all --min-probability $P"
    /usr/bin/python3 - "$W" "$P" $CAPS <<'PY' || fail=1
import csv, json, sys, collections
csv.field_size_limit(sys.maxsize)
w, P, caps = sys.argv[1], float(sys.argv[2]), [c.split(':')[0] for c in sys.argv[3:]]
CL = ['legitimate', 'dos', 'bruteforce', 'malformed', 'slowite', 'flood']
ev = json.load(open('%s/eval.%s.json' % (w, sys.argv[2])))
pred = list(csv.DictReader(open(w + '/all.pred.csv', newline='')))
rows = []  # (file, stream, client, truth, predicted after the threshold)
i = 0
for f, n in enumerate(caps):
    for line in open('%s/%s.ts' % (w, n)):
        st, src, dst, dport = line.rstrip('\n').split(',')
        p = pred[i]; i += 1
        c = p['predicted']
        if c != 'legitimate' and float(p['p_' + c]) < P:
            c = 'legitimate'
        rows.append((f, st, src if dport == '1883' else dst, p['target'], c))
assert i == len(pred), 'predict rows %d, tshark rows %d' % (len(pred), i)
ok = True
def level(key):
    g = collections.OrderedDict()
    for r in rows:
        g.setdefault(key(r), []).append(r)
    out = []
    for rs in g.values():
        t = collections.Counter(r[3] for r in rs)
        truth = max(CL, key=lambda c: (t[c], -CL.index(c)))
        a = collections.Counter(r[4] for r in rs if r[4] != 'legitimate')
        pr = max(a, key=lambda c: (a[c], -CL.index(c))) if a else 'legitimate'
        out.append((truth, pr, bool(a)))
    return out
def f1s(pairs):
    res = {}
    for c in CL:
        tp = sum(1 for t, p, _ in pairs if t == c and p == c)
        np_ = sum(1 for t, p, _ in pairs if p == c)
        ns = sum(1 for t, p, _ in pairs if t == c)
        pr = tp / np_ if np_ else 0.0
        rc = tp / ns if ns else 0.0
        res[c] = (pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0, ns + np_ > 0)
    labs = [c for c in CL if res[c][3]]
    return res, sum(res[c][2] for c in labs) / len(labs)
def near(a, b):
    return abs(a - b) < 1e-9
for name, key in (('packet', lambda r: id(r)), ('connection', lambda r: (r[0], r[1])), ('host', lambda r: (r[0], r[2]))):
    pairs = level(key)
    got = ev['by'][name]
    res, macro = f1s(pairs)
    want_groups = len(pairs)
    if got['groups'] != want_groups:
        print('FAIL: %s: %d groups, expected %d' % (name, got['groups'], want_groups)); ok = False
    if not near(got['macro_f1'], macro):
        print('FAIL: %s: macro-F1 %.6f, expected %.6f' % (name, got['macro_f1'], macro)); ok = False
    for e, m in zip(got['classes'], got['metrics']['classes']):
        c = e['class']
        sup = sum(1 for t, _, _ in pairs if t == c)
        al = sum(1 for t, _, a in pairs if t == c and a)
        if e['support'] != sup or e['alerted'] != al:
            print('FAIL: %s %s: support/alerted %d/%d, expected %d/%d' % (name, c, e['support'], e['alerted'], sup, al)); ok = False
        if not (near(m['precision'], res[c][0]) and near(m['recall'], res[c][1]) and near(m['f1'], res[c][2])):
            print('FAIL: %s %s: P/R/F1 differ' % (name, c)); ok = False
    print('P=%g %s: %d groups, macro-F1 %.4f, detected %s, legitimate alerted %.4f' % (
        P, name, got['groups'], got['macro_f1'],
        ' '.join('%s=%.3f' % (e['class'], e['alerted_share']) for e in got['classes'][1:] if e['support']),
        got['legitimate_alerted_share']))
tshark_streams = sum(len({r[1] for r in rows if r[0] == f}) for f in range(len(caps)))
if ev['by']['connection']['groups'] != tshark_streams:
    print('FAIL: connections %d, tshark tcp.stream %d' % (ev['by']['connection']['groups'], tshark_streams)); ok = False
if not near(ev['metrics']['macro_f1'], ev['by']['packet']['macro_f1']):
    print('FAIL: metrics and by.packet differ'); ok = False
sys.exit(0 if ok else 1)
PY
done
# a CSV without identity columns: a clear error for --by connection, fine for --by packet
"$MQTTIDS" eval -q -m "$W/all.model" --by connection "$W/benign.plain.csv" > /dev/null 2> "$W/err" &&
    bad "eval --by connection without id.stream accepted"
grep -q "id.stream" "$W/err" || bad "eval --by connection without ids: message ($(cat "$W/err"))"
"$MQTTIDS" eval -q -m "$W/all.model" "$W/benign.plain.csv" > /dev/null || bad "eval (packet) without ids"
# one input without ids among others: refused (its rows would merge into one connection)
"$MQTTIDS" eval -q -m "$W/all.model" --by connection "$W/malformed.csv" "$W/benign.plain.csv" > /dev/null 2> "$W/err" &&
    bad "eval --by connection with one input lacking ids accepted"
grep -q "benign.plain.csv has no id.stream" "$W/err" || bad "mixed inputs: message ($(cat "$W/err"))"
# --by connection alone still gives the packet metrics in --json
"$MQTTIDS" eval -q -m "$W/all.model" --by connection --json "$W/malformed.csv" > "$W/conn.json" || bad "eval --by connection"
/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["metrics"]["rows"] == 7646 and list(j["by"]) == ["connection"] and j["by"]["connection"]["groups"] == 628 else 1)' "$W/conn.json" ||
    bad "eval --by connection --json: metrics/by"

"$MQTTIDS" eval -q -m "$W/all.model" --by hosts "$W/benign.csv" > /dev/null 2>&1
[ $? = 2 ] || bad "eval --by hosts: not a usage error"

[ $fail = 0 ] && echo "eval_by: all checks passed"
exit $fail
