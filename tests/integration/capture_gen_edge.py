#!/usr/bin/env python3
"""Writes small captures that exercise the subtle tshark/MQTT cases, one file per link type.

usage: capture_gen_edge.py OUTDIR
Writes OUTDIR/edge_eth.pcap (Ethernet, IPv4 + IPv6, every case below), edge_sll.pcap (Linux
cooked), edge_sll2.pcap (SLL2), edge_raw.pcap (raw IP), edge_vlan.pcap (802.1Q), edge_null.pcap
(BSD loopback), edge_eth.pcapng (pcapng, ns stamps), edge_numeric.pcap (column types),
edge_snap{66,100,300}.pcap (Ethernet cut by a snap length), edge_icmp.pcap (ICMP and
ICMPv6 errors quoting TCP segments).
The expected rows are NOT made here: the test runs tshark + emulate_mqttset.py on the files.

Cases: handshake; CONNECT 3.1.1 with will/user/password; CONNACK; a PUBLISH split over three
segments; several messages in one segment (PUBACK then PUBLISH: first occurrence per field);
QoS 1/2 flows; SUBSCRIBE with several topics; UNSUBSCRIBE; PINGREQ; DISCONNECT; a data
retransmission; spurious and fast retransmissions; an out-of-order segment; a 1-byte tail (one more segment); truncated and
malformed messages; CONNACK/SUBACK before any CONNECT (version unknown); MQTT 3.1 (MQIsdp);
MQTT 5 with properties; IPv6; a non-MQTT port; port reuse with a new SYN (new stream);
digit-only will messages (numeric column types); control bytes, invalid UTF-8 and quotes in
strings.
"""
import struct, sys, os

def csum(b):
    return 0  # tshark does not check checksums by default

def ipv4(src, dst, payload, ident=1):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0x4000, 64, 6, 0,
                    bytes(src), bytes(dst))
    return h + payload

def ipv6(src, dst, payload):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), 6, 64, bytes(src), bytes(dst)) + payload

def tcp(sport, dport, seq, ack, flags, payload=b'', win=502):
    return struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, win, 0, 0) + payload

def rlen(n):
    out = b''
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            out += bytes([b])
            return out

def s16(s):
    if isinstance(s, str):
        s = s.encode()
    return struct.pack('!H', len(s)) + s

def msg(hdr, body):
    return bytes([hdr]) + rlen(len(body)) + body

def connect(client, ver=4, proto='MQTT', flags=0x02, kalive=60, will=None, user=None, pw=None, props=b'', wprops=b''):
    if will:
        flags |= 0x04
    if user is not None:
        flags |= 0x80
    if pw is not None:
        flags |= 0x40
    body = s16(proto) + bytes([ver, flags]) + struct.pack('!H', kalive)
    if ver == 5:
        body += rlen(len(props)) + props
    body += s16(client)
    if will:
        if ver == 5:
            body += rlen(len(wprops)) + wprops
        body += s16(will[0]) + s16(will[1])
    if user is not None:
        body += s16(user)
    if pw is not None:
        body += s16(pw)
    return msg(0x10, body)

def publish(topic, payload, qos=0, mid=1, retain=0, dup=0, props=None):
    body = s16(topic)
    if qos:
        body += struct.pack('!H', mid)
    if props is not None:
        body += rlen(len(props)) + props
    return msg(0x30 | (dup << 3) | (qos << 1) | retain, body + payload)

class Cap:
    def __init__(self):
        self.pkts = []  # (ts_ns, ip packet bytes)
        self.t = 1592812177 * 10**9

    def add(self, ippkt, dt_us=100):
        self.t += dt_us * 1000
        self.pkts.append((self.t, ippkt))

