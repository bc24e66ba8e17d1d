#!/bin/sh
# lab.run: a short `mqttids lab` run (10 s, phases) against Debian's mosquitto on loopback.
# Checks (references independent of the lab): its rows for its own lab.pcap equal tshark 4.0 +
# the MQTTset emulation (all 33 fields); every row is labeled and none dropped by the kernel;
# each class carries the signature of the real MQTTset captures (the same signature test is run
# on the shared real heads for the classes whose heads show it); the 70/30 split is per class
# in capture order; the knobs: one client host per legitimate sensor and subscriber (sensors
# + 2 distinct legitimate id.client values, one host per attack class), and with --latency
# the delay visible where the broker sees the traffic (CONNACK -> the client's next message
# at least twice the one-way latency). Arguments: extra `mqttids lab` options (lab.knobs runs
# it mixed, with more sensors, latency and a rate). Skips (77) when not root, without
# libmosquitto/libpcap in the build, or without mosquitto / tshark / the shared data.
# Env: MQTTIDS, SHARED.
[ "$(id -u)" = 0 ] || { echo "not root: skip"; exit 77; }
for t in /usr/sbin/mosquitto /usr/bin/mosquitto_passwd; do
    [ -x $t ] || { echo "$t not installed: skip"; exit 77; }
done
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed: skip"; exit 77; }
[ -f "$SHARED/derived_from_pcap/emulate_mqttset.py" ] || { echo "no shared MQTTset data: skip"; exit 77; }
here=$(dirname "$0")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

"$MQTTIDS" lab -q --json -d 10 --seed 7 "$@" -o "$tmp/out" > "$tmp/lab.json" 2> "$tmp/lab.err"
rc=$?
if grep -q "no libmosquitto or no libpcap" "$tmp/lab.err"; then echo "built without libmosquitto/libpcap: skip"; exit 77; fi
[ $rc = 0 ] || { echo "mqttids lab failed ($rc)"; cat "$tmp/lab.err"; exit 1; }
port=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/lab.json") || exit 1
# the broker's port is kept beside the pcap, so extract (and watch) decode MQTT without --port
[ "$(cat "$tmp/out/lab.pcap.port")" = "$port" ] || { echo "lab.pcap.port does not hold $port"; exit 1; }
"$MQTTIDS" extract -q --json -r "$tmp/out/lab.pcap" -o "$tmp/noport.csv" > "$tmp/noport.json" 2>"$tmp/noport.err" || exit 1
/usr/bin/python3 - "$tmp/noport.json" <<'PY' || { echo "extract without --port decoded no MQTT"; exit 1; }
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["mqtt_rows"] > 0 else 1)
PY

# tshark's rows for the lab's own pcap (MQTT on the broker's port, as the lab decodes it)
fields=$(tr ' ' '\n' < "$SHARED/derived_from_pcap/tshark_fields.txt" | sed '/^$/d; s/^/-e /' | tr '\n' ' ')
# shellcheck disable=SC2086
tshark -r "$tmp/out/lab.pcap" -o tcp.calculate_timestamps:TRUE -d "tcp.port==$port,mqtt" -T fields \
    -E header=y -E separator=, -E occurrence=f $fields > "$tmp/ref.raw" 2>/dev/null || { echo "tshark failed"; exit 1; }
/usr/bin/python3 "$here/capture_emulate.py" "$tmp/ref.raw" X > "$tmp/ref.csv" 2>/dev/null || exit 1
# compare the 33 features (the lab's target is its label, tshark's a placeholder; the lab's
# identity columns id.stream, id.client are checked next)
/usr/bin/python3 - "$tmp/out/lab.csv" "$tmp/ref.csv" "$tmp/mine33.csv" "$tmp/ref33.csv" <<'PY' || exit 1
import sys
for src, dst, cut in ((sys.argv[1], sys.argv[3], 3), (sys.argv[2], sys.argv[4], 1)):
    rows = open(src, newline='').read().split('\n')
    with open(dst, 'w', newline='') as f:
        f.write('\n'.join(r.rsplit(',', cut)[0] for r in rows if r) + '\n')
PY
rc=0
/usr/bin/python3 "$here/capture_compare.py" "$tmp/mine33.csv" "$tmp/ref33.csv" "lab.pcap (port $port) vs tshark" || rc=1
# identity columns: tshark's tcp.stream, and the client: the sender of the stream's first SYN
# without ACK (the end not on the broker's port when the SYN was not captured: a client's
# ephemeral port may equal the broker's, so the port alone does not say it)
tshark -r "$tmp/out/lab.pcap" -T fields -E separator=, -e tcp.stream -e ip.src -e ip.dst -e tcp.dstport \
    -e tcp.flags.syn -e tcp.flags.ack > "$tmp/ids.raw" 2>/dev/null || { echo "tshark (ids) failed"; exit 1; }
