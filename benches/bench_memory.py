"""Peak memory of embedrs file-mode training on 1x and 3x the corpus.

Acceptance rule of the core issue: peak RSS while training from a file does not grow with the
corpus (file mode streams the corpus; only the vocabulary and the two matrices are resident).
The 3x corpus is the full corpus concatenated three times, written once to the cache dir, and
trained with ``min_count`` 15 instead of 5, so that the vocabulary (hence the matrices) is the
same and only the corpus size changes.

Usage: ``python benches/bench_memory.py [--epochs 1] [--cache-dir benches/.cache]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CHILD = """
import json, sys, embedrs
path, epochs, min_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
m = embedrs.Word2Vec(vector_size=100, window=5, negative=5, sample=1e-3, min_count=min_count, sg=1,
                     epochs=epochs, n_jobs=2, random_state=1).fit(path)
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(json.dumps({"peak_rss_mib": int(hwm) / 1024, "words": m.corpus_total_words_,
                  "vocab": len(m.wv_), "train_s": m.train_time_}))
"""


def main() -> int:
    """Run 1x and 3x and print a table."""
    from bench_core import prepare_corpus  # the same decompressed cache as bench_core

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    args = ap.parse_args()
    full = prepare_corpus("full", args.cache_dir, None)
    triple = args.cache_dir / "embedrs-corpus-full-x3.txt"
    if not triple.exists():
        part = triple.with_suffix(".part")
        data = full.read_bytes()
        with part.open("wb") as f:
            for _ in range(3):
                f.write(data)
        part.rename(triple)
    rows = []
    # Every count triples in the 3x corpus, so min_count 15 keeps exactly the same vocabulary:
    # what is measured is the corpus size alone, not a larger vocabulary.
    for name, path, min_count in (("1x", full, 5), ("3x", triple, 15)):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(args.epochs), str(min_count)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append((name, json.loads(out.strip().splitlines()[-1])))
    print("| corpus | raw words | vocabulary | train s | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in rows:
        print(
            f"| {name} | {r['words']:,} | {r['vocab']:,} | {r['train_s']:.1f} | "
            f"{r['peak_rss_mib']:.0f} |"
        )
    growth = rows[1][1]["peak_rss_mib"] / rows[0][1]["peak_rss_mib"]
    verdict = "PASS" if growth < 1.05 else "FAIL"
    print(
        f"{verdict} peak RSS 3x / 1x = {growth:.3f} (need < 1.05: memory does not grow with "
        "the corpus)"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
