"""Phrase detection benchmark: embedrs ``Phrases`` vs gensim 4.x on the shared corpora.

Both systems learn bigrams from the same sentences with the same parameters, freeze, and
transform every sentence of the corpus:

* gensim: ``Phrases(sentences)``, ``.freeze()``, ``[frozen[s] for s in sentences]``;
* embedrs: ``Phrases().fit(path)`` (file counted in Rust) and ``.fit(sentences)`` (token
  lists, as gensim), then ``.transform(sentences)``.

Reading the corpus into token lists is not timed. The script prints the times, the speed-up,
and whether the exported phrase sets, their scores (relative tolerance 1e-6) and the
transformed sentences agree.

Usage::

    python benches/bench_phrases.py [--corpus small|full] [--lines N] [--threads N]
        [--min-count 5] [--threshold 10] [--scoring default|npmi]
"""

from __future__ import annotations

import argparse
import gc
import logging
import lzma
import math
import re
import shutil
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any

logger = logging.getLogger("embedrs.benches.bench_phrases")

HERE = Path(__file__).resolve().parent
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SMALL_CORPUS = CORPUS_DIR / "embedrs-corpus-small.txt"
FULL_CORPUS_XZ = CORPUS_DIR / "embedrs-corpus-full.txt.xz"
FULL_CACHE = HERE / ".cache" / "embedrs-corpus-full.txt"
#: embedrs splits corpus lines on ASCII whitespace only (as word2vec.c); str.split() also
#: splits on Unicode spaces.
_ASCII_WS = re.compile(r"[ \t\n\r\f]+")


def corpus_path(which: str) -> Path:
    if which == "small":
        return SMALL_CORPUS
    if not FULL_CACHE.exists():
        FULL_CACHE.parent.mkdir(parents=True, exist_ok=True)
        tmp = FULL_CACHE.with_suffix(".tmp")
        with lzma.open(FULL_CORPUS_XZ, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        tmp.replace(FULL_CACHE)
    return FULL_CACHE


def timed(f: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def compare(ours: dict[str, float], theirs: dict[str, float]) -> tuple[int, int, int, float]:
    """(only in embedrs, only in gensim, scores differing beyond 1e-6, max relative diff)."""
    common = ours.keys() & theirs.keys()
    rel = [abs(ours[k] - theirs[k]) / max(abs(theirs[k]), 1e-300) for k in common]
    bad = sum(not math.isclose(ours[k], theirs[k], rel_tol=1e-6) for k in common)
    return len(ours.keys() - theirs.keys()), len(theirs.keys() - ours.keys()), bad, max(rel or [0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=["small", "full"], default="small")
    ap.add_argument("--lines", type=int, default=None, help="only the first N lines")
    ap.add_argument("--threads", type=int, default=-1, help="embedrs n_jobs (-1: all cores)")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threshold", type=float, default=10.0)
    ap.add_argument("--scoring", choices=["default", "npmi"], default="default")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    import gensim
    from gensim.models.phrases import Phrases as GensimPhrases

    import embedrs
    from embedrs.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

    path = corpus_path(args.corpus)
    if args.lines:
        cut = HERE / ".cache" / f"phrases-{args.corpus}-{args.lines}.txt"
        cut.parent.mkdir(parents=True, exist_ok=True)
        with open(path, encoding="utf-8") as src:
            cut.write_text("".join(islice(src, args.lines)), encoding="utf-8")
        path = cut
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    sentences = [line.split() for line in lines]
    ascii_split = sum(line.split() != [t for t in _ASCII_WS.split(line) if t] for line in lines)
    del lines
    n_tokens = sum(map(len, sentences))
    print(f"corpus: {path.name}, {len(sentences)} sentences, {n_tokens} tokens")
    if ascii_split:
        print(f"note: {ascii_split} lines split differently on Unicode vs ASCII whitespace")
    kw = {"min_count": args.min_count, "threshold": args.threshold, "scoring": args.scoring}

    # gensim, as its users run it
    g_model, g_fit = timed(
        lambda: GensimPhrases(sentences, connector_words=ENGLISH_CONNECTOR_WORDS, **kw)
    )
    g_frozen, g_freeze = timed(g_model.freeze)
    g_out, g_transform = timed(lambda: [g_frozen[s] for s in sentences])
    g_phrases = dict(g_frozen.phrasegrams)
    g_vocab = len(g_model.vocab)
    del g_model
    gc.collect()

    # embedrs: from the file, and from the same token lists
    e_file, e_fit_file = timed(lambda: Phrases(**kw, n_jobs=args.threads).fit(path))
    e_list, e_fit_list = timed(lambda: Phrases(**kw, n_jobs=args.threads).fit(sentences))
    e_out, e_transform = timed(lambda: e_file.transform(sentences))

    g_total = g_fit + g_freeze + g_transform
    rows = [
        ("gensim", g_fit + g_freeze, g_transform),
        ("embedrs fit(path)", e_fit_file, e_transform),
        ("embedrs fit(token lists)", e_fit_list, e_transform),
    ]
    print(f"\ngensim {gensim.__version__}, embedrs {embedrs.__version__}, {kw}")
    print(f"{'system':<26}{'fit+freeze s':>14}{'transform s':>13}{'total s':>10}{'speed-up':>10}")
    for name, fit, tr in rows:
        print(f"{name:<26}{fit:>14.2f}{tr:>13.2f}{fit + tr:>10.2f}{g_total / (fit + tr):>9.1f}x")

    print("\nagreement with gensim:")
    for name, model in (("fit(path)", e_file), ("fit(token lists)", e_list)):
        ours = model.export_phrases()
        only_e, only_g, bad, rel = compare(ours, g_phrases)
        print(
            f"  {name}: {len(ours)} phrases vs gensim {len(g_phrases)}; only embedrs {only_e}, "
            f"only gensim {only_g}, scores differing {bad} (max rel diff {rel:.1e}); "
            f"vocabulary {model.vocabulary_size_} vs {g_vocab}"
        )
    differing = sum(a != b for a, b in zip(e_out, g_out, strict=True))
    print(f"  transformed sentences differing from gensim's FrozenPhrases: {differing}")
    print(
        "  (ties: none possible — both sides compute the same float from the same integer "
        "counts, and a phrase is accepted iff score > threshold)"
    )
    agree = differing == 0 and all(
        compare(m.export_phrases(), g_phrases)[:3] == (0, 0, 0) for m in (e_file, e_list)
    )
    print("AGREE" if agree else "DISAGREE")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