class Conn:
    """One TCP connection: client c (port cp) to server s (port sp)."""
    def __init__(self, cap, c, s, cp, sp, v6=False, isn_c=1000, isn_s=5000):
        self.cap, self.c, self.s, self.cp, self.sp, self.v6 = cap, c, s, cp, sp, v6
        self.seq = {0: isn_c, 1: isn_s}

    def ip(self, d, payload):
        src, dst = (self.c, self.s) if d == 0 else (self.s, self.c)
        return ipv6(src, dst, payload) if self.v6 else ipv4(src, dst, payload)

    def send(self, d, data=b'', flags=0x18, dt=100, seq=None, advance=True, ack=None, win=502):
        sport, dport = (self.cp, self.sp) if d == 0 else (self.sp, self.cp)
        s = self.seq[d] if seq is None else seq
        a = self.seq[1 - d] if ack is None else ack
        self.cap.add(self.ip(d, tcp(sport, dport, s, a, flags, data, win)), dt)
        if advance and seq is None:
            self.seq[d] += len(data) + (1 if flags & 0x03 else 0)
        return s

    def handshake(self):
        self.send(0, flags=0x02, ack=0)
        self.send(1, flags=0x12, dt=50)
        self.send(0, flags=0x10, dt=30)

    def close(self):
        self.send(0, flags=0x11)
        self.send(1, flags=0x11)
        self.send(0, flags=0x10)

A4 = [10, 0, 0, 1]; B4 = [10, 0, 0, 2]; C4 = [10, 0, 0, 3]
A6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]; B6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2]

