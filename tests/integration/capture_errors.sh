#!/bin/sh
# Truncated and corrupt captures: `mqttids extract` must fail (exit 1), write no output
# file, and name the file and the packet number. The expected packet numbers are found by
# walking the pcap records here in Python, independently of libpcap. Env: MQTTIDS, SHARED.
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
src="$SHARED/pcap_l-laura/flood-head.pcap"
[ -f "$src" ] || { echo "no shared MQTTset data: skip"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$src" "$tmp" <<'PY' || exit 1
import struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
# walk the pcapng blocks: the k-th Enhanced Packet Block (type 6) is packet k
off, epbs, tsres = 0, [], 10**6
while off + 12 <= len(data):
    btype, blen = struct.unpack('<II', data[off:off + 8])
    if btype == 1:  # interface description: look for if_tsresol (option 9)
        o2 = off + 16
        while o2 + 4 <= off + blen - 4:
            code, olen = struct.unpack('<HH', data[o2:o2 + 4])
            if code == 0:
                break
            if code == 9:
                r = data[o2 + 4]
                tsres = 2 ** (r & 0x7f) if r & 0x80 else 10 ** r
            o2 += 4 + olen + (-olen % 4)
    if btype == 6:
        epbs.append((off, blen, data[off + 8:off + 28], data[off + 28:off + 28 + struct.unpack('<I', data[off + 20:off + 24])[0]]))
    off += blen
assert len(epbs) == 56, len(epbs)
def save(name, blob, expect):
    open(out + '/' + name, 'wb').write(blob)
    open(out + '/' + name.rsplit('.', 1)[0] + '.expect', 'w').write(expect)
# pcapng: cut inside packet 7's data, inside packet 12's block header; packet 20's block
# length made absurd
at = lambda k, o: 'packet %d (record at byte offset %d)' % (k, o)
o, bl, _, _ = epbs[6]
save('ng_trunc_data.pcap', data[:o + bl // 2], at(7, o))
o, bl, _, _ = epbs[11]
save('ng_trunc_hdr.pcap', data[:o + 5], at(12, o))
o, bl, _, _ = epbs[19]
b = bytearray(data); b[o + 4:o + 8] = struct.pack('<I', 0x7ffffff0)
save('ng_corrupt_len.pcap', bytes(b), at(20, o))
# the same packets as a classic pcap (link type 113), cut and corrupted the same way
cls = bytearray(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 262144, 113))
recs = []
for o, bl, hdr, pkt in epbs:
    ts = (struct.unpack('<I', hdr[4:8])[0] << 32) | struct.unpack('<I', hdr[8:12])[0]
    ts = ts * 10**9 // tsres
    recs.append(len(cls))
    cls += struct.pack('<IIII', ts // 10**9, ts % 10**9, len(pkt), struct.unpack('<I', hdr[16:20])[0]) + pkt
cls = bytes(cls)
save('pcap_ok.pcap', cls, '')
save('pcap_trunc_data.pcap', cls[:recs[6] + 16 + 10], at(7, recs[6]))
save('pcap_trunc_hdr.pcap', cls[:recs[11] + 5], at(12, recs[11]))
b = bytearray(cls); b[recs[19] + 8:recs[19] + 12] = struct.pack('<I', 0x7fffffff)
save('pcap_corrupt_len.pcap', bytes(b), at(20, recs[19]))
# not a capture at all, and a cut file header
save('not_pcap.pcap', b'tcp.flags,tcp.time_delta\n0x00000018,0.0\n', 'not a readable pcap')
save('trunc_filehdr.pcap', data[:10], 'not a readable pcap')
PY
rc=0
# the classic-pcap copy itself is fine and gives the same rows as the pcapng original
"$MQTTIDS" extract -q -r "$tmp/pcap_ok.pcap" -o "$tmp/a.csv" && "$MQTTIDS" extract -q -r "$src" -o "$tmp/b.csv" &&
    cmp -s "$tmp/a.csv" "$tmp/b.csv" || { echo "FAIL: pcap copy differs from the pcapng original"; rc=1; }
rm -f "$tmp/pcap_ok.pcap" "$tmp/a.csv" "$tmp/b.csv"
for f in "$tmp"/*.pcap; do
    want=$(cat "${f%.pcap}.expect")
    "$MQTTIDS" extract -q -r "$f" -o "$tmp/out.csv" 2> "$tmp/err"
    code=$?
    msg=$(cat "$tmp/err")
    if [ $code -ne 1 ]; then echo "FAIL $(basename "$f"): exit $code, want 1"; rc=1; fi
    case "$msg" in *"$f"*"$want"*) ;; *) echo "FAIL $(basename "$f"): message '$msg' lacks path + '$want'"; rc=1;; esac
    if [ -e "$tmp/out.csv" ]; then echo "FAIL $(basename "$f"): output file left behind"; rc=1; rm -f "$tmp/out.csv"; fi
    ls "$tmp" | grep -q 'out.csv.tmp' && { echo "FAIL: temp file left behind"; rc=1; }
    echo "checked $(basename "$f"): $msg"
done
exit $rc
