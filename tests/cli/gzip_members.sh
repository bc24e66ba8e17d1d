#!/usr/bin/env bash
# gzip input: every member is read (multi-member files as `gzip -c a >x; gzip -c b >>x`
# make), and a damaged, garbage or truncated member after the first one is an error
# naming the byte offset, never a quiet stop (zlib's gzread stopped there: a 200-row
# file read as "100 rows", exit 0). `gzip -t` is the oracle for which files are whole.
set -u
source "$(dirname "$0")/harden_common.sh"
F=$SHARED/derived_from_pcap/legitimate_from_benign_pcap_head.csv
head -101 "$F" | gzip -c > "$T/a.gz"
sed -n 102,201p "$F" | gzip -c > "$T/b.gz"
cat "$T/a.gz" "$T/b.gz" > "$T/whole.gz"
{ cat "$T/a.gz"; printf 'this is not gzip at all, just trailing bytes\n'; } > "$T/garbage.gz"
/usr/bin/python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
a = open(t + '/a.gz', 'rb').read(); b = open(t + '/b.gz', 'rb').read()
open(t + '/bad_magic.gz', 'wb').write(a + b'\x1f\x8c' + b[2:])            # second member's header damaged
open(t + '/bad_data.gz', 'wb').write(a + b[:30] + bytes([b[30] ^ 0xff]) + b[31:])  # its deflate data damaged
open(t + '/truncated.gz', 'wb').write(a + b[:len(b) // 2])                # the file ends inside it
open(t + '/one_byte.gz', 'wb').write(a + b'\x1f')                          # a lone byte after the member
PY
rows() { "$MQTTIDS" stats --json "$@" 2>&1 >/dev/null | grep -o '[0-9]* rows read' | cut -d' ' -f1; }
# whole files: as many rows as zcat gives
want=$(( $(zcat "$T/whole.gz" | wc -l) - 1 ))
ok test "$want" -eq 200
ok test "$(rows "$T/whole.gz")" = "$want"
ok test "$(rows - < "$T/whole.gz")" = "$want"
ok test "$(rows - < "$F")" = "$(( $(wc -l < "$F") - 1 ))"
for f in garbage bad_magic bad_data truncated one_byte; do
  gzip -t "$T/$f.gz" 2>/dev/null && { fail=$((fail+1)); echo "FAIL: oracle: gzip -t accepts $f"; }
  for src in file stdin; do
    if [[ $src == file ]]; then "$MQTTIDS" stats -q "$T/$f.gz" >/dev/null 2>"$T/err"; rc=$?
    else "$MQTTIDS" stats -q - < "$T/$f.gz" >/dev/null 2>"$T/err"; rc=$?; fi
    if [[ $rc -eq 1 ]] && grep -q ": byte [0-9]*: .*gzip" "$T/err"; then pass=$((pass+1))
    else fail=$((fail+1)); echo "FAIL: $f ($src): exit $rc"; cat "$T/err"; fi
  done
done
harden_done