/usr/bin/python3 - "$tmp/out/lab.csv" "$tmp/ids.raw" "$port" <<'PY' || rc=1
import csv, sys, ipaddress
csv.field_size_limit(sys.maxsize)
mine = [(r['id.stream'], r['id.client']) for r in csv.DictReader(open(sys.argv[1], newline=''))]
frames = [line.rstrip('\n').split(',') for line in open(sys.argv[2])]
syn = {}
for st, src, dst, dport, fs, fa in frames:
    if fs in ('1', 'True') and fa in ('0', 'False'):
        syn.setdefault(st, src)
ref = [(st, str(int(ipaddress.ip_address(syn.get(st) or (src if dport == sys.argv[3] else dst)))))
       for st, src, dst, dport, fs, fa in frames]
if mine != ref:
    bad = next(i for i in range(min(len(mine), len(ref))) if mine[i] != ref[i]) if len(mine) == len(ref) else -1
    print('FAIL: id.stream/id.client differ from tshark tcp.stream/client address (%d vs %d rows, first at %d)'
          % (len(mine), len(ref), bad))
    sys.exit(1)
print('ok: id.stream, id.client = tshark tcp.stream, client address (%d rows, %d connections)'
      % (len(mine), len({m[0] for m in mine})))
PY

/usr/bin/python3 - "$tmp/out" "$tmp/lab.json" "$SHARED/derived_from_pcap" <<'PY' || rc=1
import csv, json, sys, collections
csv.field_size_limit(sys.maxsize)
out, summ, real = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
def load(p):
    return list(csv.DictReader(open(p, newline='')))
def num(r, k):
    v = r[k]
    return int(v, 16) if v.startswith('0x') else float(v)
def signature(cls, rs):
    """(ok, text): the signature of class cls in rows rs, as the real MQTTset captures show it."""
    t = lambda r: int(num(r, 'mqtt.msgtype'))
    syn = sum(1 for r in rs if num(r, 'tcp.flags') == 0x02)
    pub = [r for r in rs if t(r) == 3]
    if cls == 'bruteforce':
        ca = [r for r in rs if t(r) == 2]
        refused = sum(1 for r in ca if num(r, 'mqtt.conack.val') == 5)
        return refused >= 10 and refused >= 0.9 * len(ca), 'CONNACK rc 5: %d of %d CONNACKs' % (refused, len(ca))
    if cls == 'slowite':
        co = [r for r in rs if t(r) == 1]
        k = sum(1 for r in co if num(r, 'mqtt.kalive') == 65535)
        return k >= 10 and k == len(co) and not pub, 'CONNECT keep-alive 65535: %d of %d; PUBLISH rows %d' % (k, len(co), len(pub))
    if cls == 'flood':
        # MQTTset's flood: bursts of tiny PUBLISHes packed into 32 KB segments
        big = [r for r in pub if num(r, 'tcp.len') >= 10000]
        mx = max((num(r, 'tcp.len') for r in rs), default=0)
        small = all(num(r, 'mqtt.len') <= 20 for r in pub)
        return len(big) >= 3 and 20000 <= mx < 65536 and small, \
            'PUBLISH rows with tcp.len >= 10 KB: %d, max tcp.len %d, first PUBLISH of each row <= 20 bytes: %s' % (
                len(big), mx, small)
    if cls == 'dos':
        return syn >= 5 and len(pub) >= 300 and len(pub) >= 0.2 * len(rs), \
            'connections (SYN rows) %d, PUBLISH rows %d of %d' % (syn, len(pub), len(rs))
    if cls == 'malformed':
        bad = sum(1 for r in rs if t(r) in (0, 15) and num(r, 'tcp.len') > 0 and num(r, 'mqtt.len') >= 0 and
                  (t(r) == 15 or r['mqtt.hdrflags'] not in ('0', '0x00000000') or num(r, 'mqtt.len') > 0))
        return syn >= 10 and bad >= 1, 'connections %d, rows with reserved packet types 0/15: %d' % (syn, bad)
    qos = {int(num(r, 'mqtt.qos')) for r in pub}
    subs = sum(1 for r in rs if t(r) == 8)
    return qos == {0, 1, 2} and subs >= 2 and len(pub) >= 100, \
        'PUBLISH QoS %s, SUBSCRIBE rows %d, PUBLISH rows %d' % (sorted(qos), subs, len(pub))
