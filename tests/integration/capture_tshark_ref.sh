#!/bin/sh
# capture_tshark_ref.sh PCAP LABEL OUT.csv: the reference rows, made as MQTTset made them:
# tshark 4.0 -T fields with the 60 MQTTset fields, first occurrence, TCP timestamps on
# (tcp.time_delta), then the shared emulate_mqttset.py (pandas steps). Needs $SHARED.
set -e
fields=$(tr ' ' '\n' < "$SHARED/derived_from_pcap/tshark_fields.txt" | sed '/^$/d; s/^/-e /' | tr '\n' ' ')
raw=$3.raw
# shellcheck disable=SC2086
tshark -r "$1" -o tcp.calculate_timestamps:TRUE -T fields -E header=y -E separator=, \
    -E occurrence=f $fields > "$raw" 2>/dev/null
/usr/bin/python3 "$(dirname "$0")/capture_emulate.py" "$raw" "$2" > "$3" 2>/dev/null
rm -f "$raw"
