#!/bin/bash
# Identity columns and evaluation by connection and host, end to end on the six shared MQTTset
# pcap heads (docs/FORMATS.md "Identity columns", docs/internals/ml.md "Evaluation by"):
#  1. `extract --ids` keeps the 33 MQTTset columns byte for byte and appends id.stream and
#     id.client before target; every row's id.stream equals tshark's tcp.stream and its
#     id.client the client address (the end not on port 1883) as a 32-bit number; the number
#     of connections equals the number of distinct tcp.stream values tshark gives.
#  2. id.* columns are never features: train refuses them by name or prefix.
# Env: MQTTIDS (the tool), SHARED (shared data). KEEP=1 keeps the work dir.
set -u
: "${MQTTIDS:?}" "${SHARED:?}"
P="$SHARED/pcap_l-laura"
[ -d "$P" ] || { echo "SKIP: no $P"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "SKIP: no tshark"; exit 77; }
W=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

CAPS="benign:legitimate bruteforce:bruteforce flood:flood malariados:dos malformed:malformed slowite:slowite"
for x in $CAPS; do
    n=${x%%:*}; c=${x##*:}
    f=$(ls "$P/$n"-head.pcap* | head -1)
    "$MQTTIDS" extract -q -r "$f" --label "$c" -o "$W/$n.plain.csv" || bad "extract $n"
    "$MQTTIDS" extract -q -r "$f" --label "$c" --ids -o "$W/$n.csv" || bad "extract --ids $n"
    # 1. the 33 features and the target unchanged, id.stream and id.client between them
    cmp -s <(cut -d, -f1-33 "$W/$n.csv") <(cut -d, -f1-33 "$W/$n.plain.csv") || bad "$n: 33 features differ with --ids"
    cmp -s <(awk -F, '{print $NF}' "$W/$n.csv") <(awk -F, '{print $NF}' "$W/$n.plain.csv") || bad "$n: target differs"
    case "$(head -1 "$W/$n.csv")" in
    *,mqtt.willtopic_len,id.stream,id.client,target) ;;
    *) bad "$n: header $(head -1 "$W/$n.csv")" ;;
    esac
    tshark -r "$f" -T fields -E separator=, -e tcp.stream -e ip.src -e ip.dst -e tcp.dstport > "$W/$n.ts" 2>/dev/null ||
        bad "tshark $n"
    /usr/bin/python3 - "$W/$n.csv" "$W/$n.ts" "$n" <<'PY' || fail=1
import csv, sys, ipaddress
csv.field_size_limit(sys.maxsize)
mine = [(r['id.stream'], r['id.client']) for r in csv.DictReader(open(sys.argv[1], newline=''))]
ref = []
for line in open(sys.argv[2]):
    st, src, dst, dport = line.rstrip('\n').split(',')
    ref.append((st, str(int(ipaddress.ip_address(src if dport == '1883' else dst)))))
conns = len({m[0] for m in mine})
if mine != ref or conns != len({r[0] for r in ref}):
    print('FAIL: %s: ids differ from tshark (%d vs %d rows)' % (sys.argv[3], len(mine), len(ref)))
    sys.exit(1)
print('%s: %d rows, %d connections (tshark tcp.stream: %d), %d client hosts'
      % (sys.argv[3], len(mine), conns, len({r[0] for r in ref}), len({m[1] for m in mine})))
PY
done

# 2. identity columns are never features
for sel in "--features id" "--features id.stream" "--features ctx,id.client" "--continuous tcp.len,id.client"; do
    # shellcheck disable=SC2086
    if "$MQTTIDS" train -q -m lr $sel "$W/benign.csv" "$W/malformed.csv" -o "$W/x.model" > /dev/null 2> "$W/err"; then
        bad "train $sel accepted an identity column"
    fi
    grep -q "identity column" "$W/err" || bad "train $sel: no clear message ($(cat "$W/err"))"
done
[ -e "$W/x.model" ] && bad "a refused train wrote a model"
"$MQTTIDS" train -q -m lr "$W/benign.csv" "$W/malformed.csv" -o "$W/lr.model" > /dev/null || bad "train on rows with ids"
"$MQTTIDS" predict -q -m "$W/lr.model" "$W/malformed.csv" -o "$W/pred.csv" || bad "predict on rows with ids"
[ "$(wc -l < "$W/pred.csv")" = "$(wc -l < "$W/malformed.csv")" ] || bad "predict: row count"

[ $fail = 0 ] && echo "eval_by: all checks passed"
exit $fail
