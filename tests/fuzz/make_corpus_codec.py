#!/usr/bin/env python3
"""make_corpus_codec.py OUTDIR: seeds for fuzz_codec.c, Kafka record format v1
(docs/FORMATS.md): valid JSON and binary records (no extras, two extras, strings with
escapes, ids past 2^53) and records that break one rule each (the issue-16 cases)."""
import os, struct, sys, json
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
FEATS = ("tcp.flags tcp.time_delta tcp.len mqtt.conack.flags mqtt.conack.flags.reserved "
         "mqtt.conack.flags.sp mqtt.conack.val mqtt.conflag.cleansess mqtt.conflag.passwd mqtt.conflag.qos "
         "mqtt.conflag.reserved mqtt.conflag.retain mqtt.conflag.uname mqtt.conflag.willflag mqtt.conflags "
         "mqtt.dupflag mqtt.hdrflags mqtt.kalive mqtt.len mqtt.msg mqtt.msgid mqtt.msgtype mqtt.proto_len "
         "mqtt.protoname mqtt.qos mqtt.retain mqtt.sub.qos mqtt.suback.qos mqtt.ver mqtt.willmsg "
         "mqtt.willmsg_len mqtt.willtopic mqtt.willtopic_len").split()
STR = [0, 3, 14, 16, 19, 23, 29, 31]
def rec(**kw):
    r = {f: 0 for f in FEATS}
    r.update({'tcp.flags': '0x00000018', 'tcp.time_delta': 6.7e-05, 'tcp.len': 16, 'mqtt.hdrflags': '0x00000010',
              'mqtt.msgtype': 1, 'mqtt.protoname': 'MQTT', 'mqtt.len': 14, 'mqtt.kalive': 60, 'mqtt.ver': 4})
    r.update(kw)
    return r
def js(r, rid=1, target='dos', extra=None):
    o = {'v': 1, 'id': rid}
    o.update(r)
    if target is not None:
        o['target'] = target
    o.update(extra or {})
    return json.dumps(o, separators=(',', ':'), ensure_ascii=False).encode()
def w(name, blob):
    open(os.path.join(out, name), 'wb').write(blob)
def hexval(v):
    return int(v, 16) if isinstance(v, str) else v
def binrec(r, rid=1, label=1, extras=()):
    b = b'MQR\x01' + struct.pack('<QBBH', rid, label, 8, len(extras))
    for f in FEATS:
        v = r[f]
        if FEATS.index(f) in STR:
            v = hexval(v) if FEATS.index(f) not in (19, 23, 29, 31) else (0 if v in (0, '0') else 1)
        b += struct.pack('<d', float(v))
    for i in STR:
        v = r[FEATS[i]]
        if v == 0:
            b += struct.pack('<I', 0xffffffff)
        else:
            s = str(v).encode()
            b += struct.pack('<I', len(s)) + s
    for x in extras:
        b += struct.pack('<d', x)
    return b
w('json_connect', js(rec()))
w('json_publish', js(rec(**{'mqtt.msgtype': 3, 'mqtt.msg': '48656c6c6f', 'mqtt.qos': 1, 'mqtt.msgid': 7}), 2, 'flood'))
w('json_extras', js(rec(), 3, None, {'ctx.a': 1.5, 'ctx.b': 0}))
w('json_escapes', js(rec(**{'mqtt.willtopic': 'a"b\\c\n\u00e9\U0001F600', 'mqtt.willmsg': '\t'}), 4))
w('json_bigid', js(rec(), 18446744073709551615))
w('json_spaces', b' { "v" : 1 , "id" : 5 , ' + js(rec())[14:])
w('bin_connect', binrec(rec()))
w('bin_extras', binrec(rec(), 9, 255, (0.25, 3.0)))
w('bin_strings', binrec(rec(**{'mqtt.willtopic': 'w/t', 'mqtt.willmsg': 'bye', 'mqtt.msg': 'abcdef'}), 10))
for i, (f, v) in enumerate([('mqtt.qos', 7), ('tcp.len', -5), ('tcp.len', 70000), ('tcp.len', 1.5),
                            ('mqtt.msgtype', 99), ('mqtt.dupflag', 2), ('mqtt.hdrflags', '0x1000'),
                            ('mqtt.msg', 'zz'), ('tcp.time_delta', None), ('tcp.time_delta', 'nan'),
                            ('mqtt.protoname', 'MQ\u0000T'), ('mqtt.len', None)]):
    w('json_bad_%02d' % i, js(rec(**{f: v})))
w('json_bad_inf', js(rec()).replace(b'"tcp.len":16', b'"tcp.len":1e999'))
w('json_bad_utf8', js(rec()).replace(b'"MQTT"', b'"MQ\xff"'))
w('bin_bad_nan', binrec(rec(**{'tcp.time_delta': float('nan')})))
w('bin_truncated', binrec(rec())[:100])
