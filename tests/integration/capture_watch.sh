#!/bin/sh
# `mqttids watch -r` (the live path, replayed): for each shared pcap, the alerts per class must
# equal the non-legitimate predictions of `mqttids predict` on the tshark-derived CSV of the same
# packets; every alert must carry the frame's addresses and ports as tshark reads them; the
# EVE shape is checked. Skips (77) without the shared data or when no model can be trained.
# Env: MQTTIDS, SHARED.
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
here=$(dirname "$0")
[ -d "$SHARED/pcap_l-laura" ] || { echo "no shared MQTTset data: skip"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sh "$here/capture_train_model.sh" "$tmp/m.model" || { echo "cannot train a model (train command missing?): skip"; exit 77; }
rc=0
for pair in benign:legitimate malariados:dos slowite:slowite flood:flood; do
    pcap=${pair%%:*}; cls=${pair##*:}
    f=$(ls "$SHARED/pcap_l-laura/$pcap"-head.pcap* | head -1)
    "$MQTTIDS" watch -q -r "$f" -m "$tmp/m.model" -o "$tmp/$pcap.alerts" --json > "$tmp/$pcap.sum" || { rc=1; continue; }
    "$MQTTIDS" predict -q -m "$tmp/m.model" -o "$tmp/$pcap.pred" "$SHARED/derived_from_pcap/${cls}_from_${pcap}_pcap_head.csv" || { rc=1; continue; }
    ports=
    if command -v tshark >/dev/null 2>&1; then
        tshark -r "$f" -T fields -E separator=, -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport \
            > "$tmp/$pcap.frames" 2>/dev/null && ports="$tmp/$pcap.frames"
    fi
    /usr/bin/python3 - "$tmp/$pcap.alerts" "$tmp/$pcap.sum" "$tmp/$pcap.pred" "$pcap" "$ports" <<'PY' || rc=1
import csv, json, sys, collections
alerts = [json.loads(l) for l in open(sys.argv[1])]
summ = json.load(open(sys.argv[2]))
pred = list(csv.DictReader(open(sys.argv[3])))
col = [k for k in pred[0] if k in ('label', 'predicted', 'prediction', 'pred')][0]
want = collections.Counter(r[col] for r in pred if r[col] != 'legitimate')
got = collections.Counter(a['alert']['category'] for a in alerts)
ok = want == got and summ['alerts'] == len(alerts) and summ['rows'] == len(pred)
for a in alerts[:50]:
    ok &= a['event_type'] == 'alert' and a['proto'] == 'TCP' and a['model'] == summ['model']
    ok &= 0 < a['probability'] <= 1 and a['alert']['severity'] in (1, 2, 3)
if sys.argv[5]:
    fr = {int(l.split(',')[0]): l.strip().split(',')[1:] for l in open(sys.argv[5])}
    bad = [a for a in alerts if fr[a['mqttids']['frame']] != [a['src_ip'], str(a['src_port']), a['dest_ip'], str(a['dest_port'])]]
    ok &= not bad
    if bad:
        print('  alert flow differs from tshark:', bad[0])
print('%s: %d rows, %d alerts %s; predict on the derived CSV: %s -> %s' % (
    sys.argv[4], summ['rows'], len(alerts), dict(got), dict(want), 'ok' if ok else 'MISMATCH'))
sys.exit(0 if ok else 1)
PY
done
exit $rc
