"""Continued training: ``fit`` on the first half of the full corpus then ``partial_fit`` on
the second half, against ``fit`` on the whole corpus (same settings), scored on the shared
evaluation sets. Acceptance (issue 9): within 1 analogy point and 0.02 Spearman.

Usage: ``python benches/bench_partial_fit.py [--sg 1] [--epochs 5] [--threads 2]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    """Train both ways and print a table with a PASS/FAIL line."""
    import evaluate as ev
    import numpy as np
    from bench_core import prepare_corpus

    import embedrs

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sg", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--alpha", type=float, default=None, help="partial_fit's starting alpha")
    ap.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    args = ap.parse_args()
    full = prepare_corpus("full", args.cache_dir, None)
    lines = full.read_bytes().split(b"\n")
    half = len(lines) // 2
    a, b = args.cache_dir / "half-a.txt", args.cache_dir / "half-b.txt"
    a.write_bytes(b"\n".join(lines[:half]) + b"\n")
    b.write_bytes(b"\n".join(lines[half:]))
    params = dict(
        vector_size=100,
        window=5,
        negative=5,
        sample=1e-3,
        min_count=5,
        sg=args.sg,
        epochs=args.epochs,
        n_jobs=args.threads,
        random_state=1,
    )

    def score(m: embedrs.Word2Vec) -> tuple[float, float, float]:
        # The evaluator takes words most frequent first (its analogy vocabulary is the first
        # 30,000): partial_fit appends new words after the old ones, so sort by count.
        kv = m.wv_
        order = np.argsort(-kv.counts.astype(np.int64), kind="stable")
        words = [kv.index_to_key[i] for i in order]
        vectors = kv.vectors[order]
        an = ev.evaluate_analogies(words, vectors, ev.DEFAULT_ANALOGIES)
        ws = ev.evaluate_pairs(words, vectors, ev.DEFAULT_WORDSIM353)
        sl = ev.evaluate_pairs(words, vectors, ev.DEFAULT_SIMLEX999)
        return 100 * an["accuracy"], ws["spearman"], sl["spearman"]

    whole = embedrs.Word2Vec(**params).fit(full)
    inc = embedrs.Word2Vec(**params).fit(a)
    n_first = len(inc.wv_)
    inc.partial_fit(b, alpha=args.alpha)
    sa = score(embedrs.Word2Vec(**params).fit(a))
    sw, si = score(whole), score(inc)
    print("| run | vocabulary | analogy % | WS353 | SimLex |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| fit(half A) only | {n_first:,} | {sa[0]:.2f} | {sa[1]:.3f} | {sa[2]:.3f} |")
    print(f"| fit(whole) | {len(whole.wv_):,} | {sw[0]:.2f} | {sw[1]:.3f} | {sw[2]:.3f} |")
    print(
        f"| fit(half A) + partial_fit(half B) | {n_first:,} -> {len(inc.wv_):,} | "
        f"{si[0]:.2f} | {si[1]:.3f} | {si[2]:.3f} |"
    )
    ok = sw[0] - si[0] <= 1.0 and sw[1] - si[1] <= 0.02 and sw[2] - si[2] <= 0.02
    print("PASS" if ok else "FAIL", "(partial_fit within 1 point / 0.02 of fit on the whole)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
