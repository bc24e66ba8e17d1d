# kafka_common.sh: sourced by the kafka_*.sh tests. Picks the brokers: $MQTTIDS_TEST_KAFKA
# when set (a real cluster; topics get a unique suffix), else a standalone mock cluster
# started here with "mqttids stream mock-cluster" (stopped on exit).
# Sets: B (brokers), SUFFIX (unique per run), WORK (temp dir, removed on exit).
set -euo pipefail
: "${MQTTIDS:?MQTTIDS not set}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-kafka.XXXXXX")
SUFFIX="$$-$RANDOM"
MOCK_PID=
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [[ -n $MOCK_PID ]]; then kill -TERM "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_brokers [TOPIC:PARTITIONS...]: topics are created up front on the mock cluster.
start_brokers() {
  if [[ -n ${MQTTIDS_TEST_KAFKA:-} ]]; then
    B=$MQTTIDS_TEST_KAFKA
    echo "brokers: $B (MQTTIDS_TEST_KAFKA)"
    # real cluster: create the topics with their partitions (Admin API); best effort,
    # auto-creation with the broker's default partition count is the fallback
    if (($#)); then
      "$MQTTIDS" stream create-topic -b "$B" --if-not-exists "$@" || echo "note: create-topic failed; relying on auto-creation"
    fi
    return
  fi
  local args=() t
  for t in "$@"; do args+=(--topic "$t"); done
  "$MQTTIDS" stream mock-cluster --brokers-count 3 --address-file "$WORK/addr" "${args[@]}" \
    >"$WORK/mock.out" 2>"$WORK/mock.err" &
  MOCK_PID=$!
  for _ in $(seq 1 100); do [[ -s $WORK/addr ]] && break; kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
  if [[ ! -s $WORK/addr ]] && grep -q "no Kafka support" "$WORK/mock.err"; then
    echo "SKIP: mqttids was built without Kafka support"; exit 77
  fi
  [[ -s $WORK/addr ]] || { cat "$WORK/mock.err" >&2; fail "mock cluster did not start"; }
  B=$(cat "$WORK/addr")
  [[ $(head -1 "$WORK/mock.out") == "$B" ]] || fail "mock-cluster printed '$(head -1 "$WORK/mock.out")', address file says '$B'"
  echo "brokers: $B (mock cluster, pid $MOCK_PID)"
}
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
