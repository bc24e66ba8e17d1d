#!/usr/bin/env python3
"""Writes a small capture whose connections make the client side hard to tell by ports.

usage: capture_gen_client.py OUT.pcap
Connections (MQTT on port 1883, the default of extract/watch):
  0: 10.0.1.1:1883 -> 10.0.0.1:1883   both ends on the MQTT port (a bridge or a relay):
                                      CONNECT, CONNACK, PUBLISH QoS 1 both ways, DISCONNECT
  1: 10.0.1.2:1883 -> 10.0.0.2:2000   the client's port is the MQTT port, the server's is not
                                      (port rule: the wrong end)
  2: 10.0.1.3:1000 -> 10.0.0.1:1883   the client's port below the server's
  3: 10.0.1.4:40001 <-> 10.0.0.1:1883 no SYN (the capture begins mid-connection), first
                                      packet from the broker: only the port rule can tell
  4: 10.0.1.1:1883 -> 10.0.0.1:1883   connection 0's ports again with a new SYN (tshark: a new
                                      stream), interleaved with connection 2's close
The expected client of each stream is NOT made here: the test asks tshark (the sender of
the stream's SYN without ACK).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_gen_edge import Cap, Conn, connect, msg, publish, write_pcap, eth  # noqa: E402

BROKER = [10, 0, 0, 1]
OTHER = [10, 0, 0, 2]


def host(i):
    return [10, 0, 1, i]


def session(k, cid):
    k.send(0, connect(cid))
    k.send(1, msg(0x20, b'\x00\x00'))
    k.send(0, publish('sensors/temp', b'21.5', qos=1, mid=1))
    k.send(1, msg(0x40, b'\x00\x01') + publish('cmd/fan', b'on', qos=1, mid=7))
    k.send(0, msg(0x40, b'\x00\x07'))
    k.send(1, flags=0x10)


def build():
    cap = Cap()
    k0 = Conn(cap, host(1), BROKER, 1883, 1883, isn_c=100, isn_s=900)
    k0.handshake()
    session(k0, 'bridge-1')
    k0.send(0, msg(0xe0, b''))
    k0.close()

    k1 = Conn(cap, host(2), OTHER, 1883, 2000)
    k1.handshake()
    k1.send(0, b'hello over a non-MQTT port')
    k1.send(1, b'ok')
    k1.close()

    k2 = Conn(cap, host(3), BROKER, 1000, 1883)
    k2.handshake()
    session(k2, 'low-port')

    k3 = Conn(cap, host(4), BROKER, 40001, 1883, isn_c=7000, isn_s=8000)
    k3.send(1, publish('cmd/light', b'off'))     # mid-connection: the broker's packet first
    k3.send(0, flags=0x10)
    k3.send(0, publish('sensors/door', b'1', qos=1, mid=2))
    k3.send(1, msg(0x40, b'\x00\x02'))

    k4 = Conn(cap, host(1), BROKER, 1883, 1883, isn_c=50000, isn_s=60000)
    k4.handshake()
    k2.send(0, msg(0xe0, b''))
    session(k4, 'bridge-2')
    k2.close()
    k4.close()
    return cap


def main():
    write_pcap(sys.argv[1], 1, build().pkts, eth)


if __name__ == '__main__':
    main()
