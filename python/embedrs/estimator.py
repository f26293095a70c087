"""The scikit-learn estimator that trains word2vec embeddings."""

from __future__ import annotations

import errno
import logging
import math
import numbers
import os
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _embedrs
from ._callbacks import _Dispatcher
from .exceptions import (
    EmbedrsFileNotFoundError,
    EmbedrsWarning,
    EmptyVocabularyError,
    InvalidParameterError,
)
from .gpu import DeviceKeyedVectors, _to_numpy, resolve_device
from .keyed_vectors import KeyedVectors

__all__ = ["Word2Vec"]

logger = logging.getLogger("embedrs")

_BATCH = 4096  # sentences copied per GIL hold when reading a Python iterable


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class _BatchSink(Protocol):
    """A native builder that takes sentences a batch at a time (``CorpusBuilder``,
    ``PhrasesModel``)."""

    def add_batch(self, batch: list[Any]) -> None: ...


def _sentence_iterator(X: Any) -> Iterator[Any]:
    """``iter(X)`` for a corpus given as an iterable of sentences, with a clear TypeError for
    bytes or an object that is not iterable."""
    if isinstance(X, (bytes, bytearray)):
        raise TypeError("corpus is bytes; pass a path, or sentences as str or token lists")
    try:
        return iter(X)
    except TypeError:
        raise TypeError(
            f"corpus must be a path or an iterable of sentences, got {type(X).__name__}"
        ) from None


def _add_batches(builder: _BatchSink, sentences: Iterable[Any]) -> None:
    """Hand ``sentences`` to ``builder.add_batch`` in lists of ``_BATCH`` (the last one
    shorter), reading the iterable once."""
    iterator = iter(sentences)
    try:
        while batch := list(islice(iterator, _BATCH)):
            builder.add_batch(batch)
    except BaseException:
        # The traceback keeps this frame alive; do not let it keep the builder (and any
        # thread it runs) alive too.
        del builder
        raise


SIMD_KERNELS = ("scalar", "avx2", "avx512", "auto")

# Upper bounds of the parameters (the Rust trainer checks the same ones).
MAX_NEGATIVE = 10_000
MAX_N_JOBS = 1024
MAX_ALPHA = 10.0
#: The learning-rate schedules ``alpha_schedule`` accepts.
ALPHA_SCHEDULES = ("global", "per_thread")
MAX_SENTENCE_LENGTH = 2**32 - 1
_U64_MAX = 2**64 - 1
_SEED_MAX = 2**32 - 1


def simd_from_env() -> str | None:
    """The SIMD kernel forced by the ``EMBEDRS_SIMD`` environment variable, if any.

    Unset or ``auto`` lets the CPU decide; a kernel this CPU lacks falls back to the best
    one it has (with a log line). Used by tests and benchmarks to run each path.

    >>> import os
    >>> os.environ["EMBEDRS_SIMD"] = "scalar"
    >>> simd_from_env()
    'scalar'
    >>> del os.environ["EMBEDRS_SIMD"]
    >>> simd_from_env() is None
    True
    """
    value = os.environ.get("EMBEDRS_SIMD")
    if value is None or not value.strip():
        return None
    if value.strip().lower() not in SIMD_KERNELS:
        raise InvalidParameterError(
            f"EMBEDRS_SIMD={value!r} is not a SIMD kernel; use one of {', '.join(SIMD_KERNELS)}"
        )
    return value


