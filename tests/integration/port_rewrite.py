#!/usr/bin/python3
"""port_rewrite.py IN.pcap OUT.pcap FROM TO: rewrites TCP port FROM to TO (both ends) in a
classic little-endian pcap (Ethernet, Linux cooked or raw IP; IPv4/IPv6), fixing the TCP
checksum incrementally (RFC 1624). Makes a capture whose broker runs on another port."""
import struct
import sys

src, dst, old, new = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = bytearray(open(src, 'rb').read())
if data[:4] != b'\xd4\xc3\xb2\xa1':
    sys.exit('port_rewrite: %s: not a little-endian microsecond pcap (convert with editcap -F pcap)' % src)
link = struct.unpack_from('<I', data, 20)[0]
l2 = {1: 14, 113: 16, 101: 0, 228: 0}.get(link)
if l2 is None:
    sys.exit('port_rewrite: link type %d not handled' % link)


def fold(x):
    while x >> 16:
        x = (x & 0xffff) + (x >> 16)
    return x


off, changed = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack_from('<I', data, off + 8)[0]
    p = off + 16
    end = p + incl
    off = end
    q = p + l2
    if q + 20 > end:
        continue
    ver = data[q] >> 4
    if ver == 4 and data[q + 9] == 6:
        t = q + (data[q] & 15) * 4
    elif ver == 6 and data[q + 6] == 6:
        t = q + 40
    else:
        continue
    if t + 18 > end:
        continue
    for k in (0, 2):
        if struct.unpack_from('>H', data, t + k)[0] == old:
            struct.pack_into('>H', data, t + k, new)
            ck = struct.unpack_from('>H', data, t + 16)[0]
            ck = ~fold((~ck & 0xffff) + (~old & 0xffff) + new) & 0xffff
            struct.pack_into('>H', data, t + 16, ck)
            changed += 1
open(dst, 'wb').write(data)
print('%d ports rewritten' % changed)
