#!/bin/bash
# Kafka commands fail fast and stop on request: 'stream produce' to a port nobody listens
# on gives up within its 10 s connect check (not librdkafka's 60 s flush) with exit 1 and no
# "use flush()" warning; SIGTERM during that wait ends it at once; 'stream create-topic' on
# a standalone mock cluster (which cannot create topics) fails at once naming the remedy.
. "$(dirname "$0")/mock_work.sh" failfast   # W, MOCK_PID, fail, need_kafka
need_kafka
DATA="$SRCDIR/data/lab/test.csv.gz"
# a loopback port with no listener: bind one, note it, close it
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

rc=0
"$MQTTIDS" stream produce --brokers "127.0.0.1:$PORT" --topic t "$DATA" 2>"$W/err" || rc=$?
[[ $rc == 1 ]] || fail "produce to a dead port exited $rc"
grep -q "no broker answered in 10 s" "$W/err" || fail "no clear message: $(tail -3 "$W/err")"
if grep -q "flush()" "$W/err"; then fail "librdkafka's flush() warning shown"; fi
if grep -q "rows read" "$W/err"; then fail "the data was read before the brokers were checked"; fi
echo "ok: $(grep 'no broker' "$W/err")"

"$MQTTIDS" stream produce --brokers "127.0.0.1:$PORT" --topic t "$DATA" 2>"$W/err2" &
P=$!
sleep 1
kill -TERM "$P"
# it must be gone well before the 10 s check would have ended
for _ in $(seq 1 30); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$P" 2>/dev/null; then fail "produce still running 3 s after SIGTERM"; fi
wait "$P" || true
grep -q "stopped while connecting" "$W/err2" || fail "SIGTERM: $(tail -2 "$W/err2")"
echo "ok: SIGTERM ends the wait"

"$MQTTIDS" stream mock-cluster --topic have:2 --address-file "$W/addr" >/dev/null 2>"$W/mock.err" &
MOCK_PID=$!
for _ in $(seq 1 100); do [[ -s $W/addr ]] && break; sleep 0.1; done
B=$(cat "$W/addr")
rc=0
"$MQTTIDS" stream create-topic --brokers "$B" new:8 2>"$W/err3" || rc=$?
[[ $rc == 1 ]] || fail "create-topic on a mock cluster exited $rc"
grep -q "mock cluster, which cannot create topics: start it with 'mqttids stream mock-cluster --topic new:8'" "$W/err3" ||
  fail "create-topic: $(cat "$W/err3")"
"$MQTTIDS" stream create-topic --brokers "$B" --if-not-exists have:2 2>"$W/err4" || fail "--if-not-exists on an existing mock topic: $(cat "$W/err4")"
# the failed create did not make the topic behind the user's back
"$MQTTIDS" stream create-topic --brokers "$B" --if-not-exists new:8 2>"$W/err5" && fail "topic 'new' exists after the refused create"
grep -q "cannot create topics" "$W/err5" || fail "second create-topic: $(cat "$W/err5")"
echo PASS
