#!/bin/bash
# bench/transfer.sh: does a detector trained in one network hold in another?
# (issue 13, docs/internals/detect.md "The recommended detector")
#
# Environments: the six MQTTset heads in ../shared (one environment; class = capture) and
# lab runs (`mqttids lab`, several seeds x modes x mixes x scales). Every ordered pair
# (train on one environment, test on another) plus, within each environment, its own
# 70/30 split (per class, capture order). Scored per packet, per TCP connection and per
# client host (`mqttids eval --by all`); macro-F1 is over the classes present in the test
# environment (a lab run with flood=0 has no flood to find).
#
# Usage: bench/transfer.sh [--quick] [--keep DIR]
#   --quick      two short lab runs (15 s) instead of four (25-30 s)
#   --keep DIR   work in DIR and keep it (CSVs, models, JSON)
# Environment: MQTTIDS (the tool), SHARED (default ../shared), TRAIN (the training options,
#   default "--recipe detector"), BASELINE (compared, default the ctx RF of issue 13;
#   "" skips it), LABS (lab runs, "name:mode:seed:mix:scale:seconds[:more lab options]"
#   separated by spaces, options with ',' for ' ', e.g. "s:mixed:5:-:1:20:--sensors,20"),
#   MINPROB (the connection figures are also given with alerts that need this class
#   probability, `eval --min-probability`; default 0.6).
# Needs root (the lab captures on lo), mosquitto, python3 for the summary.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
MQTTIDS=${MQTTIDS:-$HERE/build/cli/mqttids}
SHARED=${SHARED:-$HERE/../shared}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TRAIN=${TRAIN:---recipe detector}
BASELINE=${BASELINE---model rf --param numTrees=20 --param maxDepth=30 --features ctx}
MINPROB=${MINPROB:-0.6}
QUICK=0
KEEP=
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --keep) KEEP=$2; shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "transfer.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ $QUICK = 1 ]; then
    LABS=${LABS:-"p1:phases:11:-:1:15 m2:mixed:12:dos=2,flood=0.5,bruteforce=0.7:1:15"}
else
    LABS=${LABS:-"p1:phases:11:-:1:30 m2:mixed:12:dos=2,flood=0.5,bruteforce=0.7:1:25 p3:phases:13:slowite=2,malformed=0.6:0.5:30 m4:mixed:14:dos=0.5,slowite=0.5,malformed=2:2:20"}
fi
if [ -n "$KEEP" ]; then W=$KEEP; mkdir -p "$W"; else W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; fi
P=$SHARED/data/mqttset/pcap_l-laura
[ -d "$P" ] || { echo "transfer.sh: no MQTTset heads in $P" >&2; exit 2; }

