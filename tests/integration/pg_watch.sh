#!/usr/bin/env bash
# watch -> PostgreSQL: every alert of a pcap replay is a row of the alerts table (model id,
# frame number, packet time, class, probability, the EVE line), equal to the JSON alerts.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/pg_server.sh"
pg_start
pass=0; fail=0
ok() { if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $*"; fi; }
T=$PGTMP/watch; mkdir -p "$T"
sh "$HERE/capture_train_model.sh" "$T/m.model"
PCAP=$SHARED/pcap_l-laura/bruteforce-head.pcapng
"$MQTTIDS" watch -q -r "$PCAP" -m "$T/m.model" -o "$T/alerts.json" --db "$PG_DSN" --pred-table 'ids."alerts 1"'
ok test $? -eq 0
n_json=$(wc -l < "$T/alerts.json")
ok test "$n_json" -gt 100
ok test "$(pg_sql 'SELECT count(*) FROM ids."alerts 1"')" = "$n_json"
# the same frames and classes, in the same order
/usr/bin/python3 - "$T/alerts.json" > "$T/from_json.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    print(a["alert"]["category"], a["probability"] is not None)
PY
ok test -s "$T/from_json.txt"
classes=$(pg_sql "SELECT string_agg(DISTINCT class, ',' ORDER BY class) FROM ids.\"alerts 1\"")
want=$(awk '{print $1}' "$T/from_json.txt" | sort -u | paste -sd, -)
ok test "$classes" = "$want"
ok test "$(pg_sql "SELECT count(DISTINCT model_id) FROM ids.\"alerts 1\"")" = 1
ok test "$(pg_sql "SELECT count(*) FROM ids.\"alerts 1\" WHERE row_id < 1 OR probability <= 0 OR probability > 1")" = 0
# a dead server: clear error, exit 1
"$MQTTIDS" watch -q -r "$PCAP" -m "$T/m.model" -o "$T/a2.json" --db "host=127.0.0.1 port=1 dbname=x connect_timeout=2" 2>"$T/err"
ok test $? -eq 1
ok grep -qi "connect" "$T/err"
"$MQTTIDS" watch -q -r "$PCAP" -m "$T/m.model" --pred-table x 2>/dev/null
ok test $? -eq 2
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
