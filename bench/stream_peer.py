#!/usr/bin/env python3
"""The peer of bench/stream.sh: the study's stack (Python + a Kafka client) doing the
detector's job on the same mock cluster: a consumer-group member (confluent-kafka, the
same librdkafka underneath) that json-decodes each record, takes its class (the
label, as 'mqttids stream detect --model none' does), produces a JSON alert for every
non-legitimate record, and commits offsets only after the alerts are flushed.

usage: stream_peer.py BROKERS TOPIC GROUP N    -> prints one JSON line of figures
"""
import json, sys, time
from confluent_kafka import Consumer, Producer

def main():
    brokers, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    c = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    p = Producer({"bootstrap.servers": brokers, "linger.ms": 5, "batch.num.messages": 10000,
                  "queue.buffering.max.messages": 1000000})
    c.subscribe([topic])
    got = alerted = 0
    t0 = None
    while got < n:
        msgs = c.consume(num_messages=256, timeout=0.05)
        for m in msgs:
            if m.error():
                continue
            if t0 is None:
                t0 = time.time()
            got += 1
            try:
                rec = json.loads(m.value())
            except ValueError:
                continue
            cls = rec.get("target", "unknown")
            if cls != "legitimate":
                alert = {"v": 1, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "id": rec["id"],
                         "flow": (m.key() or b"").decode(), "class": cls, "probability": None, "model": "none",
                         "topic": topic, "partition": m.partition(), "offset": m.offset()}
                while True:
                    try:
                        p.produce(topic + ".peer-alerts", json.dumps(alert).encode(), m.key())
                        break
                    except BufferError:
                        p.poll(0.01)
                alerted += 1
        p.poll(0)
        if msgs:
            p.flush()          # alerts acknowledged...
            c.commit(asynchronous=True)  # ...then the offsets
    p.flush()
    try:
        c.commit(asynchronous=False)
    except Exception:  # nothing new to commit
        pass
    t1 = time.time()
    c.close()
    print(json.dumps({"consumed": got, "alerted": alerted, "seconds": t1 - t0, "records_per_second": got / (t1 - t0)}))

main()
