#!/bin/bash
# Kafka commands fail fast and stop on request: 'stream produce' to a port nobody listens
# on gives up within its 10 s connect check (not librdkafka's 60 s flush) with exit 1 and no
# "use flush()" warning; SIGTERM during that wait ends it at once; 'stream create-topic' on
# a standalone mock cluster (which cannot create topics) fails at once naming the remedy.
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-failfast.XXXXXX")
MOCK_PID=
cleanup() { [[ -n $MOCK_PID ]] && kill -TERM "$MOCK_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$MQTTIDS" stream mock-cluster --help >/dev/null 2>&1 || { echo "SKIP: no Kafka support"; exit 77; }
DATA="$SRCDIR/data/lab/test.csv.gz"
# a loopback port with no listener: bind one, note it, close it
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

rc=0
"$MQTTIDS" stream produce --brokers "127.0.0.1:$PORT" --topic t "$DATA" 2>"$WORK/err" || rc=$?
[[ $rc == 1 ]] || fail "produce to a dead port exited $rc"
grep -q "no broker answered in 10 s" "$WORK/err" || fail "no clear message: $(tail -3 "$WORK/err")"
if grep -q "flush()" "$WORK/err"; then fail "librdkafka's flush() warning shown"; fi
if grep -q "rows read" "$WORK/err"; then fail "the data was read before the brokers were checked"; fi
echo "ok: $(grep 'no broker' "$WORK/err")"

"$MQTTIDS" stream produce --brokers "127.0.0.1:$PORT" --topic t "$DATA" 2>"$WORK/err2" &
P=$!
sleep 1
kill -TERM "$P"
# it must be gone well before the 10 s check would have ended
for _ in $(seq 1 30); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$P" 2>/dev/null; then fail "produce still running 3 s after SIGTERM"; fi
wait "$P" || true
grep -q "stopped while connecting" "$WORK/err2" || fail "SIGTERM: $(tail -2 "$WORK/err2")"
echo "ok: SIGTERM ends the wait"

"$MQTTIDS" stream mock-cluster --topic have:2 --address-file "$WORK/addr" >/dev/null 2>"$WORK/mock.err" &
MOCK_PID=$!
for _ in $(seq 1 100); do [[ -s $WORK/addr ]] && break; sleep 0.1; done
B=$(cat "$WORK/addr")
rc=0
"$MQTTIDS" stream create-topic --brokers "$B" new:8 2>"$WORK/err3" || rc=$?
[[ $rc == 1 ]] || fail "create-topic on a mock cluster exited $rc"
grep -q "mock cluster, which cannot create topics: start it with 'mqttids stream mock-cluster --topic new:8'" "$WORK/err3" ||
  fail "create-topic: $(cat "$WORK/err3")"
"$MQTTIDS" stream create-topic --brokers "$B" --if-not-exists have:2 2>"$WORK/err4" || fail "--if-not-exists on an existing mock topic: $(cat "$WORK/err4")"
# the failed create did not make the topic behind the user's back
"$MQTTIDS" stream create-topic --brokers "$B" --if-not-exists new:8 2>"$WORK/err5" && fail "topic 'new' exists after the refused create"
grep -q "cannot create topics" "$WORK/err5" || fail "second create-topic: $(cat "$WORK/err5")"
echo PASS
