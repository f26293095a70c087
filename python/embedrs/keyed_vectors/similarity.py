"""Similarity queries over keyed vectors, with gensim 4's semantics (see
``docs/coming-from-gensim.md`` for the few deliberate differences).

Vectors given to a query are used as they are: only words are scaled to unit length before
they are combined (``pre_normalize``), so ``most_similar([3 * v, "peace"])`` weighs ``v``
three times, as in gensim. The combined query is then scaled to unit length and compared by
cosine with every row (in Rust, batched, the GIL released).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _embedrs, _validation
from ..exceptions import DimensionError
from .storage import VectorStore

__all__ = ["Similarity"]

logger = logging.getLogger("embedrs")

WordOrVector = str | npt.ArrayLike


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """Cosine of two vectors in float64, clipped to [-1, 1]; exactly 1.0 for equal nonzero
    vectors and 0.0 if either is zero (gensim's unit vector of zero is zero)."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    na, nb = float(np.linalg.norm(a64)), float(np.linalg.norm(b64))
    if na == 0.0 or nb == 0.0:
        return 0.0
    if np.array_equal(a, b):
        return 1.0
    return float(np.clip(a64 @ b64 / (na * nb), -1.0, 1.0))


def as_list(x: Any) -> list[Any]:
    """gensim's ``_ensure_list``: None -> [], one word or one 1-D vector -> [it], a 2-D
    array -> its rows, anything else as a list."""
    if x is None:
        return []
    if isinstance(x, (str, int, np.integer)) or (isinstance(x, np.ndarray) and x.ndim == 1):
        return [x]
    if isinstance(x, np.ndarray) and x.ndim == 2:
        return list(x)
    return list(x)


class Similarity(VectorStore):
    """Queries: see :class:`embedrs.KeyedVectors`."""

    # -- combining words and vectors ---------------------------------------------------------
    def _weighted(self, items: Sequence[Any], default: float) -> list[tuple[Any, float]]:
        """``(key or vector, weight)`` for each item: a word or a vector gets ``default``,
        a ``(word, weight)`` pair its own weight (gensim's tuples, in either list)."""
        out: list[tuple[Any, float]] = []
        for item in items:
            if (
                isinstance(item, tuple)
                and len(item) == 2
                and self._is_key(item[0])
                and isinstance(item[1], (int, float, np.number))
                and not isinstance(item[1], (bool, np.bool_))
            ):
                out.append((item[0], float(item[1])))
            else:
                out.append((item, default))
        return out

    def get_mean_vector(
        self,
        keys: Sequence[WordOrVector],
        weights: Sequence[float] | npt.ArrayLike | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> npt.NDArray[np.float32]:
        """Weighted mean of the vectors of ``keys`` (words or vectors), as gensim computes
        it: ``sum(w_i * v_i) / sum(|w_i|)`` over the keys found.

        Parameters
        ----------
        keys : sequence of str or vectors
        weights : sequence of float, optional
            One per key (default 1).
        pre_normalize : bool
            Scale each word's vector to unit length first. Vectors given as keys are used
            as they are.
        post_normalize : bool
            Scale the mean to unit length.
        ignore_missing : bool
            Skip unknown words (their weights do not count); else raise.

        Raises
        ------
        ValueError
            No keys, a weight count that differs from the key count, or (unlike gensim,
            which returns a zero vector) no key known.
        OutOfVocabularyError
            Unknown words with ``ignore_missing=False`` (all named).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.array([[2, 0], [0, 2]], np.float32))
        >>> kv.get_mean_vector(["a", "b"]).tolist()
        [0.5, 0.5]
        >>> kv.get_mean_vector(["a", "b", "zz"], weights=[1, 3, 5]).tolist()
        [0.25, 0.75]
        >>> kv.get_mean_vector([np.array([4, 0], np.float32), "b"]).tolist()
        [2.0, 0.5]
        """
        mean, total = self._mean(keys, weights, pre_normalize, ignore_missing)
        if total == 0:
            raise ValueError("none of the keys is in the vocabulary")
        return self._unit(mean) if post_normalize else mean

    def _mean(
        self,
        keys: Sequence[WordOrVector],
        weights: Sequence[float] | npt.ArrayLike | None,
        pre_normalize: bool,
        ignore_missing: bool,
    ) -> tuple[npt.NDArray[np.float32], float]:
        """``(sum(w_i * v_i) / sum(|w_i|), sum(|w_i|))`` over the keys found (zeros, 0.0 if
        none): the accumulation gensim does, in float32, in the same order."""
        if len(keys) == 0:
            raise ValueError("cannot compute the mean of no keys")
        w = (
            np.ones(len(keys), np.float32)
            if weights is None
            else np.asarray(weights, dtype=np.float32).reshape(-1)
        )
        if w.shape[0] != len(keys):
            raise ValueError(f"{w.shape[0]} weights for {len(keys)} keys")
        mean = np.zeros(self.vector_size, np.float32)
        total = 0.0
        missing: list[str] = []
        for key, weight in zip(keys, w, strict=True):
            if self._is_key(key):
                if key not in self:
                    missing.append(str(key))
                    continue
                v = self.get_vector(key, norm=pre_normalize)
            else:
                v = _validation.query_vector(key, "keys", self.vector_size)
            mean += weight * v
            total += abs(float(weight))
        if missing and not ignore_missing:
            raise _embedrs.out_of_vocabulary(missing)
        if total > 0:
            mean = (mean / np.float32(total)).astype(np.float32)
        return mean, total

    def _unit(self, v: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        n = float(np.linalg.norm(v))
        return (v / np.float32(n)).astype(np.float32) if n > 0 else v

    def _query(self, positive: Any, negative: Any) -> tuple[npt.NDArray[np.float32], list[int]]:
        """The unit query of ``positive`` minus ``negative`` (gensim's ``most_similar``
        mean) and the rows of the words in it (to exclude)."""
        items = self._weighted(as_list(positive), 1.0) + self._weighted(as_list(negative), -1.0)
        if not items:
            raise ValueError("cannot compute similarity with no input: give positive or negative")
        keys = [k for k, _ in items]
        mean, _ = self._mean(keys, [w for _, w in items], True, False)
        if not mean.any():
            raise ValueError(
                "the query (positive minus negative) is a zero vector: every word is equally "
                "close to it"
            )
        exclude = [self.get_index(k) for k in keys if self._is_key(k)]
        return self._unit(mean), exclude

    # -- nearest neighbours -------------------------------------------------------------------
    def most_similar(
        self,
        positive: WordOrVector | Sequence[Any] | None = None,
        negative: WordOrVector | Sequence[Any] | None = None,
        topn: int | None = 10,
        clip_start: int = 0,
        clip_end: int | None = None,
        restrict_vocab: int | None = None,
        indexer: Any = None,
    ) -> Any:
        """Words closest by cosine to the mean of ``positive`` minus ``negative``.

        gensim's 3CosAdd query: ``most_similar(positive=["woman", "king"],
        negative=["man"])`` answers the analogy man : king :: woman : ?. Words are scaled
        to unit length, vectors are used as given, and input words are excluded from the
        result (vectors exclude nothing).

        Parameters
        ----------
        positive, negative : str, vector, ``(str, weight)``, or a list of them
            A 2-D array counts as its rows.
        topn : int or None
            How many results; below 1 gives ``[]``; None gives every row's similarity as
            an array (input words included), in row order.
        clip_start, clip_end : int
            Search only rows ``clip_start:clip_end``.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` (most frequent) rows (overrides the
            clips).
        indexer : object, optional
            An approximate index with ``most_similar(vector, topn)`` (gensim's
            ``AnnoyIndexer`` protocol), asked instead of the exact search.

        Returns
        -------
        list of (str, float)
            Sorted by decreasing cosine.

        Raises
        ------
        OutOfVocabularyError
            An unknown word (all are named).
        InvalidParameterError
            ``topn`` or ``restrict_vocab`` out of their domains, or a query vector with a
            NaN, an infinity, or no nonzero value.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> [w for w, _ in kv.most_similar("a")]
        ['b', 'c']
        >>> [round(float(s), 3) for s in kv.most_similar("a", topn=None)]
        [1.0, 0.995, 0.0]
        """
        k = _validation.topn(topn, allow_none=True)
        if k == 0:
            return []
        restrict = _validation.restrict_vocab(restrict_vocab)
        query, exclude = self._query(positive, negative)
        if indexer is not None and k is not None:
            return indexer.most_similar(query, k)
        n = len(self)
        lo = _validation.integer("clip_start", clip_start)
        hi = n if clip_end is None else _validation.integer("clip_end", clip_end)
        if restrict is not None:
            lo, hi = 0, restrict
        lo, hi = max(0, min(lo, n)), max(0, min(hi, n))
        if k is None:
            return self._similarities(query, lo, hi)
        if lo > 0:
            sims = self._similarities(query, lo, hi)
            sims[[i - lo for i in exclude if lo <= i < hi]] = -np.inf
            order = np.argsort(-sims, kind="stable")[: min(k, len(sims))]
            words = self.index_to_key
            return [(words[lo + int(i)], float(sims[i])) for i in order if sims[i] > -np.inf]
        searched = hi
        k = min(k, searched)
        if k == 0:
            return []
        ids, scores = self._native.most_similar_batch(query[None, :], k, [exclude], searched, 1)
        words = self.index_to_key
        return [(words[int(i)], float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i < n]

    def _similarities(
        self, query: npt.NDArray[np.float32], lo: int, hi: int
    ) -> npt.NDArray[np.float32]:
        """Cosine of the unit ``query`` with rows ``lo:hi`` (0 for zero rows)."""
        norms = self.norms[lo:hi]
        sims: npt.NDArray[np.float32] = self.vectors[lo:hi] @ query
        out: npt.NDArray[np.float32] = np.divide(
            sims, norms, out=np.zeros_like(sims), where=norms > 0
        )
        return out

    def similar_by_word(
        self, word: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> Any:
        """The words closest to ``word`` (``most_similar(positive=[word], ...)``).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.similar_by_word("a", topn=1)[0][0]
        'b'
        """
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(
        self, vector: npt.ArrayLike, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> Any:
        """Words closest by cosine to a vector (no word is excluded).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.similar_by_vector(np.array([1, 0], np.float32), topn=1)
        [('a', 1.0)]
        """
        v = _validation.query_vector(vector, "vector", self.vector_size)
        return self.most_similar(positive=[v], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(
        self,
        positive: WordOrVector | Sequence[Any] | None = None,
        negative: WordOrVector | Sequence[Any] | None = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> Any:
        """3CosMul analogies (Levy and Goldberg 2014), as gensim's ``most_similar_cosmul``.

        Each row ``x`` scores ``prod((1 + x.p / |x|) / 2) / (prod((1 + x.n / |x|) / 2) +
        1e-6)`` over the positive inputs ``p`` and negative ones ``n``: words as unit
        vectors, vectors as given (a longer vector weighs more, as in gensim). Unlike gensim
        4.4, ``restrict_vocab`` is honoured, and a query of negatives only is answered.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.most_similar_cosmul("a", topn=1)[0][0]
        'b'
        """
        k = _validation.topn(topn, allow_none=True)
        if k == 0:
            return []
        restrict = _validation.restrict_vocab(restrict_vocab)
        pos, neg = as_list(positive), as_list(negative)
        if not pos and not neg:
            raise ValueError("cannot compute similarity with no input: give positive or negative")
        limit = len(self) if restrict is None else min(restrict, len(self))
        exclude = self._rows_of([w for w in pos + neg if self._is_key(w)])
        unit = self.get_normed_vectors()[:limit]

        def factors(items: list[Any], name: str) -> npt.NDArray[np.float32]:
            out = np.ones(limit, np.float32)
            for it in items:
                t = (
                    self.get_vector(it, norm=True)
                    if self._is_key(it)
                    else _validation.query_vector(it, name, self.vector_size)
                )
                out *= (1.0 + unit @ t) / 2.0
            return out

        score = factors(pos, "positive") / (factors(neg, "negative") + np.float32(1e-6))
        score = score.astype(np.float32)
        if k is None:
            return score
        for i in exclude:
            if i < limit:
                score[i] = -np.inf
        order = np.argsort(-score, kind="stable")[: min(k, limit)]
        words = self.index_to_key
        return [(words[int(i)], float(score[i])) for i in order if score[i] > -np.inf]

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
            Neighbours per query (below 1: none; more than the rows: all of them).
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
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> idx, scores = kv.most_similar_batch(["a", "c"], topn=1)
        >>> idx.tolist()
        [[1], [1]]
        """
        k = _validation.topn(topn)
        assert k is not None
        restrict = _validation.restrict_vocab(restrict_vocab)
        jobs = _validation.integer("n_jobs", n_jobs)
        if isinstance(queries, str):
            raise TypeError("queries must be a list of words or a 2-D array, not a str")
        if isinstance(queries, np.ndarray) or (
            isinstance(queries, Sequence) and len(queries) and not self._is_key(queries[0])
        ):
            q = np.ascontiguousarray(queries, dtype=np.float32)
            if q.ndim != 2 or q.shape[1] != self.vector_size:
                raise DimensionError(
                    f"queries must have shape (n, {self.vector_size}), got {q.shape}"
                )
            _validation.query_rows(q, "queries")
            exclude: list[list[int]] = []
        else:
            rows = self._rows_of(list(queries))  # type: ignore[arg-type]
            q = np.ascontiguousarray(self.vectors[rows]).reshape(len(rows), self.vector_size)
            exclude = [[r] for r in rows]
        searched = len(self) if restrict is None else min(restrict, len(self))
        k = min(k, searched)
        if k == 0 or q.shape[0] == 0:
            return np.zeros((q.shape[0], 0), np.int64), np.zeros((q.shape[0], 0), np.float32)
        threads = (os.cpu_count() or 1) if jobs == -1 else max(1, jobs)
        ids, scores = self._native.most_similar_batch(q, k, exclude, searched, threads)
        out = ids.astype(np.int64)
        out[ids == np.iinfo(np.uint32).max] = -1
        return out, scores

    # -- pairs --------------------------------------------------------------------------------
    def similarity(self, w1: Any, w2: Any) -> float:
        """Cosine similarity of two words, in [-1, 1]: exactly 1.0 for a word with itself.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.array([[1, 0], [1, 1]], np.float32))
        >>> round(kv.similarity("a", "b"), 4), kv.similarity("b", "b")
        (0.7071, 1.0)
        """
        return cosine(self[w1], self[w2])

    def distance(self, w1: Any, w2: Any) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``: exactly 0.0 for a word with itself.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32)).distance("a", "b")
        1.0
        """
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[Any], ws2: Sequence[Any]) -> float:
        """Cosine similarity of the means of the (raw) vectors of two word lists; with one
        word on each side, exactly :meth:`similarity`.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.n_similarity(["a"], ["a", "b"]) > 0.7
        True
        """
        if not len(ws1) or not len(ws2):
            raise ValueError("at least one of the word lists is empty")
        m1 = self.get_mean_vector(ws1, pre_normalize=False, ignore_missing=False)
        m2 = self.get_mean_vector(ws2, pre_normalize=False, ignore_missing=False)
        return cosine(m1, m2)

    @staticmethod
    def cosine_similarities(
        vector_1: npt.ArrayLike, vectors_all: npt.ArrayLike
    ) -> npt.NDArray[np.float32]:
        """Cosine of ``vector_1`` with each row of ``vectors_all`` (0 for zero rows).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> KeyedVectors.cosine_similarities([1, 0], [[2, 0], [0, 3]]).tolist()
        [1.0, 0.0]
        """
        v = np.asarray(vector_1, np.float32)
        m = np.asarray(vectors_all, np.float32)
        denom = np.linalg.norm(m, axis=1) * np.linalg.norm(v)
        dots: npt.NDArray[np.float32] = m @ v
        out: npt.NDArray[np.float32] = np.divide(
            dots, denom, out=np.zeros_like(dots), where=denom > 0
        )
        return out

    def distances(
        self, word_or_vector: WordOrVector, other_words: Sequence[Any] = ()
    ) -> npt.NDArray[np.float32]:
        """Cosine distances from a word or vector to ``other_words`` (all words if empty).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.distances("a").tolist()
        [0.0, 1.0]
        """
        if self._is_key(word_or_vector):
            v = self[word_or_vector]
        else:
            v = _validation.query_vector(word_or_vector, "word_or_vector", self.vector_size)
        others = self[list(other_words)] if len(other_words) else self.vectors
        return (1.0 - self.cosine_similarities(v, others)).astype(np.float32)

    def closer_than(self, key1: Any, key2: Any) -> list[str]:
        """Words closer to ``key1`` than ``key2`` is, in row order.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.closer_than("a", "c")
        ['b']
        """
        d = self.distances(key1)
        i1, i2 = self.get_index(key1), self.get_index(key2)
        return [self.index_to_key[i] for i in np.flatnonzero(d < d[i2]) if i != i1]

    def rank(self, key1: Any, key2: Any) -> int:
        """Rank of ``key2`` among the neighbours of ``key1`` (1 = nearest).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.rank("a", "c")
        2
        """
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa: Any, wb: Any, topn: int = 10) -> float:
        """``similarity(wa, wb)`` divided by the sum of the similarities of ``wa``'s
        ``topn`` nearest words (Leeuwenberg et al. 2016), as gensim.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> round(kv.relative_cosine_similarity("a", "b", topn=2), 3)
        1.0
        """
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError(
                "Cannot calculate relative cosine similarity without any similar words."
            )
        return float(self.similarity(wa, wb) / sum(s for _, s in sims))

    def most_similar_to_given(self, key1: Any, keys_list: Sequence[Any]) -> Any:
        """The key of ``keys_list`` most similar to ``key1`` (the first of equals).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.most_similar_to_given("a", ["c", "b"])
        'b'
        """
        if not len(keys_list):
            raise ValueError("keys_list is empty")
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def rank_by_centrality(
        self, words: Sequence[Any], use_norm: bool = True
    ) -> list[tuple[float, Any]]:
        """``(similarity to the mean, word)`` of the known ``words``, most central first.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> [w for _, w in kv.rank_by_centrality(["a", "b", "c"])]
        ['b', 'a', 'c']
        """
        used = [w for w in words if w in self]
        if len(used) != len(words):
            logger.warning(
                "vectors for words %s are not present in the model, ignoring these words",
                sorted(set(map(str, words)) - set(map(str, used))),
            )
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vecs = np.vstack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = self._unit(vecs.mean(axis=0).astype(np.float32))
        dists = vecs @ mean
        return sorted(zip(map(float, dists), used, strict=True), key=lambda t: -t[0])

    def doesnt_match(self, words: Sequence[Any]) -> Any:
        """The word furthest from the mean of the others (unknown words are ignored).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> kv.doesnt_match(["a", "b", "c"])
        'c'
        """
        return self.rank_by_centrality(words)[-1][1]

    def wmdistance(
        self, document1: Sequence[str], document2: Sequence[str], norm: bool = True
    ) -> float:
        """Word Mover's Distance between two token lists (Kusner et al. 2015), as gensim
        computes it; needs POT (``pip install "embedrs[wmd]"``).

        Unknown tokens are dropped; an empty document gives ``inf``.

        Raises
        ------
        ImportError
            POT is not installed (the message names the extra).
        """
        try:
            from ot import emd2  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise ImportError(
                'wmdistance needs POT (Python Optimal Transport): pip install "embedrs[wmd]"'
            ) from None
        d1 = [t for t in document1 if t in self]
        d2 = [t for t in document2 if t in self]
        if len(d1) != len(document1) or len(d2) != len(document2):
            logger.info(
                "wmdistance: removed %d and %d unknown tokens",
                len(document1) - len(d1),
                len(document2) - len(d2),
            )
        if not d1 or not d2:
            logger.warning(
                "at least one of the documents had no words that were in the "
                "vocabulary; returning inf"
            )
            return float("inf")
        vocab = list(dict.fromkeys([*d1, *d2]))
        if len(vocab) == 1:
            return 0.0
        pos = {w: i for i, w in enumerate(vocab)}
        vecs = np.vstack([self.get_vector(w, norm=norm) for w in vocab]).astype(np.float64)
        u1, u2 = sorted(set(d1), key=pos.__getitem__), sorted(set(d2), key=pos.__getitem__)
        dist = np.zeros((len(vocab), len(vocab)))
        a = vecs[[pos[w] for w in u1]]
        b = vecs[[pos[w] for w in u2]]
        dist[np.ix_([pos[w] for w in u1], [pos[w] for w in u2])] = np.sqrt(
            np.maximum(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2), 0.0)
        )
        if abs(dist.sum()) < 1e-8:
            return float("inf")

        def nbow(doc: list[str]) -> npt.NDArray[np.float64]:
            d = np.zeros(len(vocab))
            for w in doc:
                d[pos[w]] += 1.0
            return d / len(doc)

        return float(emd2(nbow(d1), nbow(d2), dist))
