"""The ``embedrs`` command line (``python -m embedrs`` works too)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

from . import __version__
from .datasets import sample_corpus_path
from .estimator import Word2Vec
from .exceptions import EmbedrsError
from .keyed_vectors import KeyedVectors

logger = logging.getLogger("embedrs")


def _demo(args: argparse.Namespace) -> int:
    path = sample_corpus_path()
    print(f"training skip-gram on the bundled sample corpus ({path.name}) ...")
    t = time.perf_counter()
    model = Word2Vec(
        vector_size=100,
        window=5,
        min_count=5,
        sg=1,
        epochs=args.epochs,
        n_jobs=args.threads,
        random_state=1,
        verbose=not args.quiet,
    ).fit(path)
    dt = time.perf_counter() - t
    print(
        f"{len(model.wv_)} words, {model.n_words_seen_:,} raw words in {dt:.1f}s "
        f"({model.n_words_seen_ / model.train_time_:,.0f} words/s)"
    )
    for word in args.words:
        if word not in model.wv_:
            print(f"{word}: not in vocabulary")
            continue
        near = ", ".join(f"{w} ({s:.2f})" for w, s in model.wv_.most_similar(word, topn=8))
        print(f"{word}: {near}")
    return 0


def _train(args: argparse.Namespace) -> int:
    model = Word2Vec(
        vector_size=args.dim,
        window=args.window,
        min_count=args.min_count,
        sg=int(args.sg),
        negative=args.negative,
        sample=args.sample,
        epochs=args.epochs,
        n_jobs=args.threads,
        random_state=args.seed,
        verbose=not args.quiet,
    ).fit(args.corpus if len(args.corpus) > 1 else args.corpus[0])
    model.wv_.save_word2vec_format(args.output, binary=args.format == "word2vec-binary")
    print(
        f"{model.n_words_seen_:,} words, {model.n_words_seen_ / model.train_time_:,.0f} words/s, "
        f"final loss {model.epoch_stats_[-1].mean_loss:.4f} per prediction -> {args.output}"
    )
    return 0


def _similar(args: argparse.Namespace) -> int:
    kv = KeyedVectors.load_word2vec_format(args.model, binary=not args.text)
    for word in args.words:
        near = ", ".join(f"{w} ({s:.2f})" for w, s in kv.most_similar(word, topn=args.topn))
        print(f"{word}: {near}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation tools)."""
    p = argparse.ArgumentParser(prog="embedrs", description="Fast word2vec training.")
    p.add_argument("--version", action="version", version=f"embedrs {__version__}")
    p.add_argument("--log-level", default="WARNING", help="logging level (default: %(default)s)")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser(
        "demo",
        help="train on the bundled sample corpus and show neighbours",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    d.add_argument("words", nargs="*", default=["god", "king", "gold", "water", "jesus"])
    d.add_argument("--epochs", type=int, default=5)
    d.add_argument("--threads", type=int, default=-1)
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_demo)

    t = sub.add_parser(
        "train",
        help="train on text files and save the vectors",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    t.add_argument("corpus", nargs="+", help="text files (plain or gzip), one sentence per line")
    t.add_argument("-o", "--output", required=True)
    t.add_argument(
        "--format", choices=["word2vec-binary", "word2vec-text"], default="word2vec-binary"
    )
    mode = t.add_mutually_exclusive_group()
    mode.add_argument("--sg", action="store_true", default=False, help="skip-gram")
    mode.add_argument("--cbow", dest="sg", action="store_false", help="CBOW")
    t.add_argument("--dim", type=int, default=100)
    t.add_argument("--window", type=int, default=5)
    t.add_argument("--negative", type=int, default=5)
    t.add_argument("--sample", type=float, default=1e-3)
    t.add_argument("--min-count", type=int, default=5)
    t.add_argument("--epochs", type=int, default=5)
    t.add_argument("--threads", type=int, default=-1)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--quiet", action="store_true")
    t.set_defaults(func=_train)

    s = sub.add_parser(
        "similar",
        help="nearest neighbours in a word2vec file",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    s.add_argument("model")
    s.add_argument("words", nargs="+")
    s.add_argument("--topn", type=int, default=10)
    s.add_argument("--text", action="store_true", help="the file is word2vec text format")
    s.set_defaults(func=_similar)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except (EmbedrsError, OSError, KeyError, ValueError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"embedrs {args.command}: error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