def build():
    cap = Cap()
    # 1: MQTT 3.1.1, the common flows
    k = Conn(cap, A4, B4, 40001, 1883)
    k.handshake()
    k.send(0, connect('edge-client', will=('will/topic', b'bye'), user='alice', pw='secret'))
    k.send(1, msg(0x20, b'\x00\x00'))
    k.send(0, flags=0x10)
    big = publish('sensors/temp', b'x' * 3000)
    k.send(0, big[:1400], flags=0x10)           # split over three segments
    k.send(0, big[1400:2800], flags=0x10)
    k.send(0, big[2800:] + msg(0xc0, b''))       # ends the PUBLISH, then a PINGREQ
    k.send(1, msg(0x40, b'\x00\x07') + publish('a/b', b'hello', qos=1, mid=9))  # PUBACK then PUBLISH
    k.send(0, publish('q2', b'2', qos=2, mid=3))
    k.send(1, msg(0x50, b'\x00\x03'))
    k.send(0, msg(0x62, b'\x00\x03'))
    k.send(1, msg(0x70, b'\x00\x03'))
    k.send(0, msg(0x82, b'\x00\x04' + s16('t/1') + b'\x01' + s16('t/2') + b'\x02'))
    k.send(1, msg(0x90, b'\x00\x04\x01\x02'))
    k.send(0, msg(0xa2, b'\x00\x05' + s16('t/1')))
    k.send(1, msg(0xb0, b'\x00\x05'))
    # retransmission of a data segment (well after the original: > 3 ms)
    s = k.send(0, publish('r', b'orig', retain=1))
    k.send(0, publish('r', b'orig', retain=1), seq=s, dt=250000)
    # out-of-order: a later segment first, then the earlier one within 3 ms
    p1 = publish('o', b'one'); p2 = publish('o', b'two')
    s1 = k.seq[0]
    k.send(0, p2, seq=s1 + len(p1), dt=100)
    k.send(0, p1, seq=s1, dt=100)
    k.seq[0] = s1 + len(p1) + len(p2)
    # spurious retransmission: data already ACKed by the broker, sent again (tshark: dissected)
    s = k.send(0, publish('sp', b'1'))
    k.send(1, flags=0x10, dt=100)
    k.send(0, publish('sp', b'1'), seq=s, dt=250000)
    # fast retransmission: a segment missing from the capture, 3 duplicate ACKs, then it comes
    # within 20 ms (tshark: dissected)
    f1 = publish('fast', b'one'); f2 = publish('fast', b'two')
    s1 = k.seq[0]
    k.send(0, f2, seq=s1 + len(f1), dt=100)
    for _ in range(3):
        k.send(1, flags=0x10, ack=s1, dt=50)
    k.send(0, f1, seq=s1, dt=1000)
    k.seq[0] = s1 + len(f1) + len(f2)
    # TCP keep-alives: zero bytes and one byte at the previous sequence number (not
    # retransmissions, so the one byte goes to MQTT), then a PINGREQ
    k.send(0, b'', flags=0x10, seq=k.seq[0] - 1, dt=5000)
    k.send(1, flags=0x10)
    k.send(0, b'\x00', flags=0x10, seq=k.seq[0] - 1, dt=5000)
    k.send(1, flags=0x10)
    k.send(0, msg(0xc0, b''))
    k.send(1, msg(0xd0, b''))
    # zero window: the broker advertises window 0, the client probes with one byte (the first
    # byte of a PUBLISH), the window opens, the rest follows
    zp = publish('zw', b'probe')
    k.send(1, flags=0x10, win=0)
    k.send(0, zp[:1], flags=0x10, dt=3000, advance=False)
    k.send(1, flags=0x10)
    k.send(0, zp, dt=100)
    # a partly overlapping segment: old bytes + new ones (not advancing at its start)
    ov1 = publish('ov', b'A' * 20); ov2 = publish('ov', b'B')
    s0 = k.send(0, ov1[:15])
    k.send(0, ov1[10:] + ov2, seq=s0 + 10, dt=100)
    k.seq[0] = s0 + len(ov1) + len(ov2)
    k.send(0, msg(0xc0, b''))
    # a message whose first byte comes alone (fewer than 2 bytes: one more segment)
    pp = publish('one', b'byte')
    k.send(0, pp[:1])
    k.send(0, pp[1:])
    # the remaining-length field cut after its first byte (tshark: exception, no reassembly)
    pl = publish('long', b'L' * 200)
    k.send(0, pl[:2])
    k.send(0, pl[2:])
    # malformed: CONNACK too short, PUBLISH topic running past the end, SUBSCRIBE cut
    k.send(1, msg(0x20, b'\x00'))
    k.send(0, msg(0x30, b'\x00\x20abc'))
    k.send(0, msg(0x82, b'\x00\x06' + b'\x00\x05ab'))
    k.send(0, msg(0x30, b'\x00\x01t'))                 # PUBLISH with an empty payload
    k.send(0, msg(0xf0, b'\x00'))                      # AUTH type outside 3.1.1
    k.send(0, msg(0xe0, b''))                           # DISCONNECT
    k.close()
    # 2: messages before any CONNECT (protocol level unknown)
    k = Conn(cap, C4, B4, 40002, 1883)
    k.handshake()
    k.send(1, msg(0x20, b'\x01\x00'))
    k.send(1, msg(0x90, b'\x00\x01\x00'))
    k.send(0, msg(0x82, b'\x00\x01' + s16('x') + b'\x00'))
    k.close()
    # 3: MQTT 3.1 (MQIsdp, level 3)
    k = Conn(cap, A4, B4, 40003, 1883)
    k.handshake()
    k.send(0, connect('old', ver=3, proto='MQIsdp', kalive=30))
    k.send(1, msg(0x20, b'\x00\x02'))
    k.send(0, msg(0x8a, b'\x00\x02' + s16('t') + b'\x01'))  # SUBSCRIBE dup=1 qos=1 (3.1 shows them)
    k.send(1, msg(0x90, b'\x00\x02\x01'))
    k.send(0, msg(0x62, b'\x00\x02'))
    k.close()
    # 4: MQTT 5 with properties
    k = Conn(cap, A4, B4, 40004, 1883)
    k.handshake()
    props = b'\x11\x00\x00\x00\x3c' + b'\x21\x00\x0a' + b'\x26' + s16('k') + s16('v')
    k.send(0, connect('v5', ver=5, props=props, will=('w5', b'gone'), wprops=b'\x18\x00\x00\x00\x05'))
    k.send(1, msg(0x20, b'\x01\x00' + b'\x03\x22\x00\x0a'))
    k.send(0, publish('v5/t', b'payload5', qos=1, mid=11, props=b'\x01\x01\x23\x00\x02'))
    k.send(1, msg(0x40, b'\x00\x0b\x10\x00'))
    k.send(0, msg(0x82, b'\x00\x0c\x00' + s16('v5/#') + b'\x15'))
    k.send(1, msg(0x90, b'\x00\x0c\x00\x01'))
    k.send(0, msg(0x30, b'\x00\x04v5/x\x09\x26'))      # properties longer than the message
    k.send(0, msg(0xe0, b'\x00\x00'))
    k.close()
    # 5: IPv6
    k = Conn(cap, A6, B6, 40005, 1883, v6=True)
    k.handshake()
    k.send(0, connect('six'))
    k.send(1, msg(0x20, b'\x00\x00'))
    k.send(0, publish('six/t', b'12345'))
    k.close()
    # 6: other ports are not MQTT (8883 is TLS, left alone)
    k = Conn(cap, A4, B4, 40006, 8883)
    k.handshake()
    k.send(0, connect('tls'))
    k.close()
    # 7: port reuse: same 4-tuple, new SYN with another ISN (a new stream, time delta from 0)
    k = Conn(cap, A4, B4, 40007, 1883, isn_c=100, isn_s=200)
    k.handshake()
    k.send(0, connect('first'))
    k.close()
    k = Conn(cap, A4, B4, 40007, 1883, isn_c=900000, isn_s=700000)
    k.handshake()
    k.send(0, connect('second', will=('n', b'42')))   # digit-only will message
    k.close()
    # 8: strings as tshark prints them: \b \t \n \f \r escaped, other control bytes raw,
    # invalid UTF-8 as U+FFFD, a NUL ends the string, quotes (csv-quoted by the emulation)
    k = Conn(cap, C4, B4, 40008, 1883)
    k.handshake()
    for pn in [b'MQ\x01TT', b'a\tb\nc\rd\x08e\x0cf\x0bg', b'a\\b', '\u00e9'.encode(), b'\xff\xfeX',
               b'x\x7fy', b'q"q', b'a\x00b']:
        k.send(0, connect('s', proto=pn, will=(pn, b'w')))
    k.close()
    return cap

