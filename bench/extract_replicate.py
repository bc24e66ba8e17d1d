#!/usr/bin/env python3
"""extract_replicate.py OUT.pcap REPS PCAP... | OUT.pcap REPS --heads DIR: a bigger capture for
bench/extract.sh and bench/context.sh. Concatenates the given Ethernet pcaps (classic pcap, ns
or us) REPS times; every copy is shifted in time after the previous one and gets its own
client/broker addresses (the last IPv4 byte of each host is offset per copy), so copies are
separate TCP streams, like one broker with more clients. Checksums are not fixed (neither
tool checks them). --heads DIR: the pcaps are the four Ethernet MQTTset heads in DIR
(bruteforce, malariados, malformed, slowite), converted by editcap to classic pcap."""
import glob, os, shutil, struct, subprocess, sys, tempfile
out, reps, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
tmp = None
if paths[:1] == ["--heads"]:
    tmp = tempfile.mkdtemp()
    heads = paths[1]
    paths = []
    for n in ("bruteforce", "malariados", "malformed", "slowite"):
        p = os.path.join(tmp, n + ".pcap")
        subprocess.run(["editcap", "-F", "nsecpcap", sorted(glob.glob(os.path.join(heads, n + "-head.pcap*")))[0], p],
                       check=True)
        paths.append(p)
files = []
for p in paths:
    d = open(p, 'rb').read()
    magic = struct.unpack('<I', d[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), p
    scale = 1 if magic == 0xa1b23c4d else 1000
    assert struct.unpack('<I', d[20:24])[0] == 1, 'Ethernet only: ' + p
    recs, off = [], 24
    while off + 16 <= len(d):
        s, f, cl, ol = struct.unpack('<IIII', d[off:off + 16])
        recs.append((s * 10**9 + f * scale, d[off + 16:off + 16 + cl], ol))
        off += 16 + cl
    files.append(recs)
with open(out, 'wb') as w:
    w.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
    t = 0
    for r in range(reps):
        for recs in files:
            base = recs[0][0]
            for ts, pkt, ol in recs:
                b = bytearray(pkt)
                if len(b) >= 34 and b[12:14] == b'\x08\x00':
                    b[29] = (b[29] + r) & 0xff   # src address, last byte
                    b[33] = (b[33] + r) & 0xff   # dst address, last byte
                nt = t + ts - base
                w.write(struct.pack('<IIII', nt // 10**9, nt % 10**9, len(b), ol) + bytes(b))
            t += recs[-1][0] - base + 10**9
if tmp:
    shutil.rmtree(tmp)
