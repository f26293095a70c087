"""Keyed vectors: a vocabulary and its ``V x d`` float32 matrix, with gensim-style queries.

The class is assembled from one module per concern: :mod:`.storage` (the core's table,
access, lookup, pooling), :mod:`.editing` (adding and replacing vectors, per-word
attributes), :mod:`.similarity` (queries), :mod:`.evaluation` (analogies, word pairs) and
:mod:`.files` (word2vec formats, the native format).

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

from .editing import Editing
from .evaluation import Evaluation
from .files import Files

__all__ = ["KeyedVectors"]


class KeyedVectors(Files, Evaluation, Editing):
    """Words and their vectors; row ``i`` of :attr:`vectors` is word ``index_to_key[i]``.

    Queries follow gensim 4's semantics and names (``most_similar``, ``similarity``,
    ``get_mean_vector``, ``add_vectors``, ``load_word2vec_format``, ...); the deliberate
    differences are listed in ``docs/coming-from-gensim.md``.

    The rows live in an immutable table of the Rust core: :attr:`vectors` is a read-only
    view of it (no copy). Edits (``add_vectors``, ``kv[word] = vector``,
    ``unit_normalize_all``, assigning ``vectors``) build a new table; views taken before an
    edit keep the old rows, and a memory-mapped table is copied into memory by its first
    edit.

    Parameters
    ----------
    keys : sequence of str
        The words, in row order (most frequent first if they come from training).
    vectors : array_like of shape (n_words, vector_size)
        The vectors; converted to a contiguous float32 array (copied once).
    counts : sequence of int, optional
        Word frequencies, integers >= 0 (used by frequency-aware methods and saved with the
        vectors); defaults to a descending rank.
    allow_nonfinite : bool, default=False
        Accept NaN and infinite values (refused by default, as by the file readers: they
        poison every query).

    Raises
    ------
    InvalidParameterError
        ``counts`` that are not integers >= 0, or non-finite vectors.
    DimensionError
        ``vectors`` not 2-D, or as many rows as keys.

    Examples
    --------
    >>> import numpy as np
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> len(kv), "a" in kv, kv.similarity("a", "b")
    (2, True, 0.0)
    """
