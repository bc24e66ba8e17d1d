#!/bin/bash
# The report's pictures say what the pipeline does and stay inside their frames: the
# zero-share chart marks every column the pipeline drops (mqtt.msg, named, included) as
# dropped, per the results' own drop list; no note starts past the right edge or runs
# beyond it (estimated at 6.5 px a character); "best" labels sit above their rings; the
# page shrinks pictures and scrolls wide tables inside themselves at 800 px.
set -euo pipefail
: "${MQTTIDS:?}" "${SRCDIR:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/mqttids-replayout.XXXXXX")
trap 'rm -rf "$W"' EXIT
D="$SRCDIR/data/lab/test.csv.gz"
"$MQTTIDS" experiment --json --only rf --train "$D" --test "$D" >"$W/res.json" 2>/dev/null
"$MQTTIDS" report -q "$W/res.json" -o "$W/r.html" --svg-dir "$W/charts"
/usr/bin/python3 - "$W/res.json" "$W/charts" "$W/r.html" <<'PY'
import json, os, re, sys
import xml.etree.ElementTree as ET
res = json.load(open(sys.argv[1]))
dropped = {d["column"] for m in res["models"] for d in m.get("dropped", [])}
assert "mqtt.msg" in dropped, dropped
ns = {"s": "http://www.w3.org/2000/svg"}
t = ET.parse(os.path.join(sys.argv[2], "zero-share.svg")).getroot()
W = float(t.get("viewBox").split()[2])
kept_fill = None
for leg in t.iter("{http://www.w3.org/2000/svg}text"):
    pass
marks = [r for r in t.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "mark"]
by_col = {}
for r in marks:
    title = r.find("s:title", ns).text
    by_col[title.split(": ")[0]] = r.get("fill")
kept = {f for c, f in by_col.items() if c not in dropped}
assert len(kept) == 1, ("kept columns drawn in several fills", kept)
for c in dropped:
    if c in by_col:
        assert by_col[c] not in kept, ("dropped column drawn as kept", c, by_col[c])
for tx in t.iter("{http://www.w3.org/2000/svg}text"):
    s = "".join(tx.itertext())
    x = float(tx.get("x", 0))
    anchor = tx.get("text-anchor", "start")
    right = x + (0 if anchor == "end" else (3.25 if anchor == "middle" else 6.5) * len(s))
    assert right <= W, ("text runs past the picture", s, x, W)
for name in os.listdir(sys.argv[2]):
    if not name.startswith("cv-"):
        continue
    root = ET.parse(os.path.join(sys.argv[2], name)).getroot()
    rings = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter("{http://www.w3.org/2000/svg}circle") if c.get("r") == "9"]
    bests = [(float(x.get("x")), float(x.get("y"))) for x in root.iter("{http://www.w3.org/2000/svg}text") if x.text == "best"]
    assert rings and len(rings) == len(bests), (name, rings, bests)
    for (cx, cy), (bx, by) in zip(rings, bests):
        assert abs(bx - cx) < 0.5 and by <= cy - 12, ("best label on its marker", name, cx, cy, bx, by)
    # y-axis ticks: equally spaced as printed (no tick rounded to fewer decimals than the step)
    axes = {}
    for x in root.iter("{http://www.w3.org/2000/svg}text"):
        if x.get("text-anchor") == "end" and x.get("font-size") == "11" and re.fullmatch(r"-?[0-9.]+", x.text or ""):
            axes.setdefault(x.get("x"), []).append((float(x.get("y")), float(x.text)))
    assert axes, name
    for ticks in axes.values():
        v = [t for _, t in sorted(ticks, reverse=True)]
        d = [b - a for a, b in zip(v, v[1:])]
        assert len(d) >= 2 and max(d) - min(d) < 1e-9, ("unequal ticks as printed", name, v)
html = open(sys.argv[3]).read()
assert "figure{max-width:100%}" in html and "overflow-x:auto" in html
print("ok: %d columns, %d dropped, notes inside %.0f px" % (len(by_col), len(dropped & set(by_col)), W))
PY
echo PASS
