#!/bin/bash
# Every example command in README.md, in README order:
#  1. README and --help agree: each option an example uses is in its command's --help.
#  2. It runs and exits 0, with the data names replaced by local stand-ins (a 1-in-15
#     sample (README_SAMPLE) of the committed lab dataset for the MQTTset CSVs, the shared MQTTset pcap heads
#     for captures), servers replaced by ones started here (a throwaway PostgreSQL, a
#     standalone mock Kafka cluster, the fetch test's object server for s3:// and gs://, a
#     local feed), the interface eth0 by lo, and durations shortened (lab -d 3, feed --for 2,
#     watch stopped by SIGINT after 3 s). Skipped, and said so: make demo/check (this test runs
#     inside make check), the synopsis line, and the stream example lines, which
#     integration.readme_stream runs end to end. lab needs root: skipped otherwise.
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}" "${SHARED:?}"
here=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-readme.XXXXXX")
PIDS=()
MOCK_PID=
cleanup_all() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n $MOCK_PID ]] && kill -TERM "$MOCK_PID" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$W"
  declare -F pg_cleanup >/dev/null && pg_cleanup
  return 0
}
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- servers and stand-ins ------------------------------------------------------------
HAVE_PG=0
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && id postgres >/dev/null 2>&1; then
  # shellcheck source=/dev/null
  source "$here/pg_server.sh"
  pg_start >/dev/null
  HAVE_PG=1
fi
trap cleanup_all EXIT
cd "$W"
# README_SAMPLE: keep 1 row in N (15; the sanitizer build uses a sparser sample to stay fast)
/usr/bin/python3 - "$SRCDIR/data/lab" "${README_SAMPLE:-15}" <<'PY'
import gzip, sys
step = int(sys.argv[2])
for name in ("train", "test"):
    with gzip.open("%s/%s.csv.gz" % (sys.argv[1], name), "rt") as f, open("s_%s.csv" % name, "w") as o:
        for i, l in enumerate(f):
            if i == 0 or i % step == 0:
                o.write(l)
PY
gzip -c s_test.csv >s_test.csv.gz
# rows that carry the identity columns (eval --by): a real capture through extract --ids
"$MQTTIDS" extract -q --ids --label bruteforce -r "$SHARED/pcap_l-laura/bruteforce-head.pcapng" -o s_ids.csv
mkdir -p objects
cp s_train.csv objects/train70_reduced.csv; cp s_test.csv objects/test30_reduced.csv
gzip -c s_train.csv >objects/train70_reduced.csv.gz
cp "$SRCDIR/tests/data/feed/sample.rss" objects/news.xml
/usr/bin/python3 "$here/fetch_server.py" --root objects --port-file port --log fetch.log \
  --aws-id AKIDREADME --aws-secret readme-secret --aws-region us-east-1 &
PIDS+=($!)
for _ in $(seq 1 100); do [[ -s port ]] && break; sleep 0.05; done
PORT=$(cat port)
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT/s3" AWS_ACCESS_KEY_ID=AKIDREADME AWS_SECRET_ACCESS_KEY=readme-secret
export AWS_REGION=us-east-1 STORAGE_EMULATOR_HOST="http://127.0.0.1:$PORT/gcs"
HAVE_KAFKA=0
if "$MQTTIDS" stream mock-cluster --help >/dev/null 2>&1; then
  "$MQTTIDS" stream mock-cluster --topic news:4 --address-file brokers.txt >/dev/null 2>mock.err &
  MOCK_PID=$!
  for _ in $(seq 1 100); do [[ -s brokers.txt ]] && break; sleep 0.1; done
  HAVE_KAFKA=1
fi

