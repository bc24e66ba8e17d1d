#!/usr/bin/env bash
# Output to a device or a pipe is written in place, never replaced by a regular file
# (the temp-file-and-rename path is for regular files only). Uses its own null device made
# with mknod in a temp dir (root), so a failure cannot harm the real /dev/null.
set -u
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for mknod"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mknod "$T/null" c 1 3 || { echo "SKIP: mknod not permitted"; exit 77; }
mkfifo "$T/fifo"
pass=0; fail=0
ok() { if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $*"; fi; }
D=$SHARED/derived_from_pcap
P=$SHARED/pcap_l-laura/flood-head.pcap
"$MQTTIDS" train -q -m lr --train "$D/flood_from_flood_pcap_head.csv" --train "$D/dos_from_malariados_pcap_head.csv" -o "$T/m.model" >/dev/null
"$MQTTIDS" extract -q -r "$P" -o "$T/null"; ok test $? -eq 0
ok test -c "$T/null"
"$MQTTIDS" predict -q -m "$T/m.model" -o "$T/null" "$D/flood_from_flood_pcap_head.csv"; ok test $? -eq 0
ok test -c "$T/null"
"$MQTTIDS" train -q -m lr --train "$D/flood_from_flood_pcap_head.csv" --train "$D/dos_from_malariados_pcap_head.csv" -o "$T/null" >/dev/null; ok test $? -eq 0
ok test -c "$T/null"
"$MQTTIDS" stats -q --on-error skip --reject "$T/null" "$D/flood_from_flood_pcap_head.csv" >/dev/null; ok test $? -eq 0
ok test -c "$T/null"
# a named pipe gets the rows as they are written
( cat "$T/fifo" > "$T/from_fifo" ) &
"$MQTTIDS" extract -q -r "$P" -o "$T/fifo"; ok test $? -eq 0
wait
ok test -p "$T/fifo"
ok test "$(wc -l < "$T/from_fifo")" -eq 57
ok test -z "$(ls "$T" | grep '\.tmp\.')"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
