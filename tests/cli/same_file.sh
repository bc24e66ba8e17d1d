#!/usr/bin/env bash
# An output that is one of the command's own inputs (same device and inode, whatever the
# path says: ./x, a hard link, a symlink) is refused with exit 2 before anything is
# written, and the input is left byte for byte as it was.
set -u
source "$(dirname "$0")/harden_common.sh"
cp "$SHARED/pcap_l-laura/flood-head.pcap" "$T/cap.pcap"
head -300 "$D/flood_from_flood_pcap_head.csv" > "$T/in.csv"
harden_model
ln "$T/in.csv" "$T/hardlink.csv"; ln -s "$T/cap.pcap" "$T/symlink.pcap"
sum() { md5sum "$T/cap.pcap" "$T/in.csv" "$T/m.model" | cut -d' ' -f1 | tr '\n' ' '; }
before=$(sum)
refused() {
  local what=$1; shift
  "$@" >/dev/null 2>"$T/err"; local rc=$?
  if [[ $rc -ne 2 ]]; then fail=$((fail+1)); echo "FAIL: $what: exit $rc"; cat "$T/err"
  elif ! grep -q "is the input file" "$T/err"; then fail=$((fail+1)); echo "FAIL: $what: message"; cat "$T/err"
  elif [[ $(sum) != "$before" ]]; then fail=$((fail+1)); echo "FAIL: $what: an input changed"
  else pass=$((pass+1)); fi
}
refused "extract -o input" "$MQTTIDS" extract -q -r "$T/cap.pcap" -o "$T/cap.pcap"
refused "extract -o symlink to input" "$MQTTIDS" extract -q -r "$T/cap.pcap" -o "$T/symlink.pcap"
refused "extract -o ./input" bash -c "cd '$T' && '$MQTTIDS' extract -q -r cap.pcap -o ./cap.pcap"
refused "--reject onto the input" "$MQTTIDS" stats -q --on-error skip --reject "$T/in.csv" "$T/in.csv"
refused "--reject onto a hard link of the input" "$MQTTIDS" stats -q --on-error skip --reject "$T/hardlink.csv" "$T/in.csv"
refused "predict -o model" "$MQTTIDS" predict -q -m "$T/m.model" -o "$T/m.model" "$T/in.csv"
refused "predict -o input" "$MQTTIDS" predict -q -m "$T/m.model" -o "$T/in.csv" "$T/in.csv"
refused "predict -o --test input" "$MQTTIDS" predict -q -m "$T/m.model" -o "$T/hardlink.csv" --test "$T/in.csv"
refused "train -o input" "$MQTTIDS" train -q --model lr -o "$T/in.csv" --train "$T/in.csv"
# distinct files still work
"$MQTTIDS" predict -q -m "$T/m.model" -o "$T/pred.csv" "$T/in.csv" 2>"$T/err" && [[ -s $T/pred.csv ]] \
  && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: predict to a new file"; cat "$T/err"; }
"$MQTTIDS" extract -q -r "$T/cap.pcap" -o "$T/out.csv" 2>"$T/err" && [[ -s $T/out.csv ]] \
  && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: extract to a new file"; cat "$T/err"; }
harden_done
