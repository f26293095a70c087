"""Phrase (collocation) detection with gensim 4's rules, counted and applied in Rust.

:class:`Phrases` learns which pairs of words (possibly with connector words between them, as
in ``bank_of_america``) occur together more often than chance, and joins them into one token.
It finds the same phrases with the same scores as gensim's ``Phrases`` on the same sentences
and parameters; see ``docs/phrases.md`` for the few documented differences.

Examples
--------
>>> from embedrs.phrases import Phrases
>>> sentences = [["i", "live", "in", "new", "york", f"w{i}"] for i in range(50)]
>>> ph = Phrases(min_count=5, threshold=1.0).fit(sentences)
>>> ph.transform([["new", "york", "is", "big"]])
[['new_york', 'is', 'big']]
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import numbers
import os
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import _embedrs
from ._corpus import add_batches, as_paths, sentence_iterator
from ._params import as_float, as_int, at_least, json_default
from .exceptions import FormatError, InvalidParameterError

__all__ = ["ENGLISH_CONNECTOR_WORDS", "Phrases"]

logger = logging.getLogger("embedrs")

#: gensim's ``ENGLISH_CONNECTOR_WORDS``: articles, some prepositions and conjunctions, which
#: may sit inside a phrase (``bank_of_america``) but never start or end one.
ENGLISH_CONNECTOR_WORDS: frozenset[str] = frozenset(
    {"a", "an", "the", "for", "of", "with", "without", "at", "from", "to", "in", "on", "by"}
    | {"and", "or"}
)

_BATCH = 4096  # sentences copied per GIL hold


class Phrases(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Detect phrases (``new york`` -> ``new_york``) from collocation counts, as gensim 4 does.

    Counting runs in Rust, over files with ``n_jobs`` threads or over an iterable of
    sentences on a background thread; the fitted model is a frozen phrase table that is small
    and fast to apply. Fitting a second ``Phrases`` on the output of the first gives trigrams
    (``new_york_city``), and so on.

    Parameters
    ----------
    min_count : int, default=5
        Used by the score: the default score subtracts it from the phrase count, and
        ``"npmi"`` rejects phrases seen fewer times.
    threshold : float, default=10.0
        A candidate becomes a phrase when its score is strictly greater. Must be positive for
        the default score and within [-1, 1] for ``"npmi"``.
    scoring : {"default", "npmi"}, default="default"
        ``"default"`` is Mikolov et al.'s ``(count(ab) - min_count) / (count(a) * count(b)) *
        vocabulary_size``; ``"npmi"`` is normalised pointwise mutual information.
    connector_words : collection of str, default=ENGLISH_CONNECTOR_WORDS
        Words that may sit inside a phrase without being scored but never start or end one.
        Note that gensim's default is the empty set.
    max_vocab_size : int or None, default=40_000_000
        Bound on the unigram and phrase keys held while counting; above it, rare keys are
        pruned as gensim prunes them. None means no bound.
    delimiter : str, default="_"
        Joins the words of a phrase.
    n_jobs : int, default=-1
        Threads used to count files and to score; -1 means all available cores. An iterable
        of sentences is read by the calling thread and counted by one background thread.

    Attributes
    ----------
    phrases_ : embedrs._embedrs.FrozenPhrases
        The accepted phrases and their scores (picklable; ``phrases_.transform(batch)``
        applies them).
    vocabulary_size_ : int
        Unigram and phrase keys counted (gensim's ``len(phrases.vocab)``).
    corpus_word_count_ : int
        Tokens counted, connector words included.

    Examples
    --------
    >>> from embedrs.phrases import Phrases
    >>> sentences = [["the", "bank", "of", "america", "said", f"w{i}"] for i in range(20)]
    >>> ph = Phrases(min_count=5, threshold=1.0).fit(sentences)
    >>> ph.transform(["a bank of america branch"])
    [['a', 'bank_of_america', 'branch']]
    """

    def __init__(
        self,
        min_count: int = 5,
        threshold: float = 10.0,
        scoring: str = "default",
        connector_words: Iterable[str] = ENGLISH_CONNECTOR_WORDS,
        max_vocab_size: int | None = 40_000_000,
        delimiter: str = "_",
        n_jobs: int = -1,
    ) -> None:
        self.min_count = min_count
        self.threshold = threshold
        self.scoring = scoring
        self.connector_words = connector_words
        self.max_vocab_size = max_vocab_size
        self.delimiter = delimiter
        self.n_jobs = n_jobs

    # -- validation --------------------------------------------------------------------
    def _check_params(self) -> _Checked:
        """The parameters, checked and converted (numpy numbers as Python numbers)."""

        def bad(name: str, reason: str) -> InvalidParameterError:
            return InvalidParameterError(f"invalid parameter {name}: {reason}")

        min_count = as_int("min_count", self.min_count)
        if not isinstance(self.scoring, str):
            raise bad(
                "scoring",
                f"must be 'default' or 'npmi' (custom scoring functions are not supported), "
                f"got {self.scoring!r}",
            )
        threshold = as_float("threshold", self.threshold)
        # The ranges of min_count, scoring and threshold are the core's (gensim's rules).
        _embedrs.check_score_params(min_count, threshold, self.scoring)
        max_vocab_size = at_least("max_vocab_size", self.max_vocab_size, 1, allow_none=True)
        if not isinstance(self.delimiter, str) or not self.delimiter:
            raise bad("delimiter", f"must be a non-empty str, got {self.delimiter!r}")
        cw = self.connector_words
        if isinstance(cw, (str, bytes)) or not isinstance(cw, Iterable):
            raise bad("connector_words", f"must be a collection of str, got {type(cw).__name__}")
        words = frozenset(cw)
        if not all(isinstance(w, str) for w in words):
            raise bad("connector_words", "must hold only str")
        n = self.n_jobs
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise bad("n_jobs", f"must be a positive integer or -1, got {n!r}")
        n_threads = _embedrs.resolve_n_jobs(as_int("n_jobs", n))
        return _Checked(min_count, threshold, max_vocab_size, words, n_threads)

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> Phrases:
        """Count unigrams and phrases, then keep the phrases whose score passes ``threshold``.

        Parameters
        ----------
        X : str, path, list of paths, or iterable of sentences
            A corpus file (plain text or gzip; one sentence per line, tokens split on ASCII
            whitespace), several files, or any iterable of sentences, each a list of str
            tokens or a str (split on ASCII whitespace). An iterable is read once, so a generator
            works. A str is taken as a path.
        y : ignored

        Returns
        -------
        self : Phrases

        Examples
        --------
        >>> from embedrs.phrases import Phrases
        >>> sentences = [["machine", "learning", f"w{i}"] for i in range(30)]
        >>> Phrases(min_count=5, threshold=1.0).fit(sentences).export_phrases()
        {'machine_learning': 1.75}
        """
        checked = self._check_params()
        model = _embedrs.PhrasesModel(
            sorted(checked.connector_words), self.delimiter, checked.max_vocab_size
        )
        paths = as_paths(X)
        if paths is not None:
            model.count_files([os.fspath(p) for p in paths], checked.n_threads)
        else:
            iterator = sentence_iterator(X)
            try:
                add_batches(model, iterator)
            except BaseException:
                # add_batch started a counting thread that runs until `model` is dropped, and
                # the traceback keeps this frame (so `model`) alive: drop it now.
                del model
                raise
        self.phrases_ = model.freeze(
            checked.min_count, checked.threshold, self.scoring, checked.n_threads
        )
        self.vocabulary_size_ = len(model)
        self.corpus_word_count_ = model.corpus_word_count
        if model.prunes:
            logger.warning(
                "phrases: the counts exceeded max_vocab_size=%s and were pruned %d times; rare "
                "counts are approximate",
                self.max_vocab_size,
                model.prunes,
            )
        logger.info(
            "phrases: %d phrases from %d keys counted in %d tokens",
            len(self.phrases_),
            self.vocabulary_size_,
            self.corpus_word_count_,
        )
        return self

    def transform(self, X: Iterable[Any]) -> list[list[str]]:
        """Join the detected phrases of each sentence with ``delimiter``.

        Parameters
        ----------
        X : iterable of sentences
            Each a list of str tokens or a str (split on ASCII whitespace); an open text file works
            (one sentence per line).

        Returns
        -------
        list of list of str
            One token list per sentence, with the phrases joined (gensim's
            ``phrases[sentence]``).

        Examples
        --------
        >>> from embedrs.phrases import Phrases
        >>> ph = Phrases(min_count=5, threshold=1.0).fit([["new", "york", f"w{i}"]
        ...                                              for i in range(30)])
        >>> ph.transform([["in", "new", "york"], "new york"])
        [['in', 'new_york'], ['new_york']]
        """
        check_is_fitted(self, "phrases_")
        if isinstance(X, (str, bytes, os.PathLike)):
            raise ValueError(
                "Iterable over sentences expected, got a single "
                f"{type(X).__name__}; pass a list of token lists (or an open file)"
            )
        out: list[list[str]] = []
        iterator = iter(X)
        # Millions of new lists would trigger the cyclic garbage collector over and over
        # (they hold only str, so they cannot form cycles): pause it while building them.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            while batch := list(islice(iterator, _BATCH)):
                out.extend(self.phrases_.transform(batch))
        finally:
            if gc_was_enabled:
                gc.enable()
        return out

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> list[list[str]]:
        """Fit, then transform the same sentences (read once if ``X`` is an iterator).

        A path (or list of paths) is counted from the files, then its lines are transformed.

        Examples
        --------
        >>> from embedrs.phrases import Phrases
        >>> out = Phrases(min_count=5, threshold=1.0).fit_transform(
        ...     (["new", "york", f"w{i}"] for i in range(30)))
        >>> out[0]
        ['new_york', 'w0']
        """
        paths = as_paths(X)
        if paths is not None:
            self.fit(X)
            return self.transform(_lines(paths))
        if isinstance(X, Iterator):
            X = list(X)
        return self.fit(X).transform(X)

    # -- inspection --------------------------------------------------------------------
    def export_phrases(self) -> dict[str, float]:
        """Every phrase and its score, best first (gensim 4's ``export_phrases()``).

        Examples
        --------
        >>> from embedrs.phrases import Phrases
        >>> ph = Phrases(min_count=5, threshold=1.0).fit([["new", "york", f"w{i}"]
        ...                                              for i in range(30)])
        >>> list(ph.export_phrases())
        ['new_york']
        """
        check_is_fitted(self, "phrases_")
        return dict(self.phrases_.export_phrases())

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted phrases and parameters to ``path``, atomically, as every model
        file is written: a temporary file in the same folder, then renamed, so a failed save
        leaves any previous file intact; the file gets the permissions of any new file.

        Raises
        ------
        EmbedrsIOError
            The file cannot be written (the message names it).

        Examples
        --------
        >>> import os, tempfile
        >>> from embedrs.phrases import Phrases
        >>> ph = Phrases(min_count=5, threshold=1.0).fit([["new", "york", f"w{i}"]
        ...                                              for i in range(30)])
        >>> with tempfile.TemporaryDirectory() as d:
        ...     ph.save(os.path.join(d, "phrases.bin"))
        ...     Phrases.load(os.path.join(d, "phrases.bin")).transform([["new", "york"]])
        [['new_york']]
        """
        from . import __version__

        check_is_fitted(self, "phrases_")
        params = self.get_params()
        params["connector_words"] = sorted(params["connector_words"])
        meta = {
            "kind": "Phrases",
            "embedrs_version": __version__,
            "params": params,
            "fitted": {
                "vocabulary_size_": self.vocabulary_size_,
                "corpus_word_count_": self.corpus_word_count_,
            },
        }
        self.phrases_.save(os.fspath(path), json.dumps(meta, default=json_default))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Phrases:
        """Read a model written by :meth:`save`.

        Raises
        ------
        EmbedrsFileNotFoundError, EmbedrsIOError
            The file is missing or cannot be read (the message names it).
        FormatError
            The file is not a complete embedrs phrases model (truncated, corrupted, of another
            version, or with metadata that does not describe a ``Phrases``); the message names
            the file.

        Examples
        --------
        See :meth:`save`.
        """
        where = os.fspath(path)
        frozen = _embedrs.FrozenPhrases.load(where)

        def damaged(why: str) -> FormatError:
            return FormatError(f"{where}: {why}")

        try:
            meta = json.loads(frozen.meta) if frozen.meta else {}
        except ValueError as e:
            raise damaged(f"metadata is not valid JSON ({e})") from None
        if not isinstance(meta, dict) or meta.get("kind") != "Phrases":
            raise damaged("not a saved embedrs Phrases model (a phrase table without its metadata)")
        params = meta.get("params", {})
        fitted = meta.get("fitted", {})
        if not isinstance(params, dict) or not isinstance(fitted, dict):
            raise damaged("the metadata does not describe a Phrases model")
        params = dict(params)
        if isinstance(params.get("connector_words"), list):
            params["connector_words"] = frozenset(params["connector_words"])
        try:
            model = cls(**params)
            model._check_params()
        except (TypeError, ValueError) as e:
            raise damaged(f"the metadata does not describe a Phrases model ({e})") from None
        model.phrases_ = frozen
        for name, default in (
            ("vocabulary_size_", frozen.vocabulary_size),
            ("corpus_word_count_", frozen.corpus_word_count),
        ):
            value = fitted.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise damaged(f"the metadata's {name} is not a count: {value!r}")
            setattr(model, name, value)
        return model

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


class _Checked(NamedTuple):
    """The parameters of a :class:`Phrases`, checked and converted."""

    min_count: int
    threshold: float
    max_vocab_size: int | None
    connector_words: frozenset[str]
    n_threads: int


def _lines(paths: Sequence[Path]) -> Iterator[str]:
    """The lines of text files (plain or compressed), read by the core's reader."""
    return itertools.chain.from_iterable(_embedrs.LineReader([os.fspath(p) for p in paths]))
