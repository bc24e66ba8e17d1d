#!/usr/bin/env bash
# Hostile table names, values and connection strings against a real server:
#  - names with quotes, semicolons, dots, SQL comments land as literal identifiers
#    (a sentinel table survives, nothing else is created) or are refused before any SQL;
#  - values with quotes, backslashes, semicolons, $1, %s, commas and UTF-8 are stored
#    byte for byte (checked with psql) and read back to the same statistics;
#  - passwords never appear in output; libpq's own error text does.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/pg_server.sh"
pg_test_start   # W (work dir), D (head CSVs), fail
F=$D/flood_from_flood_pcap_head.csv

pg_sql "CREATE SCHEMA keep; CREATE TABLE keep.sentinel (x int); INSERT INTO keep.sentinel VALUES (42);
        CREATE TABLE public.students (x int);" >/dev/null
sentinel_ok() {
  [[ $(pg_sql "SELECT x FROM keep.sentinel") == 42 ]] || fail "sentinel table damaged after $1"
  [[ $(pg_sql "SELECT count(*) FROM pg_tables WHERE tablename = 'students'") == 1 ]] || fail "students dropped after $1"
}

# name given -> schema|table as PostgreSQL stores them
check_name() {
  local name=$1 want=$2
  "$MQTTIDS" db load -q --db "$PG_DSN" --table "$name" --train "$F" 2>"$W/err.txt" || fail "load into [$name]"
  got=$(pg_sql "SELECT n.nspname || '|' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE obj_description(c.oid, 'pg_class') = 'mqttids records v1' ORDER BY c.oid DESC LIMIT 1")
  [[ $got == "$want" ]] || fail "[$name] stored as [$got], expected [$want]"
  "$MQTTIDS" db stats --db "$PG_DSN" --table "$name" >"$W/s.txt" || fail "db stats on [$name]"
  grep -q "^  flood *56 " "$W/s.txt" || fail "db stats on [$name]: no flood row"
  "$MQTTIDS" stats -q --db "$PG_DSN" --table "$name" >/dev/null 2>"$W/err.txt" || fail "stats --db on [$name]"
  sentinel_ok "[$name]"
}
check_name 'mqtt."we""ird; DROP TABLE keep.sentinel;--"' 'mqtt|we"ird; DROP TABLE keep.sentinel;--'
check_name "Robert'); DROP TABLE students;--" "public|robert'); drop table students;--"
check_name '"a.b"."c.d"' 'a.b|c.d'
check_name '"Keep"."Sentinel"' 'Keep|Sentinel'
check_name 'x.$1 %s %n' 'x|$1 %s %n'
check_name '"sch""; DROP SCHEMA keep CASCADE; --".t' 'sch"; DROP SCHEMA keep CASCADE; --|t'

# refused before any SQL: exit 1 with the rule broken
refuse() {
  local name=$1 want=$2
  if "$MQTTIDS" db load -q --db "$PG_DSN" --table "$name" --train "$F" 2>"$W/err.txt"; then fail "[$name] accepted"; fi
  grep -qF -- "$want" "$W/err.txt" || fail "[$name]: message lacks '$want'"
  sentinel_ok "[$name]"
}
refuse 'a.b.c' 'more than two dotted parts'
refuse '"unclosed' 'unclosed double quote'
refuse 'mqtt.' 'empty name part'
refuse '.t' 'empty name part'
refuse 'mqtt.a"b' 'double quote inside an unquoted name part'
refuse '"a"b.t' 'text after a closing double quote'
refuse "mqtt.$(printf 'x%.0s' $(seq 1 64))" 'longer than 63 bytes'
refuse 'information_schema.tables' 'is not a table'
refuse 'keep.sentinel' 'is not a records table (no column tcp_flags); not replacing it'
"$MQTTIDS" db load -q --append --db "$PG_DSN" --table pg_catalog.pg_class --train "$F" 2>"$W/err.txt" \
  && fail "append into pg_class accepted"
grep -q "no column tcp_flags" "$W/err.txt" || fail "append into pg_class: message"
if "$MQTTIDS" db load -q --db "$PG_DSN" --table pg_catalog.pg_class --train "$F" 2>"$W/err.txt"; then
  fail "replace of pg_class accepted"
fi
grep -q "nothing was changed" "$W/err.txt" || fail "replace of pg_class: message"
[[ $(pg_sql "SELECT count(*) FROM pg_class WHERE relname = 'pg_class'") == 1 ]] || fail "pg_class"
sentinel_ok "pg_class"
# append into a records table with a column of another type: refused, naming the column
pg_sql "CREATE TABLE keep.badtype AS SELECT * FROM \"Keep\".\"Sentinel\" LIMIT 0;
        ALTER TABLE keep.badtype ALTER COLUMN tcp_time_delta TYPE text" >/dev/null
"$MQTTIDS" db load -q --append --db "$PG_DSN" --table keep.badtype --train "$F" 2>"$W/err.txt" \
  && fail "append into keep.badtype accepted"
grep -q "column tcp_time_delta has type text, the records layout needs double precision" "$W/err.txt" \
  || fail "append into keep.badtype: message"
[[ $(pg_sql "SELECT count(*) FROM keep.badtype") == 0 ]] || fail "keep.badtype: rows appended"
# a table of another mqttids layout version is refused
pg_sql "CREATE TABLE keep.v9 (x int); COMMENT ON TABLE keep.v9 IS 'mqttids records v9'" >/dev/null
refuse 'keep.v9' "table layout 'mqttids records v9' found, 'mqttids records v1' expected"