def build_numeric():
    # a file whose will topic/message are digit-only and never in most rows: pandas makes
    # those columns float ("123.0"); a file where every TCP packet carries MQTT makes
    # mqtt.len an integer column. Exercises the per-file column types.
    cap = Cap()
    k = Conn(cap, A4, B4, 41000, 1883)
    k.send(0, connect('n1', will=('123', b'42')))
    k.send(1, msg(0x20, b'\x00\x00'))
    k.send(0, publish('7', b'', qos=0))
    return cap

def icmp4(src, dst, typ, code, quoted):
    body = struct.pack('!BBHI', typ, code, 0, 0) + quoted
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(body), 7, 0, 64, 1, 0, bytes(src), bytes(dst)) + body

def icmp6(src, dst, typ, code, quoted):
    body = struct.pack('!BBHI', typ, code, 0, 0) + quoted
    return struct.pack('!IHBB16s16s', 0x60000000, len(body), 58, 64, bytes(src), bytes(dst)) + body

def build_icmp():
    # ICMP errors quoting a TCP segment of a live stream (issue 16): tshark prints a row
    # for each, in the quoted segment's stream (flags, time delta, MQTT of the quoted
    # bytes, no tcp.len); an 8-byte quote (ports and sequence only) is a row of zeros.
    cap = Cap()
    R4 = [10, 0, 0, 9]; R6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [9]
    k = Conn(cap, A4, B4, 40021, 1883)
    k.handshake()
    k.send(0, connect('icmp4'))
    k.send(1, msg(0x20, b'\x00\x00'))
    ping = ipv4(A4, B4, tcp(40021, 1883, k.seq[0], k.seq[1], 0x18, msg(0xc0, b'')))
    cap.add(icmp4(R4, A4, 3, 1, ping[:28]))                    # host unreachable, 8 bytes of TCP
    cap.add(icmp4(R4, A4, 3, 3, ping))                         # port unreachable, the whole segment
    pub = ipv4(A4, B4, tcp(40021, 1883, k.seq[0], k.seq[1], 0x18, publish('t/x', b'hello', qos=1, mid=3)))
    cap.add(icmp4(R4, A4, 3, 4, pub))                          # fragmentation needed: a PUBLISH
    cap.add(icmp4(R4, B4, 11, 0, ipv4(B4, A4, tcp(1883, 40021, k.seq[1], k.seq[0], 0x10))))  # time exceeded
    cap.add(icmp4(R4, A4, 3, 1, ipv4(A4, B4, tcp(40099, 1883, 77, 0, 0x02))))  # quotes an unseen stream
    k.send(0, msg(0xc0, b''))
    k.send(1, msg(0xd0, b''))
    k6 = Conn(cap, A6, B6, 40022, 1883, v6=True)
    k6.handshake()
    k6.send(0, connect('icmp6'))
    q = ipv6(A6, B6, tcp(40022, 1883, k6.seq[0], k6.seq[1], 0x18, msg(0xe0, b'')))
    cap.add(icmp6(R6, A6, 1, 4, q))                            # ICMPv6 port unreachable
    cap.add(icmp6(R6, A6, 3, 0, q[:48]))                       # ICMPv6 time exceeded, 8 bytes of TCP
    k6.send(0, msg(0xc0, b''))
    return cap

