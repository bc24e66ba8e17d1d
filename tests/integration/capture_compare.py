#!/usr/bin/env python3
"""capture_compare.py MINE.csv REF.csv NAME: prints the match rate per file and the first
differing rows field by field; exit 1 unless every row is equal on all 33 fields + target."""
import sys, csv
# rows end with \n only (text fields may hold \x0b, \x1c, ... that splitlines() would split on)
a = open(sys.argv[1], newline='').read().split('\n')
b = open(sys.argv[2], newline='').read().split('\n')
a = a[:-1] if a and a[-1] == '' else a
b = b[:-1] if b and b[-1] == '' else b
name = sys.argv[3] if len(sys.argv) > 3 else sys.argv[1]
hdr = b[0].split(',') if b else []
n = max(len(a), len(b)) - 1
bad = 0
for i in range(1, max(len(a), len(b))):
    x = a[i] if i < len(a) else None
    y = b[i] if i < len(b) else None
    if x != y:
        bad += 1
        if bad <= 5:
            xs = x.split(',') if x is not None else []
            ys = y.split(',') if y is not None else []
            d = [(hdr[k] if k < len(hdr) else k, xs[k] if k < len(xs) else None, ys[k] if k < len(ys) else None)
                 for k in range(max(len(xs), len(ys))) if (xs[k] if k < len(xs) else None) != (ys[k] if k < len(ys) else None)]
            print('  row %d differs (field, mqttids, tshark): %s' % (i, d[:8]))
head_ok = a[:1] == b[:1]
print('%s: %d rows (tshark %d), %d equal, match %.3f%%%s' % (
    name, len(a) - 1, len(b) - 1, n - bad, 100.0 * (n - bad) / n if n > 0 else 100.0,
    '' if head_ok else ' (HEADER DIFFERS)'))
sys.exit(0 if bad == 0 and head_ok and len(a) > 1 else 1)
