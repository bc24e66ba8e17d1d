#!/usr/bin/env bash
# pg_server.sh: a throwaway PostgreSQL server for one test script. Source it, then call
# pg_start; it exports PGBIN, PGTMP, PGPORT, PG_DSN (unix socket), PG_URI (TCP on
# 127.0.0.1) and PG_SSL (1 when the server has TLS with a self-signed certificate in
# $PGTMP/server.crt; connections are logged to $PGTMP/server.log) and stops the server and removes every file at exit, even on failure.
#   pg_stop_immediate   kill the server as a crash would (pg_ctl stop -m immediate)
#   pg_restart          start it again on the same data directory and port
#   pg_sql SQL          run SQL through psql (-X -At, ON_ERROR_STOP), output on stdout
# Exits 77 (ctest skip) when the PostgreSQL binaries or the postgres user are missing.
# initdb runs as the postgres user (we may be root; the server refuses to run as root).

pg_find_bin() {
  local d
  PGBIN=""
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/psql ]]; then PGBIN=$d; break; fi
  done
  if [[ -z $PGBIN ]]; then echo "SKIP: no PostgreSQL binaries under /usr/lib/postgresql/*/bin"; exit 77; fi
  export PGBIN
}

pg_as() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_cleanup() {
  if [[ -n ${PGTMP:-} && -d $PGTMP ]]; then
    pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGTMP"
  fi
}

pg_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  pg_find_bin
  if [[ -n ${MQTTIDS:-} && $("$MQTTIDS" db stats --db "host=/nonexistent" 2>&1 || true) == *"no PostgreSQL support"* ]]; then
    echo "SKIP: mqttids was built without PostgreSQL support"; exit 77
  fi
  if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then echo "SKIP: no postgres user"; exit 77; fi
  PGTMP=$(mktemp -d /tmp/mqttids-pg.XXXXXX)
  export PGTMP
  trap pg_cleanup EXIT
  [[ $(id -u) -eq 0 ]] && chown postgres "$PGTMP"
  chmod 700 "$PGTMP"
  if ! pg_as "$PGBIN/initdb" -D "$PGTMP/data" -A trust -U postgres --encoding=UTF8 --locale=C --no-sync \
        >"$PGTMP/initdb.log" 2>&1; then
    cat "$PGTMP/initdb.log"; echo "initdb failed"; exit 1
  fi
  PGPORT=$(pg_free_port)
  export PGPORT
  # TLS when openssl is there: a self-signed certificate (PG_SSL=1), connections logged
  PG_SSL=0
  PG_EXTRA_OPTS="-c log_connections=on"
  if command -v openssl >/dev/null 2>&1 &&
     openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
       -keyout "$PGTMP/server.key" -out "$PGTMP/server.crt" >/dev/null 2>&1; then
    [[ $(id -u) -eq 0 ]] && chown postgres "$PGTMP/server.key" "$PGTMP/server.crt"
    chmod 600 "$PGTMP/server.key"
    PG_SSL=1
    PG_EXTRA_OPTS+=" -c ssl=on -c ssl_cert_file=$PGTMP/server.crt -c ssl_key_file=$PGTMP/server.key"
  fi
  export PG_SSL
  pg_restart
  pg_as "$PGBIN/createdb" -h "$PGTMP" -p "$PGPORT" -U postgres mqttids_test
  export PG_DSN="host=$PGTMP port=$PGPORT user=postgres dbname=mqttids_test"
  export PG_URI="postgresql://postgres@127.0.0.1:$PGPORT/mqttids_test?sslmode=disable"
}

# The start of a test script on its own server: pg_start, then W (a work dir in PGTMP), D (the
# shared head CSVs) and `fail MSG...` (prints MSG and W/err.txt when there is one, exits 1).
# Needs MQTTIDS and SHARED.
pg_test_start() {
  : "${MQTTIDS:?}" "${SHARED:?}"
  pg_start
  W=$PGTMP/work
  mkdir -p "$W"
  D=$SHARED/derived_from_pcap
  fail() { echo "FAIL: $*"; [[ -f $W/err.txt ]] && cat "$W/err.txt"; exit 1; }
}

pg_restart() {
  if ! pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
        -o "-p $PGPORT -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off $PG_EXTRA_OPTS" \
        start >/dev/null; then
    cat "$PGTMP/server.log"; echo "pg_ctl start failed"; exit 1
  fi
}

pg_stop_immediate() {
  pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null
}

pg_sql() {
  "$PGBIN/psql" -X -At -v ON_ERROR_STOP=1 -d "$PG_DSN" -c "$1"
}