def write_pcap(path, linktype, pkts, wrap, snap=262144):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, snap, linktype))
        for ts, p in pkts:
            d = wrap(p)
            c = d[:snap]  # cut by the snap length: captured < on the wire
            f.write(struct.pack('<IIII', ts // 10**9, ts % 10**9, len(c), len(d)) + c)

def write_pcapng(path, linktype, pkts, wrap):
    def block(t, body):
        body += b'\0' * ((4 - len(body) % 4) % 4)
        return struct.pack('<II', t, len(body) + 12) + body + struct.pack('<I', len(body) + 12)
    with open(path, 'wb') as f:
        f.write(block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1)))
        opt = struct.pack('<HH', 9, 1) + b'\x09\0\0\0' + struct.pack('<HH', 0, 0)
        f.write(block(1, struct.pack('<HHI', linktype, 0, 262144) + opt))
        for ts, p in pkts:
            d = wrap(p)
            f.write(block(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff, len(d), len(d)) + d))

def eth(p):
    et = 0x86dd if p[0] >> 4 == 6 else 0x0800
    return b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01' + struct.pack('!H', et) + p

def vlan(p):
    et = 0x86dd if p[0] >> 4 == 6 else 0x0800
    return b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01' + struct.pack('!HHH', 0x8100, 42, et) + p

def bsdloop(p):
    return struct.pack('<I', 24 if p[0] >> 4 == 6 else 2) + p

def sll(p):
    et = 0x86dd if p[0] >> 4 == 6 else 0x0800
    return struct.pack('!HHH8sH', 0, 772, 6, b'\0' * 8, et) + p

def sll2(p):
    et = 0x86dd if p[0] >> 4 == 6 else 0x0800
    return struct.pack('!HHIHBB8s', et, 0, 1, 772, 0, 6, b'\0' * 8) + p

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    pk = build().pkts
    write_pcap(os.path.join(out, 'edge_eth.pcap'), 1, pk, eth)
    write_pcap(os.path.join(out, 'edge_sll.pcap'), 113, pk, sll)
    write_pcap(os.path.join(out, 'edge_sll2.pcap'), 276, pk, sll2)
    write_pcap(os.path.join(out, 'edge_raw.pcap'), 101, pk, lambda p: p)
    write_pcap(os.path.join(out, 'edge_vlan.pcap'), 1, pk, vlan)
    write_pcap(os.path.join(out, 'edge_null.pcap'), 0, pk, bsdloop)
    write_pcapng(os.path.join(out, 'edge_eth.pcapng'), 1, pk, eth)
    write_pcap(os.path.join(out, 'edge_numeric.pcap'), 1, build_numeric().pkts, eth)
    write_pcap(os.path.join(out, 'edge_icmp.pcap'), 1, build_icmp().pkts, eth)
    # snap lengths: IPv6 TCP headers cut (66), payloads cut (100, 300)
    for snap in (66, 100, 300):
        write_pcap(os.path.join(out, 'edge_snap%d.pcap' % snap), 1, pk, eth, snap)

if __name__ == '__main__':
    main()
