# Sourced by tests/cli/*.sh that run on the six shared MQTTset pcap heads: the harness (set -u,
# fail=0 and `bad MSG...` that prints and sets it, a work dir W removed on exit unless KEEP=1),
# P the heads' folder, CAPS its captures as NAME:CLASS, and `head_pcap NAME` the capture file
# of NAME; exits 77 (skip) without the shared data. Needs MQTTIDS and SHARED.
set -u
: "${MQTTIDS:?}" "${SHARED:?}"
P="$SHARED/pcap_l-laura"
[ -d "$P" ] || { echo "SKIP: no $P"; exit 77; }
W=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
CAPS="benign:legitimate bruteforce:bruteforce flood:flood malariados:dos malformed:malformed slowite:slowite"
head_pcap() { ls "$P/$1"-head.pcap* | head -1; }
# extract_with NAME CLASS OPTION PLAIN OUT: extracts head NAME labelled CLASS into PLAIN, and
# with OPTION (--context, --ids) into OUT; bad unless OUT keeps PLAIN's 33 feature columns
# and target byte for byte (the added columns stand between them).
extract_with() {
  local n=$1 c=$2 opt=$3 plain=$4 out=$5 f
  f=$(head_pcap "$n")
  "$MQTTIDS" extract -q -r "$f" --label "$c" -o "$plain" || bad "extract $n"
  "$MQTTIDS" extract -q -r "$f" --label "$c" "$opt" -o "$out" || bad "extract $opt $n"
  cmp -s <(cut -d, -f1-33 "$out") <(cut -d, -f1-33 "$plain") || bad "$n: 33 features differ with $opt"
  cmp -s <(awk -F, '{print $NF}' "$out") <(awk -F, '{print $NF}' "$plain") || bad "$n: target differs with $opt"
}