ok = True
rows = load(out + '/lab.csv')
by = collections.defaultdict(list)
for r in rows:
    by[r['target']].append(r)
print('lab.csv: %d rows; unlabeled %d; kernel drops %d' % (len(rows), summ['unlabeled'], summ['drops']))
ok &= summ['unlabeled'] == 0 and summ['drops'] == 0 and summ['rows'] == len(rows)
for cls in ('legitimate', 'dos', 'bruteforce', 'malformed', 'slowite', 'flood'):
    rs = by.get(cls, [])
    good, text = signature(cls, rs)
    ok &= good and summ['classes'][cls]['rows'] == len(rs)
    print('  %-10s %6d rows  %s  %s' % (cls, len(rs), 'ok ' if good else 'BAD', text))
# the same signature in the real captures' heads (where the head shows it)
heads = {'bruteforce': 'bruteforce_from_bruteforce_pcap_head.csv', 'slowite': 'slowite_from_slowite_pcap_head.csv',
         'flood': 'flood_from_flood_pcap_head.csv', 'dos': 'dos_from_malariados_pcap_head.csv'}
for cls, f in heads.items():
    good, text = signature(cls, load(real + '/' + f))
    ok &= good
    print('  real %-10s head: %s  %s' % (cls, 'ok ' if good else 'BAD', text))
# split: per class the first 70% (capture order) train, the rest test; rows identical
raw = open(out + '/lab.csv', newline='').read().split('\n')[1:-1]
tr = open(out + '/train.csv', newline='').read().split('\n')[1:-1]
te = open(out + '/test.csv', newline='').read().split('\n')[1:-1]
total = collections.Counter(l.rsplit(',', 1)[1] for l in raw)
seen = collections.Counter()
want_tr, want_te = [], []
for l in raw:  # capture order; per class the first 70% (floor) train
    c = l.rsplit(',', 1)[1]
    (want_tr if seen[c] < total[c] * 7 // 10 else want_te).append(l)
    seen[c] += 1
split_ok = tr == want_tr and te == want_te
print('split: train %d, test %d rows; per class the first 70%% in capture order train, the rest test: %s' %
      (len(tr), len(te), split_ok))
ok &= split_ok
# one client host per legitimate sensor and subscriber, one per attack class
hosts = collections.defaultdict(set)
for r in rows:
    hosts[r['target']].add(r['id.client'])
want = {c: 1 for c in ('dos', 'bruteforce', 'malformed', 'slowite', 'flood')}
want['legitimate'] = summ['sensors'] + 2
hosts_ok = all(len(hosts[c]) == n for c, n in want.items())
print('client hosts: %s (want %s): %s' % ({c: len(h) for c, h in sorted(hosts.items())}, want, hosts_ok))
ok &= hosts_ok
sys.exit(0 if ok else 1)
PY
# latency: the broker sees each client's next message after a CONNACK no sooner than the
# way there and back (legitimate and dos clients wait for the CONNACK before sending)
tshark -r "$tmp/out/lab.pcap" -d "tcp.port==$port,mqtt" -T fields -E separator=, -E occurrence=f -e frame.time_epoch \
    -e tcp.stream -e tcp.dstport -e tcp.len -e mqtt.msgtype > "$tmp/lat.raw" 2>/dev/null || { echo "tshark (latency) failed"; exit 1; }
/usr/bin/python3 - "$tmp/lat.raw" "$port" "$tmp/lab.json" <<'PY' || rc=1
import json, sys, statistics
port, lat = sys.argv[2], json.load(open(sys.argv[3]))['latency_ms'] / 1000.0
connack, gaps = {}, []
for line in open(sys.argv[1]):
    t, st, dport, tl, mt = line.rstrip('\n').split(',')
    if dport != port and mt == '2' and st not in connack:
        connack[st] = float(t)
    elif dport == port and int(tl or 0) > 0 and connack.get(st) is not None:
        gaps.append(float(t) - connack[st])
        connack[st] = None  # the first client message after the CONNACK only
med = statistics.median(gaps) if gaps else float('nan')
good = len(gaps) >= 5 and (lat == 0 or med >= 2 * lat)
print('CONNACK -> next client message at the broker: median %.4f s over %d connections (latency %g s): %s'
      % (med, len(gaps), lat, 'ok' if good else 'BAD'))
sys.exit(0 if good else 1)
PY
exit $rc
