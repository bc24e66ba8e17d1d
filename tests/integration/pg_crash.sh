#!/usr/bin/env bash
# The server dies in the middle of a load (pg_ctl stop -m immediate, as a crash):
#  (a) while COPY is sending rows (seen in pg_stat_progress_copy), on a 500k-row input;
#  (b) at the table swap (a reader holds a lock on the old table, so the load waits there).
# Each time: a clear error with libpq's text, exit 1, and after a restart the earlier
# table is exactly as it was and no half-loaded table is left.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/pg_server.sh"
pg_test_start   # W (work dir), D (head CSVs), fail
bg=()
kill_bg() { for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done; pg_cleanup; }
trap kill_bg EXIT

"$MQTTIDS" db load -q --db "$PG_DSN" --train "$D/flood_from_flood_pcap_head.csv" \
  --test "$D/slowite_from_slowite_pcap_head.csv" || fail "first load"
"$MQTTIDS" db stats --db "$PG_DSN" >"$W/before.txt" || fail "db stats"
pg_sql "SELECT md5(string_agg(t::text, '|' ORDER BY row_id)) FROM mqtt.mqtt_reduced t" >"$W/before.md5"

check_after() {
  local what=$1 rc=$2
  [[ $rc -eq 1 ]] || fail "$what: exit $rc, 1 expected"
  grep -q "^mqttids: db load: " "$W/err.txt" || fail "$what: no 'db load' error line"
  [[ $(wc -l <"$W/err.txt") == 1 ]] || fail "$what: more than the one error line on stderr"
  grep -qiE "server closed the connection|terminating connection|connection to server|no connection" "$W/err.txt" \
    || fail "$what: libpq's text is missing"
  grep -q "nothing was changed" "$W/err.txt" || fail "$what: message does not say nothing changed"
  pg_restart
  "$MQTTIDS" db stats --db "$PG_DSN" >"$W/after.txt" || fail "$what: db stats after restart"
  diff "$W/before.txt" "$W/after.txt" || fail "$what: the earlier table changed"
  pg_sql "SELECT md5(string_agg(t::text, '|' ORDER BY row_id)) FROM mqtt.mqtt_reduced t" | diff "$W/before.md5" - \
    || fail "$what: the earlier table's rows changed"
  [[ $(pg_sql "SELECT count(*) FROM pg_class WHERE relname LIKE 'mqttids_load_%'") == 0 ]] \
    || fail "$what: a half-loaded table is left"
}

# seen_while SQL PID: 0 once the count SQL returns is above 0 (polled every 0.05 s, up to 60 s),
# 1 when the load PID ends first or the time runs out
seen_while() {
  local sql=$1 pid=$2
  for _ in $(seq 1 1200); do
    [[ $(pg_sql "$sql" 2>/dev/null || echo 0) -gt 0 ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# (a) during COPY: 500k rows (the legitimate head rows repeated)
awk 'NR == FNR && FNR == 1 { print; next } FNR > 1 { r[n++] = $0 } END { for (i = 0; i < 500000; i++) print r[i % n] }' \
  "$D/legitimate_from_benign_pcap_head.csv" "$D/legitimate_from_benign_pcap_head.csv" >"$W/big.csv"
"$MQTTIDS" db load -q --db "$PG_DSN" --train "$W/big.csv" 2>"$W/err.txt" &
pid=$!
bg+=("$pid")
seen_while "SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 1000" "$pid" ||
  fail "(a) never saw the COPY running (it finished or never started)"
pg_stop_immediate
rc=0; wait "$pid" || rc=$?
check_after "(a) stop during COPY" "$rc"
echo "(a) $(head -1 "$W/err.txt")"

# (b) at the swap: a reader holds ACCESS SHARE on the old table; the load waits for it at DROP TABLE
fifo=$W/hold
mkfifo "$fifo"
"$PGBIN/psql" -X -q -d "$PG_DSN" <"$fifo" >/dev/null 2>&1 &
bg+=("$!")
exec 7>"$fifo"
echo "BEGIN; LOCK TABLE mqtt.mqtt_reduced IN ACCESS SHARE MODE;" >&7
for _ in $(seq 1 200); do
  [[ $(pg_sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
               WHERE c.relname = 'mqtt_reduced' AND l.granted") -gt 0 ]] && break
  sleep 0.05
done
"$MQTTIDS" db load -q --db "$PG_DSN" --train "$D/dos_from_malariados_pcap_head.csv" 2>"$W/err.txt" &
pid=$!
bg+=("$pid")
seen_while "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DROP TABLE%'" "$pid" ||
  fail "(b) the load never waited at the swap"
pg_stop_immediate
rc=0; wait "$pid" || rc=$?
exec 7>&-
check_after "(b) stop at the swap" "$rc"
echo "(b) $(head -1 "$W/err.txt")"

# and a load afterwards works on the restarted server
"$MQTTIDS" db load -q --db "$PG_DSN" --train "$D/flood_from_flood_pcap_head.csv" || fail "load after restart"
[[ $(pg_sql "SELECT count(*) FROM mqtt.mqtt_reduced") == 56 ]] || fail "load after restart: count"
echo "pg_crash: ok"
