"""The ``embedrs`` command line (``python -m embedrs`` works too).

No subcommand prints a traceback for a user mistake. A bad argument (an unknown log level, a
value outside its parameter's domain, a missing option) is reported as argparse reports it:
the usage, then one line naming the argument, and exit status 2. A problem with a file or the
data (a missing or unwritable file, an unknown word) is one line on standard error naming it,
and exit status 1. Output files are written atomically and checked to be writable before any
long work, so a failed run never destroys a previous file.

Examples
--------
>>> from embedrs.cli import build_parser
>>> build_parser().parse_args(["similar", "vectors.bin", "king"]).topn
10
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import __version__, _embedrs
from ._params import DEFAULTS, LIMITS, seed_of
from .datasets import sample_corpus_path
from .estimator import ALPHA_SCHEDULES, Word2Vec
from .exceptions import (
    EmbedrsError,
    EmbedrsIOError,
    InvalidParameterError,
)
from .keyed_vectors import KeyedVectors

logger = logging.getLogger("embedrs")

FORMATS = ("native", "word2vec-binary", "word2vec-text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

#: The command-line flag of each estimator parameter whose name differs from it.
_FLAGS = {
    "vector_size": "--dim",
    "n_jobs": "--threads",
    "random_state": "--seed",
    "cbow_mean": "--cbow-sum",
    "shrink_windows": "--fixed-window",
    "shared_negatives": "--per-pair-negatives",
}


def _positive_int(text: str) -> int:
    """An argparse ``type``: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def _detect_format(path: str) -> str:
    """``native``, ``word2vec-binary`` or ``word2vec-text``, from the file's first bytes (the
    core refuses a missing file, a directory, a pipe or a device by name, without waiting)."""
    head = _embedrs.read_head(path, 4096)
    if head.startswith(b"EMBEDRS\0"):
        return "native"
    body = head.split(b"\n", 1)[1] if b"\n" in head else b""
    if any(b < 9 or 13 < b < 32 for b in body):
        return "word2vec-binary"
    return "word2vec-text"


def load_vectors(path: str, fmt: str | None = None) -> KeyedVectors:
    """Load vectors in any supported format (detected from the file when ``fmt`` is None).

    Examples
    --------
    >>> import numpy as np, tempfile, os, embedrs
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "v.bin")
    ...     embedrs.KeyedVectors(["a"], np.ones((1, 2), np.float32)).save_word2vec_format(p)
    ...     load_vectors(p).index_to_key
    ['a']
    """
    from . import load

    fmt = fmt or _detect_format(path)
    if fmt == "native":
        obj = load(path, mmap=True)
        return obj if isinstance(obj, KeyedVectors) else obj.wv_
    return KeyedVectors.load_word2vec_format(path, binary=fmt == "word2vec-binary")


def _save(model_or_kv: Any, path: str, fmt: str) -> None:
    if fmt == "native":
        model_or_kv.save(path)
        return
    kv = model_or_kv.wv_ if isinstance(model_or_kv, Word2Vec) else model_or_kv
    kv.save_word2vec_format(path, binary=fmt == "word2vec-binary")


def _stdin_corpus() -> Path | Iterable[str]:
    """Standard input as a corpus, decoded as corpus files are (invalid UTF-8 becomes
    U+FFFD): read by the core's reader through its descriptor (``/dev/fd/N``, a pipe or a
    file) where the platform has one, else line by line from ``sys.stdin``.

    Raises
    ------
    EmbedrsIOError
        Standard input is closed.
    """
    stream = sys.stdin
    if stream is None or getattr(stream, "closed", False):
        raise EmbedrsIOError(
            errno.EBADF,
            "standard input is closed: pipe the corpus in (cat corpus.txt | embedrs train - "
            "-o model) or give the corpus files instead of -",
        )
    try:
        fd: int | None = stream.fileno()
        # A socket cannot be opened again by its /dev/fd name: read it from Python.
        if fd is not None and stat.S_ISSOCK(os.fstat(fd).st_mode):
            fd = None
    except (OSError, ValueError, AttributeError):  # replaced by an object without one
        fd = None
    if fd is not None and os.path.exists(f"/dev/fd/{fd}"):
        return Path(f"/dev/fd/{fd}")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return (line.decode("utf-8", "replace") for line in buffer)
    return iter(stream)  # already str


