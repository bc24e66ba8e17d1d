#!/usr/bin/python3
"""mqttids experiment --report / mqttids report, checked in a real browser (headless Chromium).

usage: report_check.py MQTTIDS SHARED_DIR
Runs a small experiment on the shared heads (first 70% of each file train, last 30% test, as
scripts/demo.sh): LR tuned, RF tuned and NN model 1, 3-fold CV, with --json, --report and
--svg-dir, then checks:
  - `mqttids report RESULTS.json` writes the same bytes as `experiment --report`;
  - the page Chromium loaded (--dump-dom, parsed with html.parser) has every expected chart:
    an <svg class="chart"> with its id, a non-empty <title>, at least two axis labels and a
    number of marks fixed by the results (cells = classes^2, bars = 2 x classes, ...);
  - the numbers drawn are the results' numbers: the confusion cells' counts equal the JSON
    matrix, the importances chart lists the top-20 features of the JSON in order, the
    comparison table's test accuracies are the JSON's;
  - no <script>, no external reference (src/href to http, //, or url(http));
  - each chart is also DIR/<id>.svg, well-formed XML with an <svg> root;
  - a screenshot (1280x4000) decodes (stdlib zlib PNG decoder) to a non-blank image: many
    distinct colours and a real share of non-white pixels;
  - text from the results is escaped: a model named '<script>alert(1)</script> & "x"' gives
    no <script> element and shows the name as text;
  - errors: missing input file (exit 1), not JSON (1), JSON without results (1), no argument
    (2), experiment --svg-dir without --report (2).
Exits 77 (skip) when chromium or the shared data is missing.
"""
import json, os, shutil, struct, subprocess, sys, tempfile, zlib
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from heads_split import check, finish, heads_dir, split_heads

tool, shared = sys.argv[1], sys.argv[2]
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    print("chromium missing: skip")
    sys.exit(77)
src = heads_dir(shared)
tmp = tempfile.mkdtemp()
args = split_heads(src, tmp)


def browser(*extra):
    prof = tempfile.mkdtemp(dir=tmp)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           "--user-data-dir=" + prof] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    shutil.rmtree(prof, ignore_errors=True)
    return p


