"""What a corpus argument is (paths or sentences), and handing sentences to the core.

Shared by everything that reads a corpus: the estimator, Phrases, the distributed counting
and the CLI.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from . import _embedrs
from .exceptions import EmbedrsFileNotFoundError

__all__ = ["BATCH", "add_batches", "as_paths", "corpus_source", "sentence_iterator"]

#: Sentences copied into the core per call (one GIL hold).
BATCH = 4096


class BatchSink(Protocol):
    """A native object that takes sentences a batch at a time (``CorpusBuilder``,
    ``PhrasesModel``)."""

    def add_batch(self, batch: list[Any]) -> None: ...


def sentence_iterator(X: Any) -> Iterator[Any]:
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


def add_batches(sink: BatchSink, sentences: Iterable[Any]) -> None:
    """Hand ``sentences`` to ``sink.add_batch`` in lists of :data:`BATCH` (the last one
    shorter), reading the iterable once."""
    iterator = iter(sentences)
    try:
        while batch := list(islice(iterator, BATCH)):
            sink.add_batch(batch)
    except BaseException:
        # The traceback keeps this frame alive; do not let it keep the sink (and any thread
        # it runs) alive too.
        del sink
        raise


def as_paths(X: Any) -> list[Path] | None:
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


def corpus_source(
    X: Any, *, max_vocab_size: int | None, max_sentence_length: int
) -> list[str] | _embedrs.CorpusBuilder:
    """What the core's pipeline reads: the paths of a file corpus, or a ``CorpusBuilder``
    holding the sentences of an iterable (read once, here)."""
    paths = as_paths(X)
    if paths is not None:
        return [os.fspath(p) for p in paths]
    if isinstance(X, str):
        raise TypeError("corpus must be a path or an iterable of sentences")
    iterator = sentence_iterator(X)
    builder = _embedrs.CorpusBuilder(max_vocab_size, max_sentence_length)
    add_batches(builder, iterator)
    return builder
