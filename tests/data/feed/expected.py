#!/usr/bin/env python3
"""Expected word counts for the committed test feeds (tests/integration/kafka_feed.cmake).

An implementation of the feed job's word rules that shares no code with mqttids: Python's
xml.etree parses the feeds (mqttids uses libxml2), and the rules are re-implemented here
from their description (docs/internals/stream.md, "Feed words"):
  - the text is an item's title (RSS: channel/item/title; Atom: entry/title), whitespace
    around it trimmed, as UTF-8 bytes;
  - ASCII letters and digits make words, letters lower-cased;
  - '-' stays when both neighbours (in the original text) are ASCII letters/digits;
  - whitespace, control bytes and non-ASCII bytes end a word;
  - any other ASCII punctuation is deleted (the word goes on: "don't" -> "dont");
  - words in stopwords_en.txt (Spark's StopWordsRemover English list) are dropped.
The attack-type counts were also checked by hand (docs/internals/stream.md).

usage: expected.py > expected.json
"""
import json, os, sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ATOM = "{http://www.w3.org/2005/Atom}"
TERMS = ["slowite", "dos", "legitimate", "malformed", "brute", "ddos", "denial-of-service"]

def titles(path):
    root = ET.parse(path).getroot()
    if root.tag == "rss":
        return [(i.findtext("title") or "").strip() for i in root.iter("item")]
    if root.tag == ATOM + "feed":
        return [(e.findtext(ATOM + "title") or "").strip() for e in root.iter(ATOM + "entry")]
    raise SystemExit("%s: not a feed" % path)

def alnum(b):
    return (48 <= b <= 57) or (65 <= b <= 90) or (97 <= b <= 122)

def words(text, stop):
    b = text.encode("utf-8")
    out, cur = [], bytearray()
    def flush():
        if cur:
            w = cur.decode("ascii")
            out.append(w)
            cur.clear()
    for i, ch in enumerate(b):
        if alnum(ch):
            cur.append(ch + 32 if 65 <= ch <= 90 else ch)
        elif ch == 0x2D and 0 < i < len(b) - 1 and alnum(b[i - 1]) and alnum(b[i + 1]):
            cur.append(ch)
        elif ch >= 0x80 or ch <= 0x20 or ch == 0x7F:
            flush()
    flush()
    kept = [w for w in out if w not in stop]
    return kept, len(out) - len(kept)

def count(paths, stop):
    counts, total, stopped, n = {}, 0, 0, 0
    for p in paths:
        for t in titles(p):
            n += 1
            kept, s = words(t, stop)
            stopped += s
            total += len(kept)
            for w in kept:
                counts[w] = counts.get(w, 0) + 1
    return {"messages": n, "words": total, "stop_words_dropped": stopped, "distinct": len(counts),
            "attack_terms": {t: counts.get(t, 0) for t in TERMS}, "counts": counts}

def main():
    stop = set(open(os.path.join(HERE, "stopwords_en.txt")).read().split())
    rss, atom = os.path.join(HERE, "sample.rss"), os.path.join(HERE, "sample.atom")
    out = {"sample.rss": count([rss], stop), "sample.atom": count([atom], stop),
           "both": count([rss, atom], stop)}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")

main()
