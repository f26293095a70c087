"""Continued training: ``fit`` on the first half of the full corpus then ``partial_fit`` on
the second half, against ``fit`` on the whole corpus (same settings), scored on the shared
evaluation sets. Acceptance (issue 9): within 1 analogy point and 0.02 Spearman, and the
words that partial_fit adds are queryable.

Each seed trains fit(whole), fit(half A) (saved, then loaded again for every partial_fit
rate, so continued training is also checked after ``load``), and one partial_fit per rate.
With ``--gensim`` gensim 4 runs the same protocol (``build_vocab(update=True)`` + ``train``
in corpus_file mode, its best mode) for the first seed. The PASS/FAIL line is taken on the
mean over seeds, for each rate: a single run varies by about half a point.

Usage::

    python benches/bench_partial_fit.py [--sg 0] [--alpha 0.025,0.035] [--seeds 1,2,3]
        [--epochs 5] [--threads 2] [--gensim]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

logger = logging.getLogger("embedrs.benches.partial_fit")

#: Acceptance: fit(half A) + partial_fit(half B) may be at most this much under fit(whole).
MAX_ANALOGY_GAP = 1.0
MAX_SPEARMAN_GAP = 0.02


def _score(words: list[str], vectors: np.ndarray, counts: np.ndarray) -> tuple[float, ...]:
    """Analogy %, WS353 and SimLex Spearman, with the rows put in count order first.

    The evaluator's analogy vocabulary is the first 30,000 rows of a frequency-sorted list;
    partial_fit (and gensim's update) append new words after the old ones.
    """
    import evaluate as ev

    order = np.argsort(-counts.astype(np.int64), kind="stable")
    words = [words[i] for i in order]
    vectors = vectors[order]
    an = ev.evaluate_analogies(words, vectors, ev.DEFAULT_ANALOGIES)
    ws = ev.evaluate_pairs(words, vectors, ev.DEFAULT_WORDSIM353)
    sl = ev.evaluate_pairs(words, vectors, ev.DEFAULT_SIMLEX999)
    return 100 * an["accuracy"], ws["spearman"], sl["spearman"]


def _score_embedrs(m: Any) -> tuple[float, ...]:
    kv = m.wv_
    return _score(list(kv.index_to_key), kv.vectors, kv.counts)


def _check_new_words(before: set[str], m: Any) -> str:
    """The words partial_fit added are in the model and have neighbours (AC: queryable)."""
    new = [w for w in m.wv_.index_to_key if w not in before]
    if not new:
        raise AssertionError("partial_fit added no word")
    for w in new[:3]:
        if len(m.wv_.most_similar(w, topn=3)) != 3:
            raise AssertionError(f"no neighbours for the new word {w!r}")
    show = ", ".join(f"{w}: {m.wv_.most_similar(w, topn=1)[0][0]}" for w in new[:3])
    return f"{len(new):,} new words, e.g. {show}"


def _gensim_run(
    a: Path,
    b: Path,
    full: Path,
    params: dict[str, Any],
    alphas: list[float | None],
    seed: int,
    tmp: Path,
) -> tuple[tuple[float, ...], list[tuple[float, ...]]]:
    """gensim 4, corpus_file mode: fit(whole), and fit(A) + update with B at each rate."""
    from gensim.models.word2vec import Word2Vec as GWord2Vec

    p = dict(
        vector_size=params["vector_size"],
        window=params["window"],
        negative=params["negative"],
        hs=0,
        sample=params["sample"],
        min_count=params["min_count"],
        sg=params["sg"],
        epochs=params["epochs"],
        workers=params["n_jobs"],
        seed=seed,
    )

    def score(kv: Any) -> tuple[float, ...]:
        counts = np.array([kv.get_vecattr(w, "count") for w in kv.index_to_key])
        return _score(list(kv.index_to_key), kv.vectors, counts)

    sw = score(GWord2Vec(corpus_file=str(full), **p).wv)
    saved = tmp / "gensim-half-a.model"
    GWord2Vec(corpus_file=str(a), **p).save(str(saved))
    out = []
    for alpha in alphas:
        m = GWord2Vec.load(str(saved))
        m.build_vocab(corpus_file=str(b), update=True)
        m.train(
            corpus_file=str(b),
            total_examples=m.corpus_count,
            total_words=m.corpus_total_words,
            epochs=params["epochs"],
            start_alpha=alpha,
            end_alpha=0.0001,
        )
        out.append(score(m.wv))
    return sw, out


def _row(name: str, vocab: str, s: tuple[float, ...]) -> str:
    return f"| {name} | {vocab} | {s[0]:.2f} | {s[1]:.3f} | {s[2]:.3f} |"


def main() -> int:
    """Train both ways and print a table with a PASS/FAIL line per partial_fit rate."""
    from bench_core import prepare_corpus

    import embedrs

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sg", type=int, default=0, help="0: CBOW (the default model), 1: skip-gram")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--alpha",
        default=None,
        help="partial_fit's starting rates, comma-separated (default: partial_fit's own "
        "default, half the fit's rate; gensim: the model's alpha)",
    )
    ap.add_argument("--seeds", default="1", help="comma-separated random_state values")
    ap.add_argument("--gensim", action="store_true", help="run gensim's update the same way")
    ap.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    full = prepare_corpus("full", args.cache_dir, None)
    lines = full.read_bytes().split(b"\n")
    half = len(lines) // 2
    a, b = args.cache_dir / "half-a.txt", args.cache_dir / "half-b.txt"
    a.write_bytes(b"\n".join(lines[:half]) + b"\n")
    b.write_bytes(b"\n".join(lines[half:]))
    del lines
    params: dict[str, Any] = dict(
        vector_size=100,
        window=5,
        negative=5,
        sample=1e-3,
        min_count=5,
        sg=args.sg,
        epochs=args.epochs,
        n_jobs=args.threads,
    )
    default_alpha = embedrs._embedrs.default_alpha(sg=bool(args.sg))  # alpha=None resolves so
    # None: partial_fit's own default (a share of the fit's rate, see Word2Vec.partial_fit).
    alphas: list[float | None] = [float(x) for x in args.alpha.split(",")] if args.alpha else [None]
    seeds = [int(x) for x in args.seeds.split(",")]
    arch = "skip-gram" if args.sg else "CBOW"
    print(
        f"{arch}, d=100, window 5, 5 negatives, sample 1e-3, min_count 5, {args.epochs} "
        f"epochs, {args.threads} threads; fit alpha {default_alpha}; seeds {seeds}"
    )
    print()
    print("| run | vocabulary | analogy % | WS353 | SimLex |")
    print("| --- | ---: | ---: | ---: | ---: |")
    whole_scores: list[tuple[float, ...]] = []
    inc_scores: dict[float | None, list[tuple[float, ...]]] = {x: [] for x in alphas}
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "half-a.embedrs"
        for seed in seeds:
            t = time.perf_counter()
            whole = embedrs.Word2Vec(**params, random_state=seed).fit(full)
            sw = _score_embedrs(whole)
            whole_scores.append(sw)
            print(_row(f"seed {seed}: fit(whole)", f"{len(whole.wv_):,}", sw), flush=True)
            logger.info("fit(whole) %.0f s", time.perf_counter() - t)
            del whole
            first = embedrs.Word2Vec(**params, random_state=seed).fit(a)
            first.save(saved)
            n_first = len(first.wv_)
            before = set(first.wv_.index_to_key)
            print(_row(f"seed {seed}: fit(half A)", f"{n_first:,}", _score_embedrs(first)))
            del first
            for alpha in alphas:
                t = time.perf_counter()
                inc = embedrs.Word2Vec.load(saved).partial_fit(b, alpha=alpha)
                logger.info("partial_fit %.0f s", time.perf_counter() - t)
                si = _score_embedrs(inc)
                inc_scores[alpha].append(si)
                vocab = f"{n_first:,} -> {len(inc.wv_):,}"
                print(_row(f"seed {seed}: + partial_fit(half B, alpha={alpha})", vocab, si))
                notes.append(f"seed {seed}, alpha {alpha}: {_check_new_words(before, inc)}")
                del inc
        if args.gensim:
            gw, gis = _gensim_run(a, b, full, params, alphas, seeds[0], Path(tmp))
            print(_row(f"gensim seed {seeds[0]}: fit(whole)", "", gw))
            for alpha, gi in zip(alphas, gis, strict=True):
                print(_row(f"gensim seed {seeds[0]}: fit(A) + update(B, alpha={alpha})", "", gi))
    print()
    for n in notes:
        print(n)
    mw = np.mean(whole_scores, axis=0)
    ok_all = True
    for alpha in alphas:
        mi = np.mean(inc_scores[alpha], axis=0)
        gaps = mw - mi
        ok = (
            gaps[0] <= MAX_ANALOGY_GAP
            and gaps[1] <= MAX_SPEARMAN_GAP
            and gaps[2] <= MAX_SPEARMAN_GAP
        )
        ok_all &= ok
        print(
            f"{'PASS' if ok else 'FAIL'} alpha={alpha}: mean over {len(seeds)} seed(s) "
            f"fit(whole) {mw[0]:.2f} / {mw[1]:.3f} / {mw[2]:.3f}, fit(A) + partial_fit(B) "
            f"{mi[0]:.2f} / {mi[1]:.3f} / {mi[2]:.3f}: under by {gaps[0]:.2f} points / "
            f"{gaps[1]:.3f} / {gaps[2]:.3f} (at most {MAX_ANALOGY_GAP} / {MAX_SPEARMAN_GAP})"
        )
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