sub() {
  local c=$1
  c=${c//train70_reduced.csv/s_train.csv}; c=${c//test30_reduced.csv/s_test.csv}
  c=${c//train70.csv/s_train.csv}; c=${c//test30.csv/s_test.csv}
  c=${c//--train train.csv/--train s_train.csv}; c=${c//val.csv/s_test.csv}
  c=${c//capture.csv.gz/s_test.csv.gz}
  c=${c//lab\/test.csv/s_ids.csv}
  c=${c//s3:\/\/mqttset\/s_train.csv/s3://mqttset/train70_reduced.csv}
  c=${c//s3:\/\/mqttset\/s_test.csv/s3://mqttset/test30_reduced.csv}
  c=${c//gs:\/\/mqttset\/s_train.csv.gz/gs://mqttset/train70_reduced.csv.gz}
  c=${c//capture.pcap/$SHARED/pcap_l-laura/benign-head.pcap}
  c=${c//benign.pcap/$SHARED/pcap_l-laura/benign-head.pcap}
  c=${c//malaria.pcap/$SHARED/pcap_l-laura/malariados-head.pcap}
  c=${c//broker.pcapng/$SHARED/pcap_l-laura/bruteforce-head.pcapng}
  c=${c//-i eth0/-i lo}
  c=${c//kafka1:9092/\"\$(cat brokers.txt)\"}
  c=${c//https:\/\/example.org\/news.xml/http://127.0.0.1:$PORT/plain/news.xml}
  c=${c//--for 300/--for 2}
  c=${c//--duration 60/--duration 3}; c=${c//-d 30/-d 3}
  if ((HAVE_PG)); then
    c=${c//postgresql:\/\/ids@localhost\/ids/$PG_URI}
    c=${c//\'dbname=ids\'/\'$PG_DSN\'}
  fi
  printf '%s' "$c"
}

# --- the examples -------------------------------------------------------------------
mapfile -t LINES < <(grep -E '^ {4,6}(sudo )?mqttids ' "$SRCDIR/README.md")
((${#LINES[@]} >= 25)) || fail "only ${#LINES[@]} example lines found in README.md"
mqttids() { "$MQTTIDS" "$@"; }
ran=0 skipped=0
for raw in "${LINES[@]}"; do
  line=$(sed -E 's/^ +//; s/ +# .*$//' <<<"$raw")
  [[ $line == "mqttids <command>"* ]] && { echo "skip (synopsis): $line"; skipped=$((skipped + 1)); continue; }
  [[ $line == sudo* ]] && fail "README example uses sudo: $line"
  read -r -a words <<<"$line"
  cmd=${words[1]}
  [[ $cmd == stream || $cmd == db ]] && cmd="$cmd ${words[2]}"
  # 1. every option of the example is in the command's --help
  # shellcheck disable=SC2086
  help=$("$MQTTIDS" $cmd --help 2>&1) || fail "$cmd --help failed"
  for w in "${words[@]:2}"; do
    [[ $w =~ ^(-[a-zA-Z]|--[a-z][-a-z0-9]*)(=.*)?$ ]] || continue
    opt=${BASH_REMATCH[1]}
    grep -qE -- "(^|[ ,\[|])$opt([ =,\]|]|$)" <<<"$help" || fail "'$opt' of the README example '$line' is not in 'mqttids $cmd --help'"
  done
  # 2. run it
  case $line in
    "mqttids stream "*) echo "skip (integration.readme_stream runs it): $line"; skipped=$((skipped + 1)); continue ;;
    "mqttids lab "*) if [[ $(id -u) != 0 ]]; then echo "skip (needs root): $line"; skipped=$((skipped + 1)); continue; fi ;;
    *"--db"*) if ((!HAVE_PG)); then echo "skip (no PostgreSQL): $line"; skipped=$((skipped + 1)); continue; fi ;;
  esac
  case $line in *brokers*) if ((!HAVE_KAFKA)); then echo "skip (no Kafka): $line"; skipped=$((skipped + 1)); continue; fi ;; esac
  c=$(sub "$line")
  echo "+ $c"
  c="\"\$MQTTIDS\"${c#mqttids}"
  rc=0
  if [[ $line == "mqttids watch -i "* ]]; then
    eval "timeout --preserve-status -s INT 3 $c" >out.txt 2>err.txt || rc=$?
  else
    eval "timeout 300 $c" >out.txt 2>err.txt || rc=$?
  fi
  [[ $rc == 0 ]] || { tail -5 err.txt >&2; fail "README example exited $rc: $c"; }
  ran=$((ran + 1))
done
[[ -s rf.model && -s predictions.csv && -s report.html && -d charts && -s results.json && -s rows.csv ]] ||
  fail "the examples' outputs are missing"
echo "PASS: $ran README examples ran, $skipped skipped (said why above)"
