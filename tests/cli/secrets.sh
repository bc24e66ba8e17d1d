#!/usr/bin/env bash
# No secret in any output (docs/SECURITY.md): every command that takes a connection
# string, given one whose password libpq cannot parse or whose host is broken, fails
# without printing the password (libpq quotes the bad token or the whole URI in its
# parse error). No server is needed: parsing fails before any connection.
set -u
source "$(dirname "$0")/harden_common.sh"
P=$SHARED/pcap_l-laura/flood-head.pcap
harden_model
SECRET='Pw7SecretXq'
URIS=("postgresql://ids:${SECRET}%ZZ@127.0.0.1:5432/ids"
      "postgresql://ids:${SECRET}@[::1/ids"
      "postgres://ids:${SECRET}@127.0.0.1:99999999/ids?sslmode=bogus"
      "host=127.0.0.1 password=${SECRET} user=ids bogus_key=1"
      "host=127.0.0.1 password='${SECRET}"
      "postgresql://ids:${SECRET}@127.0.0.1:1/ids?connect_timeout=2"
      "postgresql://127.0.0.1:1/ids?user=ids&password=${SECRET}&bogus=1"
      "host=127.0.0.1 port=1 sslpassword=${SECRET} connect_timeout=2")
check() {
  local what=$1; shift
  "$@" >"$T/out" 2>"$T/err" </dev/null
  local rc=$?
  if [[ $rc -eq 0 ]]; then
    fail=$((fail+1)); echo "FAIL: $what: exit 0"
  elif grep -q "$SECRET" "$T/out" "$T/err"; then
    fail=$((fail+1)); echo "FAIL: $what: password printed:"; cat "$T/out" "$T/err"
  elif ! [[ -s $T/err ]]; then
    fail=$((fail+1)); echo "FAIL: $what: no message"
  else
    pass=$((pass+1))
  fi
}
for u in "${URIS[@]}"; do
  check "db load [$u]" "$MQTTIDS" db load -q --db "$u" --train "$F"
  check "db stats [$u]" "$MQTTIDS" db stats --db "$u"
  check "stats --db [$u]" "$MQTTIDS" stats -q --db "$u"
  check "predict --pred-table [$u]" "$MQTTIDS" predict -q -m "$T/m.model" --db "$u" --pred-table p "$F"
  check "watch --db [$u]" "$MQTTIDS" watch -r "$P" -m "$T/m.model" --db "$u"
  check "stream detect --db [$u]" "$MQTTIDS" stream detect -b mock -t rec -g g -m "$T/m.model" --db "$u" --max-records 1
  check "experiment --db [$u]" "$MQTTIDS" experiment -q --db "$u" --only lr
done
# the message still says what is wrong (libpq's words, the secret masked)
"$MQTTIDS" db stats --db "postgresql://ids:${SECRET}%ZZ@127.0.0.1:5432/ids" 2>"$T/err" >/dev/null
if grep -q "invalid percent-encoded token" "$T/err"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: libpq's reason lost:"; cat "$T/err"; fi
harden_done
