"""gensim's ``Word2Vec`` (``gensim.models.word2vec``), trained by the embedrs core.

The class keeps gensim 4's signatures, defaults and state (``wv``, ``syn1neg``,
``corpus_count``, ``build_vocab`` then ``train``, ``save``/``load``, callbacks), and trains
through the same pipeline as :class:`embedrs.Word2Vec` (``_embedrs.train_more``: the corpus is
read by the core, the GIL released). Where the results can differ from gensim's, it is said in
``docs/coming-from-gensim.md``.

Examples
--------
>>> from embedrs.compat.gensim import Word2Vec
>>> sentences = [["cat", "say", "meow"], ["dog", "say", "woof"]] * 50
>>> model = Word2Vec(sentences, vector_size=10, min_count=1, workers=1, seed=1)
>>> model.wv["cat"].shape, model.corpus_count
((10,), 100)
>>> model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)[1]
1500
"""

from __future__ import annotations

import json
import logging
import math
import os
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ... import _embedrs
from ..._callbacks import run_with_callbacks
from ..._corpus import add_batches, sentence_iterator
from ..._params import json_default, seed_of, train_config
from ...exceptions import UnsupportedParameterError
from .callbacks import EpochEvents
from .corpora import MAX_WORDS_IN_BATCH, LineSentence, PathLineSentences
from .keyedvectors import KeyedVectors
from .vocab import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP, check_corpus, prepare

__all__ = [
    "RULE_DEFAULT",
    "RULE_DISCARD",
    "RULE_KEEP",
    "LineSentence",
    "PathLineSentences",
    "Word2Vec",
]

logger = logging.getLogger("embedrs.compat.gensim")

_END = object()  # the end of an iterator (None is a sentence, refused by the core)
_STR_WARNING = (
    "Each 'sentences' item should be a list of words (usually unicode strings). First item "
    "here is instead plain %s; embedrs splits such a str on whitespace (gensim iterates its "
    "characters)."
)


def hs_flag(hs: Any) -> int:
    """The one place ``hs`` is read: 1 for hierarchical softmax, 0 without (gensim's
    truthiness), passed to the core's configuration in :meth:`Word2Vec._config`."""
    return 1 if hs else 0


