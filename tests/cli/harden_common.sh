# Sourced by the issue-16 hardening scripts (tests/cli/harden.cmake): a temporary folder T
# (removed at exit), the shared data D, a small flood CSV F, pass/fail counters, and
# harden_model: an lr model trained on every 8th row of the reduced subset (all classes).
pass=0; fail=0
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
D=$SHARED/derived_from_pcap
F=$D/flood_from_flood_pcap_head.csv
ok() { if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $*"; fi; }
harden_model() {
  awk 'NR == 1 || NR % 8 == 0' "$D/reconstructed_train70_reduced_subset.csv" > "$T/small.csv"
  "$MQTTIDS" train -q --model lr --train "$T/small.csv" -o "$T/m.model" >/dev/null 2>&1 \
    || { echo "FAIL: cannot train the model the checks need"; exit 1; }
}
harden_done() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
