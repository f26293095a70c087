"""The scikit-learn estimator that trains word2vec embeddings."""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import _embedrs
from ._callbacks import EpochStats, run_with_callbacks
from ._corpus import corpus_source
from ._params import DEFAULTS, LIMITS, json_default, physical_memory, seed_of, train_config
from .device import DeviceKeyedVectors, resolve_device, to_numpy
from .exceptions import EmbedrsWarning, FormatError
from .keyed_vectors import KeyedVectors

__all__ = ["ALPHA_SCHEDULES", "Word2Vec"]

logger = logging.getLogger("embedrs")

#: The learning-rate schedules ``alpha_schedule`` accepts.
ALPHA_SCHEDULES: tuple[str, ...] = tuple(LIMITS["alpha_schedule"])


class Word2Vec(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Word2vec embeddings (skip-gram or CBOW with negative sampling and/or hierarchical
    softmax), trained in Rust.

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
        word2vec uses 5 to 20). 0 turns negative sampling off, which needs ``hs=1``.
    hs : {0, 1}, default=0
        1 for hierarchical softmax (word2vec.c's and gensim's ``hs``): each word is predicted
        by the binary decisions on its path in a Huffman tree of the vocabulary counts, one
        output row per inner node (``syn1_``). Alone (``negative=0``) or together with
        negative sampling, for skip-gram and CBOW; the tree is rebuilt over the grown
        vocabulary by :meth:`partial_fit`, as gensim does. Not supported by
        :mod:`embedrs.distributed`.
    ns_exponent : float, default=0.75
        Negatives are drawn with probability proportional to ``count ** ns_exponent``
        (an exponent for which that overflows, e.g. ``1e6``, is rejected when training
        starts).
    cbow_mean : bool, default=True
        CBOW: average (True) or sum (False) the context vectors.
    cbow_gradient : {"word2vec", "sqrt", "corrected"} or None, default=None
        CBOW: how the context's error reaches each of the ``m`` context words.
        ``"word2vec"``: as word2vec.c and gensim (with ``cbow_mean``, every context word
        receives the full gradient of the averaged context). ``"corrected"``: the true
        gradient of the mean (each receives ``1/m`` of it; İrsoy et al., 2021).
        ``"sqrt"``: each receives ``1/sqrt(m)`` of it, between the two. None: ``"sqrt"``
        with negative sampling alone, the best of the three on the shared benchmark and on
        a second corpus at 1, 2 and 5 epochs (``benches/RESULTS.md``), and ``"word2vec"``
        whenever ``hs=1``; the value used is ``cbow_gradient_``. gensim has only
        ``"word2vec"``.
    alpha : float or None, default=None
        Starting learning rate. None: the measured best for the architecture, 0.035 for
        skip-gram, 0.1 for CBOW (0.065 with word2vec's gradient, which ``hs=1`` uses, 0.1
        with the corrected one), and gensim's 0.025 for hierarchical softmax alone
        (``hs=1, negative=0``); the value used is ``alpha_``. gensim uses 0.025 for both,
        word2vec.c 0.025 and 0.05 (see
        ``docs/coming-from-gensim.md``). At most 10 (useful values are below 0.2); if
        training diverges anyway (a NaN or infinite weight after an epoch), ``fit`` raises
        :class:`embedrs.InvalidParameterError` naming ``alpha``.
    min_alpha : float, default=0.0001
        Final learning rate: the rate decays linearly from ``alpha`` to ``min_alpha`` over
        all epochs, by the global progress of all threads.
    output_weight : float in [0, 1] or None, default=None
        The word vectors ``wv_`` are the input vectors plus this share of negative
        sampling's output vectors, ``syn0_ + output_weight * syn1neg_``: a CBOW model's
        output vectors are the vectors of the predicted words, trained as much as the input
        ones, and adding them is GloVe's ``W + W~`` and Levy, Goldberg and Dagan's
        ``w + c`` (2015). Training itself uses and updates the two matrices apart, and
        :meth:`partial_fit` continues from them. None: the measured best for the
        architecture, 0.5 for CBOW with negative sampling alone, 0 (the input vectors only,
        as word2vec.c and gensim) for skip-gram, whose vectors it made worse, and whenever
        ``hs=1``; the value used is ``output_weight_``. See ``benches/RESULTS.md``, "Word
        vectors from both matrices", and ``docs/coming-from-gensim.md``.
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
        The word vectors: ``syn0_ + output_weight_ * syn1neg_`` (see ``output_weight``).
    vocabulary_ : dict of str to int
        Word -> row of ``wv_.vectors``.
    syn0_ : ndarray of shape (n_words, vector_size) or None
        The input matrix training continues from, when the word vectors are not it
        (``output_weight_`` above 0); None when it is ``wv_.vectors`` itself.
    syn1neg_ : ndarray of shape (n_words, vector_size)
        The output (context) vectors of negative sampling, needed to continue training
        (zeros when ``negative=0``).
    syn1_ : ndarray of shape (n_words, vector_size) or None
        Hierarchical softmax's output vectors, one row per inner node of the Huffman tree
        (the root first; the last row is unused, as in gensim), or None without ``hs``.
    rare_counts_ : WordCounts
        Counts of the words seen in training text but left out of the vocabulary (below
        ``min_count``, or beyond ``max_final_vocab``). :meth:`partial_fit` adds the new
        text's counts to them, so a word that reaches ``min_count`` over several calls joins
        the vocabulary; saved with the model. ``rare_counts_.get(word)`` gives one count.
    training_loss_ : list of float
        The summed loss of each epoch: ``-log sigmoid`` of every prediction, negative
        samples and hierarchical-softmax decisions alike.
    epoch_stats_ : list of EpochStats
        Per-epoch statistics (loss, predictions, raw and effective words, seconds).
    corpus_total_words_ : int
        Raw tokens in one pass over the corpus.
    n_words_seen_ : int
        Raw tokens processed during training (all epochs).
    random_state_ : int
        The seed used.
    alpha_ : float
        The starting learning rate ``fit`` used: ``alpha``, or for None the default of the
        architecture (see ``alpha``).
    output_weight_ : float
        The weight of ``syn1neg_`` in ``wv_``: ``output_weight``, or for None the default of
        the architecture (see ``output_weight``).
    cbow_gradient_ : str
        The CBOW gradient ``fit`` used: ``cbow_gradient``, or for None the objective's
        default (see ``cbow_gradient``; set for skip-gram too, where it has no effect).
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
    syn0_: npt.NDArray[np.float32] | None
    syn1neg_: npt.NDArray[np.float32]
    syn1_: npt.NDArray[np.float32] | None
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
        vector_size: int = DEFAULTS["vector_size"],
        window: int = DEFAULTS["window"],
        min_count: int = DEFAULTS["min_count"],
        max_vocab_size: int | None = DEFAULTS["max_vocab_size"],
        max_final_vocab: int | None = DEFAULTS["max_final_vocab"],
        sample: float = DEFAULTS["sample"],
        sg: int = DEFAULTS["sg"],
        negative: int = DEFAULTS["negative"],
        hs: int = DEFAULTS["hs"],
        ns_exponent: float = DEFAULTS["ns_exponent"],
        cbow_mean: bool = DEFAULTS["cbow_mean"],
        cbow_gradient: str | None = DEFAULTS["cbow_gradient"],
        alpha: float | None = DEFAULTS["alpha"],
        min_alpha: float = DEFAULTS["min_alpha"],
        output_weight: float | None = DEFAULTS["output_weight"],
        alpha_schedule: str = DEFAULTS["alpha_schedule"],
        epochs: int = DEFAULTS["epochs"],
        shrink_windows: bool = DEFAULTS["shrink_windows"],
        shared_negatives: bool = DEFAULTS["shared_negatives"],
        max_sentence_length: int = DEFAULTS["max_sentence_length"],
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
        self.hs = hs
        self.ns_exponent = ns_exponent
        self.cbow_mean = cbow_mean
        self.cbow_gradient = cbow_gradient
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.output_weight = output_weight
        self.alpha_schedule = alpha_schedule
        self.epochs = epochs
        self.shrink_windows = shrink_windows
        self.shared_negatives = shared_negatives
        self.max_sentence_length = max_sentence_length
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    # -- settings ----------------------------------------------------------------------
    def _config(self, seed: int, **overrides: Any) -> _embedrs.TrainConfig:
        """The core's checked configuration of this estimator (with ``overrides``); every
        parameter is checked here, before any corpus is read."""
        return train_config({**self.get_params(), **overrides}, seed=seed)

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, *, callbacks: Sequence[Any] | None = None) -> Word2Vec:
        """Build the vocabulary and train.

        Parameters
        ----------
        X : str, path, list of paths, or iterable of sentences
            A corpus file (plain text or gzip; one sentence per line), several files, or any
            iterable of sentences, each a list of str tokens or a str (split on ASCII whitespace).
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
        seed = seed_of(self.random_state)
        config = self._config(seed)
        device = resolve_device(self.device)  # fails before training, not after
        source = corpus_source(
            X,
            max_vocab_size=self.max_vocab_size,
            max_sentence_length=int(self.max_sentence_length),
        )
        result = self._run(_embedrs.fit, (source, config), callbacks)
        self._set_trained(result, seed, device, config.output_weight)
        return self

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
        ``epochs`` passes (the estimator's values unless given here; when neither gives
        ``alpha``, half of the first fit's default rate, ``alpha_ / 2``).

        Sequential training forgets part of the old text, so the starting rate matters. At
        the current defaults, on the full shared corpus split in two halves (2 seeds),
        continuing at the first fit's own rate ended 3.8 (CBOW, 0.1) and 4.7 (skip-gram,
        0.035) analogy points under ``fit(whole)``; at half of it (the default) 1.4 (CBOW)
        and 2.1 (skip-gram), word similarity within 0.016. On
        the benchmark corpus split in two halves (``benches/bench_partial_fit.py``, 6 seeds,
        both fits at ``alpha=0.025``), ``fit(first half)`` then ``partial_fit(second half)``
        ended under ``fit(whole)`` by 1.0 analogy point with CBOW at the same rate (0.7 with
        ``alpha=0.03``), and by 2.4 with skip-gram at half its rate, its best (gensim's
        update: 1.7); word-similarity scores stayed within 0.02 of ``fit(whole)``. With the
        default rates (``alpha=None``) the first fit is better and the gap wider: on the
        2M-token shared sample corpus (one seed) CBOW continued best at ``alpha=0.045``, 1.3
        points under ``fit(whole)``; at the model's own 0.065 word similarity was higher and
        the analogies lower (these CBOW figures predate ``cbow_gradient="sqrt"``, the
        default since: they were measured with word2vec's update).

        Raises
        ------
        ValueError
            The model holds vectors only (e.g. ``wv_`` set by hand: no output matrix
            ``syn1neg_``), so it cannot go on training; the message names what is missing.

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
        missing = [a for a in self._TRAINING_STATE if getattr(self, a, None) is None]
        if missing:
            raise ValueError(
                "partial_fit needs a model trained by fit (or loaded with Word2Vec.load); this "
                f"one holds vectors only (it has no {', '.join(missing)}), so it cannot go on "
                "training: fit it first"
            )
        if alpha is None and self.alpha is None:
            # The measured default: a share of the first fit's default rate (see above).
            alpha = self._default_alpha(continued=True)
        overrides = {
            k: v for k, v in (("epochs", epochs), ("alpha", alpha), ("min_alpha", min_alpha))
            if v is not None
        }
        seed = int(self.random_state_)
        config = self._config(seed, **overrides)
        source = corpus_source(
            X,
            max_vocab_size=self.max_vocab_size,
            max_sentence_length=int(self.max_sentence_length),
        )
        result = self._run(
            _embedrs.continue_training,
            (
                self.wv_._native,
                np.ascontiguousarray(self.syn1neg_, dtype=np.float32),
                getattr(self, "rare_counts_", None),
                source,
                config,
            ),
            callbacks,
            epochs_done=len(self.epoch_stats_),
            syn1=self._syn1_for(config),
            syn0=None if self.syn0_ is None else np.ascontiguousarray(self.syn0_, np.float32),
        )
        self._set_trained(
            result, seed, getattr(self, "device_", "cpu"), config.output_weight, append=True
        )
        return self

    def _syn1_for(self, config: _embedrs.TrainConfig) -> npt.NDArray[np.float32] | None:
        """Hierarchical softmax's matrix to continue from (None: none, or ``hs`` off)."""
        syn1 = getattr(self, "syn1_", None)
        if not config.hs or syn1 is None:
            return None
        return np.ascontiguousarray(syn1, dtype=np.float32)

    def _run(
        self,
        native_call: Any,
        args: tuple[Any, ...],
        callbacks: Sequence[Any] | None,
        **kwargs: Any,
    ) -> Any:
        """Runs one call of the core's pipeline (the GIL is released while it trains), with
        the callbacks (and the progress bar) behind one dispatcher."""
        return run_with_callbacks(
            native_call,
            args,
            model=self,
            callbacks=callbacks or (),
            verbose=bool(self.verbose),
            wrap_vectors=KeyedVectors._from_native,
            memory_bytes=physical_memory(),
            **kwargs,
        )

    def _set_trained(
        self, result: Any, seed: int, device: str, output_weight: float, *, append: bool = False
    ) -> None:
        """Sets the fitted attributes from a finished training (``output_weight``: its
        configuration's, resolved; ``append``: partial_fit)."""
        report = result.report
        stats = list(report.epochs)
        vocab_time, train_time = float(result.vocab_seconds), float(report.seconds)
        words, sentences = int(result.corpus_words), int(result.corpus_sentences)
        if append:
            stats = self.epoch_stats_ + stats
            vocab_time += self.vocab_time_
            train_time += self.train_time_
            words += self.corpus_total_words_
            sentences += self.corpus_sentences_
        self._set_fitted(
            wv=KeyedVectors._from_native(result.keyed_vectors),
            syn0=result.syn0,
            syn1neg=result.syn1neg,
            syn1=result.syn1,
            rare_counts=result.rare_counts,
            epoch_stats=stats,
            corpus_total_words=words,
            corpus_sentences=sentences,
            random_state=seed,
            vocab_time=vocab_time,
            train_time=train_time,
            stopped_early=bool(report.stopped_early),
            simd_kernel=str(report.kernel),
            device=device,
            output_weight=output_weight,
        )
        run_words = sum(e.raw_words for e in report.epochs)
        logger.info(
            "trained %d raw words in %.1fs (%.0f words/s, %s kernel)",
            run_words,
            report.seconds,
            run_words / max(float(report.seconds), 1e-9),
            self.simd_kernel_,
        )

    def _set_fitted(
        self,
        *,
        wv: KeyedVectors,
        syn0: npt.NDArray[np.float32] | None = None,
        syn1neg: npt.NDArray[np.float32],
        syn1: npt.NDArray[np.float32] | None = None,
        rare_counts: _embedrs.WordCounts,
        epoch_stats: list[EpochStats],
        corpus_total_words: int,
        corpus_sentences: int,
        random_state: int,
        vocab_time: float,
        train_time: float,
        stopped_early: bool,
        simd_kernel: str,
        device: str,
        output_weight: float,
    ) -> None:
        """The one place that sets every fitted attribute: used by ``fit``,
        ``partial_fit``, ``load`` and the distributed ``fit`` (``output_weight``: the weight
        ``wv_`` was made with, as the core's configuration resolved it or as saved)."""
        self.wv_ = wv
        self.syn0_ = syn0
        self.syn1neg_ = syn1neg
        self.syn1_ = syn1
        self.rare_counts_ = rare_counts
        self.epoch_stats_ = list(epoch_stats)
        self.training_loss_ = [e.loss for e in self.epoch_stats_]
        self.corpus_total_words_ = int(corpus_total_words)
        self.corpus_sentences_ = int(corpus_sentences)
        self.n_words_seen_ = sum(e.raw_words for e in self.epoch_stats_)
        self.effective_words_ = sum(e.effective_words for e in self.epoch_stats_)
        self.random_state_ = int(random_state)
        self.cbow_gradient_ = (
            str(self.cbow_gradient)
            if self.cbow_gradient is not None
            else _embedrs.default_cbow_gradient(hs=bool(self.hs))
        )
        self.alpha_ = float(self.alpha) if self.alpha is not None else self._default_alpha()
        self.output_weight_ = float(output_weight)
        self.vocab_time_ = float(vocab_time)
        self.train_time_ = float(train_time)
        self.stopped_early_ = bool(stopped_early)
        self.simd_kernel_ = str(simd_kernel)
        self.device_ = device
        self._wv_device: DeviceKeyedVectors | None = None
        self.n_features_out_ = int(self.vector_size)

    #: What partial_fit continues from, besides ``wv_`` (all set by ``_set_fitted``).
    _TRAINING_STATE = (
        "syn1neg_",
        "epoch_stats_",
        "random_state_",
        "corpus_total_words_",
        "corpus_sentences_",
        "vocab_time_",
        "train_time_",
    )

    # -- persistence -------------------------------------------------------------------
    #: Fitted scalars saved in a model file's metadata (the others derive from them).
    _SAVED_SCALARS = (
        "corpus_total_words_",
        "corpus_sentences_",
        "random_state_",
        "vocab_time_",
        "train_time_",
        "stopped_early_",
        "simd_kernel_",
        "output_weight_",
    )

    def _default_alpha(self, *, continued: bool = False) -> float:
        """The core's default starting rate for this model's architecture and objective
        (``continued``: the rate ``partial_fit`` starts from)."""
        return _embedrs.default_alpha(
            sg=bool(self.sg),
            # Models pickled by earlier versions have no cbow_gradient_ (and name theirs).
            cbow_gradient=getattr(self, "cbow_gradient_", self.cbow_gradient),
            hs=bool(self.hs),
            negative=int(self.negative),
            continued=continued,
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
        from . import __version__

        check_is_fitted(self, "wv_")
        params = self.get_params()
        if not isinstance(params.get("random_state"), (int, np.integer, type(None))):
            params["random_state"] = self.random_state_
        meta = {
            "kind": "Word2Vec",
            "embedrs_version": __version__,
            "params": params,
            "fitted": {k: getattr(self, k) for k in self._SAVED_SCALARS if hasattr(self, k)},
            "epoch_stats": [e.to_dict() for e in self.epoch_stats_],
        }
        self.wv_._native.save_native(
            os.fspath(path),
            self.syn1neg_,
            json.dumps(meta, default=json_default),
            getattr(self, "rare_counts_", None),
            syn1=getattr(self, "syn1_", None),
            syn0=self.syn0_,
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
        native, syn1neg, meta_text, rare, syn1, syn0 = _embedrs.KeyedVectors.load_native(
            os.fspath(path), mmap
        )
        return cls._from_native_file(path, native, syn1neg, meta_text, rare, syn1, syn0)

    @classmethod
    def _from_native_file(
        cls,
        path: str | os.PathLike[str],
        native: _embedrs.KeyedVectors,
        syn1neg: npt.NDArray[np.float32] | None,
        meta_text: str,
        rare: _embedrs.WordCounts | None,
        syn1: npt.NDArray[np.float32] | None = None,
        syn0: npt.NDArray[np.float32] | None = None,
    ) -> Word2Vec:
        try:
            meta = json.loads(meta_text) if meta_text else {}
        except ValueError as e:
            raise FormatError(f"{os.fspath(path)}: metadata is not valid JSON ({e})") from None
        if not isinstance(meta, dict) or meta.get("kind") != "Word2Vec" or syn1neg is None:
            raise FormatError(
                f"{os.fspath(path)}: holds vectors only, not a complete Word2Vec model; "
                "use embedrs.KeyedVectors.load or embedrs.load"
            )
        try:
            params = dict(meta.get("params", {}))
            # Files of embedrs before output_weight hold the input vectors as word vectors.
            params.setdefault("output_weight", 0.0)
            model = cls(**params)
            fitted = dict(meta.get("fitted", {}))
            epoch_stats = [EpochStats.from_dict(e) for e in meta.get("epoch_stats", [])]
            model._set_fitted(
                wv=KeyedVectors._from_native(native),
                syn0=syn0,
                syn1neg=syn1neg,
                syn1=syn1,
                rare_counts=rare if rare is not None else _embedrs.WordCounts(),
                epoch_stats=epoch_stats,
                corpus_total_words=fitted.get("corpus_total_words_", 0),
                corpus_sentences=fitted.get("corpus_sentences_", 0),
                random_state=fitted.get("random_state_", 0),
                vocab_time=fitted.get("vocab_time_", 0.0),
                train_time=fitted.get("train_time_", 0.0),
                stopped_early=fitted.get("stopped_early_", False),
                simd_kernel=fitted.get("simd_kernel_", ""),
                device=resolve_device(model.device),
                # Files from before output_weight hold the input vectors.
                output_weight=fitted.get("output_weight_", 0.0),
            )
        except (TypeError, ValueError, KeyError) as e:
            raise FormatError(
                f"{os.fspath(path)}: the metadata does not describe a Word2Vec model ({e})"
            ) from None
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

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        # Models pickled before output_weight existed hold the input vectors as wv_.
        state.setdefault("output_weight", 0.0)
        if "wv_" in state:
            state.setdefault("output_weight_", 0.0)
            state.setdefault("syn0_", None)
        super().__setstate__(state)

    # -- transform ---------------------------------------------------------------------
    def transform(self, X: Iterable[Any]) -> npt.NDArray[np.float32]:
        """Document vectors: the mean of the vectors of each document's known words.

        Parameters
        ----------
        X : iterable of documents
            Each a list of str tokens or a str (split on ASCII whitespace like corpus lines).

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
            out, n_empty = self.wv_._pool(X)
        else:
            dev_out, n_empty = self.wv_device_._pool(X, "mean")
            out = dev_out if get_config()["array_api_dispatch"] else to_numpy(dev_out)
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