class _ClassOnly:
    """gensim's ``call_on_class_only``: a classmethod that refuses to run on an instance."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, cls: type) -> Callable[..., Any]:
        if obj is not None:

            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise AttributeError("This method should be called on a class object.")

            return refuse
        return types.MethodType(self.fn, cls)


# fmt: off
#: Constructor parameters saved with the model (their values are JSON).
_PARAMS = (
    "vector_size", "alpha", "window", "min_count", "max_vocab_size", "sample", "seed",
    "workers", "min_alpha", "sg", "hs", "negative", "ns_exponent", "cbow_mean", "epochs",
    "null_word", "sorted_vocab", "batch_words", "compute_loss", "comment", "max_final_vocab",
    "shrink_windows", "shared_negatives",
)
#: State saved with the model.
_STATE = (
    "train_count", "total_train_time", "corpus_count", "corpus_total_words",
    "min_alpha_yet_reached", "running_training_loss", "effective_min_count",
)
# fmt: on


class Word2Vec:
    """Word2vec with gensim 4's API (``gensim.models.Word2Vec``), trained by embedrs.

    Parameters are gensim's, in gensim's order, with gensim's meanings and defaults
    (``seed=1``, ``workers=3``, CBOW, ``min_count=5``): ``vector_size``, ``alpha``,
    ``window``, ``min_count``, ``sample``, ``seed``, ``workers``, ``min_alpha``, ``sg``,
    ``negative``, ``ns_exponent``, ``cbow_mean``, ``epochs``, ``null_word``, ``trim_rule``,
    ``compute_loss``, ``callbacks``, ``comment``, ``max_final_vocab`` and
    ``shrink_windows`` are not repeated below. Given ``sentences`` or ``corpus_file``, the
    constructor builds the vocabulary and trains, as gensim's does.

    Parameters
    ----------
    sentences : iterable of list of str, optional
        A re-iterable corpus (a list, ``LineSentence``, ...): read once per call by the
        core. A :class:`LineSentence` or :class:`PathLineSentences` of paths is read by the
        core from the files directly.
    corpus_file : path, optional
        A text file (plain, gzip, bz2 or xz), one sentence per line, read by the core in
        parallel byte ranges; the learning rate then decays by each thread's own progress,
        as in gensim's ``corpus_file`` mode.
    max_vocab_size : int, optional
        Bound on the distinct words held while counting, pruned with word2vec.c's rule.
    hs : {0, 1}, default=0
        1 for hierarchical softmax, alone (``negative=0``) or with negative sampling, as in
        gensim. The Huffman tree is built from the vocabulary counts at each ``train`` (so
        ``build_vocab(update=True)`` rebuilds it over the grown vocabulary and ``syn1`` grows
        by zero rows, as in gensim); its inner nodes are numbered from the root (row 0),
        where gensim puts the root last.
    hashfxn : callable
        Only the builtin ``hash`` (embedrs seeds initial vectors by ``(seed, word)``).
    sorted_vocab : {1}
        The vocabulary is always sorted by decreasing count.
    batch_words : int, default=10000
        gensim's job size: embedrs uses no more threads than a corpus has jobs, so that a
        small corpus trains deterministically, as in gensim.
    shared_negatives : bool, default=True
        embedrs only: skip-gram draws one set of negatives per centre word, shared across
        its window (about twice as fast, the same quality); False for gensim's per-pair
        negatives.

    Attributes
    ----------
    wv : KeyedVectors
        The vectors.
    syn1neg : ndarray of shape (len(wv), vector_size)
        The output vectors of negative sampling (after ``build_vocab``; zeros with
        ``negative=0``, where gensim has no ``syn1neg``).
    syn1 : ndarray of shape (len(wv), vector_size)
        With ``hs=1``: hierarchical softmax's output vectors, one row per inner node of the
        Huffman tree (after ``build_vocab``; the last row is unused, as in gensim).
    corpus_count, corpus_total_words : int
        Sentences and raw words of the last vocabulary scan.
    effective_min_count : int
        The ``min_count`` applied by the last ``build_vocab`` (raised by
        ``max_final_vocab``).
    """

    load: Any  # set below: a classmethod that refuses instances
    syn1neg: npt.NDArray[np.float32]
    syn1: npt.NDArray[np.float32]

    def __init__(
        self,
        sentences: Iterable[Any] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        vector_size: int = 100,
        alpha: float = 0.025,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int = 3,
        min_alpha: float = 0.0001,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int = 1,
        hashfxn: Callable[[Any], int] = hash,
        epochs: int = 5,
        null_word: int = 0,
        trim_rule: Callable[..., Any] | None = None,
        sorted_vocab: int = 1,
        batch_words: int = MAX_WORDS_IN_BATCH,
        compute_loss: bool = False,
        callbacks: Sequence[Any] = (),
        comment: str | None = None,
        max_final_vocab: int | None = None,
        shrink_windows: bool = True,
        *,
        shared_negatives: bool = True,
    ) -> None:
        if hashfxn is not hash:
            raise UnsupportedParameterError(
                "invalid parameter hashfxn: embedrs seeds the initial vectors by (seed, word) "
                "with its own hash; only the builtin hash is accepted"
            )
        if not sorted_vocab:
            raise UnsupportedParameterError(
                "invalid parameter sorted_vocab: the vocabulary is always sorted by "
                "decreasing count (sorted_vocab=0 is not supported)"
            )
        self.vector_size = int(vector_size)
        self.workers = int(workers)
        self.epochs: int | None = epochs
        self.train_count = 0
        self.total_train_time = 0.0
        self.batch_words = int(batch_words)
        self.sg = int(sg)
        self.alpha = float(alpha)
        self.min_alpha = float(min_alpha)
        self.window = int(window)
        self.shrink_windows = bool(shrink_windows)
        self.random = np.random.RandomState(seed)
        self.hs = hs_flag(hs)
        self.negative = int(negative)
        if self.hs and self.negative > 0:
            # As gensim: both objectives train, which is rarely what was meant.
            logger.warning(
                "Both hierarchical softmax and negative sampling are activated. This is "
                "probably a mistake: set hs=0 or negative=0 to train with one of them."
            )
        self.ns_exponent = ns_exponent
        self.cbow_mean = int(cbow_mean)
        self.compute_loss = bool(compute_loss)
        self.running_training_loss = 0.0
        self.min_alpha_yet_reached = float(alpha)
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.max_final_vocab = max_final_vocab
        self.max_vocab_size = max_vocab_size
        self.min_count = min_count
        self.sample = sample
        self.sorted_vocab = sorted_vocab
        self.null_word = null_word
        self.cum_table = None
        self.hashfxn = hashfxn
        self.seed = seed
        self.layer1_size = self.vector_size
        self.comment = comment
        self.shared_negatives = bool(shared_negatives)
        self.wv = KeyedVectors(self.vector_size)
        self.epoch_stats: list[Any] = []
        self._raw: _embedrs.WordCounts | None = None
        self._prepared: tuple[list[str], list[int], bool] | None = None
        self._scanned: tuple[Any, _embedrs.CorpusBuilder] | None = None
        # Every setting is checked now (negative=0 without hs, and epochs=0, are refused by
        # train(), as gensim does).
        negative_now = self.negative if self.hs else self.negative or 5
        self._config(int(epochs or 1), "global", 1, self.seed, negative=negative_now)
        if sentences is not None or corpus_file is not None:
            self._check_corpus_sanity(sentences, corpus_file, passes=int(epochs) + 1)
            self._build_vocab(sentences, corpus_file, False, False, trim_rule, keep_corpus=True)
            self.train(
                sentences,
                corpus_file,
                total_examples=self.corpus_count,
                total_words=self.corpus_total_words,
                epochs=self.epochs,
                start_alpha=self.alpha,
                end_alpha=self.min_alpha,
                compute_loss=self.compute_loss,
                callbacks=callbacks,
            )
        else:
            if trim_rule is not None:
                logger.warning(
                    "The rule, if given, is only used to prune vocabulary during build_vocab() "
                    "and is not stored as part of the model."
                )
            if callbacks:
                logger.warning(
                    "Callbacks are no longer retained by the model, so must be provided whenever "
                    "training is triggered, as in initialization with a corpus or calling "
                    "`train()`."
                )

    def __str__(self) -> str:
        return (
            f"{type(self).__name__}<vocab={len(self.wv)}, vector_size={self.wv.vector_size}, "
            f"alpha={self.alpha}>"
        )

    # -- checks ------------------------------------------------------------------------------
    @staticmethod
    def _check_corpus_sanity(
        corpus_iterable: Any = None, corpus_file: Any = None, passes: int = 1
    ) -> None:
        """gensim's checks of a corpus argument (:func:`.vocab.check_corpus`)."""
        check_corpus(corpus_iterable, corpus_file, passes)

    def _check_training_sanity(self, epochs: Any, total_examples: Any, total_words: Any) -> None:
        if not self.negative and not hs_flag(self.hs):
            raise ValueError(
                "You must set either 'hs' or 'negative' to be positive for proper training. "
                "When both 'hs=0' and 'negative=0', there will be no training."
            )
        if self.alpha > self.min_alpha_yet_reached:
            logger.warning("Effective 'alpha' higher than previous training cycles")
        if not self.wv.key_to_index:
            raise RuntimeError("you must first build vocabulary before training the model")
        if not len(self.wv.vectors):
            raise RuntimeError("you must initialize vectors before training the model")
        if total_words is None and total_examples is None:
            raise ValueError(
                "You must specify either total_examples or total_words, for proper "
                "learning-rate and progress calculations. If you've just built the vocabulary "
                "using the same corpus, using the count cached in the model is sufficient: "
                "total_examples=model.corpus_count."
            )
        if epochs is None or epochs <= 0:
            raise ValueError(
                "You must specify an explicit epochs count. The usual value is epochs=model.epochs."
            )
        if not hasattr(self, "syn1neg") or len(self.syn1neg) != len(self.wv):
            raise RuntimeError(
                "the model has no output vectors (syn1neg) for its vocabulary: build it with "
                "build_vocab() (vectors loaded with KeyedVectors cannot be trained further)"
            )

    # -- vocabulary ------------------------------------------------------------------------
    def build_vocab(
        self,
        corpus_iterable: Iterable[Any] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        update: bool = False,
        progress_per: int = 10000,
        keep_raw_vocab: bool = False,
        trim_rule: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Count the corpus, build the vocabulary (``update=True``: add the new words of this
        corpus to it) and initialise the vectors, without training (gensim's
        ``build_vocab``). An empty vocabulary is not an error here; ``train`` refuses it.
        ``progress_per`` paces gensim's progress log of its Python scan; the core counts
        without one."""
        self._build_vocab(
            corpus_iterable,
            corpus_file,
            update,
            keep_raw_vocab,
            trim_rule,
            keep_corpus=False,
            **kwargs,
        )

    def _build_vocab(
        self,
        corpus_iterable: Iterable[Any] | None,
        corpus_file: str | os.PathLike[str] | None,
        update: bool,
        keep_raw_vocab: bool,
        trim_rule: Callable[..., Any] | None,
        *,
        keep_corpus: bool,
        **kwargs: Any,
    ) -> None:
        """``build_vocab``; with ``keep_corpus`` (the constructor), the sentences read from an
        iterable stay in the core for the ``train`` call that follows (one pass, not two)."""
        self._check_corpus_sanity(corpus_iterable, corpus_file, passes=1)
        counts, builder = self._scan(corpus_iterable, corpus_file, self.workers)
        self._scanned = (corpus_iterable, builder) if keep_corpus and builder is not None else None
        self.corpus_count = int(counts.sentences)
        self.corpus_total_words = int(counts.total_words)
        report: dict[str, Any] = dict(
            self.prepare_vocab(
                update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule, **kwargs
            )
        )
        report["memory"] = self.estimate_memory(vocab_size=report["num_retained_words"])
        self.prepare_weights(update=update)

    def scan_vocab(
        self,
        corpus_iterable: Iterable[Any] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        progress_per: int = 10000,
        workers: int | None = None,
        trim_rule: Callable[..., Any] | None = None,
    ) -> tuple[int, int]:
        """Count the words of the corpus (in the core); returns ``(total_words,
        corpus_count)`` and keeps the counts for :meth:`prepare_vocab`. ``trim_rule`` is
        applied by :meth:`prepare_vocab` (gensim also applies it when ``max_vocab_size``
        prunes; embedrs prunes with word2vec.c's rule)."""
        counts, _ = self._scan(corpus_iterable, corpus_file, workers or self.workers)
        return int(counts.total_words), int(counts.sentences)

    def _scan(
        self, corpus_iterable: Any, corpus_file: Any, workers: int
    ) -> tuple[_embedrs.WordCounts, _embedrs.CorpusBuilder | None]:
        """The counts of the corpus (kept as ``raw_vocab``), and for an iterable the core's
        copy of its sentences."""
        logger.info("collecting all words and their counts")
        paths = self._paths(corpus_iterable, corpus_file)
        builder = None
        if paths is not None:
            counts = _embedrs.FileCorpus(paths).count(
                max(1, int(workers)), self.max_vocab_size, MAX_WORDS_IN_BATCH
            )
        else:
            builder = self._builder(corpus_iterable)
            counts = builder.word_counts()
        self._raw = counts
        logger.info(
            "collected %i word types from a corpus of %i raw words and %i sentences",
            len(counts),
            counts.total_words,
            counts.sentences,
        )
        return counts, builder

    @staticmethod
    def _paths(corpus_iterable: Any, corpus_file: Any) -> list[str] | None:
        """The files the core reads itself: ``corpus_file``, or a line reader of paths."""
        if corpus_file is not None:
            return [os.fspath(corpus_file)]
        if isinstance(corpus_iterable, (LineSentence, PathLineSentences)):
            return corpus_iterable.file_paths()
        return None

    def _builder(self, corpus_iterable: Any) -> _embedrs.CorpusBuilder:
        """The sentences of an iterable, read once into the core (gensim's warning if the
        first one is a str)."""
        iterator = sentence_iterator(corpus_iterable)
        builder = _embedrs.CorpusBuilder(self.max_vocab_size, MAX_WORDS_IN_BATCH)
        first: Any = next(iterator, _END)
        if first is _END:
            return builder
        if isinstance(first, str):
            logger.warning(_STR_WARNING, type(first))
        builder.add_batch([first])
        add_batches(builder, iterator)
        return builder

    @property
    def raw_vocab(self) -> dict[str, int]:
        """The counts of the last scan, word -> count (empty once :meth:`prepare_vocab` has
        used them, unless ``keep_raw_vocab``)."""
        return dict(self._raw.items()) if self._raw is not None else {}

    def prepare_vocab(
        self,
        update: bool = False,
        keep_raw_vocab: bool = False,
        trim_rule: Callable[..., Any] | None = None,
        min_count: int | None = None,
        sample: float | None = None,
        dry_run: bool = False,
    ) -> dict[str, int]:
        """Apply ``min_count`` (raised by ``max_final_vocab``), ``trim_rule`` and ``sample``
        to the scanned counts, as gensim does; returns gensim's report (``drop_unique``,
        ``retain_total``, ``downsample_unique``, ``downsample_total``,
        ``num_retained_words``). The words are ordered by decreasing count (equal counts by
        word); with ``update``, new words are appended after the existing ones."""
        min_count = min_count or self.min_count
        sample = sample or self.sample
        items = self._raw.items() if self._raw is not None else []
        existing = (self.wv.index_to_key, self.wv.counts.tolist()) if update else None
        p = prepare(
            items,
            min_count=min_count,
            max_final_vocab=self.max_final_vocab,
            sample=sample,
            trim_rule=trim_rule,
            existing=existing,
            null_word=bool(self.null_word),
        )
        self.effective_min_count = p.effective_min_count
        if update:
            logger.info(
                "added %i new unique words, updated the counts of %i pre-existing words",
                len(p.words) - len(self.wv),
                p.report["num_retained_words"] - (len(p.words) - len(self.wv)),
            )
        if not dry_run:
            if not update:
                self.min_count, self.sample = min_count, sample
            self._prepared = (p.words, p.counts, bool(update))
            if not keep_raw_vocab:
                self._raw = None
        return p.report

    def prepare_weights(self, update: bool = False) -> None:
        """Initialise the vectors of the prepared vocabulary (``update``: keep the existing
        rows, initialise the new words' rows, zero output rows), as gensim's
        ``prepare_weights`` does; initial vectors are seeded by ``(seed, word)``."""
        if self._prepared is None:
            raise RuntimeError("call prepare_vocab() (or build_vocab()) first")
        words, counts, _ = self._prepared
        seed = seed_of(self.seed)
        vocab = _embedrs.Vocab(words, counts, self.corpus_total_words)
        if update:
            n_old = len(self.wv)
            if not n_old:
                raise RuntimeError(
                    "You cannot do an online vocabulary-update of a model which has no prior "
                    "vocabulary. First build the vocabulary of your model with a corpus before "
                    "doing an online update."
                )
            new = _embedrs.Vocab(words[n_old:], counts[n_old:])
            new_rows, _ = _embedrs.init_weights(new, self.vector_size, seed)
            syn0 = np.concatenate([self.wv.vectors, new_rows])
            gained = np.zeros((len(words) - n_old, self.vector_size), np.float32)
            syn1 = np.concatenate([self.syn1neg, gained])
            if self.hs:
                # gensim's update: the Huffman tree is rebuilt over the whole vocabulary
                # (at train) and syn1 grows by zero rows.
                old = getattr(self, "syn1", np.zeros((n_old, self.vector_size), np.float32))
                self.syn1 = np.ascontiguousarray(np.concatenate([old, gained]), np.float32)
        else:
            syn0, syn1 = _embedrs.init_weights(vocab, self.vector_size, seed)
            if self.hs:
                self.syn1 = np.zeros((len(words), self.vector_size), np.float32)
        self.wv = KeyedVectors._from_native(_embedrs.KeyedVectors.from_vocab(vocab, syn0))
        self.syn1neg = np.ascontiguousarray(syn1, np.float32)
        self._prepared = None

    def build_vocab_from_freq(
        self,
        word_freq: dict[str, int],
        keep_raw_vocab: bool = False,
        corpus_count: int | None = None,
        trim_rule: Callable[..., Any] | None = None,
        update: bool = False,
    ) -> None:
        """Build the vocabulary from a ``word -> count`` dict instead of a corpus."""
        logger.info("processing provided word frequencies")
        self._raw = _embedrs.WordCounts(list(word_freq.items()))
        self.corpus_count = corpus_count or 0
        self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule)
        self.prepare_weights(update=update)

    def estimate_memory(
        self, vocab_size: int | None = None, report: dict[str, int] | None = None
    ) -> dict[str, int]:
        """Bytes the model needs for ``vocab_size`` words (gensim's estimate)."""
        n = len(self.wv) if vocab_size is None else int(vocab_size)
        out = dict(report or {})
        out["vocab"] = n * 500
        out["vectors"] = n * self.vector_size * 4
        if self.hs:
            out["syn1"] = n * self.layer1_size * 4
        if self.negative:
            out["syn1neg"] = n * self.layer1_size * 4
        out["total"] = sum(out.values())
        logger.info(
            "estimated required memory for %i words and %i dimensions: %i bytes",
            n,
            self.vector_size,
            out["total"],
        )
        return out

    def reset_from(self, other_model: Word2Vec) -> None:
        """Take ``other_model``'s vocabulary and corpus count, with fresh vectors."""
        vocab = other_model.wv._native.vocab()
        syn0, syn1 = _embedrs.init_weights(vocab, self.vector_size, seed_of(self.seed))
        self.wv = KeyedVectors._from_native(_embedrs.KeyedVectors.from_vocab(vocab, syn0))
        self.syn1neg = syn1
        if self.hs:
            self.syn1 = np.zeros_like(syn1)
        self.corpus_count = other_model.corpus_count

    # -- training ---------------------------------------------------------------------------
    def _config(
        self, epochs: int, schedule: str, threads: int, seed: int, negative: int | None = None
    ) -> _embedrs.TrainConfig:
        """The core's checked configuration of this model (hs is read by ``hs_flag``)."""
        return train_config(
            {
                "vector_size": self.vector_size,
                "window": self.window,
                "sg": self.sg,
                "negative": self.negative if negative is None else negative,
                "hs": hs_flag(self.hs),
                "ns_exponent": self.ns_exponent,
                "cbow_mean": self.cbow_mean,
                "cbow_gradient": "word2vec",  # gensim's only update
                "output_weight": 0.0,  # gensim's word vectors are the input vectors
                "alpha": self.alpha,
                "min_alpha": self.min_alpha,
                "epochs": epochs,
                "sample": self.sample,
                "shrink_windows": self.shrink_windows,
                "shared_negatives": self.shared_negatives,
                "alpha_schedule": schedule,
                "n_jobs": threads,
                "max_sentence_length": MAX_WORDS_IN_BATCH,
            },
            seed=seed_of(seed),
        )

    def train(
        self,
        corpus_iterable: Iterable[Any] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        word_count: int = 0,
        queue_factor: int = 2,
        report_delay: float = 1.0,
        compute_loss: bool = False,
        callbacks: Sequence[Any] = (),
        **kwargs: Any,
    ) -> tuple[int, int]:
        """Train the vectors on a corpus, the vocabulary fixed (words outside it are
        skipped), with the learning rate decaying from ``start_alpha`` (default ``alpha``)
        to ``end_alpha`` (default ``min_alpha``) over ``epochs`` passes.

        ``total_examples`` or ``total_words`` is required, as in gensim; the core counts the
        corpus itself for the schedule. ``queue_factor`` and ``report_delay`` tune gensim's
        job queue and progress log, which embedrs does not have.

        Returns
        -------
        (int, int)
            Words trained (after subsampling and out-of-vocabulary words) and raw words,
            over all epochs.
        """
        if kwargs:
            raise TypeError(f"train() got unexpected keyword arguments: {sorted(kwargs)}")
        self.wv._check_lockf()
        self.alpha = start_alpha or self.alpha
        self.min_alpha = end_alpha or self.min_alpha
        self.epochs = epochs
        self._check_training_sanity(epochs, total_examples, total_words)
        assert epochs is not None
        self._check_corpus_sanity(corpus_iterable, corpus_file, passes=epochs)
        if word_count:
            raise UnsupportedParameterError(
                f"invalid parameter word_count: only 0 is supported, got {word_count!r}"
            )
        self.compute_loss = bool(compute_loss)
        self.running_training_loss = 0.0
        paths = self._paths(corpus_iterable, corpus_file)
        source: Any
        if paths is not None:
            source = paths
            raw = total_words or self.corpus_total_words
        else:
            scanned, self._scanned = self._scanned, None
            builder = scanned[1] if scanned and scanned[0] is corpus_iterable else None
            source = builder or self._builder(corpus_iterable)
            raw = source.total_words
        jobs = max(1, math.ceil(int(raw or 0) / max(1, self.batch_words)))
        threads = max(1, min(self.workers, jobs))
        seed = seed_of(self.seed)
        if self.train_count:
            seed = (seed * 1_000_003 + self.train_count) % 2**32
        schedule = "per_thread" if corpus_file is not None else "global"
        config = self._config(int(epochs), schedule, threads, seed)
        gensim_callbacks = list(callbacks)
        for cb in gensim_callbacks:
            cb.on_train_begin(self)
        events = EpochEvents(self, gensim_callbacks, self.compute_loss)
        vecattrs = self.wv.expandos
        result = run_with_callbacks(
            _embedrs.train_more,
            (self.wv._native.vocab(), self.wv.vectors, self.syn1neg, source, config),
            model=self,
            callbacks=[events] if gensim_callbacks else [],
            verbose=False,
            wrap_vectors=KeyedVectors._from_native,
            syn1hs=self._syn1_to_train(),
        )
        report = result.report
        self.wv = KeyedVectors._from_native(result.keyed_vectors)
        for name, values in vecattrs.items():
            if name != "count":
                self.wv.allocate_vecattrs([name], [values.dtype.type])
                for key, value in zip(self.wv.index_to_key, values, strict=True):
                    self.wv.set_vecattr(key, name, value)
        self.syn1neg = result.syn1neg
        if result.syn1 is not None:
            self.syn1 = result.syn1
        self.epoch_stats = list(report.epochs)
        self.train_count += 1
        self.total_train_time += float(report.seconds)
        self.min_alpha_yet_reached = self.min_alpha
        if self.compute_loss:
            self.running_training_loss = float(sum(e.loss for e in self.epoch_stats))
        trained = sum(int(e.effective_words) for e in self.epoch_stats)
        raw_words = sum(int(e.raw_words) for e in self.epoch_stats)
        if not raw_words:
            logger.warning(
                "train() called with an empty iterator (if not intended, be sure to provide a "
                "corpus that offers restartable iteration = an iterable)."
            )
        logger.info(
            "training on %i raw words (%i effective words) took %.1fs, %.0f effective words/s",
            raw_words,
            trained,
            report.seconds,
            trained / max(float(report.seconds), 1e-9),
        )
        for cb in gensim_callbacks:
            cb.on_train_end(self)
        return trained, raw_words

    def _syn1_to_train(self) -> npt.NDArray[np.float32] | None:
        """Hierarchical softmax's matrix for ``train`` (None without hs, or before one
        exists: the core then starts it at zero)."""
        syn1 = getattr(self, "syn1", None) if self.hs else None
        if syn1 is None or len(syn1) != len(self.wv):
            return None
        return np.ascontiguousarray(syn1, np.float32)

    def get_latest_training_loss(self) -> float:
        """The summed loss of the epochs of the last ``train`` call (with
        ``compute_loss=True``; else 0.0): every negative-sampling prediction's and
        hierarchical-softmax decision's
        ``-log sigmoid``, summed in float64. gensim's float32 sum skips saturated predictions
        and its threads overwrite each other's sums: the same trend, not the same numbers."""
        return self.running_training_loss

    def predict_output_word(
        self, context_words_list: Sequence[Any], topn: int = 10
    ) -> list[tuple[str, np.float32]] | None:
        """The most probable centre words for context words (softmax over the output
        layer, as gensim); None if no context word is known."""
        if not self.negative:
            raise RuntimeError(
                "We have currently only implemented predict_output_word for the negative "
                "sampling scheme, so you need to have run word2vec with negative > 0 for this "
                "to work."
            )
        if not hasattr(self, "syn1neg") or not len(self.wv.vectors):
            raise RuntimeError("Parameters required for predicting the output words not found.")
        rows = [self.wv.get_index(w) for w in context_words_list if w in self.wv]
        if not rows:
            logger.warning(
                "All the input context words are out-of-vocabulary for the current model."
            )
            return None
        l1 = np.sum(self.wv.vectors[rows], axis=0)
        if self.cbow_mean:
            l1 = l1 / len(rows)
        logits = self.syn1neg @ l1
        p = np.exp(logits - logits.max())
        p /= p.sum()
        best = np.argsort(-p, kind="stable")[:topn]
        return [(self.wv.index_to_key[i], p[i]) for i in best]

    def score(self, *args: Any, **kwargs: Any) -> Any:
        """gensim scores sentences with hierarchical softmax only; embedrs does not
        implement that scoring (it trains with hierarchical softmax, ``hs=1``)."""
        raise RuntimeError(
            "We have currently only implemented score for the hierarchical softmax scheme, so "
            "you need to have run word2vec with hs=1 and negative=0 for this to work."
        )

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated: see :meth:`KeyedVectors.init_sims`."""
        self.wv.init_sims(replace)

    # -- persistence -----------------------------------------------------------------------
    def save(self, fname_or_handle: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        """Save the whole model (vectors, output matrix, counts, parameters, state) in the
        native format, atomically; :meth:`load` gives back a model that can go on training.
        gensim's ``separately``, ``sep_limit``, ``ignore`` and ``pickle_protocol`` choose
        how gensim pickles; the native file is one memory-mappable file whatever they say."""
        from ... import __version__

        meta = {
            "kind": "gensim.Word2Vec",
            "embedrs_version": __version__,
            "params": {k: getattr(self, k) for k in _PARAMS},
            "state": {k: getattr(self, k) for k in _STATE if hasattr(self, k)},
        }
        syn1 = getattr(self, "syn1neg", np.zeros((len(self.wv), self.vector_size), np.float32))
        hs_syn1 = getattr(self, "syn1", None) if self.hs else None
        self.wv._native.save_native(
            os.fspath(fname_or_handle),
            np.ascontiguousarray(syn1, np.float32),
            json.dumps(meta, default=json_default),
            None,
            syn1=None if hs_syn1 is None else np.ascontiguousarray(hs_syn1, np.float32),
        )

    def _load(  # type: ignore[misc]
        cls: type[Word2Vec], fname: str | os.PathLike[str], mmap: Any = None, rethrow: bool = False
    ) -> Word2Vec:
        """Load a model written by :meth:`save` (``mmap="r"`` maps the vectors read-only;
        training copies them). Call it on the class: ``Word2Vec.load(path)``.

        Raises
        ------
        AttributeError
            The file holds something else (e.g. vectors saved by ``KeyedVectors.save``), as
            gensim raises.
        """
        native, syn1, meta_text, _, hs_syn1, _ = _embedrs.KeyedVectors.load_native(
            os.fspath(fname), mmap in ("r", "c", True)
        )
        try:
            meta = json.loads(meta_text) if meta_text else {}
        except ValueError:
            meta = {}
        kind = meta.get("kind") if isinstance(meta, dict) else None
        if kind != "gensim.Word2Vec" or syn1 is None:
            raise AttributeError(
                f"Model of type {kind or 'KeyedVectors'} can't be loaded by {cls.__name__}"
            )
        model = cls(**meta.get("params", {}))
        for k, v in meta.get("state", {}).items():
            setattr(model, k, v)
        model.wv = KeyedVectors._from_native(native)
        model.syn1neg = syn1
        if hs_syn1 is not None:
            model.syn1 = hs_syn1
        return model

    load = _ClassOnly(_load)