def _estimator(args: argparse.Namespace, verbose: bool) -> Word2Vec:
    return Word2Vec(
        vector_size=args.dim,
        window=args.window,
        min_count=args.min_count,
        max_vocab_size=args.max_vocab_size,
        max_final_vocab=args.max_final_vocab,
        sample=args.sample,
        sg=int(args.sg),
        negative=args.negative,
        hs=int(args.hs),
        ns_exponent=args.ns_exponent,
        cbow_mean=not args.cbow_sum,
        cbow_gradient=args.cbow_gradient,
        alpha=args.alpha,
        min_alpha=args.min_alpha,
        output_weight=args.output_weight,
        alpha_schedule=args.alpha_schedule,
        epochs=args.epochs,
        shrink_windows=not args.fixed_window,
        shared_negatives=not args.per_pair_negatives,
        max_sentence_length=args.max_sentence_length,
        n_jobs=args.threads,
        random_state=args.seed,
        verbose=verbose,
    )


def _cmd_train(args: argparse.Namespace) -> int:
    model = _estimator(args, verbose=not args.quiet)
    # Before any work: the parameters (the core's check), the output, then the corpus.
    model._config(seed_of(model.random_state))
    if "-" in args.corpus and len(args.corpus) > 1:
        args._parser.error("argument corpus: - (standard input) cannot be combined with files")
    _embedrs.check_writable(args.output)
    corpus: Any = _stdin_corpus() if args.corpus == ["-"] else [Path(p) for p in args.corpus]
    t = time.perf_counter()
    model.fit(corpus)
    _save(model, args.output, args.format)
    wps = model.n_words_seen_ / max(model.train_time_, 1e-9)
    print(
        f"trained on {model.n_words_seen_:,} words ({len(model.wv_):,} in the vocabulary) in "
        f"{time.perf_counter() - t:.1f}s, {wps:,.0f} words/s, final loss "
        f"{model.epoch_stats_[-1].mean_loss:.4f} per prediction -> {args.output}"
    )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    path = sample_corpus_path()
    model = Word2Vec(
        vector_size=100,
        window=5,
        min_count=5,
        sg=1,
        epochs=args.epochs,
        n_jobs=args.threads,
        random_state=1,
        verbose=not args.quiet,
    )
    model._config(1)  # the arguments, checked before anything is printed
    print(f"training skip-gram on the bundled sample corpus ({path.name}) ...")
    model.fit(path)
    print(
        f"{len(model.wv_)} words, {model.n_words_seen_:,} raw words in "
        f"{model.train_time_:.1f}s ({model.n_words_seen_ / model.train_time_:,.0f} words/s)"
    )
    for word in args.words:
        if word not in model.wv_:
            print(f"{word}: not in vocabulary")
            continue
        near = ", ".join(f"{w} ({s:.2f})" for w, s in model.wv_.most_similar(word, topn=8))
        print(f"{word}: {near}")
    return 0


def _cmd_similar(args: argparse.Namespace) -> int:
    kv = load_vectors(args.model, args.format)
    for word in args.words:
        near = ", ".join(f"{w} ({s:.3f})" for w, s in kv.most_similar(word, topn=args.topn))
        print(f"{word}: {near}")
    return 0


