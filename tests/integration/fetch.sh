#!/bin/bash
# Remote inputs (mqttids/fetch.h) against a local server started here (fetch_server.py):
# http and https (gzip and plain) give the same exploration as the local file; S3 requests
# carry a SigV4 signature the server recomputes independently; GCS bearer tokens and public
# objects; a server dying mid-transfer, a 404 and bad credentials fail with exit 1, a
# message naming the URL, and nothing written.
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}"
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-fetch.XXXXXX")
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
if "$MQTTIDS" stats http://127.0.0.1:1/x.csv 2>&1 | grep -q "built without libcurl"; then
  echo "SKIP: built without libcurl"; exit 77
fi

mkdir -p "$WORK/root/dir"
cp "$SRCDIR/data/lab/test.csv.gz" "$WORK/root/test.csv.gz"
gzip -dc "$WORK/root/test.csv.gz" >"$WORK/root/dir/test plain.csv"
"$MQTTIDS" stats "$WORK/root/test.csv.gz" >"$WORK/want.txt" 2>/dev/null
grep -q "19487" "$WORK/want.txt" || fail "local stats do not show the 19,487 rows"

# serve [ARGS...]: starts a server, sets URL to http(s)://127.0.0.1:PORT
serve() {
  local pf="$WORK/port.$RANDOM"
  "$PY" "$SRCDIR/tests/integration/fetch_server.py" --root "$WORK/root" --port-file "$pf" --log "$WORK/log" "$@" &
  PIDS+=($!)
  for _ in $(seq 1 100); do [[ -s $pf ]] && break; sleep 0.05; done
  [[ -s $pf ]] || fail "test server did not start"
  PORT=$(cat "$pf")
}
# same URL...: stats of each URL equal the local file's
same() {
  local u
  for u in "$@"; do
    "$MQTTIDS" stats "$u" >"$WORK/got.txt" 2>"$WORK/err.txt" || { cat "$WORK/err.txt" >&2; fail "stats $u failed"; }
    cmp -s "$WORK/want.txt" "$WORK/got.txt" || fail "stats of $u differ from the local file's"
    echo "ok: $u"
  done
}
# refused URL PATTERN: train from URL exits 1, names URL and PATTERN, writes no model
refused() {
  local rc=0
  "$MQTTIDS" train --model rf --param numTrees=2 --train "$1" -o "$WORK/m.model" 2>"$WORK/err.txt" || rc=$?
  [[ $rc == 1 ]] || { cat "$WORK/err.txt" >&2; fail "train from $1 exited $rc, expected 1"; }
  grep -qF "$1" "$WORK/err.txt" || fail "the error does not name $1: $(cat "$WORK/err.txt")"
  grep -q "$2" "$WORK/err.txt" || fail "the error for $1 lacks '$2': $(cat "$WORK/err.txt")"
  [[ ! -e $WORK/m.model ]] && ! ls "$WORK"/m.model.* >/dev/null 2>&1 || fail "a model was written from $1"
  echo "ok: refused $1 ($(head -1 "$WORK/err.txt"))"
}

# plain HTTP and the server dying mid-transfer
serve
H=http://127.0.0.1:$PORT
same "$H/plain/test.csv.gz" "$H/plain/dir/test%20plain.csv"
refused "$H/die/test.csv.gz" "transfer failed after [0-9]* bytes"
refused "$H/die/dir/test%20plain.csv" "transfer failed after [0-9]* bytes"
refused "$H/plain/missing.csv" "HTTP 404"

# captures from a URL (told by the name: .pcap, .pcapng, .cap): extract and the data commands
PCAP="${SHARED:-}/pcap_l-laura/benign-head.pcap"
if [[ -r $PCAP ]] && "$MQTTIDS" extract --help >/dev/null 2>&1; then
  cp "$PCAP" "$WORK/root/cap.pcap"
  "$MQTTIDS" extract -q -r "$PCAP" -o "$WORK/local.csv"
  "$MQTTIDS" extract -q -r "$H/plain/cap.pcap" -o "$WORK/remote.csv" || fail "extract from a URL"
  cmp -s "$WORK/local.csv" "$WORK/remote.csv" || fail "extract from a URL differs from the local file"
  "$MQTTIDS" stats "$PCAP" >"$WORK/s1.txt" 2>/dev/null
  "$MQTTIDS" stats "$H/plain/cap.pcap" >"$WORK/s2.txt" 2>/dev/null || fail "stats of a pcap URL"
  cmp -s "$WORK/s1.txt" "$WORK/s2.txt" || fail "stats of a pcap URL differ"
  rc=0
  "$MQTTIDS" extract -q -r "$H/die/cap.pcap" -o "$WORK/cut.csv" 2>"$WORK/err.txt" || rc=$?
  [[ $rc == 1 ]] && grep -q "transfer failed after [0-9]* bytes" "$WORK/err.txt" || fail "cut pcap: rc $rc: $(cat "$WORK/err.txt")"
  [[ ! -e $WORK/cut.csv ]] || fail "extract wrote rows from a cut transfer"
  echo "ok: captures from URLs (whole, and cut: $(head -1 "$WORK/err.txt"))"
fi

# S3: signed requests checked by the server; the key's space is percent-encoded
serve --aws-id AKIDTEST --aws-secret 'sekrit/Key+1' --aws-token 'tok en' --aws-region eu-west-3
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT/s3" AWS_REGION=eu-west-3
AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY='sekrit/Key+1' AWS_SESSION_TOKEN='tok en' \
  same "s3://bucket/test.csv.gz" "s3://bucket/dir/test plain.csv"
grep -q "GET /s3/bucket/dir/test%20plain.csv auth=AWS4-HMAC-SHA256" "$WORK/log" || fail "no signed S3 request logged"
AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=wrong AWS_SESSION_TOKEN='tok en' \
  refused "s3://bucket/test.csv.gz" "HTTP 403 (check AWS_ACCESS_KEY_ID"
grep -q "refused: signature mismatch" "$WORK/log" || fail "the server did not see a wrong signature"
refused "s3://bucket/test.csv.gz" "HTTP 403"   # no credentials: unsigned, refused
AWS_ACCESS_KEY_ID=AKIDTEST refused "s3://bucket/test.csv.gz" "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
refused "s3://bucket" "expected s3://BUCKET/OBJECT"
if grep -q "sekrit" "$WORK/err.txt"; then fail "a secret was printed"; fi
unset AWS_ENDPOINT_URL AWS_REGION

# GCS: public objects without a token, private ones with the bearer token
serve --gcs-token gcstok
export STORAGE_EMULATOR_HOST="http://127.0.0.1:$PORT/gcs"
same "gs://public/test.csv.gz"
GOOGLE_OAUTH_ACCESS_TOKEN=gcstok same "gs://private/dir/test plain.csv"
refused "gs://private/test.csv.gz" "HTTP 401 (check GOOGLE_OAUTH_ACCESS_TOKEN)"
unset STORAGE_EMULATOR_HOST

# HTTPS with a self-signed certificate given as CURL_CA_BUNDLE
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
  cat "$WORK/cert.pem" "$WORK/key.pem" >"$WORK/both.pem"
  serve --cert "$WORK/both.pem"
  CURL_CA_BUNDLE="$WORK/cert.pem" same "https://127.0.0.1:$PORT/plain/test.csv.gz"
  refused "https://127.0.0.1:$PORT/plain/test.csv.gz" "certificate"
fi
echo "PASS"
