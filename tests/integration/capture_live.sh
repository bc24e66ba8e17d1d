#!/bin/sh
# Live traffic: starts mosquitto on a free loopback port with a password file, captures on
# lo with libpcap (tcpdump) while mosquitto_pub/mosquitto_sub drive it (username+password,
# QoS 0/1/2, retained, a will, a 200 KB payload, a wrong password, MQTT 3.1 and 5), then
# compares `mqttids extract` with tshark + the MQTTset emulation on that pcap, and checks
# that `mqttids watch -r` replays it through the live path (same row count on --stats).
# Skips (77) when not root or without mosquitto / tcpdump / tshark. Env: MQTTIDS, SHARED.
"$MQTTIDS" extract -q -r /dev/null 2>&1 | grep -q "no libpcap" && { echo "built without libpcap: skip"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "not root: skip"; exit 77; }
for t in mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd tcpdump tshark; do
    command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || { echo "$t not installed: skip"; exit 77; }
done
[ -f "$SHARED/derived_from_pcap/emulate_mqttset.py" ] || { echo "no shared MQTTset data: skip"; exit 77; }
PATH=$PATH:/usr/sbin
here=$(dirname "$0")
tmp=$(mktemp -d) || exit 1
chmod 755 "$tmp"
broker=; dump=; watch=
cleanup() {
    [ -n "$watch" ] && kill "$watch" 2>/dev/null
    [ -n "$broker" ] && kill "$broker" 2>/dev/null
    [ -n "$dump" ] && kill "$dump" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mosquitto_passwd -b -c "$tmp/passwd" alice s3cret >/dev/null 2>&1 || { echo "mosquitto_passwd failed"; exit 1; }
chmod 644 "$tmp/passwd"
cat > "$tmp/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous false
password_file $tmp/passwd
persistence false
log_dest stderr
EOF

tcpdump -i lo -U --immediate-mode -B 16384 -s 262144 --time-stamp-precision=nano -w "$tmp/live.pcap" "tcp port $port" 2> "$tmp/tcpdump.err" &
dump=$!
mosquitto -c "$tmp/mosquitto.conf" 2> "$tmp/mosquitto.log" &
broker=$!
# mqttids's own live capture of the same traffic (every row as an event: --alert-all)
if sh "$here/capture_train_model.sh" "$tmp/m.model"; then
    "$MQTTIDS" watch -i lo -f "tcp port $port" --port "$port" -m "$tmp/m.model" --alert-all --stats \
        -o "$tmp/live.alerts" --json > "$tmp/watch.json" 2> "$tmp/watch.err" &
    watch=$!
fi
i=0
until grep -q "listening\|Opening ipv4 listen socket" "$tmp/mosquitto.log" 2>/dev/null && \
      grep -q "listening on" "$tmp/tcpdump.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 50 ] && { echo "broker or tcpdump did not start"; cat "$tmp/mosquitto.log" "$tmp/tcpdump.err"; exit 1; }
    sleep 0.1
done
# and until mqttids's capture is open (it prints its info line after pcap_activate + filter)
i=0
while [ -n "$watch" ] && ! grep -q "watch: interface" "$tmp/watch.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 50 ] && { echo "watch did not start"; cat "$tmp/watch.err"; exit 1; }
    sleep 0.1
done

A="-h 127.0.0.1 -p $port -u alice -P s3cret"
# shellcheck disable=SC2086
{
    mosquitto_sub $A -t 'test/#' -q 2 -C 7 -W 10 > "$tmp/sub.out" &
    sub=$!
    sleep 0.3
    mosquitto_pub $A -t test/q0 -m zero -q 0
    mosquitto_pub $A -t test/q1 -m one -q 1
    mosquitto_pub $A -t test/q2 -m two -q 2
    mosquitto_pub $A -t test/retained -m kept -r -q 1
    mosquitto_pub $A -t test/will -m alive --will-topic last/will --will-payload gone --will-qos 1
    head -c 204800 /dev/urandom > "$tmp/big.bin"
    mosquitto_pub $A -t test/big -f "$tmp/big.bin" -q 1
    mosquitto_pub $A -V 5 -t test/v5 -m five -q 1 -D publish user-property k v
    mosquitto_pub $A -V 31 -t test/v31 -m old -q 2
    mosquitto_pub -h 127.0.0.1 -p $port -u alice -P wrong -t test/x -m no 2>/dev/null
    mosquitto_pub -h 127.0.0.1 -p $port -u alice -P wrong -V 5 -t test/x -m no 2>/dev/null
    mosquitto_sub $A -V 5 -t 'v5/#' -C 1 -W 2 >/dev/null &
    sleep 0.3
    mosquitto_pub $A -V 5 -t v5/a -m 12345 -q 2
    wait $sub
} 2>> "$tmp/clients.err"
# let both captures drain: wait until their files stop growing
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
last=; i=0
while [ $i -lt 50 ]; do
    now="$(size "$tmp/live.pcap") $(size "$tmp/live.alerts")"
    [ "$now" = "$last" ] && break
    last=$now; i=$((i + 1)); sleep 0.3
done
sleep 1.2 # at least one per-second counter line from watch --stats
kill -INT "$dump"; wait "$dump" 2>/dev/null; dump=
if [ -n "$watch" ]; then kill -INT "$watch"; wait "$watch"; wrc=$?; watch=; fi
kill "$broker"; wait "$broker" 2>/dev/null; broker=

[ -s "$tmp/live.pcap" ] || { echo "nothing captured"; cat "$tmp/tcpdump.err"; exit 1; }
grep -q two "$tmp/sub.out" || { echo "subscriber got nothing: broker/auth problem"; cat "$tmp/clients.err"; exit 1; }
rc=0
sh "$here/capture_tshark_ref.sh" "$tmp/live.pcap" legitimate "$tmp/ref.csv" || { echo "tshark failed"; exit 1; }
"$MQTTIDS" extract -q -r "$tmp/live.pcap" --label legitimate --port "$port" -o "$tmp/mine.csv" || exit 1
# tshark decodes MQTT on 1883 only: give it the same port through a second run when it differs
if [ "$port" != 1883 ]; then
    fields=$(tr ' ' '\n' < "$SHARED/derived_from_pcap/tshark_fields.txt" | sed '/^$/d; s/^/-e /' | tr '\n' ' ')
    # shellcheck disable=SC2086
    tshark -r "$tmp/live.pcap" -o tcp.calculate_timestamps:TRUE -d "tcp.port==$port,mqtt" -T fields \
        -E header=y -E separator=, -E occurrence=f $fields > "$tmp/ref.raw" 2>/dev/null || exit 1
    /usr/bin/python3 "$(dirname "$0")/capture_emulate.py" "$tmp/ref.raw" legitimate > "$tmp/ref.csv" 2>/dev/null
fi
/usr/bin/python3 "$here/capture_compare.py" "$tmp/mine.csv" "$tmp/ref.csv" "live.pcap (port $port)" || rc=1
# the capture must hold what the test drove: MQTT 3.1/3.1.1/5 CONNECTs, refused logins, a split 200 KB message
/usr/bin/python3 - "$tmp/mine.csv" <<'PY' || rc=1
import csv, sys
csv.field_size_limit(sys.maxsize)
rows = list(csv.DictReader(open(sys.argv[1])))
num = lambda r, k: float(r[k])
ver = {r['mqtt.ver'] for r in rows if num(r, 'mqtt.msgtype') == 1}
# refused: 3.1.1 return code 5 in mqtt.conack.val; MQTT 5 reason codes are not an MQTTset field,
# so a refused v5 login shows as a CONNACK without conack.val
refused = [r for r in rows if num(r, 'mqtt.msgtype') == 2 and num(r, 'mqtt.conack.val') != 0]
big = [r for r in rows if num(r, 'mqtt.msgtype') == 3 and num(r, 'mqtt.len') > 200000]
will = [r for r in rows if num(r, 'mqtt.conflag.willflag') == 1]
print('live rows: %d; CONNECT versions %s; refused CONNACKs %d; 200 KB PUBLISH rows %d; will CONNECTs %d'
      % (len(rows), sorted(ver), len(refused), len(big), len(will)))
ok = {'3.0', '4.0', '5.0'} <= ver and len(refused) >= 1 and len(big) >= 1 and len(will) == 1
sys.exit(0 if ok else 1)
PY
if [ -f "$tmp/m.model" ]; then
    [ "$wrc" = 0 ] || { echo "watch -i lo failed ($wrc)"; cat "$tmp/watch.err"; rc=1; }
    grep -q '^\[ *[0-9]*s\] packets [0-9]* rows' "$tmp/watch.err" || { echo "no per-second counters from --stats:"; cat "$tmp/watch.err"; rc=1; }
    "$MQTTIDS" watch -q -r "$tmp/live.pcap" --port "$port" -m "$tmp/m.model" --alert-all -o "$tmp/replay.alerts" || rc=1
    /usr/bin/python3 - "$tmp/live.alerts" "$tmp/replay.alerts" "$tmp/watch.json" <<'PY' || { rc=1; cat "$tmp/watch.err" "$tmp/tcpdump.err"; }
import json, sys
# not the class: each capture socket stamps packets itself on lo, so tcp.time_delta (and with
# it a prediction) can differ by microseconds between the two captures
# and not the order across connections: two sockets may queue packets sent at the same
# moment by different CPUs in different orders
key = lambda a: (a['src_port'], a['dest_port'], a['mqttids']['tcp_len'], a['mqttids']['mqtt_msgtype'])
live = sorted(key(json.loads(l)) for l in open(sys.argv[1]))
replay = sorted(key(json.loads(l)) for l in open(sys.argv[2]))
summ = json.load(open(sys.argv[3]))
print('watch -i lo: %d events (summary: %d rows, stopped by signal %s); replay of the tcpdump pcap: %d events; %s'
      % (len(live), summ['rows'], summ['stopped_by_signal'], len(replay), 'same' if live == replay else 'DIFFERENT'))
for i, (x, y) in enumerate(zip(live, replay)):
    if x != y:
        print('  first difference at event %d: live %s, replay %s' % (i + 1, x, y))
        break
sys.exit(0 if live == replay and summ['rows'] == len(live) and summ['stopped_by_signal'] else 1)
PY
fi
exit $rc
