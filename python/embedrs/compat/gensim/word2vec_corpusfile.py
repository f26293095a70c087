"""Stand-in for gensim's ``word2vec_corpusfile`` module (its Cython reader of
``corpus_file``): embedrs reads corpus files in Rust, so only the line iterator remains."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from .corpora import MAX_WORDS_IN_BATCH

__all__ = ["CythonLineSentence"]


class CythonLineSentence:
    """The lines of a plain text file from byte ``offset``, as lists of **bytes** tokens in
    pieces of ``max_sentence_length`` (gensim's internal reader).

    Examples
    --------
    >>> import tempfile, os
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "c.txt")
    ...     _ = Path(p).write_text("a b\\nc\\n")
    ...     list(CythonLineSentence(p))
    [[b'a', b'b'], [b'c']]
    """

    def __init__(
        self, source: Any, offset: int = 0, max_sentence_length: int = MAX_WORDS_IN_BATCH
    ) -> None:
        self.source = os.fspath(source)
        self.offset = int(offset)
        self.max_sentence_length = int(max_sentence_length)

    def __iter__(self) -> Iterator[list[bytes]]:
        with open(self.source, "rb") as f:
            f.seek(self.offset)
            for line in f:
                words = line.split()
                for i in range(0, len(words), self.max_sentence_length):
                    yield words[i : i + self.max_sentence_length]
