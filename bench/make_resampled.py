#!/usr/bin/env python3
"""Make the benchmark file: MQTTset rows resampled to the class sizes of train70_reduced.csv.

usage: make_resampled.py SHARED_DIR OUT.csv [SCALE]

Rows come from ../shared/data/mqttset/derived_from_pcap: the real train70 rows of slowite,
bruteforce and malformed (reconstructed_train70_reduced_subset.csv) and the tshark-derived
head rows of legitimate, dos and flood. Each class is drawn with replacement (fixed seed) to
its train70_reduced size times SCALE (231,646 rows at SCALE 1), then all rows are shuffled.
The file is written in MQTTset's own CSV form (the source rows are copied verbatim).
Standard library only, so it runs anywhere.
"""
import csv, os, random, sys

SIZES = {"legitimate": 115824, "dos": 91156, "bruteforce": 10150,
         "malformed": 7646, "slowite": 6441, "flood": 429}
SOURCES = {"legitimate": "legitimate_from_benign_pcap_head.csv",
           "dos": "dos_from_malariados_pcap_head.csv",
           "flood": "flood_from_flood_pcap_head.csv",
           "bruteforce": "reconstructed_train70_reduced_subset.csv",
           "malformed": "reconstructed_train70_reduced_subset.csv",
           "slowite": "reconstructed_train70_reduced_subset.csv"}

def main():
    shared, out = sys.argv[1], sys.argv[2]
    scale = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    d = os.path.join(shared, "derived_from_pcap")
    rng = random.Random(20201)
    header, pools = None, {}
    for cls, fname in SOURCES.items():
        with open(os.path.join(d, fname), newline="") as f:
            lines = f.read().splitlines()
        header = header or lines[0]
        pools[cls] = [l for l in lines[1:] if l.rsplit(",", 1)[1] == cls]
    rows = []
    for cls, n in SIZES.items():
        pool = pools[cls]
        rows.extend(pool[rng.randrange(len(pool))] for _ in range(n * scale))
    rng.shuffle(rows)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(header + "\n")
        f.write("\n".join(rows))
        f.write("\n")
    os.replace(tmp, out)
    sys.stderr.write("%s: %d rows\n" % (out, len(rows)))

main()
