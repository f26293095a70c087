"""Speed at each library's defaults, in one process: issue 18's speed ratios in one run.

One warm-up fit of embedrs CBOW, then, in this order, so that the peers alternate with
embedrs and each ratio compares runs minutes apart: embedrs CBOW, gensim skip-gram
(``corpus_file``), embedrs CBOW, gensim CBOW (``corpus_file``), embedrs CBOW, embedrs
skip-gram. Every model: vector_size 100, window 5, min_count 5, 5 epochs (``--epochs``),
``--threads`` threads, everything else at each library's defaults. Timed is training only
(embedrs ``train_time_``, gensim's ``train`` call after ``build_vocab``); raw words/s is
corpus tokens x epochs / that time. The last lines print every ratio of issue 18: the
default model (CBOW) against gensim skip-gram (10x asked), CBOW against gensim CBOW and
skip-gram against gensim skip-gram (3x asked).

On a shared VM, run it alone: the ratios move with what else runs (see
``benches/RESULTS.md`` on this VM's two speed levels).

Usage::

    python benches/bench_speed_round.py [--corpus full|small] [--threads 2] [--epochs 5]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench_core import prepare_corpus

logger = logging.getLogger("embedrs.benches.speed_round")
HERE = Path(__file__).resolve().parent


def embedrs_run(path: Path, sg: int, seed: int, threads: int, epochs: int) -> tuple[float, int]:
    """embedrs at its defaults: (train seconds, raw corpus tokens)."""
    import embedrs

    m = embedrs.Word2Vec(sg=sg, n_jobs=threads, random_state=seed, epochs=epochs).fit(path)
    return m.train_time_, m.corpus_total_words_


def gensim_run(path: Path, sg: int, threads: int, epochs: int) -> tuple[float, int]:
    """gensim at its defaults, ``corpus_file`` mode (its faster): (train seconds, tokens)."""
    from gensim.models import Word2Vec

    m = Word2Vec(sg=sg, vector_size=100, window=5, min_count=5, workers=threads, epochs=epochs)
    m.build_vocab(corpus_file=str(path))
    t0 = time.perf_counter()
    m.train(
        corpus_file=str(path),
        total_examples=m.corpus_count,
        total_words=m.corpus_total_words,
        epochs=epochs,
    )
    return time.perf_counter() - t0, int(m.corpus_total_words)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("small", "full"), default="full")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    path = prepare_corpus(args.corpus, args.cache_dir, None)
    t, e = args.threads, args.epochs
    embedrs_run(path, 0, 1, t, e)  # warm-up: page cache, imports, the id-cache directory
    order: list[tuple[str, Callable[[], tuple[float, int]]]] = [
        ("embedrs CBOW", lambda: embedrs_run(path, 0, 2, t, e)),
        ("gensim skip-gram", lambda: gensim_run(path, 1, t, e)),
        ("embedrs CBOW", lambda: embedrs_run(path, 0, 3, t, e)),
        ("gensim CBOW", lambda: gensim_run(path, 0, t, e)),
        ("embedrs CBOW", lambda: embedrs_run(path, 0, 4, t, e)),
        ("embedrs skip-gram", lambda: embedrs_run(path, 1, 2, t, e)),
    ]
    times: dict[str, list[float]] = {}
    print("| run | train s | raw words/s |\n|---|---:|---:|")
    for name, run in order:
        seconds, tokens = run()
        times.setdefault(name, []).append(seconds)
        print(f"| {name} | {seconds:.1f} | {tokens * e / seconds:,.0f} |", flush=True)
    cbow, sg = times["embedrs CBOW"], times["embedrs skip-gram"][0]
    g_sg, g_cbow = times["gensim skip-gram"][0], times["gensim CBOW"][0]
    print()
    for label, peer, ours, target in (
        ("embedrs CBOW vs gensim skip-gram", g_sg, cbow, 10.0),
        ("embedrs CBOW vs gensim CBOW", g_cbow, cbow, 3.0),
        ("embedrs skip-gram vs gensim skip-gram", g_sg, [sg], 3.0),
    ):
        ratios = [peer / s for s in ours]
        shown = ", ".join(f"{r:.2f}x" for r in ratios)
        verdict = "PASS" if statistics.median(ratios) >= target else "FAIL"
        print(f"{verdict} {label}: {shown} (median {statistics.median(ratios):.2f}x, "
              f"target >= {target:g}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
