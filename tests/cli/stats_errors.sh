#!/usr/bin/env bash
# Exit codes and messages of the reader through the tool: usage 2, bad data 1 naming
# file:line:column and the rule, --on-error skip writes every rejected line to --reject.
set -u
pass=0; fail=0
ok() { if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $*"; fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
H=$(head -1 "$SHARED/rows_from_notebooks.csv")
R="0x00000018,0.25,12,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0,0.0,0x00000030,0.0,10.0,3137,0.0,3.0,0.0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,legitimate"
printf '%s\n%s\n%s\n%s\n' "$H" "$R" "${R/,12,/,70000,}" "$R" > "$T/bad.csv"

"$MQTTIDS" stats --bogus >/dev/null 2>"$T/err"; ok test $? -eq 2
"$MQTTIDS" stats >/dev/null 2>"$T/err"; ok test $? -eq 2
"$MQTTIDS" stats --help >"$T/out"; ok test $? -eq 0
ok grep -q -- "--on-error" "$T/out"
"$MQTTIDS" stats "$T/bad.csv" >/dev/null 2>"$T/err"; ok test $? -eq 1
ok grep -q "bad.csv:3:3 (tcp.len): tcp.len must be an integer 0..65535" "$T/err"
"$MQTTIDS" stats --on-error skip --reject "$T/rej.txt" --json "$T/bad.csv" >"$T/out" 2>"$T/err"; ok test $? -eq 0
ok grep -q "3 rows read, 2 kept, 1 rejected" "$T/err"
ok grep -qx "${R/,12,/,70000,}" "$T/rej.txt"
ok grep -q '"rows_rejected":1' <(tr -d ' \n' < "$T/out")
"$MQTTIDS" stats "$T/missing.csv" >/dev/null 2>"$T/err"; ok test $? -eq 1
ok grep -q "missing.csv: cannot open" "$T/err"
"$MQTTIDS" nosuchcommand >/dev/null 2>&1; ok test $? -eq 2
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
