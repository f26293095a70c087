"""Storage of keyed vectors: the core's table of words and float32 rows, access by word and
by id, pooling, and the primitives every edit goes through.

The core's table is immutable: numpy views of :attr:`VectorStore.vectors` point into it and
stay valid as long as they live. An edit therefore builds a new table (copy-on-write) and
views taken before it keep showing the old rows. Appending is buffered: keys added one at a
time (``add_vector``, ``kv[new_key] = vector``) cost ``O(vector_size)`` each and are copied
into a new table once, at the next read of the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from .. import _embedrs, _validation
from .._params import positive_float
from ..exceptions import DimensionError

if TYPE_CHECKING:
    from ..device import DeviceKeyedVectors

__all__ = ["VectorStore"]

_S = TypeVar("_S", bound="VectorStore")


class _Appended:
    """Keys appended since the table was built, with their rows (grown by doubling)."""

    def __init__(self, dim: int) -> None:
        self.keys: list[str] = []
        self.index: dict[str, int] = {}
        self.rows = np.empty((8, dim), np.float32)
        self.counts: list[int] = []

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str, row: npt.NDArray[np.float32], count: int) -> None:
        n = len(self.keys)
        if n == self.rows.shape[0]:
            grown = np.empty((2 * n, self.rows.shape[1]), np.float32)
            grown[:n] = self.rows
            self.rows = grown
        self.rows[n] = row
        self.index[key] = n
        self.keys.append(key)
        self.counts.append(count)


class VectorStore:
    """Words and their rows: construction, access, lookup and pooling (the base of
    :class:`embedrs.KeyedVectors`; see there)."""

    _table: _embedrs.KeyedVectors
    _appended: _Appended | None
    _counts: npt.NDArray[np.uint64] | None
    _counts_edited: bool
    _vecattrs: dict[str, npt.NDArray[Any]]
    _allow_nonfinite: bool
    _index_to_key: list[str] | None
    _key_to_index: dict[str, int] | None
    _view: npt.NDArray[np.float32] | None
    _norms: npt.NDArray[np.float32] | None

    def __init__(
        self,
        keys: Sequence[str],
        vectors: npt.ArrayLike,
        counts: Sequence[int] | npt.NDArray[np.integer[Any]] | None = None,
        *,
        allow_nonfinite: bool = False,
    ) -> None:
        arr = np.ascontiguousarray(vectors, dtype=np.float32)
        if arr.ndim != 2:
            raise DimensionError(
                f"vectors must be 2-D (n_words, vector_size), got shape {arr.shape}"
            )
        words = list(keys)
        checked = None if counts is None else _validation.counts(counts, len(words))
        _validation.finite_rows(arr, "vectors", allow_nonfinite)
        self._init_state(allow_nonfinite)
        self._set_table(_embedrs.KeyedVectors(words, arr, checked))

    @classmethod
    def _from_native(
        cls: type[_S], native: _embedrs.KeyedVectors, *, allow_nonfinite: bool = False
    ) -> _S:
        self = cls.__new__(cls)
        self._init_state(allow_nonfinite)
        self._set_table(native)
        return self

    @classmethod
    def _restore(
        cls: type[_S],
        native: _embedrs.KeyedVectors,
        vecattrs: dict[str, npt.NDArray[Any]],
        allow_nonfinite: bool,
    ) -> _S:
        self: _S = cls._from_native(native, allow_nonfinite=allow_nonfinite)
        self._vecattrs = dict(vecattrs)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self)._restore, (self._native, self._vecattrs, self._allow_nonfinite))

    def _init_state(self, allow_nonfinite: bool) -> None:
        self._vecattrs = {}
        self._allow_nonfinite = bool(allow_nonfinite)

    def _set_table(self, native: _embedrs.KeyedVectors) -> None:
        """Makes ``native`` the table (edits, appends and caches are folded into it)."""
        self._table = native
        self._appended = None
        self._counts = None
        self._counts_edited = False
        self._index_to_key = None
        self._key_to_index = None
        self._view = None
        self._norms = None

    # -- the primitives every edit goes through ---------------------------------------------
    @property
    def _native(self) -> _embedrs.KeyedVectors:
        """The core's table with every edit in it (appended rows and edited counts are
        copied into a new table here, once)."""
        if self._appended is not None or self._counts_edited:
            self._rebuild(self.index_to_key, self._rows(), self.counts)
        return self._table

    def _rows(self) -> npt.NDArray[np.float32]:
        """All rows, appended ones included (a view of the table if nothing was appended)."""
        rows = self._table.vectors
        a = self._appended
        if a is None:
            return rows
        return np.concatenate([rows, a.rows[: len(a)]])

    def _rebuild(
        self,
        words: Sequence[str],
        rows: npt.NDArray[np.float32],
        counts: npt.NDArray[np.uint64] | Sequence[int],
    ) -> None:
        """Builds a new table (copy-on-write); the caller keeps ``_vecattrs`` in step."""
        arr = np.ascontiguousarray(rows, dtype=np.float32)
        native = _embedrs.KeyedVectors(list(words), arr, np.asarray(counts, np.uint64).tolist())
        self._set_table(native)

    def _append(self, key: str, row: npt.NDArray[np.float32], count: int) -> int:
        """Appends a new key (its row already checked); returns its row."""
        if self._appended is None:
            self._appended = _Appended(self.vector_size)
        n = len(self)
        self._appended.add(key, row, count)
        if self._index_to_key is not None:
            self._index_to_key.append(key)
        if self._key_to_index is not None:
            self._key_to_index[key] = n
        for name, values in self._vecattrs.items():
            self._vecattrs[name] = np.concatenate([values, np.zeros(1, values.dtype)])
        self._view = None
        self._norms = None
        return n

    def _checked_rows(self, rows: npt.ArrayLike, n: int, name: str) -> npt.NDArray[np.float32]:
        """``n`` rows of this table's width, finite unless the table allows otherwise."""
        arr = np.asarray(rows, dtype=np.float32)
        if arr.ndim == 1 and n == 1:
            arr = arr.reshape(1, -1)
        if arr.shape != (n, self.vector_size):
            raise DimensionError(
                f"{name} must have shape ({n}, {self.vector_size}), got {arr.shape}"
            )
        _validation.finite_rows(arr, name, self._allow_nonfinite)
        return arr

    # -- basic access -------------------------------------------------------------------
    @property
    def vectors(self) -> npt.NDArray[np.float32]:
        """The ``(n_words, vector_size)`` matrix: a read-only view of the table, no copy.

        Assigning a matrix of the same number of rows replaces every vector (a new table is
        built; views taken before keep the old rows). Edit single rows with ``kv[word] =
        vector``; ``kv.vectors.copy()`` gives a writable copy.
        """
        if self._view is None:
            self._view = self._native.vectors
        return self._view

    @vectors.setter
    def vectors(self, value: npt.ArrayLike) -> None:
        arr = np.asarray(value, dtype=np.float32)
        if arr.ndim != 2 or arr.shape[0] != len(self):
            raise DimensionError(
                f"vectors must have shape ({len(self)}, vector_size), got {arr.shape}"
            )
        _validation.finite_rows(arr, "vectors", self._allow_nonfinite)
        self._rebuild(self.index_to_key, arr, self.counts)

    @property
    def vector_size(self) -> int:
        """Dimension of the vectors."""
        return int(self._table.vector_size)

    @property
    def index_to_key(self) -> list[str]:
        """Words in row order."""
        if self._index_to_key is None:
            words = self._table.words()
            if self._appended is not None:
                words.extend(self._appended.keys)
            self._index_to_key = words
        return self._index_to_key

    @property
    def key_to_index(self) -> dict[str, int]:
        """Word -> row."""
        if self._key_to_index is None:
            self._key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        return self._key_to_index

    def _table_counts(self) -> npt.NDArray[np.uint64]:
        """The counts of the table's rows (appended rows excluded), read once per table;
        edits write into this array."""
        if self._counts is None:
            self._counts = self._table.counts()
        return self._counts

    @property
    def counts(self) -> npt.NDArray[np.uint64]:
        """Word frequencies in row order (a copy: edit one with ``set_vecattr(word, "count",
        n)``)."""
        counts = self._table_counts().copy()
        if self._appended is not None:
            counts = np.concatenate([counts, np.asarray(self._appended.counts, np.uint64)])
        return counts

    def __len__(self) -> int:
        return len(self._table) + (0 if self._appended is None else len(self._appended))

    def __contains__(self, key: object) -> bool:
        return self._row(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.index_to_key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} words x {self.vector_size} dimensions)"

    def _is_key(self, item: object) -> bool:
        """True if ``item`` names a row (a word), as opposed to a vector or a list."""
        return isinstance(item, str)

    def _row(self, key: object) -> int | None:
        """The row of ``key``, or None."""
        if not isinstance(key, str):
            return None
        i = self._table.get_index(key)
        if i is not None:
            return int(i)
        if self._appended is not None:
            j = self._appended.index.get(key)
            if j is not None:
                return len(self._table) + j
        return None

    def _rows_of(self, keys: Iterable[Any]) -> list[int]:
        """Rows of ``keys``; an :class:`~embedrs.OutOfVocabularyError` names every unknown
        one."""
        rows: list[int] = []
        missing: list[str] = []
        for k in keys:
            i = self._row(k)
            if i is None:
                missing.append(str(k))
            else:
                rows.append(i)
        if missing:
            raise _embedrs.out_of_vocabulary(missing)
        return rows

    def get_index(self, key: Any, default: int | None = None) -> int:
        """Row of ``key``; ``default`` if it is unknown and a default is given.

        Raises
        ------
        OutOfVocabularyError
            If the word is unknown and there is no default (a ``KeyError``).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.get_index("b"), kv.get_index("zz", default=-1)
        (1, -1)
        """
        i = self._row(key)
        if i is not None:
            return i
        if default is not None:
            return default
        raise _embedrs.out_of_vocabulary([str(key)])

    def has_index_for(self, key: Any) -> bool:
        """True if ``key`` has a row (gensim's name for ``key in kv``)."""
        return self._row(key) is not None

    def __getitem__(self, key: Any) -> npt.NDArray[np.float32]:
        if self._is_key(key):
            row: npt.NDArray[np.float32] = self.vectors[self.get_index(key)]
            return row
        return self.vectors[self._rows_of(key)]

    def get_vector(self, key: Any, norm: bool = False) -> npt.NDArray[np.float32]:
        """The vector of ``key`` (a read-only view), or a unit-length copy if ``norm`` (a zero
        vector stays zero).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a"], np.array([[3, 4]], dtype=np.float32))
        >>> kv.get_vector("a", norm=True).tolist()
        [0.6000000238418579, 0.800000011920929]
        """
        v: npt.NDArray[np.float32] = self.vectors[self.get_index(key)]
        if norm:
            n = self.norms[self.get_index(key)]
            unit: npt.NDArray[np.float32] = v / n if n > 0 else v.copy()
            return unit
        return v

    # -- norms ------------------------------------------------------------------------------
    @property
    def norms(self) -> npt.NDArray[np.float32]:
        """The L2 norm of every row (computed once per table, float32)."""
        if self._norms is None:
            self._norms = np.linalg.norm(self.vectors, axis=1).astype(np.float32)
            self._norms.setflags(write=False)
        return self._norms

    @norms.setter
    def norms(self, value: None) -> None:
        if value is not None:
            raise ValueError(
                "norms are computed from the vectors; only None (recompute) can be set"
            )
        self._norms = None

    def fill_norms(self, force: bool = False) -> None:
        """Compute :attr:`norms` now (gensim's name; they are computed on first use anyway,
        and again after every edit)."""
        if force:
            self._norms = None
        _ = self.norms

    def get_normed_vectors(self) -> npt.NDArray[np.float32]:
        """The vectors scaled to unit length (a new array; zero rows stay zero).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> KeyedVectors(["a"], np.array([[3, 4]], np.float32)).get_normed_vectors().tolist()
        [[0.6000000238418579, 0.800000011920929]]
        """
        n = self.norms
        return (self.vectors / np.where(n > 0, n, 1.0)[:, None]).astype(np.float32)

    # -- ids ------------------------------------------------------------------------------
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
        InvalidParameterError
            If ``padding_idx`` is not None or an integer.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2))
        >>> kv.lookup([[0, 2], [1, 2]]).shape
        (2, 2, 2)
        >>> out, mask = kv.lookup([[1, 0]], padding_idx=0, return_mask=True)
        >>> out.tolist(), mask.tolist()
        ([[[2.0, 3.0], [0.0, 0.0]]], [[True, False]])
        """
        pad = _validation.padding_idx(padding_idx)
        arr = np.asarray(ids)
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
        n = len(self)
        mask = np.ones(arr.shape, dtype=bool) if pad is None else arr != pad
        if arr.size:
            bad = ((arr < 0) | (arr >= n)) & mask
            if bad.any():
                first = arr[bad].flat[0]
                raise IndexError(f"id {int(first)} is out of range for {n} vectors")
        vectors = self.vectors
        if pad is None:
            out = vectors[arr]
        else:
            out = vectors[np.where(mask, arr, 0)]
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
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> idx, scores = kv.to_device("cpu").most_similar_batch(["a"], topn=1)
        >>> idx.tolist()
        [[1]]
        """
        from ..device import to_device

        return to_device(self, target, device, dtype=dtype)

    # -- pooling ----------------------------------------------------------------------------
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
            The SIF constant ``a``: a finite number > 0 (Python or numpy).

        Returns
        -------
        ndarray of shape (n_docs, vector_size), float32
            Documents without a known word get zeros.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
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
        weights = None
        if weighting is not None:
            c = self.counts.astype(np.float64)
            total = float(c.sum()) or 1.0
            if weighting == "sif":
                a = positive_float("sif_a", sif_a)
                weights = (a / (a + c / total)).astype(np.float32)
            elif weighting == "idf":
                weights = np.log(total / np.maximum(c, 1.0)).astype(np.float32)
            else:
                raise ValueError(f"weighting must be None, 'sif' or 'idf', got {weighting!r}")
        return self._native.pool(docs, pooling, weights)

    def doc_ids(self, docs: Iterable[Any]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]:
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
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> ids, ends = kv.doc_ids(["a zzz b", ["b"], ""])
        >>> ids.tolist(), ends.tolist()
        ([0, 1, 1], [2, 3, 3])
        """
        if isinstance(docs, (str, bytes)):
            raise ValueError("an iterable of documents is expected, got a single str")
        return self._native.doc_ids(docs)

    # -- memory map -------------------------------------------------------------------------
    @property
    def is_mapped(self) -> bool:
        """True if the vectors are memory-mapped from a native file (until an edit copies
        them into memory)."""
        return bool(self._table.is_mapped) and self._appended is None