def _cmd_analogy(args: argparse.Namespace) -> int:
    kv = load_vectors(args.model, args.format)
    res = kv.most_similar(positive=[args.b, args.c], negative=[args.a], topn=args.topn)
    print(f"{args.a} : {args.b} :: {args.c} : ?")
    for w, s in res:
        print(f"  {w}\t{s:.3f}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if not args.analogies and not args.pairs:
        args._parser.error("give --analogies FILE and/or --pairs FILE")
    kv = load_vectors(args.model, args.format)
    print("| set | metric | score | coverage |")
    print("| --- | --- | ---: | ---: |")
    for path in args.analogies or ():
        score, sections = kv.evaluate_word_analogies(path, restrict_vocab=args.restrict_vocab)
        n = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
        print(f"| {Path(path).name} | analogy accuracy | {100 * score:.2f}% | {n} questions |")
    for path in args.pairs or ():
        (_, _), (rho, _), oov = kv.evaluate_word_pairs(path)
        print(f"| {Path(path).name} | Spearman | {rho:.4f} | {100 - oov:.1f}% of pairs |")
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    _embedrs.check_writable(args.output)
    kv = load_vectors(args.input, args.input_format)
    _save(kv, args.output, args.to)
    print(f"{len(kv):,} vectors x {kv.vector_size} -> {args.output} ({args.to})")
    return 0


def _cmd_vocab(args: argparse.Namespace) -> int:
    n_threads = _embedrs.resolve_n_jobs(args.threads)
    if args.output:
        _embedrs.check_writable(args.output)
    counts = _embedrs.FileCorpus(list(args.corpus)).count(n_threads)
    text = "".join(f"{word}\t{c}\n" for word, c in counts.items() if c >= args.min_count)
    if args.output:
        # Atomically, by the core: a failed run leaves any previous file intact.
        _embedrs.write_file_atomically(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    logger.info("%d distinct words, %d tokens", len(counts), counts.total_words)
    return 0


def _add_train_flags(t: argparse.ArgumentParser) -> None:
    mode = t.add_mutually_exclusive_group()
    mode.add_argument("--sg", action="store_true", default=False, help="skip-gram")
    mode.add_argument("--cbow", dest="sg", action="store_false", help="CBOW (the default)")
    t.add_argument("--dim", type=int, default=DEFAULTS["vector_size"], help="vector size")
    t.add_argument("--window", type=int, default=DEFAULTS["window"])
    t.add_argument(
        "--negative",
        type=int,
        default=DEFAULTS["negative"],
        help="negative samples (0: none, needs --hs)",
    )
    t.add_argument(
        "--hs",
        action="store_true",
        help="hierarchical softmax (alone with --negative 0, else with negative sampling)",
    )
    t.add_argument("--ns-exponent", type=float, default=DEFAULTS["ns_exponent"])
    t.add_argument("--sample", type=float, default=DEFAULTS["sample"])
    t.add_argument("--min-count", type=int, default=DEFAULTS["min_count"])
    t.add_argument("--max-vocab-size", type=int, default=DEFAULTS["max_vocab_size"])
    t.add_argument("--max-final-vocab", type=int, default=DEFAULTS["max_final_vocab"])
    t.add_argument(
        "--alpha",
        type=float,
        default=DEFAULTS["alpha"],
        help="starting learning rate (default: "
        f"{_embedrs.default_alpha(sg=True)} skip-gram, {_embedrs.default_alpha(sg=False)} "
        "CBOW, "
        f"{_embedrs.default_alpha(sg=False, cbow_gradient='word2vec')} CBOW with "
        "--cbow-gradient word2vec or --hs, "
        f"{_embedrs.default_alpha(sg=False, hs=True, negative=0)} with --hs --negative 0)",
    )
    t.add_argument("--min-alpha", type=float, default=DEFAULTS["min_alpha"])
    t.add_argument(
        "--alpha-schedule",
        choices=ALPHA_SCHEDULES,
        default="global",
        help="learning-rate progress: all threads together (word2vec.c), or each thread's "
        "own (gensim corpus_file mode)",
    )
    t.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    t.add_argument("--cbow-sum", action="store_true", help="CBOW: sum the context, not mean")
    t.add_argument(
        "--cbow-gradient",
        choices=tuple(LIMITS["cbow_gradient"]),
        default=DEFAULTS["cbow_gradient"],
        help="CBOW: the share of the context's error each of its m words receives: all of it "
        "(word2vec.c, gensim), 1/sqrt(m), or 1/m (the corrected gradient of the mean, Irsoy "
        "et al.); default: sqrt, or word2vec with --hs",
    )
    t.add_argument(
        "--output-weight",
        type=float,
        default=DEFAULTS["output_weight"],
        help="word vectors = input vectors + this share of negative sampling's output "
        f"vectors, 0 to 1 (default: {_embedrs.default_output_weight(sg=False)} CBOW, "
        f"{_embedrs.default_output_weight(sg=True)} skip-gram and with --hs)",
    )
    t.add_argument("--fixed-window", action="store_true", help="do not shrink windows")
    t.add_argument(
        "--per-pair-negatives",
        action="store_true",
        help="skip-gram: word2vec.c's fresh negatives per pair instead of shared per window",
    )
    t.add_argument(
        "--max-sentence-length", type=int, default=DEFAULTS["max_sentence_length"]
    )
    t.add_argument("--threads", type=int, default=-1, help="-1: all cores")
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation tools)."""
    fmt = argparse.ArgumentDefaultsHelpFormatter
    p = argparse.ArgumentParser(prog="embedrs", description="Fast word2vec training.")
    p.add_argument("--version", action="version", version=f"embedrs {__version__}")
    p.add_argument(
        "--log-level",
        default="WARNING",
        type=str.upper,
        choices=LOG_LEVELS,
        help="logging level, any case (default: %(default)s)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser(
        "demo", help="train on the bundled sample corpus, show neighbours", formatter_class=fmt
    )
    d.add_argument("words", nargs="*", default=["god", "king", "gold", "water", "jesus"])
    d.add_argument("--epochs", type=int, default=5)
    d.add_argument("--threads", type=int, default=-1)
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_cmd_demo)

    t = sub.add_parser(
        "train", help="train on text files (or - for stdin) and save", formatter_class=fmt
    )
    t.add_argument("corpus", nargs="+", help="text files, plain or gzip, one sentence per line")
    t.add_argument("-o", "--output", required=True)
    t.add_argument("--format", choices=FORMATS, default="native")
    _add_train_flags(t)
    t.set_defaults(func=_cmd_train)

    s = sub.add_parser("similar", help="nearest neighbours of words", formatter_class=fmt)
    s.add_argument("model")
    s.add_argument("words", nargs="+")
    s.add_argument("--topn", type=_positive_int, default=10)
    s.add_argument("--format", choices=FORMATS, default=None, help="default: detect")
    s.set_defaults(func=_cmd_similar)

    a = sub.add_parser("analogy", help="a : b :: c : ?", formatter_class=fmt)
    a.add_argument("model")
    a.add_argument("a")
    a.add_argument("b")
    a.add_argument("c")
    a.add_argument("--topn", type=_positive_int, default=5)
    a.add_argument("--format", choices=FORMATS, default=None, help="default: detect")
    a.set_defaults(func=_cmd_analogy)

    e = sub.add_parser(
        "evaluate", help="analogy accuracy and word-pair correlations", formatter_class=fmt
    )
    e.add_argument("model")
    e.add_argument("--analogies", action="append", help="questions-words file (repeatable)")
    e.add_argument("--pairs", action="append", help="word-pair file, e.g. WordSim353")
    e.add_argument("--restrict-vocab", type=_positive_int, default=300000)
    e.add_argument("--format", choices=FORMATS, default=None, help="default: detect")
    e.set_defaults(func=_cmd_evaluate)

    c = sub.add_parser("convert", help="convert between formats", formatter_class=fmt)
    c.add_argument("input")
    c.add_argument("output")
    c.add_argument("--to", choices=FORMATS, default="word2vec-binary")
    c.add_argument("--input-format", choices=FORMATS, default=None, help="default: detect")
    c.set_defaults(func=_cmd_convert)

    v = sub.add_parser("vocab", help="word counts of text files as TSV", formatter_class=fmt)
    v.add_argument("corpus", nargs="+")
    v.add_argument("--min-count", type=_positive_int, default=1)
    v.add_argument("--threads", type=int, default=2, help="-1: all cores")
    v.add_argument("-o", "--output", default=None, help="default: standard output")
    v.set_defaults(func=_cmd_vocab)
    for command in (d, t, s, a, e, c, v):
        command.set_defaults(_parser=command)
    return p


def _argument_error(args: argparse.Namespace, e: InvalidParameterError) -> str:
    """The message of a parameter error, naming the command-line argument it came from."""
    m = re.match(r"invalid parameter (\w+)", str(e))
    if m is None:
        return str(e)
    flag = _FLAGS.get(m.group(1), "--" + m.group(1).replace("_", "-"))
    known = getattr(args._parser, "_option_string_actions", {})
    return f"argument {flag}: {e}" if flag in known else str(e)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> main(["similar", "/nonexistent/vectors.bin", "king"])
    1
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except InvalidParameterError as e:  # a bad argument: argparse's report, exit status 2
        command: argparse.ArgumentParser = args._parser
        command.error(_argument_error(args, e))
    except KeyError as e:  # unknown words: KeyError's str() would add quotes
        msg = e.args[0] if e.args else e
        print(f"embedrs {args.command}: error: {msg}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader of standard output went away (`| head`)
        _silence_stdout()
        return 1
    except (EmbedrsError, OSError, ValueError, TypeError, MemoryError) as e:
        print(f"embedrs {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"embedrs {args.command}: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Points standard output at the null device, so that flushing it at exit does not fail
    again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real descriptor
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