class Dom(HTMLParser):
    """Elements of the page as (tag, attrs, parent chart id); text per chart and per element."""

    def __init__(self):
        super().__init__()
        self.stack = []       # (tag, attrs)
        self.charts = {}      # id -> {"title": str, "marks": n, "axis": [labels], "cells": [counts], "tags": {}}
        self.scripts = 0
        self.refs = []
        self.text_all = []
        self.tables = {}      # id -> rows of cell texts
        self.cur_table = None
        self.cur_row = None

    def chart(self):
        for tag, a in reversed(self.stack):
            if tag == "svg" and "chart" in (a.get("class") or "").split():
                return self.charts[a["id"]]
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href", "xlink:href"):
            v = a.get(k) or ""
            if v and not v.startswith("#"):
                self.refs.append(v)
        if "url(" in (a.get("fill") or "") and "url(#" not in a["fill"]:
            self.refs.append(a["fill"])
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            self.charts[a.get("id")] = {"title": "", "marks": 0, "axis": [], "cells": [], "tags": {},
                                        "texts": []}
        c = self.chart()
        if c is not None:
            c["tags"][tag] = c["tags"].get(tag, 0) + 1
            if "mark" in (a.get("class") or "").split():
                c["marks"] += 1
        if tag == "table":
            self.cur_table = self.tables.setdefault(a.get("id") or "", [])
        if tag == "tr" and self.cur_table is not None:
            self.cur_row = []
            self.cur_table.append(self.cur_row)
        if tag in ("td", "th") and self.cur_row is not None:
            self.cur_row.append("")
        if tag not in ("br", "meta", "line", "rect", "circle", "path", "polyline", "img", "input", "link"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if tag == "table":
            self.cur_table = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.text_all.append(data)
        if self.cur_row is not None and self.stack and self.stack[-1][0] in ("td", "th", "code"):
            self.cur_row[-1] += data
        c = self.chart()
        if c is None or not self.stack:
            return
        tag, a = self.stack[-1]
        cls = (a.get("class") or "").split()
        if tag == "title":
            c["title"] += data
        elif tag == "text":
            c["texts"].append(data)
            if "axis-label" in cls:
                c["axis"].append(data)
            if "count" in cls:
                c["cells"].append(data)


def dump(path):
    p = browser("--dump-dom", "file://" + path)
    check(p.returncode == 0 and "<svg" in p.stdout, "chromium --dump-dom of %s (rc %d)" % (path, p.returncode))
    d = Dom()
    d.feed(p.stdout)
    return d


# --- the experiment, its report and its results
html1, html2, svgdir = (os.path.join(tmp, x) for x in ("exp.html", "rep.html", "svg"))
os.mkdir(svgdir)
p = subprocess.run([tool, "experiment", "-q", "--nn", "--only", "LR tuned,RF tuned,NN model 1", "--folds", "3",
                    "--json", "--report", html1, "--svg-dir", svgdir] + args, capture_output=True, text=True)
check(p.returncode == 0, "experiment --report exit %d: %s" % (p.returncode, p.stderr[-2000:]))
if p.returncode != 0:
    finish(1)
res = json.loads(p.stdout)
resfile = os.path.join(tmp, "results.json")
with open(resfile, "w") as f:
    f.write(p.stdout)
p = subprocess.run([tool, "report", resfile, "-o", html2, "-q"], capture_output=True, text=True)
check(p.returncode == 0, "report exit %d: %s" % (p.returncode, p.stderr))
check(open(html1, "rb").read() == open(html2, "rb").read(), "report from saved JSON == experiment --report")

models = {m["name"]: m for m in res["models"]}
check(set(models) == {"LR tuned", "RF tuned", "NN model 1"}, "models run: %s" % sorted(models))
classes = res["models"][0]["test"]["confusion"]["labels"]
k = len(classes)
ncols = len(res["stats"]["columns"])
check(ncols >= 33, "stats.columns lists every column (%d)" % ncols)
check(len(models["RF tuned"].get("importances", [])) == len(models["RF tuned"].get("features", [])) > 0,
      "RF tuned has features and importances in the JSON")
check(len(models["NN model 1"].get("curve", {}).get("epochs", [])) == 20, "NN model 1 has 20 epochs of curve")

slug = {"LR tuned": "lr-tuned", "RF tuned": "rf-tuned", "NN model 1": "nn-model-1"}
# id -> number of marks (data points drawn: bars, cells, markers)
expect = {"class-counts": 2 * k, "zero-share": ncols, "comparison": 2 * 3}
for n, s in slug.items():
    expect["confusion-" + s] = k * k
    expect["per-class-" + s] = 2 * k
cv_lr = models["LR tuned"]["cv"]["points"]
expect["cv-lr-tuned"] = 3 * len(cv_lr)     # each point once per parameter panel (3 keys)
expect["cv-rf-tuned"] = 2 * len(models["RF tuned"]["cv"]["points"])
expect["importances-rf-tuned"] = min(20, len(models["RF tuned"]["importances"]))
expect["curves-nn-model-1"] = 0             # cli_curves' chart: checked by its polylines

d = dump(html1)
check(d.scripts == 0, "no <script> elements (%d)" % d.scripts)
check(not [r for r in d.refs if not r.startswith("#")], "no external references: %s" % d.refs[:5])
check(set(d.charts) == set(expect), "charts present: missing %s, unexpected %s" %
      (sorted(set(expect) - set(d.charts)), sorted(set(d.charts) - set(expect))))
for cid, n in expect.items():
    c = d.charts.get(cid)
    if not c:
        continue
    check(c["title"].strip() != "", "%s has a <title>" % cid)
    if cid.startswith("curves-"):
        check(c["tags"].get("polyline", 0) >= 4, "%s: 4 curves drawn (%d polylines)" % (cid, c["tags"].get("polyline", 0)))
        check(any("epoch" in t for t in c["texts"]) and any("loss" in t for t in c["texts"]), "%s: axis labels" % cid)
        continue
    check(len(c["axis"]) >= 2, "%s: at least two axis labels (%s)" % (cid, c["axis"]))
    check(c["marks"] == n and n > 0, "%s: %d marks, expected %d" % (cid, c["marks"], n))
    if cid.startswith("cv-"):
        check(c["tags"].get("path", 0) >= len(models["LR tuned" if "lr" in cid else "RF tuned"]["cv"]["points"]),
              "%s: error bars drawn" % cid)
# units in the axis labels
check(any("fraction" in a for a in d.charts["per-class-rf-tuned"]["axis"]), "per-class axis names its unit")
check(any("%" in a for a in d.charts["zero-share"]["axis"]), "zero-share axis in %")
check(any("log scale" in a for a in d.charts["class-counts"]["axis"]), "class-counts axis says log scale")

# the drawn numbers are the results'
for n, s in slug.items():
    mat = models[n]["test"]["confusion"]["rows_true_columns_predicted"]
    want = [str(v) for row in mat for v in row]
    check(d.charts["confusion-" + s]["cells"] == want, "confusion-%s cells == JSON matrix" % s)
rf = models["RF tuned"]
order = sorted(range(len(rf["importances"])), key=lambda i: -rf["importances"][i])[:20]
texts = d.charts["importances-rf-tuned"]["texts"]
drawn = [t for t in texts if t in rf["features"]]
check(drawn == [rf["features"][i] for i in order], "importances: top-20 features in JSON order")
rows = d.tables.get("comparison-table", [])
byname = {r[0]: r for r in rows[1:]}
for n, m in models.items():
    r = byname.get(n)
    check(r is not None and r[4] == "%.4f" % m["test"]["accuracy"], "comparison table test accuracy of %s" % n)
    check(r is not None and r[6] == "%.4f" % m["study_test_accuracy"], "comparison table study figure of %s" % n)
dropped = {r[0] for r in d.tables.get("dropped", [])[1:]}
check(set(res["stats"]["dropped_zeros"]) <= dropped and "mqtt.msg" in dropped,
      "dropped table lists the zeros-rule columns and mqtt.msg")

# standalone SVG files
files = {f[:-4] for f in os.listdir(svgdir) if f.endswith(".svg")}
check(files == set(expect), "svg-dir files: %s" % sorted(files ^ set(expect)))
for f in files:
    try:
        root = ET.parse(os.path.join(svgdir, f + ".svg")).getroot()
        check(root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("id") == f, "%s.svg root" % f)
    except ET.ParseError as e:
        check(False, "%s.svg is not well-formed: %s" % (f, e))


# --- screenshot, decoded with zlib
def png_pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and inter == 0, "PNG kind"
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw = zlib.decompress(idat)
    stride, prev, out, i = w * bpp, bytearray(w * bpp), [], 0
    for _ in range(h):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out


shot = os.path.join(tmp, "report.png")
p = browser("--screenshot=" + shot, "--window-size=1280,4000", "file://" + html1)
check(p.returncode == 0 and os.path.exists(shot), "chromium --screenshot (rc %d)" % p.returncode)
if os.path.exists(shot):
    w, h, bpp, rows_px = png_pixels(shot)
    colours, nonwhite, total = set(), 0, 0
    for y in range(0, h, 4):
        r = rows_px[y]
        for x in range(0, w * bpp, 4 * bpp):
            px = r[x:x + 3]
            colours.add(px)
            total += 1
            nonwhite += px != b"\xff\xff\xff"
    check((w, h) == (1280, 4000), "screenshot size %dx%d" % (w, h))
    check(len(colours) >= 50, "screenshot has many colours (%d)" % len(colours))
    check(0.05 <= nonwhite / total <= 0.9, "screenshot non-white share %.3f" % (nonwhite / total))
    keep = os.environ.get("MQTTIDS_REPORT_SHOT")
    if keep:
        shutil.copy(shot, keep)

# --- at 800 px: no sideways scroll, every chart's text inside its chart. The report has no
# script; a copy in the temp dir gets one that measures the laid-out page (getBoundingClientRect
# of each <text> against its <svg>) and writes the figures into the DOM for --dump-dom.
MEASURE = """<script>
addEventListener('load', function () {
  var de = document.documentElement, out = {vw: de.clientWidth, dw: de.scrollWidth, svgs: 0, texts: 0, bad: []};
  document.querySelectorAll('svg.chart').forEach(function (s) {
    var r = s.getBoundingClientRect();
    out.svgs++;
    s.querySelectorAll('text').forEach(function (t) {
      var b = t.getBoundingClientRect();
      out.texts++;
      if (!b.width) return;
      if (b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5)
        out.bad.push([s.id, t.textContent, Math.round(b.left - r.left), Math.round(r.right - b.right),
                      Math.round(b.top - r.top), Math.round(r.bottom - b.bottom)]);
    });
  });
  var p = document.createElement('pre');
  p.id = 'measure';
  p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
});
</script>
"""
import html as _html
import re as _re


def measure(page_path, nchart, what):
    """Loads a copy of the page with MEASURE at 800 px; checks its figures."""
    wrap = os.path.join(tmp, "measure.html")
    with open(page_path) as f:
        page = f.read()
    # the report's policy forbids scripts: the measuring copy's allows its own inline one
    page = page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
    with open(wrap, "w") as f:
        f.write(page.replace("</body>", MEASURE + "</body>", 1))
    p = browser("--dump-dom", "--window-size=800,3000", "--virtual-time-budget=5000", "file://" + wrap)
    mm = _re.search(r'<pre id="measure">(.*?)</pre>', p.stdout, _re.S)
    check(mm is not None, "%s: 800 px measurement ran (rc %d)" % (what, p.returncode))
    if not mm:
        return
    ms = json.loads(_html.unescape(mm.group(1)))
    print("%s at 800 px: %d charts, %d texts, page %d/%d px, %d texts outside" %
          (what, ms["svgs"], ms["texts"], ms["dw"], ms["vw"], len(ms["bad"])))
    check(ms["svgs"] == nchart and ms["texts"] > 100, "%s: measured %d charts, %d texts" % (what, ms["svgs"], ms["texts"]))
    check(ms["dw"] <= ms["vw"], "%s: page %d px wide in a %d px viewport (sideways scroll)" % (what, ms["dw"], ms["vw"]))
    check(not ms["bad"], "%s: text outside its chart (id, text, left, right, top, bottom margins): %s" %
          (what, ms["bad"][:20]))


measure(html1, len(expect), "report")
# long names (a model, a column, a feature, a class) are cut to their margins, not past the frame
longres = json.loads(json.dumps(res))
longres["models"][0]["name"] = "A model with a really quite long descriptive name, as a user may give"
longres["stats"]["columns"][0]["name"] = "some.very.long.column.name.from.a.custom.capture.tool"
for m in longres["models"]:
    if m.get("features"):
        m["features"] = ["a.feature.with.a.long.long.long.long.name." + f for f in m["features"]]
    m["test"]["confusion"]["labels"][0] = "legitimate-traffic-of-a-long-named-class"
longfile, longhtml = os.path.join(tmp, "long.json"), os.path.join(tmp, "long.html")
with open(longfile, "w") as f:
    json.dump(longres, f)
p = subprocess.run([tool, "report", longfile, "-o", longhtml, "-q"], capture_output=True, text=True)
check(p.returncode == 0, "report of long names: exit %d %s" % (p.returncode, p.stderr))
measure(longhtml, len(expect), "long names")
check("some.very.long.column.name.from.a.custom.capture.tool</title>" in open(longhtml).read(),
      "a cut label keeps its whole text as its <title>")

# --- escaping: hostile names through `mqttids report`
bad = json.loads(json.dumps(res))
evil = '<script>alert(1)</script> & "x"'
bad["models"][0]["name"] = evil
bad["models"][0]["best_params"] = "regParam=<b>1</b>"
bad["stats"]["columns"][0]["name"] = "col<img src=x>"
badfile, badhtml = os.path.join(tmp, "bad.json"), os.path.join(tmp, "bad.html")
with open(badfile, "w") as f:
    json.dump(bad, f)
p = subprocess.run([tool, "report", badfile, "-o", badhtml, "-q"], capture_output=True, text=True)
check(p.returncode == 0, "report of hostile names: exit %d %s" % (p.returncode, p.stderr))
db = dump(badhtml)
check(db.scripts == 0 and not db.refs, "hostile names: no script, no img src (%d, %s)" % (db.scripts, db.refs))
alltext = "".join(db.text_all)
check(evil in alltext and "col<img src=x>" in alltext, "hostile names shown as text")
check(any(c.startswith("confusion-script-alert") for c in db.charts), "hostile name slugged into the id")

# --- errors
def rc(*a):
    return subprocess.run([tool] + list(a), capture_output=True, text=True)


p = rc("report", os.path.join(tmp, "nonexistent.json"), "-o", os.path.join(tmp, "x.html"))
check(p.returncode == 1 and "nonexistent.json" in p.stderr, "missing input: exit 1 naming it (%d)" % p.returncode)
notjson = os.path.join(tmp, "notjson.json")
open(notjson, "w").write("this is not json\n")
p = rc("report", notjson, "-o", os.path.join(tmp, "x.html"))
check(p.returncode == 1 and "notjson.json" in p.stderr, "not JSON: exit 1 (%d)" % p.returncode)
other = os.path.join(tmp, "other.json")
open(other, "w").write('{"a": 1}\n')
p = rc("report", other, "-o", os.path.join(tmp, "x.html"))
check(p.returncode == 1 and not os.path.exists(os.path.join(tmp, "x.html")), "JSON without results: exit 1, no file")
check(rc("report").returncode == 2, "no argument: exit 2")
check(rc("experiment", "--svg-dir", svgdir, *args).returncode == 2, "experiment --svg-dir without --report: exit 2")
check(rc("report", resfile, "-o", os.path.join(tmp, "no-such-dir", "x.html")).returncode == 1,
      "unwritable output: exit 1")

shutil.rmtree(tmp, ignore_errors=True)
finish()
