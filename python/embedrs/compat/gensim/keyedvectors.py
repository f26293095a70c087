"""gensim's ``KeyedVectors`` (``gensim.models.keyedvectors``), backed by the embedrs core.

The class is :class:`embedrs.KeyedVectors` with gensim's constructor
(``KeyedVectors(vector_size)``), integer keys as row numbers, and the few places where gensim
answers differently from embedrs (listed in ``docs/coming-from-gensim.md``): unknown words are
skipped by ``n_similarity`` and a mean of no known key is a zero vector.

Examples
--------
>>> import numpy as np
>>> kv = KeyedVectors(3)
>>> kv.add_vectors(["a", "b"], np.array([[1, 0, 0], [1, 1, 0]], dtype=np.float64))
>>> kv.vectors.dtype, kv[1].tolist(), round(kv.similarity("a", "b"), 4)
(dtype('float32'), [1.0, 1.0, 0.0], 0.7071)
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from ... import _validation
from ...exceptions import InvalidParameterError, UnsupportedParameterError
from ...keyed_vectors import KeyedVectors as _EmbedrsKeyedVectors
from ...keyed_vectors.similarity import cosine

__all__ = [
    "REAL",
    "KeyedVectors",
    "Word2VecKeyedVectors",
    "load_word2vec_format",
    "pseudorandom_weak_vector",
]

logger = logging.getLogger("embedrs.compat.gensim")

#: gensim's vector type.
REAL = np.float32

_REMOVED = {
    "vocab": "The vocab attribute was removed from KeyedVector in Gensim 4.0.0. Use "
    "KeyedVector's .key_to_index dict, .index_to_key list, and methods .get_vecattr(key, "
    "attr) and .set_vecattr(key, attr, new_val) instead.",
    "index2word": "The index2word attribute has been replaced by index_to_key since Gensim 4.0.0.",
    "index2entity": "The index2entity attribute has been replaced by index_to_key since "
    "Gensim 4.0.0.",
    "vectors_norm": "The vectors_norm attribute became a get_normed_vectors() method in "
    "Gensim 4.0.0.",
    "syn0": "The syn0 attribute was replaced by vectors in Gensim 4.0.0.",
}


class KeyedVectors(_EmbedrsKeyedVectors):
    """Keys and vectors with gensim 4's API (``gensim.models.KeyedVectors``).

    Parameters
    ----------
    vector_size : int
        Dimension of the vectors; the table starts empty (fill it with ``add_vector``,
        ``add_vectors`` or ``kv[key] = vector``).
    count : int, default=0
        Accepted for gensim's signature: gensim pre-allocates ``count`` empty slots (keys
        None); embedrs appends keys as they come, at ``O(vector_size)`` each, so nothing
        needs reserving and ``len`` counts the keys added.
    dtype : numpy type, default=np.float32
        Only float32.
    mapfile_path : str, optional
        Unused (as in gensim).

    Notes
    -----
    Integer keys are row numbers: ``kv[3]``, ``3 in kv`` and ``kv.get_index(3)`` refer to
    row 3, as in gensim. Everything else is :class:`embedrs.KeyedVectors`.
    """

    mapfile_path: str | None = None
    _lockf: npt.NDArray[np.float32] | None = None

    def __init__(
        self,
        vector_size: int,
        count: int = 0,
        dtype: Any = REAL,
        mapfile_path: str | None = None,
    ) -> None:
        d = _validation.integer("vector_size", vector_size)
        if d < 1:
            raise InvalidParameterError(
                f"invalid parameter vector_size: must be an integer >= 1, got {vector_size!r}"
            )
        _validation.integer("count", count)
        if np.dtype(dtype) != np.float32:
            raise UnsupportedParameterError(
                f"invalid parameter dtype: vectors are stored as float32, got {np.dtype(dtype)}"
            )
        super().__init__([], np.zeros((0, d), np.float32))
        self.mapfile_path = mapfile_path

    def __str__(self) -> str:
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    # -- keys: integers are row numbers ------------------------------------------------------
    def _is_key(self, item: object) -> bool:
        return isinstance(item, (str, int, np.integer)) and not isinstance(item, (bool, np.bool_))

    def _row(self, key: object) -> int | None:
        if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
            return int(key) if 0 <= int(key) < len(self) else None
        return super()._row(key)

    # -- where gensim answers differently --------------------------------------------------
    def get_mean_vector(
        self,
        keys: Sequence[Any],
        weights: Any = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> npt.NDArray[np.float32]:
        """As :meth:`embedrs.KeyedVectors.get_mean_vector`, except that no known key gives a
        zero vector (gensim's answer) instead of an error.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv["a"] = np.array([2.0, 0.0])
        >>> kv.get_mean_vector(["zz"]).tolist()
        [0.0, 0.0]
        """
        mean, total = self._mean(keys, weights, pre_normalize, ignore_missing)
        return self._unit(mean) if post_normalize and total else mean

    def n_similarity(self, ws1: Sequence[Any], ws2: Sequence[Any]) -> float:
        """Cosine similarity of the means of the raw vectors of two key lists; unknown keys
        are skipped (a list of unknown keys gives 0.0), as in gensim.

        Raises
        ------
        ZeroDivisionError
            One of the lists is empty (gensim's exception).
        """
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        m1 = self.get_mean_vector(ws1, pre_normalize=False)
        m2 = self.get_mean_vector(ws2, pre_normalize=False)
        return cosine(m1, m2)

    # -- files ---------------------------------------------------------------------------
    def save(  # type: ignore[override]
        self, fname_or_handle: str | os.PathLike[str] | IO[bytes], *args: Any, **kwargs: Any
    ) -> None:
        """Save in embedrs's native format (one file, memory-mappable: gensim's
        ``separately``, ``sep_limit``, ``ignore`` and ``pickle_protocol`` have nothing to
        choose and are accepted as such). Read it back with :meth:`load`."""
        super().save(fname_or_handle)

    @classmethod
    def load(cls, fname: str | os.PathLike[str], mmap: Any = None) -> Any:  # type: ignore[override]
        """Load a file written by :meth:`save` (or by ``embedrs``); ``mmap="r"`` maps the
        vectors read-only (``"c"``: the same, copied into memory by the first edit).

        gensim's own pickles cannot be read: load them with gensim and write them with
        ``save_word2vec_format``.
        """
        if mmap not in (None, False, True, "r", "c"):
            raise UnsupportedParameterError(
                f"invalid parameter mmap: must be None, 'r' or 'c' (the table is mapped "
                f"read-only and copied by its first edit), got {mmap!r}"
            )
        return super().load(fname, mmap=bool(mmap))

    # -- gensim 4 odds and ends ----------------------------------------------------------
    @property
    def vectors_lockf(self) -> npt.NDArray[np.float32]:
        """gensim's per-row learning-rate factors. Only ones are supported (no row can be
        locked): a value with other factors is refused when assigned, and an array edited in
        place (``wv.vectors_lockf[0] = 0.0``, gensim's idiom) is refused by
        ``Word2Vec.train``, before training anything."""
        if self._lockf is None:
            self._lockf = np.ones(1, REAL)
        return self._lockf

    @vectors_lockf.setter
    def vectors_lockf(self, value: npt.ArrayLike) -> None:
        lockf = np.array(value, dtype=REAL, ndmin=1)
        _check_lockf(lockf)
        self._lockf = lockf

    def _check_lockf(self) -> None:
        """Raise ``UnsupportedParameterError`` if ``vectors_lockf`` was edited to lock rows."""
        if self._lockf is not None:
            _check_lockf(self._lockf)

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated in gensim 4: ``fill_norms()``, and ``unit_normalize_all()`` if
        ``replace``."""
        warnings.warn(
            "init_sims() is deprecated: use fill_norms() or unit_normalize_all()",
            DeprecationWarning,
            stacklevel=2,
        )
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    def word_vec(self, key: Any, norm: bool = False) -> npt.NDArray[np.float32]:
        """Deprecated alias of :meth:`get_vector`."""
        warnings.warn(
            "word_vec() is deprecated: use get_vector()", DeprecationWarning, stacklevel=2
        )
        return self.get_vector(key, norm=norm)

    def words_closer_than(self, w1: Any, w2: Any) -> list[str]:
        """Deprecated alias of :meth:`closer_than`."""
        return self.closer_than(w1, w2)


def _check_lockf(lockf: npt.NDArray[np.float32]) -> None:
    if not np.all(lockf == 1.0):
        raise UnsupportedParameterError(
            "invalid parameter vectors_lockf: locking vectors during training (factors "
            "other than 1.0) is not supported"
        )


def _removed(name: str) -> property:
    def get(self: KeyedVectors) -> Any:
        raise AttributeError(_REMOVED[name])

    return property(get, doc=_REMOVED[name])


for _name in _REMOVED:
    setattr(KeyedVectors, _name, _removed(_name))
del _name

#: gensim's other names for the class.
Word2VecKeyedVectors = KeyedVectors


def pseudorandom_weak_vector(
    size: int, seed_string: str | None = None, hashfxn: Callable[[Any], int] = hash
) -> npt.NDArray[np.float32]:
    """A random vector of ``size`` values in ``[-0.5/size, 0.5/size)`` (gensim's helper),
    seeded by ``hashfxn(seed_string)`` if given.

    >>> pseudorandom_weak_vector(4, "w", hashfxn=len).shape
    (4,)
    """
    if seed_string:
        rng = np.random.Generator(np.random.SFC64(hashfxn(seed_string) & 0xFFFFFFFF))
    else:
        rng = np.random.default_rng()
    out: npt.NDArray[np.float32] = ((rng.random(size) - 0.5) / size).astype(REAL)
    return out


def _load_word2vec_format(
    cls: Any,
    fname: str | os.PathLike[str],
    fvocab: str | os.PathLike[str] | None = None,
    binary: bool = False,
    encoding: str = "utf8",
    unicode_errors: str = "strict",
    limit: int | None = sys.maxsize,
    datatype: Any = REAL,
    no_header: bool = False,
    binary_chunk_size: int = 100 * 1024,
) -> Any:
    """gensim's module-level reader (``binary_chunk_size`` tunes gensim's Python reader; the
    core reads with its own buffer)."""
    return cls.load_word2vec_format(
        fname, fvocab, binary, encoding, unicode_errors, limit, datatype, no_header
    )


load_word2vec_format = KeyedVectors.load_word2vec_format
