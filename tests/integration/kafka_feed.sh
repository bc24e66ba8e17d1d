#!/usr/bin/env bash
# The study's feed job: the committed RSS and Atom feeds go into a topic (the Atom one
# through libcurl as a file:// URL); the consumer's word counts must equal
# tests/data/feed/expected.json (made by expected.py: xml.etree + the documented rules).
source "$(dirname "$0")/kafka_common.sh"
F="$TESTDATA/feed"
T="feed-$SUFFIX"
start_brokers "$T:3"
"$MQTTIDS" feed -q -b "$B" -t "$T" --json "$F/sample.rss" "file://$F/sample.atom" >"$WORK/prod.json" || fail "feed produce"
"$MQTTIDS" stream dump -q --keys -b "$B" -t "$T" >"$WORK/msgs"
[[ $(wc -l <"$WORK/msgs") == 13 ]] || fail "expected 13 messages, got $(wc -l <"$WORK/msgs")"
grep -qxF "$(printf 'SlowITe: a slow denial-of-service attack on MQTT\thttps://news.example.org/2024/slowite')" "$WORK/msgs" \
  || fail "title/link message missing"
grep -qxF "$(printf 'Flooding an MQTT broker with 30 KB PUBLISH messages\thttps://threats.example.net/2024/flood')" "$WORK/msgs" \
  || fail "Atom rel=alternate link not used"
"$MQTTIDS" feed --consume -b "$B" -t "$T" --json >"$WORK/words.json" 2>"$WORK/words.err" || fail "feed --consume"
"$MQTTIDS" feed --consume -b "$B" -t "$T" --top 5 >"$WORK/words.txt" 2>&1 || fail "feed --consume (table)"
cat "$WORK/words.txt"
"$MQTTIDS" feed --count -q --json "$F/sample.rss" >"$WORK/rss.json" || fail "feed --count"
$PY - "$WORK/words.json" "$WORK/rss.json" "$F/expected.json" <<'PYEOF'
import json, sys
got, rss, exp = (json.load(open(p)) for p in sys.argv[1:4])
for name, g, e in (("topic", got, exp["both"]), ("--count sample.rss", rss, exp["sample.rss"])):
    for k in ("messages", "words", "stop_words_dropped", "distinct", "attack_terms", "counts"):
        if g[k] != e[k]:
            sys.exit("FAIL %s: %s differs: got %s, expected %s" % (name, k, g[k], e[k]))
# the hand count (docs/internals/stream.md)
assert got["attack_terms"] == {"slowite": 2, "dos": 3, "legitimate": 2, "malformed": 2, "brute": 4,
                               "ddos": 2, "denial-of-service": 2}, got["attack_terms"]
print("feed words match expected.json:", got["attack_terms"])
PYEOF
grep -q "denial-of-service *2" "$WORK/words.txt" || fail "table lacks the attack term line"
echo PASS
