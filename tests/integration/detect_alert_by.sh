#!/usr/bin/env bash
# watch --alert-by on real captures, against expectations derived independently from tshark:
# the packet alerts name frames; tshark gives each frame's tcp.stream, addresses, ports and
# time. Then
#   by connection: one alert per (tshark tcp.stream, class) with at least one packet alert,
#                  keyed by that stream, first at its first alerting frame;
#   by host:       one alert per (client address (the side away from port 1883), class);
#   --alert-window W: a group alerts again at its first alerting packet W s (tshark time)
#                  after its last alert, carrying the count of its packet alerts so far;
#   --min-probability P: exactly the packet alerts with probability >= P.
# Env: MQTTIDS, SHARED. Skips (77) without the shared data or tshark.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$SHARED/pcap_l-laura" ] || { echo "no shared MQTTset data: skip"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "no tshark: skip"; exit 77; }
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sh "$here/capture_train_model.sh" "$tmp/m.model" || { echo "cannot train a model: skip"; exit 77; }
rc=0
for pcap in bruteforce-head.pcapng slowite-head.pcap malformed-head.pcap; do
    f="$SHARED/pcap_l-laura/$pcap"
    rm -f "$tmp"/*.json  # watch -o appends
    tshark -r "$f" -Y tcp -T fields -E separator=, -e frame.number -e tcp.stream -e ip.src -e tcp.srcport \
        -e ip.dst -e tcp.dstport -e frame.time_epoch > "$tmp/frames.csv" 2>/dev/null || { rc=1; continue; }
    w() { "$MQTTIDS" watch -q -r "$f" -m "$tmp/m.model" "$@"; }
    w -o "$tmp/packet.json" --json > "$tmp/packet.sum" &&
    w -o "$tmp/conn.json" --json --alert-by connection > "$tmp/conn.sum" &&
    w -o "$tmp/host.json" --json --alert-by host > "$tmp/host.sum" &&
    w -o "$tmp/win.json" --json --alert-by connection --alert-window 0.1 > "$tmp/win.sum" &&
    w -o "$tmp/minp.json" --min-probability 0.35 || { rc=1; continue; }
    /usr/bin/python3 - "$tmp" "$pcap" <<'PY' || rc=1
import json, sys, collections
d, name = sys.argv[1], sys.argv[2]
frames = {}
for l in open(d + "/frames.csv"):
    fr, st, src, sp, dst, dp, t = l.strip().split(",")
    client = dst if sp == "1883" and dp != "1883" else src
    frames[int(fr)] = (st, client, float(t))
def load(n):
    return [json.loads(l) for l in open("%s/%s.json" % (d, n))]
pk, conn, host, win, minp = (load(n) for n in ("packet", "conn", "host", "win", "minp"))
ok = True
def check(cond, msg):
    global ok
    if not cond:
        ok = False
        print("  %s: %s" % (name, msg))
# expected groups, in order of their first alerting frame
def groups(idx):
    first = collections.OrderedDict()
    for a in pk:
        g = (frames[a["mqttids"]["frame"]][idx], a["alert"]["category"])
        first.setdefault(g, a["mqttids"]["frame"])
    return first
ec, eh = groups(0), groups(1)
gc = [(a["group"]["key"], a["alert"]["category"], a["mqttids"]["frame"]) for a in conn]
gh = [(a["group"]["key"], a["alert"]["category"], a["mqttids"]["frame"]) for a in host]
check(gc == [(k[0], k[1], f) for k, f in ec.items()], "by connection: %d alerts, tshark streams x class give %d" % (len(gc), len(ec)))
check(gh == [(k[0], k[1], f) for k, f in eh.items()], "by host: %d alerts, tshark clients x class give %d" % (len(gh), len(eh)))
check(all(a["group"]["count"] == 1 and a["group"]["by"] == "connection" for a in conn), "first alerts count 1")
streams = {frames[a["mqttids"]["frame"]][0] for a in pk}
summ = json.load(open(d + "/conn.sum"))
check(summ["alerts"] + summ["suppressed"] == len(pk), "alerts + suppressed = packet alerts")
# the window rule replayed on tshark times
state, want = {}, []
for a in pk:
    st, _, t = frames[a["mqttids"]["frame"]]
    g = (st, a["alert"]["category"])
    s = state.get(g)
    if s is None:
        state[g] = s = {"n": 0, "last": t, "emit": 0}
        s["n"] += 1; s["emit"] += 1; want.append((g, a["mqttids"]["frame"], s["n"]))
        continue
    s["n"] += 1
    if t - s["last"] >= 0.1 - 1e-7:
        s["last"] = t; s["emit"] += 1; want.append((g, a["mqttids"]["frame"], s["n"]))
got = [((a["group"]["key"], a["alert"]["category"]), a["mqttids"]["frame"], a["group"]["count"]) for a in win]
check(got == want, "window 0.1 s: %d alerts, tshark times give %d" % (len(got), len(want)))
check(len(minp) == sum(1 for a in pk if a["probability"] >= 0.35), "min probability")
print("%s: %d packet alerts in %d tshark streams -> %d connection alerts, %d host alerts, %d with a 0.1 s window, %d >= 0.35: %s"
      % (name, len(pk), len(streams), len(conn), len(host), len(win), len(minp), "ok" if ok else "MISMATCH"))
sys.exit(0 if ok else 1)
PY
done
exit $rc
