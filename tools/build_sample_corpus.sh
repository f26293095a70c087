#!/usr/bin/env bash
# Build python/embedrs/data/sample.txt.gz: a small public-domain English
# sample corpus (King James Bible) shipped inside the embedrs Python package.
#
# Source: Debian package bible-kjv-text (the KJV text, public domain), read
# with the 'bible' program from the bible-kjv package.  Both .debs are fetched
# with 'apt-get download' and unpacked with 'dpkg -x' into a temporary
# directory; nothing is installed system-wide.  Needs: apt-get (after one
# 'apt-get update'), dpkg, python3 (standard library only), gzip, sha256sum.
#
# Normalisation (text8 style): NFKD, accents dropped, lowercase; every maximal
# run of a-z is a token, everything else (digits included) is a separator and
# digits are dropped; one verse per line, tokens joined by single spaces;
# verses with fewer than 3 tokens are dropped.
#
# Selection: all verses are shuffled with random.Random(1); the output is the
# longest prefix of that order whose size (with '\n' endings) is at most
# MAX_BYTES (2,000,000).  Lines stay in the shuffled order, so any contiguous
# chunk of the file mixes all books.  'gzip -n' keeps the .gz byte-reproducible.
#
# Usage: tools/build_sample_corpus.sh [OUTPUT.gz]
#   default output: python/embedrs/data/sample.txt.gz (relative to the repo)
#   env: KJV_VERSION (default 4.38; Debian bookworm), MAX_BYTES, SEED
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$REPO/python/embedrs/data/sample.txt.gz}
KJV_VERSION=${KJV_VERSION:-4.38}
MAX_BYTES=${MAX_BYTES:-2000000}
SEED=${SEED:-1}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/embedrs-sample.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
for p in bible-kjv-text bible-kjv; do
  if ! apt-get download -q "$p=$KJV_VERSION"; then
    echo "error: cannot download $p=$KJV_VERSION (run 'apt-get update' once, or set KJV_VERSION)" >&2
    exit 1
  fi
done
for d in ./*.deb; do dpkg -x "$d" "$WORK/x"; done
for d in ./*.deb; do echo "source: $(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version)"; done

# Print every verse, one per line ('-l' is the output line width), preceded by
# "Book N" chapter headings.
"$WORK/x/usr/bin/bible" -p "$WORK/x/usr/lib" -l100000 'gen1:1-rev22:21' \
  < /dev/null > "$WORK/kjv.txt"

python3 - "$WORK/kjv.txt" "$WORK/sample.txt" "$MAX_BYTES" "$SEED" <<'PYEOF'
import random, re, sys, unicodedata
from collections import Counter

src, dst, max_bytes, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
TOK = re.compile(r"[a-z]+")
VERSE = re.compile(r"^\s+\d+\s+(.*\S)\s*$")
HEAD = re.compile(r"^\S.*\s\d+$")

def norm(text):
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return TOK.findall(t)

verses, heads = [], 0
with open(src, encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        m = VERSE.match(line)
        if m:
            verses.append(m.group(1))
        elif HEAD.match(line):
            heads += 1
        elif line.strip():
            sys.exit(f"unexpected line in bible output: {line!r}")
if len(verses) != 31102 or heads != 1189:
    sys.exit(f"unexpected KJV layout: {len(verses)} verses, {heads} chapters")

lines = []
for v in verses:
    toks = norm(v)
    if len(toks) >= 3:
        lines.append(" ".join(toks))
all_bytes = sum(len(l) + 1 for l in lines)
random.Random(seed).shuffle(lines)

out, size = [], 0
for l in lines:
    if size + len(l) + 1 > max_bytes:
        break
    out.append(l)
    size += len(l) + 1
with open(dst, "w", encoding="ascii", newline="\n") as f:
    for l in out:
        f.write(l + "\n")

c = Counter(t for l in out for t in l.split())
print(f"kjv: {len(verses)} verses, {len(lines)} with >=3 tokens, {all_bytes} bytes normalised")
print(f"sample: lines={len(out)} bytes={size} tokens={sum(c.values())} "
      f"types={len(c)} types_min5={sum(1 for n in c.values() if n >= 5)}")
print("top30: " + " ".join(f"{w}:{n}" for w, n in c.most_common(30)))
print("probes: " + " ".join(f"{w}:{c[w]}" for w in
      ("king", "queen", "god", "lord", "jesus", "christ", "father", "mother", "son",
       "daughter", "man", "woman", "water", "gold", "silver", "israel", "egypt")))
PYEOF

mkdir -p "$(dirname "$OUT")"
gzip -n -9 -c "$WORK/sample.txt" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "sha256 text: $(sha256sum < "$WORK/sample.txt" | cut -d' ' -f1)"
echo "sha256 gz:   $(sha256sum < "$OUT" | cut -d' ' -f1)  $OUT ($(stat -c %s "$OUT") bytes)"
