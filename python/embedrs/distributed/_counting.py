"""Counting the words of a distributed corpus: a Rust counter per partition, merged in a
tree (exactly the single-process count)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from .. import _embedrs
from .._corpus import add_batches
from .._params import at_least
from ._cluster import as_bag, compute, resolve_client

__all__ = ["count_partition", "count_vocab", "count_words"]

Sentence = str | Sequence[str]


def count_partition(
    sentences: Iterable[Sentence],
    max_vocab_size: int | None = None,
    max_sentence_length: int = 10000,
) -> _embedrs.WordCounts:
    """Word counts of one partition (a pure function: any engine can map it).

    Parameters
    ----------
    sentences : iterable of str or of lists of str
        A str is split on ASCII whitespace.
    max_vocab_size : int, optional
        Prune rare words while counting (word2vec.c style). Pruning is per partition, so
        the merged counts are then approximate; leave None for exact counts.
    max_sentence_length : int, default=10000

    Returns
    -------
    WordCounts
        Merge with ``WordCounts.merge``; ``build_vocab`` applies ``min_count``.

    Examples
    --------
    >>> from embedrs.distributed import count_partition
    >>> a = count_partition(["the cat", "the dog"])
    >>> b = count_partition([["the", "end"]])
    >>> sorted(a.merge(b).items())[:2], a.merge(b).total_words
    ([('cat', 1), ('dog', 1)], 6)
    """
    builder = _embedrs.CorpusBuilder(*_counting_options(max_vocab_size, max_sentence_length))
    add_batches(builder, sentences)
    return builder.word_counts()


def _counting_options(max_vocab_size: Any, max_sentence_length: Any) -> tuple[int | None, int]:
    """The counting parameters as Python ints (numpy integers included), checked."""
    return (
        at_least("max_vocab_size", max_vocab_size, 1, allow_none=True),
        at_least("max_sentence_length", max_sentence_length, 1),
    )


def _merge_counts(parts: Iterable[_embedrs.WordCounts]) -> _embedrs.WordCounts:
    total = _embedrs.WordCounts()
    for p in parts:
        total = total.merge(p)
    return total


def count_words(
    corpus: Any,
    *,
    max_vocab_size: int | None = None,
    max_sentence_length: int = 10000,
    split_every: int = 8,
    client: Any = None,
) -> _embedrs.WordCounts:
    """Exact word counts of a distributed corpus (before any ``min_count`` pruning).

    A :func:`count_partition` per partition, merged in a tree of fan-in ``split_every``.
    Without a client (and no default one) dask's current scheduler runs it.

    Parameters
    ----------
    corpus : dask.bag.Bag or dask Series
        Sentences: str (split on ASCII whitespace) or lists of str.
    max_vocab_size, max_sentence_length
        See :func:`count_partition`.
    split_every : int, default=8
        Fan-in of the merge tree, at least 2.
    client : dask.distributed.Client, optional

    Returns
    -------
    WordCounts

    Examples
    --------
    >>> import dask.bag as db
    >>> from embedrs import distributed as ed
    >>> bag = db.from_sequence(["a b", "a c", "a"], npartitions=3)
    >>> counts = ed.count_words(bag)
    >>> sorted(counts.items()), counts.total_words, counts.sentences
    ([('a', 3), ('b', 1), ('c', 1)], 5, 3)
    """
    max_vocab_size, max_sentence_length = _counting_options(max_vocab_size, max_sentence_length)
    # dask's tree reduction never ends with a fan-in of 1.
    fan_in = at_least("split_every", split_every, 2)
    bag = as_bag(corpus)
    counter = functools.partial(
        count_partition, max_vocab_size=max_vocab_size, max_sentence_length=max_sentence_length
    )
    merged = bag.reduction(counter, _merge_counts, split_every=fan_in)
    counts: _embedrs.WordCounts = compute(merged, resolve_client(client, required=False))
    return counts


def count_vocab(
    corpus: Any,
    *,
    min_count: int = 5,
    max_final_vocab: int | None = None,
    max_vocab_size: int | None = None,
    max_sentence_length: int = 10000,
    split_every: int = 8,
    client: Any = None,
) -> _embedrs.Vocab:
    """The vocabulary of a distributed corpus, equal to the single-process one.

    Counts are merged first (:func:`count_words`); ``min_count`` and ``max_final_vocab``
    are applied after the merge, so the result does not depend on the partitioning.

    Parameters
    ----------
    corpus : dask.bag.Bag or dask Series
        Sentences: str (split on ASCII whitespace) or lists of str.
    min_count : int, default=5
    max_final_vocab : int, optional
        Raise ``min_count`` until at most this many words remain.
    max_vocab_size, max_sentence_length, split_every, client
        See :func:`count_words`.

    Returns
    -------
    embedrs Vocab
        ``vocab.words()`` most frequent first, ``vocab.counts()``, ``vocab.corpus_words``.

    Examples
    --------
    >>> import dask.bag as db
    >>> from embedrs import distributed as ed
    >>> bag = db.from_sequence(["a b", "a c", "a b"], npartitions=2)
    >>> vocab = ed.count_vocab(bag, min_count=2)
    >>> dict(zip(vocab.words(), vocab.counts().tolist())), vocab.corpus_words
    ({'a': 3, 'b': 2}, 6)
    """
    threshold = at_least("min_count", min_count, 1)
    final = at_least("max_final_vocab", max_final_vocab, 1, allow_none=True)
    counts = count_words(
        corpus,
        max_vocab_size=max_vocab_size,
        max_sentence_length=max_sentence_length,
        split_every=split_every,
        client=client,
    )
    return counts.build_vocab(threshold, final)


