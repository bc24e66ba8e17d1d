"""peer_schema.py: what the pandas peers (csv_peer.py, stats_peer.py) share: their command
line (FILE [RUNS], RUNS default 3) and the study's explicit read_csv schema of FILE's columns."""
import sys

TEXT = ["tcp.flags", "mqtt.conack.flags", "mqtt.conflags", "mqtt.hdrflags", "mqtt.msg",
        "mqtt.protoname", "target"]


def peer_args():
    """path, runs and the dtype of every column of the file's header (text, tcp.len int64,
    the rest float64)."""
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    header = open(path).readline().strip().split(",")
    dtype = {c: (str if c in TEXT else ("int64" if c == "tcp.len" else "float64")) for c in header}
    return path, runs, dtype