class Word2Vec(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Word2vec embeddings (skip-gram or CBOW with negative sampling), trained in Rust.

    Parameter names follow gensim's ``Word2Vec``; ``n_jobs`` and ``random_state`` follow
    scikit-learn (gensim's ``workers`` and ``seed``).

    Parameters
    ----------
    vector_size : int, default=100
        Dimension of the vectors.
    window : int, default=5
        Maximum distance between the centre word and a context word; at most
        ``max_sentence_length`` (no sentence piece is longer).
    min_count : int, default=5
        Words seen fewer times are ignored.
    max_vocab_size : int, optional
        Bound on distinct words held while counting; rare words are pruned as in word2vec.c.
    max_final_vocab : int, optional
        Raise ``min_count`` until at most this many words remain (ties are never split).
    sample : float, default=1e-3
        Subsampling threshold for frequent words (0 disables). A word of corpus share ``f``
        is kept with probability ``sqrt(t/f) + t/f`` (word2vec.c's and gensim's formula).
    sg : {0, 1}, default=0
        1 for skip-gram, 0 for CBOW.
    negative : int, default=5
        Negative samples per positive example, at most 10,000 (each costs one row update;
        word2vec uses 5 to 20).
    ns_exponent : float, default=0.75
        Negatives are drawn with probability proportional to ``count ** ns_exponent``
        (an exponent for which that overflows, e.g. ``1e6``, is rejected when training
        starts).
    cbow_mean : bool, default=True
        CBOW: average (True) or sum (False) the context vectors.
    alpha, min_alpha : float, default=0.025, 0.0001
        Learning rate, decaying linearly from ``alpha`` to ``min_alpha`` over all epochs,
        by the global progress of all threads. ``alpha`` is at most 10 (useful values are
        below 0.1); if training diverges anyway (a NaN or infinite weight after an epoch),
        ``fit`` raises :class:`embedrs.InvalidParameterError` naming ``alpha``.
    alpha_schedule : {"global", "per_thread"}, default="global"
        How progress is measured for that decay. ``"global"``: by the words all threads have
        processed together (one shared counter), as word2vec.c and gensim's iterable mode do.
        ``"per_thread"``: each thread by its own words against the whole epoch, as gensim's
        ``corpus_file`` mode does; with ``n`` threads alpha then falls only ``1/n`` of each
        epoch's step within the epoch and ends near ``alpha / (n * epochs)`` rather than
        ``min_alpha``. It exists to reproduce gensim ``corpus_file`` results number for
        number (its higher late learning rate scores about 1 analogy point more with CBOW on
        the shared benchmark); with one thread both schedules are identical.
    epochs : int, default=5
        Passes over the corpus.
    shrink_windows : bool, default=True
        Draw each centre word's window uniformly from ``1..window`` (word2vec.c's dynamic
        window).
    shared_negatives : bool, default=True
        Skip-gram only: draw one set of ``negative`` samples per centre word and share it
        across that word's context window, updating the window's rows once (pWord2Vec's
        HogBatch). About twice as fast as word2vec.c's per-pair negatives at the same quality
        on the shared benchmark (see ``benches/RESULTS.md``); set False for word2vec.c's exact
        sampling scheme.
    max_sentence_length : int, default=10000
        Longer sentences are cut into pieces of this length (counted and logged, never
        silently truncated); at most ``2**32 - 1``.
    n_jobs : int, default=-1
        Worker threads, at most 1024; -1 means all available cores. Only ``n_jobs=1`` gives
        bit-identical vectors for a fixed ``random_state`` (Hogwild threads race by design).
    random_state : int in [0, 2**32 - 1], RandomState or None, default=None
        Seed; the seed actually used is stored in ``random_state_``.
    verbose : bool, default=False
        Show a tqdm progress bar and log epoch summaries.
    device : {"cpu", "cuda", "cuda:<n>", "auto"}, default="cpu"
        Where :meth:`transform` pools and ``wv_device_`` answers queries after ``fit``
        (training always runs on the CPU). ``"auto"`` picks a usable GPU, else the CPU,
        silently; ``"cuda"`` without one raises :class:`embedrs.GPUUnavailableError` when
        ``fit`` starts. GPU support is experimental (see ``docs/gpu.md``).

    Attributes
    ----------
    wv_ : KeyedVectors
        The trained vectors.
    vocabulary_ : dict of str to int
        Word -> row of ``wv_.vectors``.
    syn1neg_ : ndarray of shape (n_words, vector_size)
        The output (context) vectors, needed to continue training.
    rare_counts_ : WordCounts
        Counts of the words seen in training text but left out of the vocabulary (below
        ``min_count``, or beyond ``max_final_vocab``). :meth:`partial_fit` adds the new
        text's counts to them, so a word that reaches ``min_count`` over several calls joins
        the vocabulary; saved with the model. ``rare_counts_.get(word)`` gives one count.
    training_loss_ : list of float
        The summed negative-sampling loss of each epoch.
    epoch_stats_ : list of EpochStats
        Per-epoch statistics (loss, predictions, raw and effective words, seconds).
    corpus_total_words_ : int
        Raw tokens in one pass over the corpus.
    n_words_seen_ : int
        Raw tokens processed during training (all epochs).
    random_state_ : int
        The seed used.
    device_ : str
        The device ``device`` resolved to at ``fit``: ``"cpu"`` or ``"cuda[:n]"``.
    wv_device_ : DeviceKeyedVectors
        ``wv_`` on ``device_`` (built on first use, not pickled), for
        ``most_similar_batch``, ``lookup`` and ``transform`` on that device.
    vocab_time_, train_time_ : float
        Seconds spent building the vocabulary and training.

    Examples
    --------
    >>> import embedrs
    >>> sentences = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 50
    >>> model = embedrs.Word2Vec(vector_size=8, min_count=1, epochs=2, n_jobs=1,
    ...                          random_state=0).fit(sentences)
    >>> model.wv_["cat"].shape
    (8,)
    >>> model.transform([["the", "cat"], "a dog"]).shape
    (2, 8)
    """

    # Fitted attributes (set by fit / partial_fit / load; declared for type checkers).
    wv_: KeyedVectors
    syn1neg_: npt.NDArray[np.float32]
    rare_counts_: _embedrs.WordCounts
    epoch_stats_: list[Any]
    training_loss_: list[float]
    corpus_total_words_: int
    corpus_sentences_: int
    n_words_seen_: int
    effective_words_: int
    random_state_: int
    vocab_time_: float
    train_time_: float
    stopped_early_: bool
    simd_kernel_: str
    device_: str
    n_features_out_: int

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        sample: float = 1e-3,
        sg: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: bool = True,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        alpha_schedule: str = "global",
        epochs: int = 5,
        shrink_windows: bool = True,
        shared_negatives: bool = True,
        max_sentence_length: int = 10000,
        n_jobs: int = -1,
        random_state: int | np.random.RandomState | None = None,
        verbose: bool = False,
        device: str = "cpu",
    ) -> None:
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.sample = sample
        self.sg = sg
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.cbow_mean = cbow_mean
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.alpha_schedule = alpha_schedule
        self.epochs = epochs
        self.shrink_windows = shrink_windows
        self.shared_negatives = shared_negatives
        self.max_sentence_length = max_sentence_length
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    # -- validation --------------------------------------------------------------------
    def _check_params(self) -> int:
        """Validates every parameter (before any work); returns the number of threads."""

        def fail(name: str, reason: str) -> InvalidParameterError:
            return InvalidParameterError(f"invalid parameter {name}: {reason}")

        def integer(
            name: str, low: int, high: int = _U64_MAX, why: str = "", allow_none: bool = False
        ) -> None:
            v = getattr(self, name)
            if v is None and allow_none:
                return
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
                raise fail(name, f"must be an integer >= {low}, got {v!r}")
            if int(v) > high:
                raise fail(name, f"must be <= {high}{why}, got {v!r}")

        def real(name: str, low: float, strict: bool = False, high: float = math.inf) -> None:
            v = getattr(self, name)
            try:
                ok = (
                    isinstance(v, numbers.Real)
                    and not isinstance(v, bool)
                    and math.isfinite(float(v))
                )
            except OverflowError:  # an int beyond the float range
                ok = False
            if not ok or v < low or (strict and v == low):
                op = ">" if strict else ">="
                raise fail(name, f"must be a finite number {op} {low}, got {v!r}")
            if v > high:
                raise fail(name, f"must be <= {high}, got {v!r}")

        integer("vector_size", 1)
        integer(
            "max_sentence_length",
            1,
            MAX_SENTENCE_LENGTH,
            " (sentence lengths are counted in 32 bits)",
        )
        integer("window", 1)
        if self.window > self.max_sentence_length:
            raise fail(
                "window",
                f"{self.window} is larger than max_sentence_length={self.max_sentence_length}: "
                "sentences are cut into pieces of at most max_sentence_length words, so no "
                "window could ever be that wide; lower window or raise max_sentence_length",
            )
        integer("min_count", 1)
        integer("max_vocab_size", 1, allow_none=True)
        integer("max_final_vocab", 1, allow_none=True)
        integer(
            "negative",
            1,
            MAX_NEGATIVE,
            " (each positive example costs negative + 1 updates; word2vec uses 5 to 20)",
        )
        integer("epochs", 1)
        real("sample", 0.0)
        real("alpha", 0.0, strict=True, high=MAX_ALPHA)
        real("min_alpha", 0.0)
        real("ns_exponent", -math.inf)
        if self.min_alpha > self.alpha:
            raise fail("min_alpha", f"{self.min_alpha} is above alpha={self.alpha}")
        if self.alpha_schedule not in ALPHA_SCHEDULES:
            raise fail(
                "alpha_schedule",
                f"must be one of {', '.join(map(repr, ALPHA_SCHEDULES))}, "
                f"got {self.alpha_schedule!r}",
            )
        if self.sg not in (0, 1, True, False):
            raise fail("sg", f"must be 0 or 1, got {self.sg!r}")
        rs = self.random_state
        if not (rs is None or isinstance(rs, np.random.RandomState)) and (
            isinstance(rs, bool) or not isinstance(rs, numbers.Integral) or not 0 <= rs <= _SEED_MAX
        ):
            raise fail(
                "random_state",
                f"must be None, a numpy RandomState or an integer in [0, 2**32 - 1], got {rs!r}",
            )
        n = self.n_jobs
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n == 0 or n < -1:
            raise fail("n_jobs", f"must be a positive integer or -1, got {n!r}")
        if n > MAX_N_JOBS:
            raise fail("n_jobs", f"must be <= {MAX_N_JOBS} threads, got {n!r}")
        return min(_cpu_count(), MAX_N_JOBS) if n == -1 else int(n)

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, *, callbacks: Sequence[Any] | None = None) -> Word2Vec:
        """Build the vocabulary and train.

        Parameters
        ----------
        X : str, path, list of paths, or iterable of sentences
            A corpus file (plain text or gzip; one sentence per line), several files, or any
            iterable of sentences, each a list of str tokens or a str (split on whitespace).
            An iterable is read once, so a generator works. A str is taken as a path. A list
            of str and paths is a list of files if any item is a path object or an existing
            file; a missing file then raises :class:`embedrs.EmbedrsFileNotFoundError` naming
            it (a ``FileNotFoundError``). Files must not change while the model trains: one
            whose size or modification time differs from when it was counted raises
            :class:`embedrs.EmbedrsIOError` at the start of the next epoch.
        y : ignored
        callbacks : sequence of objects, optional
            Objects with any of ``on_epoch_begin(model, epoch)``, ``on_progress(model,
            progress)``, ``on_epoch_end(model, stats)`` and ``on_epoch_vectors(model, epoch,
            kv)`` (a :class:`KeyedVectors` snapshot, e.g. to save every epoch); see
            :class:`embedrs.Progress` and :class:`embedrs.EpochStats`. Raise
            :class:`embedrs.StopTraining` from any of them to stop early and keep the vectors.

            >>> import embedrs
            >>> class EarlyStopping:
            ...     def __init__(self):
            ...         self.best = float("inf")
            ...     def on_epoch_end(self, model, stats):
            ...         if stats.mean_loss > 0.999 * self.best:
            ...             raise embedrs.StopTraining
            ...         self.best = stats.mean_loss
            >>> class SaveEveryEpoch:
            ...     def on_epoch_vectors(self, model, epoch, kv):
            ...         pass  # e.g. kv.save(f"vectors-epoch{epoch}.embedrs")
            >>> m = embedrs.Word2Vec(vector_size=8, min_count=1, epochs=50, n_jobs=1, sample=0,
            ...     random_state=0).fit([["a", "b", "c"]] * 20,
            ...     callbacks=[EarlyStopping(), SaveEveryEpoch()])
            >>> m.stopped_early_
            True

        Returns
        -------
        self : Word2Vec
        """
        n_threads = self._check_params()
        device = resolve_device(self.device)  # fails before training, not after
        rs = check_random_state(self.random_state)
        seed = (
            int(rs.randint(0, 2**31 - 1))
            if not isinstance(self.random_state, int)
            else (int(self.random_state))
        )
        if seed < 0:
            raise InvalidParameterError(f"invalid parameter random_state: {seed} is negative")

        t0 = time.perf_counter()
        corpus, vocab, counts = self._build_vocab(X, n_threads)
        vocab_time = time.perf_counter() - t0
        if counts.long_sentences:
            logger.warning(
                "%d sentences were longer than max_sentence_length=%d and were split into "
                "pieces (windows do not cross the pieces)",
                counts.long_sentences,
                self.max_sentence_length,
            )
        logger.info(
            "vocabulary: %d words (min_count=%d) from %d raw tokens, %d sentences",
            len(vocab),
            vocab.effective_min_count,
            vocab.corpus_words,
            vocab.corpus_sentences,
        )
        # Keep only the counts of the words left out (for partial_fit): the full table is
        # larger than them, and freeing it before the matrices exist lowers peak memory.
        rare = counts.without(vocab)
        del counts
        self._check_memory(len(vocab))
        weights = _embedrs.init_weights(vocab, self.vector_size, seed)
        report, train_time = self._train(
            vocab,
            corpus,
            weights,
            seed,
            n_threads,
            callbacks,
            float(self.alpha),
            float(self.min_alpha),
            self.epochs,
        )
        self._set_fitted(vocab, weights, report, seed, vocab_time, train_time, device, rare)
        return self

    def _train(
        self,
        vocab: Any,
        corpus: Any,
        weights: Any,
        seed: int,
        n_threads: int,
        callbacks: Sequence[Any] | None,
        alpha: float,
        min_alpha: float,
        epochs: int,
    ) -> tuple[dict[str, Any], float]:
        """Runs the Rust trainer on ``weights`` in place; returns its report and the time."""
        dispatcher = _Dispatcher(
            self, callbacks or (), bool(self.verbose), int(vocab.corpus_words) * epochs, vocab
        )
        t1 = time.perf_counter()
        try:
            report = _embedrs.train_model(
                vocab,
                corpus,
                weights,
                vector_size=self.vector_size,
                window=self.window,
                sg=bool(self.sg),
                negative=self.negative,
                ns_exponent=float(self.ns_exponent),
                cbow_mean=bool(self.cbow_mean),
                alpha=alpha,
                min_alpha=min_alpha,
                epochs=epochs,
                sample=float(self.sample),
                shrink_windows=bool(self.shrink_windows),
                n_threads=n_threads,
                seed=seed,
                max_sentence_length=self.max_sentence_length,
                kernel=simd_from_env(),
                shared_negatives=bool(self.shared_negatives),
                alpha_schedule=str(self.alpha_schedule),
                epoch_snapshots=dispatcher.wants_snapshots,
                callback=dispatcher,
            )
        finally:
            dispatcher.close()
        return report, time.perf_counter() - t1

    def _set_fitted(
        self,
        vocab: Any,
        weights: Any,
        report: dict[str, Any],
        seed: int,
        vocab_time: float,
        train_time: float,
        device: str,
        rare: _embedrs.WordCounts,
        *,
        append: bool = False,
    ) -> None:
        """Sets every fitted attribute from a finished training (``append``: partial_fit)."""
        from ._callbacks import EpochStats

        stats = [EpochStats(**e) for e in report["epochs"]]
        if append:
            stats = self.epoch_stats_ + stats
            vocab_time += self.vocab_time_
            train_time += self.train_time_
            corpus_words = self.corpus_total_words_ + int(vocab.corpus_words)
            corpus_sentences = self.corpus_sentences_ + int(vocab.corpus_sentences)
        else:
            corpus_words = int(vocab.corpus_words)
            corpus_sentences = int(vocab.corpus_sentences)
        self.wv_ = KeyedVectors._from_native(_embedrs.KeyedVectors.from_weights(vocab, weights))
        self.device_ = device
        self._wv_device: DeviceKeyedVectors | None = None
        self.syn1neg_ = weights.take_syn1neg()
        self.rare_counts_ = rare
        self.epoch_stats_ = stats
        self.training_loss_ = [e.loss for e in stats]
        self.corpus_total_words_ = corpus_words
        self.corpus_sentences_ = corpus_sentences
        self.n_words_seen_ = sum(e.raw_words for e in stats)
        self.effective_words_ = sum(e.effective_words for e in stats)
        self.random_state_ = seed
        self.vocab_time_ = vocab_time
        self.train_time_ = train_time
        self.stopped_early_ = bool(report["stopped_early"])
        self.simd_kernel_ = str(report["kernel"])
        self.n_features_out_ = self.vector_size
        run_words = sum(int(e["raw_words"]) for e in report["epochs"])
        logger.info(
            "trained %d raw words in %.1fs (%.0f words/s, %s kernel)",
            run_words,
            report["seconds"],
            run_words / max(float(report["seconds"]), 1e-9),
            self.simd_kernel_,
        )

    def partial_fit(
        self,
        X: Any,
        y: Any = None,
        *,
        epochs: int | None = None,
        alpha: float | None = None,
        min_alpha: float | None = None,
        callbacks: Sequence[Any] | None = None,
    ) -> Word2Vec:
        """Continue training on new text, growing the vocabulary (scikit-learn's incremental
        learning convention). The first call on an unfitted model is ``fit``.

        Counts of the new text are added to the stored counts, those of words outside the
        vocabulary included (``rare_counts_``); words that now reach ``min_count`` over all
        the text seen are appended after the existing ones, most frequent first and no
        further than ``max_final_vocab`` (existing ids do not move), with
        new input rows initialised as ``fit`` would (seeded by the word) and zero output rows;
        the sampling tables are rebuilt from the merged counts; then only the new text is
        trained, with the learning rate decaying from ``alpha`` to ``min_alpha`` over
        ``epochs`` passes (the estimator's values unless given here).

        Sequential training forgets part of the old text, so the starting rate matters. On
        the benchmark corpus split in two halves (``benches/bench_partial_fit.py``, 6 seeds),
        ``fit(first half)`` then ``partial_fit(second half)`` ended under ``fit(whole)`` by
        1.0 analogy point with CBOW at its own ``alpha`` (0.7 with ``alpha=0.03``),
        and by 2.4 with skip-gram at half its ``alpha``, its best rate (gensim's update: 1.7);
        word-similarity scores stayed within 0.02 of ``fit(whole)``.

        Examples
        --------
        >>> import embedrs
        >>> m = embedrs.Word2Vec(vector_size=8, min_count=2, epochs=2, n_jobs=1, random_state=0)
        >>> m = m.fit([["a", "b", "c"]] * 10)
        >>> m = m.partial_fit([["c", "d", "e"]] * 10, alpha=0.01)
        >>> m.wv_.index_to_key[:3], "e" in m.wv_
        (['a', 'b', 'c'], True)
        """
        if not hasattr(self, "wv_"):
            return self.fit(X, callbacks=callbacks)
        n_threads = self._check_params()
        epochs = self.epochs if epochs is None else int(epochs)
        alpha = float(self.alpha) if alpha is None else float(alpha)
        min_alpha = float(self.min_alpha) if min_alpha is None else float(min_alpha)
        if not 1 <= epochs <= _U64_MAX:
            raise InvalidParameterError(
                f"invalid parameter epochs: must be an integer in [1, 2**64 - 1], got {epochs}"
            )
        if not (
            math.isfinite(alpha)
            and 0 < alpha <= MAX_ALPHA
            and math.isfinite(min_alpha)
            and 0 <= min_alpha <= alpha
        ):
            raise InvalidParameterError(
                f"invalid parameter alpha/min_alpha: need 0 <= min_alpha <= alpha <= "
                f"{MAX_ALPHA}, got alpha={alpha}, min_alpha={min_alpha}"
            )
        t0 = time.perf_counter()
        paths = _as_paths(X)
        builder = None
        if paths is not None:
            corpus: Any = _embedrs.FileCorpus([os.fspath(p) for p in paths])
            new_counts = corpus.count(n_threads, self.max_vocab_size, self.max_sentence_length)
        else:
            if isinstance(X, (str, bytes, bytearray)):
                raise TypeError("corpus must be a path or an iterable of sentences")
            builder = _embedrs.CorpusBuilder(self.max_vocab_size, self.max_sentence_length)
            _add_batches(builder, X)
            new_counts = builder.word_counts()
        old_words = self.wv_.index_to_key
        old_index = self.wv_.key_to_index
        counts = self.wv_.counts.astype(np.int64)
        rare = getattr(self, "rare_counts_", None)
        pending = new_counts if rare is None or not len(rare) else new_counts.merge(rare)
        added: list[tuple[str, int]] = []
        still_rare: list[tuple[str, int]] = []
        for word, c in pending.items():  # most frequent first, ties by word
            i = old_index.get(word)
            if i is not None:
                counts[i] += c
            elif c >= self.min_count:
                added.append((word, c))
            else:
                still_rare.append((word, c))
        if self.max_final_vocab is not None:
            room = max(0, self.max_final_vocab - len(old_words))
            still_rare = added[room:] + still_rare
            added = added[:room]
        if self.max_vocab_size is not None:
            still_rare = still_rare[: self.max_vocab_size]
        new_rare = _embedrs.WordCounts(still_rare)
        new_total = int(new_counts.total_words)
        del new_counts, pending, still_rare, rare  # count tables: not needed for training
        words = list(old_words) + [w for w, _ in added]
        all_counts = [int(c) for c in counts] + [c for _, c in added]
        vocab = _embedrs.Vocab(words, all_counts, new_total)
        if builder is not None:
            corpus = builder.finish_with(vocab)
        seed = int(self.random_state_)
        # A fresh random stream for this run (the first fit used `seed` itself); new rows are
        # still initialised from `seed`, as if the words had been there from the start.
        run_seed = (seed * 1_000_003 + len(self.epoch_stats_) + 1) % (2**63)
        syn0 = self.wv_.vectors
        syn1 = self.syn1neg_
        if added:
            fresh = _embedrs.init_weights(
                _embedrs.Vocab([w for w, _ in added], [c for _, c in added]),
                self.vector_size,
                seed,
            )
            syn0 = np.vstack([syn0, fresh.syn0_copy()])
            syn1 = np.vstack([syn1, np.zeros((len(added), self.vector_size), np.float32)])
        self._check_memory(len(words))
        weights = _embedrs.Weights.from_arrays(
            np.ascontiguousarray(syn0, np.float32), np.ascontiguousarray(syn1, np.float32)
        )
        vocab_time = time.perf_counter() - t0
        logger.info(
            "partial_fit: %d new words (vocabulary %d), %d raw tokens of new text",
            len(added),
            len(words),
            new_total,
        )
        report, train_time = self._train(
            vocab, corpus, weights, run_seed, n_threads, callbacks, alpha, min_alpha, epochs
        )
        self._set_fitted(
            vocab,
            weights,
            report,
            seed,
            vocab_time,
            train_time,
            getattr(self, "device_", "cpu"),
            new_rare,
            append=True,
        )
        return self

    def _build_vocab(self, X: Any, n_threads: int) -> tuple[Any, Any, Any]:
        paths = _as_paths(X)
        if paths is not None:
            files = _embedrs.FileCorpus([os.fspath(p) for p in paths])
            counts = files.count(n_threads, self.max_vocab_size, self.max_sentence_length)
            try:
                vocab = counts.build_vocab(self.min_count, self.max_final_vocab)
            except EmptyVocabularyError as e:
                shown = ", ".join(repr(os.fspath(p)) for p in paths[:5])
                more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
                raise EmptyVocabularyError(
                    f"{e} (corpus file{'s' if len(paths) > 1 else ''}: {shown}{more})"
                ) from None
            return files, vocab, counts
        iterator = _sentence_iterator(X)
        builder = _embedrs.CorpusBuilder(self.max_vocab_size, self.max_sentence_length)
        _add_batches(builder, iterator)
        vocab, corpus, counts = builder.finish(self.min_count, self.max_final_vocab)
        return corpus, vocab, counts

    def _check_memory(self, n_words: int) -> None:
        need = 2 * n_words * self.vector_size * 4
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):  # pragma: no cover
            return
        if need > total:
            raise MemoryError(
                f"training needs {need / 2**30:.1f} GiB for the two {n_words} x "
                f"{self.vector_size} float32 matrices, but this machine has "
                f"{total / 2**30:.1f} GiB; lower vector_size or raise min_count"
            )

    # -- persistence -------------------------------------------------------------------
    _FITTED_SCALARS = (
        "corpus_total_words_",
        "corpus_sentences_",
        "n_words_seen_",
        "effective_words_",
        "random_state_",
        "vocab_time_",
        "train_time_",
        "stopped_early_",
        "simd_kernel_",
    )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the complete model (vectors, output matrix, counts, parameters, statistics)
        in the native format, atomically; :meth:`load` gives back a model that can go on
        training.

        Examples
        --------
        >>> import embedrs, tempfile, os
        >>> m = embedrs.Word2Vec(vector_size=4, min_count=1, epochs=1, n_jobs=1,
        ...                      random_state=0).fit([["a", "b"], ["b", "c"]] * 5)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     m.save(os.path.join(d, "m.embedrs"))
        ...     embedrs.load(os.path.join(d, "m.embedrs")).wv_.index_to_key == m.wv_.index_to_key
        True
        """
        import json

        from . import __version__

        check_is_fitted(self, "wv_")
        params = self.get_params()
        if not isinstance(params.get("random_state"), (int, type(None))):
            params["random_state"] = self.random_state_
        meta = {
            "kind": "Word2Vec",
            "embedrs_version": __version__,
            "params": params,
            "fitted": {k: getattr(self, k) for k in self._FITTED_SCALARS if hasattr(self, k)},
            "epoch_stats": [e.__dict__ for e in self.epoch_stats_],
        }
        self.wv_._kv.save_native(
            os.fspath(path), self.syn1neg_, json.dumps(meta), getattr(self, "rare_counts_", None)
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str], mmap: bool = False) -> Word2Vec:
        """Load a model written by :meth:`save` (``mmap`` maps the vectors read-only).

        Raises
        ------
        FormatError
            If the file is not a complete embedrs model (e.g. vectors only: use
            :meth:`KeyedVectors.load`), or is truncated, corrupted, or of another version.

        Examples
        --------
        See :meth:`save`.
        """
        native, syn1, meta_text, rare = _embedrs.KeyedVectors.load_native(os.fspath(path), mmap)
        return cls._from_native_file(path, native, syn1, meta_text, rare)

    @classmethod
    def _from_native_file(
        cls,
        path: str | os.PathLike[str],
        native: Any,
        syn1: Any,
        meta_text: str,
        rare: _embedrs.WordCounts | None,
    ) -> Word2Vec:
        import json

        from ._callbacks import EpochStats
        from .exceptions import FormatError

        try:
            meta = json.loads(meta_text) if meta_text else {}
        except ValueError as e:
            raise FormatError(f"{os.fspath(path)}: metadata is not valid JSON ({e})") from None
        if not isinstance(meta, dict) or meta.get("kind") != "Word2Vec" or syn1 is None:
            raise FormatError(
                f"{os.fspath(path)}: holds vectors only, not a complete Word2Vec model; "
                "use embedrs.KeyedVectors.load or embedrs.load"
            )
        try:
            model = cls(**meta.get("params", {}))
            fitted = dict(meta.get("fitted", {}))
            epoch_stats = [EpochStats(**e) for e in meta.get("epoch_stats", [])]
        except (TypeError, ValueError) as e:
            raise FormatError(
                f"{os.fspath(path)}: the metadata does not describe a Word2Vec model ({e})"
            ) from None
        model.wv_ = KeyedVectors._from_native(native)
        model.syn1neg_ = syn1
        model.rare_counts_ = rare if rare is not None else _embedrs.WordCounts()
        for k, v in fitted.items():
            setattr(model, k, v)
        model.epoch_stats_ = epoch_stats
        model.training_loss_ = [e.loss for e in model.epoch_stats_]
        model.device_ = resolve_device(model.device)
        model._wv_device = None
        model.n_features_out_ = model.vector_size
        return model

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Word -> row of ``wv_.vectors`` (built on first use)."""
        check_is_fitted(self, "wv_")
        return self.wv_.key_to_index

    @property
    def wv_device_(self) -> DeviceKeyedVectors:
        """``wv_`` on ``device_`` (copied on first use)."""
        check_is_fitted(self, "wv_")
        if getattr(self, "_wv_device", None) is None:
            self._wv_device = self.wv_.to_device(self.device_)
        assert self._wv_device is not None
        return self._wv_device

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_wv_device", None)  # device arrays are rebuilt after unpickling
        return state

    # -- transform ---------------------------------------------------------------------
    def transform(self, X: Iterable[Any]) -> npt.NDArray[np.float32]:
        """Document vectors: the mean of the vectors of each document's known words.

        Parameters
        ----------
        X : iterable of documents
            Each a list of str tokens or a str (split on whitespace like corpus lines).

        Returns
        -------
        ndarray of shape (n_documents, vector_size), float32
            Documents with no known word get a zero row (and an ``EmbedrsWarning``).
            With ``device_`` a GPU, pooled there and returned as numpy, or as a cupy array
            when scikit-learn's ``array_api_dispatch`` is on.

        Examples
        --------
        >>> import embedrs
        >>> m = embedrs.Word2Vec(vector_size=4, min_count=1, epochs=1, n_jobs=1,
        ...                      random_state=0).fit([["a", "b"], ["b", "c"]] * 5)
        >>> m.transform([["a", "b"], "c b"]).shape
        (2, 4)
        """
        check_is_fitted(self, "wv_")
        if isinstance(X, (str, bytes)):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        if getattr(self, "device_", "cpu") == "cpu":
            out, n_empty = self.wv_._mean_pool(X)
        else:
            dev_out, n_empty = self.wv_device_._pool(X, "mean")
            out = dev_out if get_config()["array_api_dispatch"] else _to_numpy(dev_out)
        if n_empty:
            warnings.warn(
                f"{n_empty} of {out.shape[0]} documents have no word in the vocabulary; "
                "their vectors are zeros",
                EmbedrsWarning,
                stacklevel=2,
            )
        return out

    def get_feature_names_out(self, input_features: Any = None) -> npt.NDArray[np.object_]:
        """Names of the output columns: ``word2vec0``, ``word2vec1``, ...

        Examples
        --------
        >>> Word2Vec(vector_size=3).get_feature_names_out().tolist()
        ['word2vec0', 'word2vec1', 'word2vec2']
        """
        return np.asarray([f"word2vec{i}" for i in range(self.vector_size)], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = self.n_jobs != 1
        tags.requires_fit = True
        return tags


def _as_paths(X: Any) -> list[Path] | None:
    """The corpus as file paths, or None if it is an iterable of sentences.

    A str or path-like is a file. A list or tuple whose items are all str or path-like is a
    list of files if any item is path-like or an existing file (so a list of sentences given
    as str stays sentences); then every missing file is named in one
    :class:`EmbedrsFileNotFoundError`.
    """
    if isinstance(X, os.PathLike):
        return [Path(X)]
    if isinstance(X, str):
        if not os.path.exists(X):
            raise EmbedrsFileNotFoundError(
                errno.ENOENT,
                f"corpus {X[:80]!r} is a str but not an existing file. To train on text, pass "
                "an iterable of sentences (lists of tokens or str), not a single str",
                X[:200],
            )
        return [Path(X)]
    if not (isinstance(X, (list, tuple)) and X):
        return None
    if not all(isinstance(p, (str, os.PathLike)) for p in X):
        return None
    if not any(isinstance(p, os.PathLike) or _is_file(p) for p in X):
        return None  # sentences given as str
    missing = [os.fspath(p) for p in X if not os.path.exists(p)]
    if missing:
        shown = ", ".join(repr(m[:200]) for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise EmbedrsFileNotFoundError(
            errno.ENOENT,
            f"corpus file{'s' if len(missing) > 1 else ''} not found: {shown}{more} "
            f"({len(X) - len(missing)} of the {len(X)} items of the list are existing files, "
            "so the list is read as file paths; to train on sentences, pass token lists)",
            missing[0][:200],
        )
    return [Path(p) for p in X]


def _is_file(p: str | os.PathLike[str]) -> bool:
    s = os.fspath(p)
    return len(s) < 4096 and os.path.isfile(s)
