"""Keyed vectors: a vocabulary and its ``V x d`` float32 matrix, with gensim-style queries.

Examples
--------
>>> import numpy as np
>>> from embedrs import KeyedVectors
>>> kv = KeyedVectors(["king", "queen", "apple"],
...                   np.array([[1, 0.1], [0.9, 0.2], [-0.2, 1]], dtype=np.float32))
>>> kv.most_similar("king", topn=1)[0][0]
'queen'
>>> kv["apple"].shape
(2,)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _embedrs
from .exceptions import DimensionError, OutOfVocabularyError

__all__ = ["KeyedVectors"]

WordOrVector = str | npt.ArrayLike


class KeyedVectors:
    """Words and their vectors; row ``i`` of :attr:`vectors` is word ``index_to_key[i]``.

    Parameters
    ----------
    keys : sequence of str
        The words, in row order (most frequent first if they come from training).
    vectors : array_like of shape (n_words, vector_size)
        The vectors; converted to a contiguous float32 array (copied once).
    counts : sequence of int, optional
        Word frequencies (used by frequency-aware methods); defaults to a descending rank.

    Examples
    --------
    >>> import numpy as np
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> len(kv), "a" in kv, kv.similarity("a", "b")
    (2, True, 0.0)
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: npt.ArrayLike,
        counts: Sequence[int] | None = None,
    ) -> None:
        arr = np.ascontiguousarray(vectors, dtype=np.float32)
        if arr.ndim != 2:
            raise DimensionError(
                f"vectors must be 2-D (n_words, vector_size), got shape {arr.shape}"
            )
        native = _embedrs.KeyedVectors(
            list(keys), arr, None if counts is None else [int(c) for c in counts]
        )
        self._set_native(native)

    @classmethod
    def _from_native(cls, native: _embedrs.KeyedVectors) -> KeyedVectors:
        self = cls.__new__(cls)
        self._set_native(native)
        return self

    def _set_native(self, native: _embedrs.KeyedVectors) -> None:
        self._kv = native
        self._vectors = native.vectors
        self._index_to_key: list[str] | None = None
        self._key_to_index: dict[str, int] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (KeyedVectors._from_native, (self._kv,))

    # -- basic access -------------------------------------------------------------------
    @property
    def vectors(self) -> npt.NDArray[np.float32]:
        """The ``(n_words, vector_size)`` matrix: a read-only view, no copy."""
        return self._vectors

    @property
    def vector_size(self) -> int:
        """Dimension of the vectors."""
        return int(self._kv.vector_size)

    @property
    def index_to_key(self) -> list[str]:
        """Words in row order."""
        if self._index_to_key is None:
            self._index_to_key = self._kv.words()
        return self._index_to_key

    @property
    def key_to_index(self) -> dict[str, int]:
        """Word -> row."""
        if self._key_to_index is None:
            self._key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        return self._key_to_index

    @property
    def counts(self) -> npt.NDArray[np.uint64]:
        """Word frequencies in row order."""
        return self._kv.counts()

    def __len__(self) -> int:
        return len(self._kv)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._kv.get_index(word) is not None

    def __iter__(self) -> Any:
        return iter(self.index_to_key)

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words x {self.vector_size} dimensions)"

    def get_index(self, word: str) -> int:
        """Row of ``word``.

        Raises
        ------
        OutOfVocabularyError
            If the word is unknown (a ``KeyError``).

        Examples
        --------
        >>> import numpy as np
        >>> KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32)).get_index("b")
        1
        """
        i = self._kv.get_index(word) if isinstance(word, str) else None
        if i is None:
            raise OutOfVocabularyError(f"word not in vocabulary: {word!r}")
        return int(i)

    def __getitem__(self, key: str | Sequence[str]) -> npt.NDArray[np.float32]:
        if isinstance(key, str):
            return self._vectors[self.get_index(key)]
        missing = [w for w in key if w not in self]
        if missing:
            shown = ", ".join(repr(w) for w in missing[:10])
            raise OutOfVocabularyError(
                f"word{'s' if len(missing) > 1 else ''} not in vocabulary: {shown}"
            )
        return self._vectors[[self.get_index(w) for w in key]]

    def get_vector(self, word: str, norm: bool = False) -> npt.NDArray[np.float32]:
        """The vector of ``word`` (unit length if ``norm``).

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a"], np.array([[3, 4]], dtype=np.float32))
        >>> kv.get_vector("a", norm=True).tolist()
        [0.6000000238418579, 0.800000011920929]
        """
        v = self[word]
        if norm:
            n = float(np.linalg.norm(v))
            return (v / n).astype(np.float32) if n > 0 else v.copy()
        return v

    def lookup(self, ids: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Embedding lookup: integer ids of any shape give ``shape + (vector_size,)``.

        Raises
        ------
        IndexError
            If an id is negative or ``>= len(self)`` (the first such id is named).
        TypeError
            If ``ids`` is not an integer array.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2))
        >>> kv.lookup([[0, 2], [1, 2]]).shape
        (2, 2, 2)
        """
        arr = np.asarray(ids)
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
        n = len(self)
        if arr.size:
            bad = (arr < 0) | (arr >= n)
            if bad.any():
                first = arr[bad].flat[0]
                raise IndexError(f"id {int(first)} is out of range for {n} vectors")
        return self._vectors[arr]

    # -- similarity -------------------------------------------------------------------
    def _unit(self, v: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v

    def _query(
        self, positive: Iterable[WordOrVector], negative: Iterable[WordOrVector]
    ) -> tuple[npt.NDArray[np.float32], list[int]]:
        parts: list[tuple[npt.NDArray[np.float32], float]] = []
        exclude: list[int] = []
        missing: list[str] = []
        for items, weight in ((positive, 1.0), (negative, -1.0)):
            for item in items:
                if isinstance(item, str):
                    i = self._kv.get_index(item)
                    if i is None:
                        missing.append(item)
                        continue
                    exclude.append(int(i))
                    parts.append((self._unit(self._vectors[i]), weight))
                else:
                    v = np.asarray(item, dtype=np.float32)
                    if v.shape != (self.vector_size,):
                        raise DimensionError(
                            f"query vector has shape {v.shape}, expected ({self.vector_size},)"
                        )
                    parts.append((self._unit(v), weight))
        if missing:
            shown = ", ".join(repr(w) for w in missing[:10])
            raise OutOfVocabularyError(
                f"word{'s' if len(missing) > 1 else ''} not in vocabulary: {shown}"
            )
        if not parts:
            raise ValueError("cannot compute similarity with no input: give positive or negative")
        mean = np.mean([w * v for v, w in parts], axis=0).astype(np.float32)
        return mean, exclude

    def most_similar(
        self,
        positive: WordOrVector | Sequence[WordOrVector] | None = None,
        negative: WordOrVector | Sequence[WordOrVector] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words closest by cosine to the mean of ``positive`` minus ``negative``.

        Words and vectors may be mixed; input words are excluded from the result. This is
        gensim's 3CosAdd query, so ``most_similar(positive=["woman", "king"],
        negative=["man"])`` answers the analogy man : king :: woman : ?.

        Parameters
        ----------
        positive, negative : str, vector, or a list of them
        topn : int
            How many results (at most the vocabulary size).
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` (most frequent) words.

        Returns
        -------
        list of (str, float)
            Sorted by decreasing cosine.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> [w for w, _ in kv.most_similar("a")]
        ['b', 'c']
        """
        if topn <= 0:
            raise ValueError(f"topn must be >= 1, got {topn}")

        def as_list(x: Any) -> list[Any]:
            if x is None:
                return []
            if isinstance(x, str) or (isinstance(x, np.ndarray) and x.ndim == 1):
                return [x]
            return list(x)

        query, exclude = self._query(as_list(positive), as_list(negative))
        ids, scores = self._kv.most_similar_batch(
            query[None, :], topn, [exclude], restrict_vocab, 1
        )
        words = self.index_to_key
        n = len(words)
        return [(words[int(i)], float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i < n]

    def similar_by_vector(self, vector: npt.ArrayLike, topn: int = 10) -> list[tuple[str, float]]:
        """Words closest by cosine to a vector (no word is excluded).

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.similar_by_vector(np.array([1, 0], np.float32), topn=1)
        [('a', 1.0)]
        """
        return self.most_similar(positive=[np.asarray(vector, dtype=np.float32)], topn=topn)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b"], np.array([[1, 0], [1, 1]], np.float32))
        >>> round(kv.similarity("a", "b"), 4)
        0.7071
        """
        a = self._unit(self[w1])
        b = self._unit(self[w2])
        return float(np.clip(np.dot(a, b), -1.0, 1.0))

    # -- formats -------------------------------------------------------------------------
    def save_word2vec_format(self, path: str | os.PathLike[str], binary: bool = True) -> None:
        """Write the word2vec format (as word2vec.c writes it) that gensim and others read.

        The file is written to a temporary name and renamed, so a failed save leaves any
        previous file intact.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     kv.save_word2vec_format(os.path.join(d, "v.bin"))
        ...     KeyedVectors.load_word2vec_format(os.path.join(d, "v.bin")).index_to_key
        ['a', 'b']
        """
        self._kv.save_word2vec_format(os.fspath(path), binary)

    @classmethod
    def load_word2vec_format(
        cls, path: str | os.PathLike[str], binary: bool = True, limit: int | None = None
    ) -> KeyedVectors:
        """Read a word2vec text or binary file (gensim's or word2vec.c's).

        Raises
        ------
        FormatError
            A malformed or truncated file (the line or byte offset is named).
        """
        return cls._from_native(
            _embedrs.KeyedVectors.load_word2vec_format(os.fspath(path), binary, limit)
        )

    def _mean_pool(self, docs: Iterable[Any]) -> tuple[npt.NDArray[np.float32], int]:
        return self._kv.mean_pool(docs)
