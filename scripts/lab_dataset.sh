#!/usr/bin/env bash
# Remakes the committed lab dataset (data/lab, see data/lab/README.md): one `mqttids lab
# --context` run, its train/test CSVs cut to the columns kept in the repository (the 33 MQTTset
# features, the ctx.* columns of `mqttids train --recipe detector`, id.stream, id.client,
# target; every value as the lab wrote it) and compressed with gzip -9n.
# usage (as root, mosquitto installed): scripts/lab_dataset.sh MQTTIDS OUTDIR [LAB OPTIONS...]
#   default LAB OPTIONS: --seed 1 --duration 40 --rate flood=10 (the committed run)
# Writes OUTDIR/train.csv.gz, OUTDIR/test.csv.gz, OUTDIR/lab.json; the raw run stays in
# OUTDIR/run (lab.pcap, lab.csv with every ctx.* column, mosquitto.log).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 MQTTIDS OUTDIR [LAB OPTIONS...]" >&2; exit 2; }
MQTTIDS=$1
OUT=$2
shift 2
[ $# -gt 0 ] || set -- --seed 1 --duration 40 --rate flood=10
# the recipe's ctx.* columns (cli/cmd_train.c, recipes; docs/internals/detect.md)
CTX=ctx.pkt_kind,ctx.pkt_malformed,ctx.pkt_malformed_reason,ctx.conn_malformed,ctx.src_malformed_share
CTX=$CTX,ctx.conn_refused,ctx.src_refused_share,ctx.conn_kalive_long,ctx.src_kalive_long_share
CTX=$CTX,ctx.conn_early_msgs,ctx.src_early_share,ctx.conn_abrupt_close,ctx.src_abrupt_share
CTX=$CTX,ctx.src_pub_share,ctx.stream_up_seg_log2,ctx.src_up_seg_log2
mkdir -p "$OUT"
rm -rf "$OUT/run"
"$MQTTIDS" lab --context --out "$OUT/run" --json -q "$@" > "$OUT/run.json"
for part in train test; do
    f=$OUT/run/$part.csv
    # the lab writes no quoted field (hex strings and numbers), so a comma always separates
    if grep -q '"' "$f"; then echo "$f: a quoted field; cannot cut by commas" >&2; exit 1; fi
    awk -F, -v ctx="$CTX" 'BEGIN { OFS = "," }
        NR == 1 {
            for (i = 1; i <= NF; i++) col[$i] = i
            n = 0
            for (i = 1; i <= 33; i++) keep[++n] = i
            m = split(ctx ",id.stream,id.client,target", want, ",")
            for (j = 1; j <= m; j++) {
                if (!(want[j] in col)) { print "no column " want[j] > "/dev/stderr"; exit 1 }
                keep[++n] = col[want[j]]
            }
        }
        { line = $keep[1]; for (i = 2; i <= n; i++) line = line OFS $keep[i]; print line }' "$f" \
        | gzip -9n > "$OUT/$part.csv.gz.tmp"
    mv "$OUT/$part.csv.gz.tmp" "$OUT/$part.csv.gz"
done
# the run's summary, "out" naming the committed folder
sed 's|^  "out":.*|  "out":"data/lab",|' "$OUT/run.json" > "$OUT/lab.json"
ls -l "$OUT/train.csv.gz" "$OUT/test.csv.gz" "$OUT/lab.json"
