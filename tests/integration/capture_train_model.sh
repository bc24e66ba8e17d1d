#!/bin/sh
# capture_train_model.sh OUT.model: a small random forest on the six derived CSVs (for watch tests).
D="$SHARED/derived_from_pcap"
"$MQTTIDS" train -q -m rf --param numTrees=10 --train "$D/legitimate_from_benign_pcap_head.csv" \
    --train "$D/dos_from_malariados_pcap_head.csv" --train "$D/bruteforce_from_bruteforce_pcap_head.csv" \
    --train "$D/malformed_from_malformed_pcap_head.csv" --train "$D/slowite_from_slowite_pcap_head.csv" \
    --train "$D/flood_from_flood_pcap_head.csv" -o "$1" >/dev/null
