#!/usr/bin/env bash
# Hostile capture timestamps (issue 16 item 8): a pcapng stamp near 2^64 ns (the seconds
# times 1e9 overflowed int64: UBSan under the ASan build) and a pcap nanosecond field of
# 4e9 (alerts showed 7 fraction digits). Every alert of `watch --alert-all` must carry an
# ISO-8601 time with a four-digit year and six fraction digits; extract reads them too.
# Also: `stats` on a header-only CSV (memcpy from a NULL column: UBSan).
set -u
source "$(dirname "$0")/harden_common.sh"
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
harden_model
/usr/bin/python3 - "$SRCDIR/tests/integration" "$T" <<'PY'
import sys, struct
sys.path.insert(0, sys.argv[1])
from capture_gen_edge import Cap, Conn, A4, B4, connect, msg, write_pcapng, eth
t = sys.argv[2]
cap = Cap()
k = Conn(cap, A4, B4, 40031, 1883)
k.handshake(); k.send(0, connect('ts')); k.send(1, msg(0x20, b'\x00\x00')); k.send(0, msg(0xc0, b''))
pk = cap.pkts
huge = [(2**64 - 1 - 1000 * (len(pk) - i), p) for i, (ts, p) in enumerate(pk)]   # pcapng: 64-bit ns
write_pcapng(t + '/huge.pcapng', 1, huge, eth)
def pcapng_seconds(path, pkts):                                                   # if_tsresol 10^0: whole seconds
    def block(ty, body):
        body += b'\0' * ((4 - len(body) % 4) % 4)
        return struct.pack('<II', ty, len(body) + 12) + body + struct.pack('<I', len(body) + 12)
    with open(path, 'wb') as f:
        f.write(block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1)))
        opt = struct.pack('<HH', 9, 1) + b'\x00\0\0\0' + struct.pack('<HH', 0, 0)
        f.write(block(1, struct.pack('<HHI', 1, 0, 262144) + opt))
        for ts, p in pkts:
            d = eth(p)
            f.write(block(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff, len(d), len(d)) + d))
pcapng_seconds(t + '/seconds.pcapng', [(2**50 + i, p) for i, (ts, p) in enumerate(pk)])
with open(t + '/nsec.pcap', 'wb') as f:                                             # nsec field >= 1e9
    f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
    for i, (ts, p) in enumerate(pk):
        d = eth(p)
        f.write(struct.pack('<IIII', 0xFFFFFF00 + i, 4000000000 + i, len(d), len(d)) + d)
PY
for f in huge.pcapng seconds.pcapng nsec.pcap; do
  "$MQTTIDS" watch -r "$T/$f" -m "$T/m.model" --alert-all >"$T/alerts" 2>"$T/err"; rc=$?
  n=$(grep -c '"timestamp"' "$T/alerts")
  good=$(grep -cE '"timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+0000"' "$T/alerts")
  if [[ $rc -eq 0 && $n -eq 6 && $good -eq 6 ]]; then pass=$((pass+1))
  else fail=$((fail+1)); echo "FAIL: watch $f: exit $rc, $n alerts, $good well-formed"; head -c 300 "$T/alerts"; cat "$T/err"; fi
  "$MQTTIDS" extract -q -r "$T/$f" -o "$T/x.csv" 2>"$T/err" && [[ $(wc -l < "$T/x.csv") -eq 7 ]] \
    && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: extract $f"; cat "$T/err"; }
  # capture rows pass the validator every other source uses (read back as a CSV)
  "$MQTTIDS" stats -q "$T/x.csv" >/dev/null 2>"$T/err" && pass=$((pass+1)) \
    || { fail=$((fail+1)); echo "FAIL: extract $f: rows refused by the reader"; cat "$T/err"; }
done
head -1 "$D/flood_from_flood_pcap_head.csv" > "$T/header_only.csv"
"$MQTTIDS" stats -q "$T/header_only.csv" >/dev/null 2>"$T/err"; rc=$?
if [[ $rc -le 1 ]] && ! grep -q "runtime error" "$T/err"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: header-only stats"; cat "$T/err"; fi
harden_done
