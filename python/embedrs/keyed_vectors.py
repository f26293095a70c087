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

import numbers
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import _embedrs
from .exceptions import DimensionError, InvalidParameterError

if TYPE_CHECKING:
    from .device import DeviceKeyedVectors

__all__ = ["KeyedVectors"]

WordOrVector = str | npt.ArrayLike


def _check_topn(topn: Any) -> int:
    """``topn`` as an int, or InvalidParameterError (the same check and message as the
    device-side ``DeviceKeyedVectors.most_similar_batch``)."""
    if isinstance(topn, bool) or not isinstance(topn, numbers.Integral) or topn < 1:
        raise InvalidParameterError(
            f"invalid parameter topn: must be an integer >= 1, got {topn!r}"
        )
    return int(topn)


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, str) or (isinstance(x, np.ndarray) and x.ndim == 1):
        return [x]
    return list(x)


def _raise_missing(missing: Sequence[str]) -> None:
    """Raise :class:`~embedrs.OutOfVocabularyError` naming (the first ten of) ``missing``, if
    there are any (the message is the core's, the same on every path)."""
    if missing:
        raise _embedrs.out_of_vocabulary(list(missing))


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
        self._native = native
        self._vectors = native.vectors
        self._index_to_key: list[str] | None = None
        self._key_to_index: dict[str, int] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (KeyedVectors._from_native, (self._native,))

    # -- basic access -------------------------------------------------------------------
    @property
    def vectors(self) -> npt.NDArray[np.float32]:
        """The ``(n_words, vector_size)`` matrix: a read-only view, no copy."""
        return self._vectors

    @property
    def vector_size(self) -> int:
        """Dimension of the vectors."""
        return int(self._native.vector_size)

    @property
    def index_to_key(self) -> list[str]:
        """Words in row order."""
        if self._index_to_key is None:
            self._index_to_key = self._native.words()
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
        return self._native.counts()

    def __len__(self) -> int:
        return len(self._native)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._native.get_index(word) is not None

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
        i = self._native.get_index(word) if isinstance(word, str) else None
        if i is None:
            raise _embedrs.out_of_vocabulary([str(word)])
        return int(i)

    def __getitem__(self, key: str | Sequence[str]) -> npt.NDArray[np.float32]:
        if isinstance(key, str):
            row: npt.NDArray[np.float32] = self._vectors[self.get_index(key)]
            return row
        _raise_missing([w for w in key if w not in self])
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

    def lookup(
        self,
        ids: npt.ArrayLike,
        padding_idx: int | None = None,
        return_mask: bool = False,
    ) -> Any:
        """Embedding lookup: integer ids of any shape give ``shape + (vector_size,)``.

        Parameters
        ----------
        ids : array_like of int
            Row ids, any shape (ids ``[[0, 2], [1, 2]]`` give rows 0, 2, 1, 2).
        padding_idx : int, optional
            An id whose output is a zero vector (Keras ``mask_zero`` uses 0); it may lie
            outside ``[0, len(self))``, e.g. ``-1`` or ``len(self)``.
        return_mask : bool
            Also return the boolean mask ``ids != padding_idx`` (all True without padding).

        Returns
        -------
        ndarray of shape ``ids.shape + (vector_size,)``, or ``(vectors, mask)``

        Raises
        ------
        IndexError
            If an id (other than ``padding_idx``) is negative or ``>= len(self)``; the first
            such id is named.
        TypeError
            If ``ids`` is not an integer array.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2))
        >>> kv.lookup([[0, 2], [1, 2]]).shape
        (2, 2, 2)
        >>> out, mask = kv.lookup([[1, 0]], padding_idx=0, return_mask=True)
        >>> out.tolist(), mask.tolist()
        ([[[2.0, 3.0], [0.0, 0.0]]], [[True, False]])
        """
        arr = np.asarray(ids)
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
        n = len(self)
        mask = np.ones(arr.shape, dtype=bool) if padding_idx is None else arr != padding_idx
        if arr.size:
            bad = ((arr < 0) | (arr >= n)) & mask
            if bad.any():
                first = arr[bad].flat[0]
                raise IndexError(f"id {int(first)} is out of range for {n} vectors")
        if padding_idx is None:
            out = self._vectors[arr]
        else:
            out = self._vectors[np.where(mask, arr, 0)]
            out[~mask] = 0.0
        return (out, mask) if return_mask else out

    def to_device(
        self, target: Any, device: Any = None, *, dtype: str = "float32"
    ) -> DeviceKeyedVectors:
        """Copy the vectors to a device for batched queries, lookups and pooling.

        See :func:`embedrs.device.to_device`: ``target`` is ``"cpu"``, ``"cuda"``,
        ``"cuda:<n>"``, ``"auto"`` or an array-API namespace; ``dtype`` may be ``"float16"``.

        Raises
        ------
        GPUUnavailableError
            ``"cuda"`` was asked for and no GPU can be used (the message says why).

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> idx, scores = kv.to_device("cpu").most_similar_batch(["a"], topn=1)
        >>> idx.tolist()
        [[1]]
        """
        from .device import to_device

        return to_device(self, target, device, dtype=dtype)

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
                    i = self._native.get_index(item)
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
        _raise_missing(missing)
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
            How many results (at most the vocabulary size); below 1 raises
            :class:`~embedrs.InvalidParameterError`.
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
        topn = _check_topn(topn)
        query, exclude = self._query(_as_list(positive), _as_list(negative))
        ids, scores = self._native.most_similar_batch(
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

    def most_similar_batch(
        self,
        queries: Sequence[str] | npt.ArrayLike,
        topn: int = 10,
        restrict_vocab: int | None = None,
        n_jobs: int = -1,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Nearest neighbours of many queries at once, in Rust with the GIL released.

        Parameters
        ----------
        queries : list of str or array of shape (n, vector_size)
            Words (each excluded from its own result) or query vectors.
        topn : int
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` rows.
        n_jobs : int
            Threads (-1: all cores).

        Returns
        -------
        indices : ndarray of shape (n, k), int64
            Rows, best first (``k = min(topn, candidates)``; ``-1`` pads rows with fewer).
        scores : ndarray of shape (n, k), float32
            Cosine similarities (``-inf`` in padded slots).

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> idx, scores = kv.most_similar_batch(["a", "c"], topn=1)
        >>> idx.tolist()
        [[1], [1]]
        """
        topn = _check_topn(topn)
        if isinstance(queries, str):
            raise TypeError("queries must be a list of words or a 2-D array, not a str")
        if isinstance(queries, np.ndarray) or (
            isinstance(queries, Sequence) and queries and not isinstance(queries[0], str)
        ):
            q = np.ascontiguousarray(queries, dtype=np.float32)
            if q.ndim != 2 or q.shape[1] != self.vector_size:
                raise DimensionError(
                    f"queries must have shape (n, {self.vector_size}), got {q.shape}"
                )
            exclude: list[list[int]] = []
        else:
            words: list[str] = [str(w) for w in queries]  # type: ignore[union-attr]
            _raise_missing([w for w in words if w not in self])
            rows = [self.get_index(w) for w in words]
            q = np.ascontiguousarray(self._vectors[rows]).reshape(len(rows), self.vector_size)
            exclude = [[r] for r in rows]
        threads = (os.cpu_count() or 1) if n_jobs == -1 else max(1, int(n_jobs))
        ids, scores = self._native.most_similar_batch(q, topn, exclude, restrict_vocab, threads)
        out = ids.astype(np.int64)
        out[ids == np.iinfo(np.uint32).max] = -1
        return out, scores

    def most_similar_cosmul(
        self,
        positive: WordOrVector | Sequence[WordOrVector] | None = None,
        negative: WordOrVector | Sequence[WordOrVector] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """3CosMul analogies (Levy and Goldberg 2014), as gensim's ``most_similar_cosmul``.

        Each candidate scores ``prod((1 + cos(x, p)) / 2) / (prod((1 + cos(x, n)) / 2) +
        1e-6)`` over the positive and negative inputs.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.most_similar_cosmul("a", topn=1)[0][0]
        'b'
        """
        topn = _check_topn(topn)
        pos = _as_list(positive)
        neg = _as_list(negative)
        if not pos and not neg:
            raise ValueError("cannot compute similarity with no input: give positive or negative")
        unit = self.get_normed_vectors()
        limit = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        unit = unit[:limit]
        exclude = {self.get_index(w) for w in pos + neg if isinstance(w, str)}

        def sims(items: list[Any]) -> list[npt.NDArray[np.float32]]:
            out = []
            for it in items:
                v = (
                    self.get_vector(it, norm=True)
                    if isinstance(it, str)
                    else self._unit(np.asarray(it, dtype=np.float32))
                )
                out.append(((1.0 + unit @ v) / 2.0).astype(np.float32))
            return out

        score = np.prod(sims(pos), axis=0) if pos else np.ones(limit, np.float32)
        if neg:
            score = score / (np.prod(sims(neg), axis=0) + 1e-6)
        score = np.asarray(score, dtype=np.float32)
        for i in exclude:
            if i < limit:
                score[i] = -np.inf
        k = min(topn, limit - len([i for i in exclude if i < limit]))
        best = np.argsort(-score, kind="stable")[:k]
        return [(self.index_to_key[i], float(score[i])) for i in best]

    def get_normed_vectors(self) -> npt.NDArray[np.float32]:
        """The vectors scaled to unit length (a new array; zero rows stay zero).

        Examples
        --------
        >>> import numpy as np
        >>> KeyedVectors(["a"], np.array([[3, 4]], np.float32)).get_normed_vectors().tolist()
        [[0.6000000238418579, 0.800000011920929]]
        """
        norms = np.linalg.norm(self._vectors, axis=1, keepdims=True)
        return (self._vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def get_mean_vector(
        self,
        keys: Sequence[WordOrVector],
        weights: Sequence[float] | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> npt.NDArray[np.float32]:
        """Weighted mean of the vectors of ``keys`` (words or vectors), as in gensim.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b"], np.array([[2, 0], [0, 2]], np.float32))
        >>> kv.get_mean_vector(["a", "b"]).tolist()
        [0.5, 0.5]
        """
        if len(keys) == 0:
            raise ValueError("cannot compute the mean of no keys")
        w = np.ones(len(keys), np.float32) if weights is None else np.asarray(weights, np.float32)
        if w.shape != (len(keys),):
            raise ValueError(f"{len(w)} weights for {len(keys)} keys")
        total = np.zeros(self.vector_size, np.float32)
        used = 0
        for key, weight in zip(keys, w, strict=True):
            if isinstance(key, str):
                if key not in self:
                    if ignore_missing:
                        continue
                    raise _embedrs.out_of_vocabulary([key])
                v = self.get_vector(key, norm=pre_normalize)
            else:
                v = np.asarray(key, dtype=np.float32)
                if pre_normalize:
                    v = self._unit(v)
            total += weight * v
            used += 1
        if used == 0:
            raise ValueError("none of the keys is in the vocabulary")
        mean = (total / used).astype(np.float32)
        return self._unit(mean) if post_normalize else mean

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the means of two word lists.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.n_similarity(["a"], ["a", "b"]) > 0.7
        True
        """
        if not ws1 or not ws2:
            raise ValueError("at least one of the word lists is empty")
        a = self._unit(np.mean(self[list(ws1)], axis=0))
        b = self._unit(np.mean(self[list(ws2)], axis=0))
        return float(np.clip(a @ b, -1.0, 1.0))

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``.

        Examples
        --------
        >>> import numpy as np
        >>> KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32)).distance("a", "b")
        1.0
        """
        return 1.0 - self.similarity(w1, w2)

    def distances(
        self, word_or_vector: WordOrVector, other_words: Sequence[str] = ()
    ) -> npt.NDArray[np.float32]:
        """Cosine distances from a word or vector to ``other_words`` (all words if empty).

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.distances("a").tolist()
        [0.0, 1.0]
        """
        if isinstance(word_or_vector, str):
            v = self.get_vector(word_or_vector, norm=True)
        else:
            v = self._unit(np.asarray(word_or_vector, dtype=np.float32))
        if other_words:
            others = self._unit_rows(self[list(other_words)])
        else:
            others = self.get_normed_vectors()
        return (1.0 - others @ v).astype(np.float32)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean of the others (unknown words are ignored).

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.doesnt_match(["a", "b", "c"])
        'c'
        """
        used = [w for w in words if w in self]
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vecs = self._unit_rows(self[used])
        mean = self._unit(vecs.mean(axis=0))
        return used[int(np.argmin(vecs @ mean))]

    def closer_than(self, w1: str, w2: str) -> list[str]:
        """Words closer to ``w1`` than ``w2`` is.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.closer_than("a", "c")
        ['b']
        """
        d = self.distances(w1)
        i1, i2 = self.get_index(w1), self.get_index(w2)
        return [self.index_to_key[i] for i in np.flatnonzero(d < d[i2]) if i != i1]

    def rank(self, w1: str, w2: str) -> int:
        """Rank of ``w2`` among the neighbours of ``w1`` (1 = nearest).

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.rank("a", "c")
        2
        """
        return len(self.closer_than(w1, w2)) + 1

    def _unit_rows(self, m: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return (m / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    # -- evaluation ----------------------------------------------------------------------
    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike[str],
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
    ) -> tuple[float, list[dict[str, Any]]]:
        """Accuracy on an analogy file (``: section`` headers, ``a b c d`` lines), 3CosAdd.

        The same numbers as gensim's ``evaluate_word_analogies`` with the same arguments:
        questions with a word outside the first ``restrict_vocab`` rows are skipped.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from pathlib import Path
        >>> kv = KeyedVectors(["king", "queen", "man", "woman"],
        ...                   np.array([[1, 1], [1, -1], [0.2, 1], [0.2, -1]], np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "q.txt")
        ...     _ = Path(p).write_text(": family\\nman woman king queen\\n")
        ...     score, sections = kv.evaluate_word_analogies(p)
        >>> score, sections[-1]["correct"]
        (1.0, [('MAN', 'WOMAN', 'KING', 'QUEEN')])

        Returns
        -------
        score : float
            Accuracy over every evaluated question.
        sections : list of dict
            Per section ``{"section", "correct", "incorrect"}`` (lists of question tuples,
            upper-cased when ``case_insensitive``), then a ``"Total accuracy"`` entry.
        """
        from .evaluation import evaluate_analogies

        r = evaluate_analogies(
            self.index_to_key,
            self._vectors,
            os.fspath(analogies),
            restrict_vocab,
            case_insensitive,
        )
        sections = [
            {
                "section": s["section"],
                "correct": s["correct_questions"],
                "incorrect": s["incorrect_questions"],
            }
            for s in r["sections"]
        ]
        sections.append(
            {
                "section": "Total accuracy",
                "correct": [q for s in sections for q in s["correct"]],
                "incorrect": [q for s in sections for q in s["incorrect"]],
            }
        )
        score = float(r["accuracy"]) if r["total"] else 0.0
        return score, sections

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike[str],
        delimiter: str = "\t",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
    ) -> tuple[tuple[float, float], tuple[float, float], float]:
        """Correlation of cosine similarity with human scores (WordSim353, SimLex-999 format).

        Returns ``((pearson, p), (spearman, p), oov_percent)`` like gensim.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from pathlib import Path
        >>> kv = KeyedVectors(["cat", "dog", "car"],
        ...                   np.array([[1, 0.1], [0.9, 0.3], [0, 1]], np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "pairs.tsv")
        ...     rows = ["cat\\tdog\\t9", "cat\\tcar\\t2", "dog\\tcar\\t3", "x\\ty\\t1"]
        ...     _ = Path(p).write_text("\\n".join(rows) + "\\n")
        ...     _, (rho, _), oov = kv.evaluate_word_pairs(p)
        >>> round(rho, 3), oov
        (1.0, 25.0)
        """
        from scipy import stats

        from .evaluation import _pair_scores

        gold, cos, oov = _pair_scores(
            self.index_to_key,
            self._vectors,
            os.fspath(pairs),
            restrict_vocab,
            case_insensitive,
            delimiter,
        )
        p = stats.pearsonr(gold, cos)
        s = stats.spearmanr(gold, cos)
        return (float(p[0]), float(p[1])), (float(s[0]), float(s[1])), oov

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
        self._native.save_word2vec_format(os.fspath(path), binary)

    @classmethod
    def load_word2vec_format(
        cls,
        path: str | os.PathLike[str],
        binary: bool = True,
        limit: int | None = None,
        unicode_errors: str = "strict",
        no_header: bool = False,
        allow_nonfinite: bool = False,
    ) -> KeyedVectors:
        """Read a word2vec text or binary file (gensim's or word2vec.c's).

        Binary files are read as little-endian float32 (what word2vec.c and gensim write on
        x86 and ARM); NaN and infinite values are rejected unless ``allow_nonfinite``.

        Parameters
        ----------
        path : path
        binary : bool
        limit : int, optional
            Read only the first ``limit`` vectors.
        unicode_errors : {"strict", "replace", "ignore"}
            What to do with words that are not valid UTF-8 (as gensim).
        no_header : bool
            Text files without the ``count dim`` first line.
        allow_nonfinite : bool
            Accept NaN/inf values (rejected by default).

        Raises
        ------
        FormatError
            A malformed or truncated file (the line or byte offset is named).

        Examples
        --------
        >>> import tempfile, os
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "v.txt")
        ...     _ = Path(p).write_text("2 2\\na 1 0\\nb 0 1\\n")
        ...     KeyedVectors.load_word2vec_format(p, binary=False).index_to_key
        ['a', 'b']
        """
        return cls._from_native(
            _embedrs.KeyedVectors.load_word2vec_format(
                os.fspath(path), binary, limit, unicode_errors, no_header, allow_nonfinite
            )
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save in the native format (loads in O(1) with ``mmap=True``), atomically.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     kv.save(os.path.join(d, "kv.embedrs"))
        ...     KeyedVectors.load(os.path.join(d, "kv.embedrs"), mmap=False).index_to_key
        ['a', 'b']
        """
        self._native.save_native(os.fspath(path), None, "")

    @classmethod
    def load(cls, path: str | os.PathLike[str], mmap: bool = False) -> KeyedVectors:
        """Open a native file; with ``mmap=True`` the vectors are mapped read-only from the
        file (O(1), no copy), instead of read into memory.

        A mapped file must stay as it is while the vectors are in use: a save over it (an
        atomic rename) is safe, but truncating or rewriting it in place makes the vectors
        change or the process die of SIGBUS, as with any memory map. Mapping is off by
        default, as in gensim.

        Raises
        ------
        FormatError
            A truncated, corrupted or wrong-version file.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     KeyedVectors(["a"], np.ones((1, 3), np.float32)).save(os.path.join(d, "kv"))
        ...     kv = KeyedVectors.load(os.path.join(d, "kv"), mmap=True)
        ...     kv.is_mapped, kv["a"].tolist()
        (True, [1.0, 1.0, 1.0])
        """
        native = _embedrs.KeyedVectors.load_native(os.fspath(path), mmap)[0]
        return cls._from_native(native)

    @property
    def is_mapped(self) -> bool:
        """True if the vectors are memory-mapped from a native file."""
        return bool(self._native.is_mapped)

    def transform(
        self,
        docs: Iterable[Any],
        pooling: str = "mean",
        weighting: str | None = None,
        sif_a: float = 1e-3,
    ) -> npt.NDArray[np.float32]:
        """Pool the vectors of each document's known words into one row.

        Parameters
        ----------
        docs : iterable of list of str or str
            Documents; a str is split on ASCII whitespace like corpus lines.
        pooling : {"mean", "sum", "max"}
        weighting : {None, "sif", "idf"}
            Scale each word's vector first: SIF ``a / (a + p(w))`` (Arora et al. 2017) or
            ``log(N / count(w))``, both from the stored corpus counts.
        sif_a : float
            The SIF constant ``a``.

        Returns
        -------
        ndarray of shape (n_docs, vector_size), float32
            Documents without a known word get zeros.

        Examples
        --------
        >>> import numpy as np
        >>> kv = KeyedVectors(["a", "b"], np.array([[1, 0], [0, 2]], np.float32))
        >>> kv.transform([["a", "b"], "b zzz"], pooling="sum").tolist()
        [[1.0, 2.0], [0.0, 2.0]]
        """
        out, _ = self._pool(docs, pooling, weighting, sif_a)
        return out

    def _pool(
        self,
        docs: Iterable[Any],
        pooling: str = "mean",
        weighting: str | None = None,
        sif_a: float = 1e-3,
    ) -> tuple[npt.NDArray[np.float32], int]:
        counts = None
        if weighting is not None:
            c = self.counts.astype(np.float64)
            total = float(c.sum()) or 1.0
            if weighting == "sif":
                counts = (sif_a / (sif_a + c / total)).astype(np.float32)
            elif weighting == "idf":
                counts = np.log(total / np.maximum(c, 1.0)).astype(np.float32)
            else:
                raise ValueError(f"weighting must be None, 'sif' or 'idf', got {weighting!r}")
        return self._native.pool(docs, pooling, counts)

    def doc_ids(
        self, docs: Iterable[Any]
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]:
        """The rows of each document's known words, as every pooling path reads them.

        Parameters
        ----------
        docs : iterable of list of str or str
            Documents; a str is split on ASCII whitespace like corpus lines (U+00A0 and the
            other Unicode spaces stay inside tokens, on every path).

        Returns
        -------
        ids : ndarray of uint32
            The rows of the known words of every document, concatenated.
        ends : ndarray of uint64
            The end of each document in ``ids``: document ``i`` is ``ids[ends[i-1]:ends[i]]``.

        Examples
        --------
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> ids, ends = kv.doc_ids(["a zzz b", ["b"], ""])
        >>> ids.tolist(), ends.tolist()
        ([0, 1, 1], [2, 3, 3])
        """
        if isinstance(docs, (str, bytes)):
            raise ValueError("an iterable of documents is expected, got a single str")
        return self._native.doc_ids(docs)
