#!/bin/bash
# What the tool says about its options: one message naming a bad option (with the whole
# command, "mqttids stream dump: ...") and the way to help; each db subcommand its own help;
# --json where README promises it (stream dump, create-topic, mock-cluster, report, db
# schema); reject files name FILE:LINE:COLUMN once.
. "$(dirname "$0")/../integration/mock_work.sh" options   # W, MOCK_PID, fail
cd "$W"
for c in "stats --bogus" "train --bogus" "stream dump --bogus" "stream detect --bogus" "db load --bogus" \
         "db schema --bogus" "report --bogus" "watch --bogus" "lab --bogus"; do
  rc=0
  # shellcheck disable=SC2086
  "$MQTTIDS" $c >/dev/null 2>err.txt || rc=$?
  cmd=${c% --bogus}
  [[ $rc == 2 ]] || fail "$c exited $rc"
  [[ $(wc -l <err.txt) == 2 ]] || fail "$c: $(wc -l <err.txt) lines: $(cat err.txt)"
  [[ $(sed -n 1p err.txt) == "mqttids $cmd: unrecognized option '--bogus'" ]] || fail "$c: $(sed -n 1p err.txt)"
  [[ $(sed -n 2p err.txt) == "Try 'mqttids $cmd --help'." ]] || fail "$c: $(sed -n 2p err.txt)"
done
rc=0; "$MQTTIDS" train --model 2>err.txt || rc=$?
[[ $rc == 2 ]] && grep -q "^mqttids train: option '--model' requires an argument" err.txt || fail "train --model: $(cat err.txt)"
echo "ok: bad options named once"

# option values and leftover arguments: refused (exit 2, the option named) before any input
# is opened; an empty [0, 1] value and an integer beyond a long were once read as 0 / wrapped
usage() { # EXPECTED-FIRST-LINE ARGS...
  local want=$1 rc=0; shift
  "$MQTTIDS" "$@" >/dev/null 2>err.txt || rc=$?
  [[ $rc == 2 && $(sed -n 1p err.txt) == "$want" ]] || fail "$*: exit $rc: $(cat err.txt)"
}
usage "mqttids train: --cv needs an integer in [2, 100], not '4294967298'" train -o m --cv 4294967298 none.csv
usage "mqttids train: --zero-threshold needs a number in [0, 1], not ''" train -o m --zero-threshold '' none.csv
usage "mqttids experiment: --seeds needs an integer in [1, 100], not '0'" experiment --seeds 0 none.csv
usage "mqttids eval: --min-probability needs a number in [0, 1], not '0.5x'" eval -m m --min-probability 0.5x none.csv
usage "mqttids stats: --corr-threshold needs a number in [0, 1], not '-1'" stats --corr-threshold -1 none.csv
usage "mqttids db schema: unexpected argument 'extra'" db schema extra
usage "mqttids stream create-topic: unrecognized option '--topic'" stream create-topic --brokers mock --topic x t
echo "ok: bad values and arguments"

"$MQTTIDS" db load --help >h.txt
grep -q "^Usage: mqttids db load " h.txt || fail "db load --help"
if grep -q "db stats\|db schema\|--top X" h.txt; then fail "db load --help shows other subcommands' help"; fi
"$MQTTIDS" db stats --help | grep -q "^Usage: mqttids db stats " || fail "db stats --help"
"$MQTTIDS" db schema --help | grep -q "^Usage: mqttids db schema " || fail "db schema --help"
"$MQTTIDS" db schema --json | /usr/bin/python3 -c 'import json,sys; assert "CREATE TABLE" in json.load(sys.stdin)["sql"]'
echo "ok: db subcommands' own help"

# reject file: "# FILE:LINE:COLUMN (NAME): rule", the line number once
gzip -dc "$SRCDIR/data/lab/test.csv.gz" >full.csv
head -3 full.csv >bad.csv
sed -n 4p full.csv | sed 's/^[^,]*,/0xZZ,/' >>bad.csv
"$MQTTIDS" stats -q --on-error skip --reject rej.txt bad.csv >/dev/null
[[ $(head -1 rej.txt) == "# bad.csv:4:1 (tcp.flags): '0xZZ' is not hex (0x...) or 0" ]] || fail "reject header: $(head -1 rej.txt)"
echo "ok: reject header"

# --json: report, mock-cluster, create-topic, dump
"$MQTTIDS" experiment --json --only rf --train "$SRCDIR/data/lab/test.csv.gz" --test "$SRCDIR/data/lab/test.csv.gz" >res.json 2>/dev/null
"$MQTTIDS" report --json res.json -o r.html --svg-dir charts | /usr/bin/python3 -c '
import json, sys; d = json.load(sys.stdin); assert d == {"input": "res.json", "output": "r.html", "svg_dir": "charts"}, d'
[[ -s r.html && -d charts ]] || fail "report --json wrote nothing"
if "$MQTTIDS" stream mock-cluster --help >/dev/null 2>&1; then
  "$MQTTIDS" stream mock-cluster --json --topic have:2 >mock.json 2>/dev/null &
  MOCK_PID=$!
  for _ in $(seq 1 100); do [[ -s mock.json ]] && break; sleep 0.1; done
  B=$(/usr/bin/python3 -c 'import json; print(json.load(open("mock.json"))["brokers"])')
  "$MQTTIDS" stream create-topic --json --brokers mock t1:2 | /usr/bin/python3 -c '
import json, sys; d = json.load(sys.stdin); assert d == {"created": ["t1"], "existing": []}, d'
  "$MQTTIDS" stream create-topic --json --if-not-exists --brokers "$B" have:2 | /usr/bin/python3 -c '
import json, sys; d = json.load(sys.stdin); assert d == {"created": [], "existing": ["have"]}, d'
  printf 'a\nb\nc\n' >lines.txt
  "$MQTTIDS" stream produce -q --brokers "$B" --topic have --raw lines.txt
  "$MQTTIDS" stream dump -q --json --brokers "$B" --topic have | /usr/bin/python3 -c '
import json, sys
d = [json.loads(l) for l in sys.stdin]
assert sorted((x["key"], x["value"]) for x in d) == [("0", "a"), ("1", "b"), ("2", "c")], d
assert all(isinstance(x["partition"], int) and isinstance(x["offset"], int) for x in d), d'
  echo "ok: --json of mock-cluster, create-topic, dump, report"
  usage "mqttids stream dump: unexpected argument 'extra'" stream dump --brokers "$B" --topic have extra
fi
echo PASS