# hostile values: mqtt.protoname is free text (quoted in the CSV where it holds commas/quotes)
vals=("it's" 'say "hi"' 'back\slash' 'semi;colon; DROP TABLE keep.sentinel;--' '$1 $2 %s %n' 'com,ma'
      "O'Reilly'); DELETE FROM keep.sentinel; --" 'héllo wörld ✓' '\x27\\N' 'NULL')
{
  head -1 "$F"
  i=0
  while IFS= read -r line; do
    v=${vals[$((i % ${#vals[@]}))]}
    q=${v//\"/\"\"}
    IFS=, read -r -a fld <<<"$line"
    fld[23]="\"$q\""
    (IFS=,; echo "${fld[*]}")
    i=$((i + 1))
  done < <(sed -n '2,21p' "$F")
} >"$W/hostile.csv"
"$MQTTIDS" db load -q --db "$PG_DSN" --table vals.t --train "$W/hostile.csv" 2>"$W/err.txt" || fail "hostile values load"
for i in "${!vals[@]}"; do
  got=$(pg_sql "SELECT mqtt_protoname FROM vals.t WHERE row_id = $((i + 1))")
  [[ $got == "${vals[$i]}" ]] || fail "value $i stored as [$got], expected [${vals[$i]}]"
done
[[ $(pg_sql "SELECT count(*) FROM vals.t WHERE mqtt_protoname IS NULL") == 0 ]] || fail "'NULL' text became NULL"
"$MQTTIDS" stats -q --train "$W/hostile.csv" >"$W/a.txt"
"$MQTTIDS" stats -q --db "$PG_DSN" --table vals.t >"$W/b.txt" || fail "hostile values read back"
diff "$W/a.txt" "$W/b.txt" || fail "hostile values: stats differ after the round trip"
grep -q "semi;colon" "$W/b.txt" || fail "protoname values not listed in stats"
sentinel_ok "hostile values"

# connection strings: the password never shows, libpq's text does
secret='s3cr3t-Pa55'
if "$MQTTIDS" db stats --db "host=$PGTMP port=$PGPORT user=postgres password=$secret dbname=no_such_db" \
     >"$W/out.txt" 2>"$W/err.txt"; then fail "connected to a missing database"; fi
grep -q 'database "no_such_db" does not exist' "$W/err.txt" || fail "libpq text missing"
grep -q 'password=\*\*\*' "$W/err.txt" || fail "masked connection string not shown"
if grep -q "$secret" "$W/out.txt" "$W/err.txt"; then fail "password printed"; fi
if "$MQTTIDS" stats -q --db "postgresql://postgres:$secret@127.0.0.1:$PGPORT/no_such_db" \
     >"$W/out.txt" 2>"$W/err.txt"; then fail "URI to a missing database"; fi
grep -q 'does not exist' "$W/err.txt" || fail "URI: libpq text missing"
if grep -q "$secret" "$W/out.txt" "$W/err.txt"; then fail "password from a URI printed"; fi
# sslmode is passed through to libpq
tcp="host=127.0.0.1 port=$PGPORT user=postgres dbname=mqttids_test application_name=ssltest"
if [[ $PG_SSL == 1 ]]; then
  # require: TLS without checking the certificate; the server logs the connection as SSL
  "$MQTTIDS" db stats --table vals.t --db "$tcp sslmode=require" >/dev/null 2>"$W/err.txt" || fail "sslmode=require"
  sleep 0.2
  grep -q "connection authorized: user=postgres database=mqttids_test application_name=ssltest SSL enabled" \
    "$PGTMP/server.log" || fail "sslmode=require: the server did not log an SSL connection"
  # verify-full with our self-signed certificate as the root: checked and accepted (CN=localhost)
  "$MQTTIDS" db stats --table vals.t --db "host=localhost port=$PGPORT user=postgres dbname=mqttids_test sslmode=verify-full sslrootcert=$PGTMP/server.crt" \
    >/dev/null 2>"$W/err.txt" || fail "sslmode=verify-full with the right root certificate"
  # verify-full without a root certificate: refused with libpq's reason
  if HOME=$W "$MQTTIDS" db stats --db "$tcp sslmode=verify-full" >/dev/null 2>"$W/err.txt"; then
    fail "verify-full without a root certificate accepted"
  fi
  grep -q "root certificate file" "$W/err.txt" || fail "verify-full: libpq text missing"
else
  if "$MQTTIDS" db stats --db "$tcp sslmode=require" 2>"$W/err.txt" >/dev/null; then
    fail "sslmode=require accepted by a server without TLS"
  fi
  grep -q "server does not support SSL" "$W/err.txt" || fail "sslmode: libpq text missing"
fi
# a malformed connection string is a usage error (exit 2), still without the password
rc=0; "$MQTTIDS" db stats --db "host=x password=$secret bogus_key=1" 2>"$W/err.txt" >/dev/null || rc=$?
[[ $rc == 2 ]] || fail "bad conninfo exit $rc"
grep -q 'invalid connection option "bogus_key"' "$W/err.txt" || fail "bad conninfo: libpq text"
if grep -q "$secret" "$W/err.txt"; then fail "password printed for a bad connection string"; fi
echo "pg_hostile: ok"