# 1. environments: E_<name>_all / _train / _test (lists of CSVs)
declare -A ALL TRN TST
mkdir -p "$W/heads"
for x in benign:legitimate bruteforce:bruteforce flood:flood malariados:dos malformed:malformed slowite:slowite; do
    n=${x%%:*}; c=${x##*:}
    f=$(ls "$P/$n"-head.pcap* | head -1)
    "$MQTTIDS" extract -q -r "$f" --label "$c" --context --ids -o "$W/heads/$c.csv" || exit 1
    rows=$(($(wc -l < "$W/heads/$c.csv") - 1)); k=$((rows * 7 / 10))
    head -n $((k + 1)) "$W/heads/$c.csv" > "$W/heads/$c.train.csv"
    { head -n 1 "$W/heads/$c.csv"; tail -n +$((k + 2)) "$W/heads/$c.csv"; } > "$W/heads/$c.test.csv"
    ALL[mqttset]+="$W/heads/$c.csv "; TRN[mqttset]+="$W/heads/$c.train.csv "; TST[mqttset]+="$W/heads/$c.test.csv "
done
ENVS="mqttset"
for spec in $LABS; do
    IFS=: read -r name mode seed mix scale secs more <<< "$spec"
    d="$W/lab-$name"
    if [ ! -s "$d/lab.csv" ]; then
        args=(-q -d "$secs" --mode "$mode" --seed "$seed" --scale "$scale" --context -o "$d")
        [ "$mix" != "-" ] && args+=(--mix "$mix")
        # shellcheck disable=SC2206
        [ -n "$more" ] && args+=(${more//,/ })
        "$MQTTIDS" lab "${args[@]}" || { echo "transfer.sh: lab run $name failed" >&2; exit 1; }
    fi
    ALL[lab-$name]="$d/lab.csv"; TRN[lab-$name]="$d/train.csv"; TST[lab-$name]="$d/test.csv"
    ENVS+=" lab-$name"
done

kind() { case "$1" in mqttset) echo real ;; *) echo lab ;; esac; }

# 2. every direction: train, eval --by all, one JSON per run
run() { # run TAG OPTS TRAIN_CSVS TEST_CSVS
    local tag=$1 opts=$2 tr=$3 te=$4
    # shellcheck disable=SC2086
    "$MQTTIDS" train -q $opts $tr -o "$W/$tag.model" > /dev/null || { echo "train $tag failed" >&2; return 1; }
    # shellcheck disable=SC2086
    "$MQTTIDS" eval -q -m "$W/$tag.model" --by all --json $te > "$W/$tag.json" || { echo "eval $tag failed" >&2; return 1; }
    # shellcheck disable=SC2086
    "$MQTTIDS" eval -q -m "$W/$tag.model" --by all --min-probability "$MINPROB" --json $te > "$W/$tag.mp.json" ||
        { echo "eval $tag --min-probability failed" >&2; return 1; }
    echo "$tag" >> "$W/runs.txt"
}
: > "$W/runs.txt"
for which in detector baseline; do
    if [ $which = detector ]; then opts=$TRAIN; else opts=$BASELINE; [ -n "$opts" ] || continue; fi
    for a in $ENVS; do
        for b in $ENVS; do
            if [ "$a" = "$b" ]; then
                run "$which~$a~$b~within" "$opts" "${TRN[$a]}" "${TST[$a]}"
            else
                run "$which~$a~$b~$(kind "$a")-$(kind "$b")" "$opts" "${ALL[$a]}" "${ALL[$b]}"
            fi
        done
    done
done

# 3. the table
"$PY" - "$W" "$MINPROB" <<'EOF'
import json, sys, os
w = sys.argv[1]
def present(m):
    return [c for c in m['classes'] if c['support'] > 0]
def macro(m):
    p = present(m)
    return sum(c['f1'] for c in p) / len(p) if p else float('nan')
rows = []
for tag in open(os.path.join(w, 'runs.txt')).read().split():
    which, a, b, direction = tag.split('~')
    j = json.load(open(os.path.join(w, tag + '.json')))
    pk = j['metrics']
    by = j.get('by', {})
    r = {'which': which, 'train': a, 'test': b, 'dir': direction, 'pkt': macro(pk),
         'recall': {c['class']: c['recall'] for c in present(pk)}}
    for lvl in ('connection', 'host'):
        g = by.get(lvl)
        if not g:
            continue
        r[lvl] = macro(g['metrics'])
        att = [c for c in g['classes'] if c['class'] != 'legitimate' and c['support'] > 0]
        r[lvl + '_det'] = min(c['alerted_share'] for c in att) if att else float('nan')
        r[lvl + '_fa'] = g.get('legitimate_alerted_share', float('nan'))
    g = json.load(open(os.path.join(w, tag + '.mp.json')))['by']['connection']
    att = [c for c in g['classes'] if c['class'] != 'legitimate' and c['support'] > 0]
    r['mp_det'] = min(c['alerted_share'] for c in att) if att else float('nan')
    r['mp_fa'] = g['legitimate_alerted_share']
    rows.append(r)
short = {'legitimate': 'leg', 'dos': 'dos', 'bruteforce': 'bru', 'malformed': 'mal', 'slowite': 'slo', 'flood': 'flo'}
for which in ('detector', 'baseline'):
    rs = [r for r in rows if r['which'] == which]
    if not rs:
        continue
    print('\n%s: macro-F1 per packet / connection / host; per-packet recall; connection detection (min over attack classes) and legitimate connections alerted' % which)
    print('  (c.det/c.leg.fa again with alerts that need p >= %s: mp.det/mp.fa)' % sys.argv[2])
    print('%-11s %-11s %-9s %6s %6s %6s  %-47s %6s %7s %6s %7s' % ('train', 'test', 'direction', 'pkt', 'conn', 'host', 'recall per class (packets)', 'c.det', 'c.leg.fa', 'mp.det', 'mp.fa'))
    for r in sorted(rs, key=lambda r: (r['dir'], r['train'], r['test'])):
        rec = ' '.join('%s %.2f' % (short[k], v) for k, v in r['recall'].items())
        print('%-11s %-11s %-9s %6.3f %6.3f %6.3f  %-47s %6.3f %7.4f %6.3f %7.4f' % (r['train'], r['test'], r['dir'], r['pkt'],
              r.get('connection', float('nan')), r.get('host', float('nan')), rec,
              r.get('connection_det', float('nan')), r.get('connection_fa', float('nan')), r['mp_det'], r['mp_fa']))
    for d in sorted(set(r['dir'] for r in rs)):
        sel = [r for r in rs if r['dir'] == d]
        print('  %-9s min packet macro-F1 %.3f  mean %.3f  (%d runs)' % (d, min(r['pkt'] for r in sel),
              sum(r['pkt'] for r in sel) / len(sel), len(sel)))
EOF
