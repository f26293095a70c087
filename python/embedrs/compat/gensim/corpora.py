"""gensim's corpus readers: :class:`LineSentence` and :class:`PathLineSentences`.

Both are re-iterable and yield lists of str tokens as gensim's do (a line split on
whitespace, cut into pieces of ``max_sentence_length`` tokens; blank lines yield nothing).
Paths may name plain, gzip, bz2 or xz files (recognised by content) and are read by the Rust
core. Passed to :class:`~embedrs.compat.gensim.Word2Vec` as the corpus, a reader of paths
(without ``limit``) is not iterated in Python at all: the core reads and tokenises the files
itself, on ASCII whitespace.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from ... import _embedrs

__all__ = ["MAX_WORDS_IN_BATCH", "LineSentence", "PathLineSentences"]

logger = logging.getLogger("embedrs.compat.gensim")

#: gensim's longest sentence (and job size): longer lines are cut into pieces.
MAX_WORDS_IN_BATCH = 10000

#: Lines are read whole from the core (then cut here, as gensim cuts them).
_WHOLE_LINES = 2**32 - 1


def file_lines(paths: list[str]) -> Iterator[str]:
    """The lines of ``paths`` (plain or compressed), read by the core."""
    for batch in _embedrs.LineReader(paths, _WHOLE_LINES):
        yield from batch


def pieces(lines: Iterable[Any], max_sentence_length: int) -> Iterator[list[str]]:
    """Each line (str, or bytes decoded as UTF-8) split on whitespace, in pieces of at most
    ``max_sentence_length`` tokens."""
    for line in lines:
        text = line.decode("utf-8") if isinstance(line, (bytes, bytearray)) else line
        words = text.split()
        for i in range(0, len(words), max_sentence_length):
            yield words[i : i + max_sentence_length]


class LineSentence:
    """Sentences of a text file, one per line (gensim's ``LineSentence``).

    Parameters
    ----------
    source : path or file object
        A path (plain, gzip, bz2 or xz) or an open file object (rewound with ``seek(0)`` at
        each iteration; lines may be bytes or str).
    max_sentence_length : int, default=10000
        Longer lines are cut into pieces of this many tokens.
    limit : int, optional
        Read only the first ``limit`` lines.

    Examples
    --------
    >>> import tempfile, os
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "c.txt")
    ...     _ = Path(p).write_text("the cat sat\\n\\na dog\\n")
    ...     list(LineSentence(p))
    [['the', 'cat', 'sat'], ['a', 'dog']]
    """

    def __init__(
        self, source: Any, max_sentence_length: int = MAX_WORDS_IN_BATCH, limit: int | None = None
    ) -> None:
        self.source = source
        self.max_sentence_length = int(max_sentence_length)
        self.limit = limit

    def __iter__(self) -> Iterator[list[str]]:
        try:
            self.source.seek(0)
        except AttributeError:
            lines: Iterable[Any] = file_lines([os.fspath(self.source)])
        else:
            lines = self.source
        yield from pieces(islice(lines, self.limit), self.max_sentence_length)

    def file_paths(self) -> list[str] | None:
        """The file the core can read itself (a path, no ``limit``), else None."""
        if self.limit is None and isinstance(self.source, (str, os.PathLike)):
            return [os.fspath(self.source)]
        return None


class PathLineSentences:
    """Sentences of every file of a directory (in sorted order), or of one file, one per
    line (gensim's ``PathLineSentences``).

    Parameters
    ----------
    source : path
        A directory (its files, not recursively, sorted by path) or a file.
    max_sentence_length : int, default=10000
    limit : int, optional
        Read only the first ``limit`` lines of each file.

    Raises
    ------
    ValueError
        ``source`` is neither a file nor a directory.
    """

    def __init__(
        self, source: Any, max_sentence_length: int = MAX_WORDS_IN_BATCH, limit: int | None = None
    ) -> None:
        self.source = os.fspath(source)
        self.max_sentence_length = int(max_sentence_length)
        self.limit = limit
        if os.path.isfile(self.source):
            logger.debug("single file given as source, rather than a directory of files")
            self.input_files = [self.source]
        elif os.path.isdir(self.source):
            names = (os.path.join(self.source, f) for f in os.listdir(self.source))
            self.input_files = sorted(p for p in names if os.path.isfile(p))
            logger.info("files read into PathLineSentences: %s", "\n".join(self.input_files))
        else:
            raise ValueError("input is neither a file nor a path")

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.input_files:
            yield from pieces(islice(file_lines([path]), self.limit), self.max_sentence_length)

    def file_paths(self) -> list[str] | None:
        """The files the core can read itself (no ``limit``), else None."""
        return list(self.input_files) if self.limit is None else None
