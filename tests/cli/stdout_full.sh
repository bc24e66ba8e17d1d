#!/usr/bin/env bash
# A write error on stdout (here /dev/full: ENOSPC on every write) fails the command with
# exit 1 and a message naming standard output and the error; the same command on
# /dev/null exits 0, so the failure is the write, not the command.
set -u
source "$(dirname "$0")/harden_common.sh"
harden_model
R=$T/small.csv
check() {
  local what=$1; shift
  "$@" >/dev/null 2>"$T/err"
  local ok_rc=$?
  "$@" >/dev/full 2>"$T/err"
  local rc=$?
  if [[ $ok_rc -ne 0 ]]; then fail=$((fail+1)); echo "FAIL: $what: exit $ok_rc on /dev/null"; cat "$T/err"
  elif [[ $rc -ne 1 ]]; then fail=$((fail+1)); echo "FAIL: $what: exit $rc on /dev/full"
  elif ! grep -q "write failed: No space left on device" "$T/err"; then
    fail=$((fail+1)); echo "FAIL: $what: message"; cat "$T/err"
  else pass=$((pass+1)); fi
}
check "stats" "$MQTTIDS" stats -q "$F"
check "stats --json" "$MQTTIDS" stats -q --json "$F"
check "eval" "$MQTTIDS" eval -q -m "$T/m.model" "$F"
check "eval --json" "$MQTTIDS" eval -q --json -m "$T/m.model" "$F"
check "train" "$MQTTIDS" train --model lr --train "$R" -o "$T/m2.model"
check "train --json" "$MQTTIDS" train -q --json --model lr --train "$R" -o "$T/m3.model"
check "db schema" "$MQTTIDS" db schema
check "predict -o -" "$MQTTIDS" predict -q -m "$T/m.model" -o - "$F"
check "extract -o -" "$MQTTIDS" extract -q -r "$SHARED/pcap_l-laura/flood-head.pcap" -o -
check "--help" "$MQTTIDS" stats --help
# A full disk under a regular output file (RLIMIT_FSIZE: writes past 4 KiB fail with
# EFBIG): the message names the output and the errno, nothing is left behind.
( trap '' XFSZ; ulimit -f 4; exec "$MQTTIDS" extract -q -r "$SHARED/pcap_l-laura/flood-head.pcap" -o "$T/x.csv" ) 2>"$T/err"
rc=$?
if [[ $rc -eq 1 ]] && grep -q "output CSV.*write failed: File too large" "$T/err" && ! ls "$T"/x.csv* >/dev/null 2>&1; then
  pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: extract on a full disk: exit $rc"; cat "$T/err"; ls "$T"; fi
harden_done
