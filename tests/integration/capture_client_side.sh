#!/usr/bin/env bash
# capture.client_side: the client end of every connection is the sender of its stream's first
# SYN without ACK (tshark-like tools' rule); only when that SYN was not captured does the port
# rule decide (the end not on port 1883). Reference: tshark's tcp.stream per frame and, per
# stream, the ip.src of its first frame matching tcp.flags.syn==1 && tcp.flags.ack==0.
# Inputs: a generated capture (capture_gen_client.py: both ends on port 1883, the client's
# port the MQTT one and the server's not, a client port below the server's, a stream without
# SYN, port reuse) and the six shared MQTTset pcaps. Checked:
#   extract --ids: id.stream, id.client of every row = tshark's stream, its client's address;
#   extract --context: ctx.stream_pkts_up/down of every row = the stream's frames so far from
#   / to that client (the flow context takes the same client);
#   watch --alert-by host --alert-all (every packet alerts): the host keys are exactly the
#   reference clients of the streams (never the broker of a both-ends-1883 connection).
# The port rule alone gets connection 1 wrong in extract and connections 0/4 in watch.
# Env: MQTTIDS, SHARED. Skips (77) without tshark or libpcap; the shared pcaps are used when present.
set -u
here=$(cd "$(dirname "$0")" && pwd)
command -v tshark >/dev/null 2>&1 || { echo "no tshark: skip"; exit 77; }
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/capture_gen_client.py" "$tmp/client.pcap" || exit 1
pcaps=("$tmp/client.pcap")
if [ -d "$SHARED/pcap_l-laura" ]; then
    pcaps+=("$SHARED"/pcap_l-laura/*-head.pcap*)
fi
rc=0
for f in "${pcaps[@]}"; do
    b=$(basename "$f")
    tshark -r "$f" -Y tcp -T fields -E separator=, -e tcp.stream -e ip.src -e ip.dst -e tcp.srcport \
        -e tcp.dstport > "$tmp/frames.csv" 2>/dev/null || { echo "$b: tshark failed"; rc=1; continue; }
    tshark -r "$f" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -E separator=, -e tcp.stream \
        -e ip.src > "$tmp/syn.csv" 2>/dev/null || { echo "$b: tshark (SYN) failed"; rc=1; continue; }
    "$MQTTIDS" extract -q --ids --context -r "$f" -o "$tmp/mine.csv" || { rc=1; continue; }
    /usr/bin/python3 - "$tmp/frames.csv" "$tmp/syn.csv" "$tmp/mine.csv" "$b" <<'PY' || rc=1
import csv, ipaddress, sys
csv.field_size_limit(sys.maxsize)
frames = [l.rstrip('\n').split(',') for l in open(sys.argv[1]) if l.strip()]
syn = {}
for l in open(sys.argv[2]):
    st, src = l.rstrip('\n').split(',')
    syn.setdefault(st, src)  # the stream's first SYN
def client(st, src, dst, sp, dp):
    if st in syn:
        return syn[st]
    return dst if sp == '1883' and dp != '1883' else src  # no SYN: the port rule
ref = [(st, str(int(ipaddress.ip_address(client(st, src, dst, sp, dp))))) for st, src, dst, sp, dp in frames]
rows = list(csv.DictReader(open(sys.argv[3], newline='')))
mine = [(r['id.stream'], r['id.client']) for r in rows]
ok = mine == ref
# the flow context's direction: packets so far from / to the same client
seen, ctx_bad = {}, []
for i, ((st, src, dst, sp, dp), r) in enumerate(zip(frames, rows)):
    up = src == client(st, src, dst, sp, dp)
    n = seen.setdefault(st, [0, 0])
    n[0 if up else 1] += 1
    if (float(r['ctx.stream_pkts_up']), float(r['ctx.stream_pkts_down'])) != (n[0], n[1]):
        ctx_bad.append(i + 1)
print('%s: ctx.stream_pkts_up/down vs the tshark client: %s' % (sys.argv[4], 'ok' if not ctx_bad
      else 'MISMATCH on %d rows, first %d' % (len(ctx_bad), ctx_bad[0])))
ok = ok and not ctx_bad
bad = next((i for i in range(min(len(mine), len(ref))) if mine[i] != ref[i]), -1)
print('%s: extract --ids vs tshark SYN senders: %d rows, %d streams (%d with a SYN): %s'
      % (sys.argv[4], len(mine), len({r[0] for r in ref}), len(syn),
         'ok' if ok else 'MISMATCH (%d vs %d rows, first at row %d: %s vs %s)'
         % (len(mine), len(ref), bad + 1, mine[bad] if bad >= 0 else '-', ref[bad] if bad >= 0 else '-')))
sys.exit(0 if ok else 1)
PY
done
# watch --alert-by host on the generated capture: every packet alerts (--alert-all), so the
# host keys must be exactly the streams' clients
export SHARED
if [ -d "$SHARED/derived_from_pcap" ] && sh "$here/capture_train_model.sh" "$tmp/m.model"; then
    f=$tmp/client.pcap
    if ! tshark -r "$f" -Y tcp -T fields -E separator=, -e tcp.stream -e ip.src -e ip.dst -e tcp.srcport \
            -e tcp.dstport > "$tmp/frames.csv" 2>/dev/null ||
        ! tshark -r "$f" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -E separator=, -e tcp.stream \
            -e ip.src > "$tmp/syn.csv" 2>/dev/null; then
        echo "tshark failed"; exit 1
    fi
    "$MQTTIDS" watch -q -r "$f" -m "$tmp/m.model" --alert-by host --alert-all -o "$tmp/host.json" || exit 1
    /usr/bin/python3 - "$tmp/frames.csv" "$tmp/syn.csv" "$tmp/host.json" <<'PY' || rc=1
import json, sys
syn = {}
for l in open(sys.argv[2]):
    st, src = l.rstrip('\n').split(',')
    syn.setdefault(st, src)
want = set()
for l in open(sys.argv[1]):
    st, src, dst, sp, dp = l.rstrip('\n').split(',')
    want.add(syn[st] if st in syn else dst if sp == '1883' and dp != '1883' else src)
got = {json.loads(l)['group']['key'] for l in open(sys.argv[3]) if l.strip()}
print('watch --alert-by host --alert-all: host keys %s, tshark clients %s: %s'
      % (sorted(got), sorted(want), 'ok' if got == want else 'MISMATCH'))
sys.exit(0 if got == want else 1)
PY
else
    echo "no shared MQTTset data to train a model: watch --alert-by host not checked"
fi
exit $rc
