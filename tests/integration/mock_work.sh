# mock_work.sh NAME: sourced by the tests that start their own Kafka mock cluster (readme_stream.sh,
# stream_fail_fast.sh, stream_retention.sh, tests/cli/options.sh). set -euo pipefail; needs
# MQTTIDS and SRCDIR; W, a work dir (mqttids-NAME.XXXXXX) removed on exit after the mock
# cluster MOCK_PID (when the test sets it) is stopped; `fail MSG...` (exit 1); `need_kafka`
# (exit 77 when the tool has no Kafka support).
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-$1.XXXXXX")
MOCK_PID=
cleanup() { [[ -n $MOCK_PID ]] && kill -TERM "$MOCK_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
need_kafka() { "$MQTTIDS" stream mock-cluster --help >/dev/null 2>&1 || { echo "SKIP: no Kafka support"; exit 77; }; }
