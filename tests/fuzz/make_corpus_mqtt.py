#!/usr/bin/env python3
"""make_corpus_mqtt.py OUTDIR: seeds for fuzz_mqtt.c from the generated edge-case captures
(tests/integration/capture_gen_edge.py): mode 1 (Ethernet/SLL2/raw packets), mode 2 (the TCP
payloads as synthesized segments) and mode 0 (single MQTT messages of each type/version)."""
import os, struct, sys, runpy
out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
gen = runpy.run_path(os.path.join(here, '..', 'integration', 'capture_gen_edge.py'), run_name='gen')
os.makedirs(out, exist_ok=True)
pk = gen['build']().pkts
def w(name, blob):
    open(os.path.join(out, name), 'wb').write(blob)
for li, (lt, wrap) in enumerate([(0, gen['eth']), (2, gen['sll2']), (3, lambda p: p)]):
    for part in range(0, len(pk), 25):
        blob = bytes([1, lt]) + b''.join(struct.pack('!H', len(wrap(p))) + wrap(p) for _, p in pk[part:part + 25])
        w('pkts_%d_%03d' % (lt, part), blob)
# mode 1 with frames cut by a snap length (captured shorter than the IP length says)
for cut in (60, 100, 300):
    blob = bytes([1, 0]) + b''.join(struct.pack('!H', min(len(gen['eth'](p)), cut)) + gen['eth'](p)[:cut]
                                    for _, p in pk[:60])
    w('snap_%d' % cut, blob)
# mode 2: the TCP payloads of the first connection in order, client/server alternating as captured
segs = []
for _, p in pk[:40]:
    if p[0] >> 4 != 4:
        continue
    ihl = (p[0] & 15) * 4
    t = p[ihl:]
    data = t[(t[12] >> 4) * 4:]
    d = 0 if struct.unpack('!H', t[2:4])[0] == 1883 else 1
    segs.append(bytes([d | ((t[13] & 0x07) << 1), 0]) + struct.pack('!H', len(data)) + data)
for k in range(0, len(segs), 8):
    w('tcp_%03d' % k, bytes([2, 0]) + b''.join(segs[k:k + 8]))
# mode 0: single messages
msgs = {
    'connect311': gen['connect']('c', will=('w', b'x'), user='u', pw='p'),
    'connect5': gen['connect']('c5', ver=5, props=b'\x11\x00\x00\x00\x3c', will=('w', b'x'), wprops=b'\x18\x00\x00\x00\x01'),
    'connect31': gen['connect']('c3', ver=3, proto='MQIsdp'),
    'publish_q1': gen['publish']('t', b'hello', qos=1, mid=7),
    'publish5': gen['publish']('t', b'x', qos=2, mid=1, props=b'\x03\x00\x02ab\x26\x00\x01k\x00\x01v'),
    'subscribe': gen['msg'](0x82, b'\x00\x01\x00\x01a\x01\x00\x01b\x02'),
    'suback': gen['msg'](0x90, b'\x00\x01\x00\x01'),
    'connack': gen['msg'](0x20, b'\x01\x05'),
    'varint10': b'\x30' + b'\xff' * 10 + b'\x00\x01t',
}
for i, (name, m) in enumerate(msgs.items()):
    w('mqtt_%s' % name, bytes([0, (i % 3) + 3]) + m)
