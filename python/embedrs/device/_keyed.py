"""Keyed vectors held by an array namespace on one device: batched similarity search,
embedding lookups and pooling, written once against the array API."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .. import _embedrs, _validation
from ..exceptions import DimensionError, InvalidParameterError
from ._backend import (
    CANDIDATE_BYTES,
    CPU_MAX_CHUNK_BYTES,
    DEFAULT_MAX_CHUNK_BYTES,
    POOLINGS,
    SCORE_BYTES,
    Array,
    Device,
    Namespace,
    api_compat,
    normalise_namespace,
    resolve_target,
    to_numpy,
    top_k_unordered,
    unit_rows,
)

logger = logging.getLogger("embedrs.device")


class HostVectors(Protocol):
    """What the device vectors need of the CPU :class:`~embedrs.KeyedVectors` they copy."""

    @property
    def vectors(self) -> npt.NDArray[np.float32]: ...

    @property
    def index_to_key(self) -> list[str]: ...

    @property
    def key_to_index(self) -> dict[str, int]: ...

    def __contains__(self, word: object) -> bool: ...

    def doc_ids(
        self, docs: Iterable[Any]
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...


class DeviceKeyedVectors:
    """Keyed vectors held by an array namespace on one device (numpy, cupy, ...).

    Build it with :func:`to_device` (or ``KeyedVectors.to_device``). Arrays given to its
    methods may be numpy arrays or arrays of its namespace; arrays it returns belong to its
    namespace and device (cupy arrays on the GPU).

    Parameters
    ----------
    kv : KeyedVectors
        The CPU vectors; kept as they are (see :meth:`to_cpu`).
    xp : module
        An array-API namespace: ``numpy``, ``cupy`` (wrapped through array-api-compat) or a
        compliant one such as ``array_api_strict``.
    device : object, optional
        A device of that namespace; its default device if omitted.
    dtype : {"float32", "float16"}, default="float32"
        Storage of the table. Scores are always computed and returned in float32;
        float16 halves the memory at about 1e-3 relative error in the scores.

    Notes
    -----
    The table is stored once as given. Inverse row norms are computed once on the device and
    applied to each chunk of scores, so :meth:`lookup` returns the exact vectors and the
    table is not held twice.

    Examples
    --------
    >>> import numpy as np
    >>> from embedrs import KeyedVectors
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> dkv = DeviceKeyedVectors(kv, np)
    >>> len(dkv), dkv.device, str(dkv.dtype)
    (2, 'cpu', 'float32')
    """

    def __init__(
        self,
        kv: HostVectors,
        xp: Namespace,
        device: Device = None,
        *,
        dtype: str = "float32",
    ) -> None:
        self._kv = kv
        self._xp = normalise_namespace(xp)
        if device is None:
            device = self._xp.__array_namespace_info__().default_device()
        self._device = device
        self._dtype = self._storage_dtype(dtype)
        with self._ctx():
            self._table = self._upload(kv.vectors)
            self._inv_norms = self._inverse_norms()

    def _storage_dtype(self, dtype: Any) -> Any:
        xp = self._xp
        name = dtype if isinstance(dtype, str) else str(getattr(dtype, "name", dtype))
        name = name.removeprefix("array_api_strict.")
        if name not in ("float32", "float16"):
            raise InvalidParameterError(
                f"invalid parameter dtype: expected 'float32' or 'float16', got {dtype!r}"
            )
        if not hasattr(xp, name):
            raise InvalidParameterError(
                f"invalid parameter dtype: the namespace {xp.__name__} has no {name}"
            )
        self._dtype_name = name
        return getattr(xp, name)

    def _ctx(self) -> contextlib.AbstractContextManager[Any]:
        # cupy's array-API wrappers ignore device= and use the current device.
        if api_compat().is_cupy_namespace(self._xp):
            return self._device  # type: ignore[no-any-return]
        return contextlib.nullcontext()

    def _rows_per_chunk(self, bytes_per_row: int) -> int:
        return max(1, DEFAULT_MAX_CHUNK_BYTES // max(1, bytes_per_row))

    def _upload(self, src: npt.NDArray[np.float32]) -> Array:
        xp = self._xp
        if self._dtype == xp.float32:
            return xp.asarray(src, dtype=xp.float32, device=self._device)
        n, d = src.shape
        out = xp.empty((n, d), dtype=self._dtype, device=self._device)
        step = self._rows_per_chunk(6 * d)
        for lo in range(0, n, step):  # cast in chunks: never a second full-size table
            hi = min(n, lo + step)
            part = xp.asarray(src[lo:hi, :], dtype=xp.float32, device=self._device)
            out[lo:hi, :] = xp.astype(part, self._dtype)
        return out

    def _inverse_norms(self) -> Array:
        xp = self._xp
        n, d = self._table.shape
        out = xp.empty((n,), dtype=xp.float32, device=self._device)
        zero = xp.zeros((), dtype=xp.float32, device=self._device)
        one = xp.ones((), dtype=xp.float32, device=self._device)
        step = self._rows_per_chunk(8 * d)
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            part = xp.astype(self._table[lo:hi, :], xp.float32, copy=False)
            norms = xp.sqrt(xp.sum(part * part, axis=1))
            nonzero = norms > 0
            out[lo:hi] = xp.where(nonzero, one / xp.where(nonzero, norms, one), zero)
        return out

    # -- basic access ----------------------------------------------------------------------
    @property
    def xp(self) -> Namespace:
        """The array namespace (``array_api_compat.numpy``, ``array_api_compat.cupy``, ...)."""
        return self._xp

    @property
    def device(self) -> Device:
        """The device holding the table."""
        return self._device

    @property
    def dtype(self) -> Any:
        """Storage dtype of the table (float32 or float16 of :attr:`xp`)."""
        return self._table.dtype

    @property
    def vector_size(self) -> int:
        """Dimension of the vectors."""
        return int(self._table.shape[1])

    @property
    def index_to_key(self) -> list[str]:
        """Words in row order (shared with the CPU vectors)."""
        return self._kv.index_to_key

    @property
    def key_to_index(self) -> dict[str, int]:
        """Word -> row (shared with the CPU vectors)."""
        return self._kv.key_to_index

    def __len__(self) -> int:
        return int(self._table.shape[0])

    def __contains__(self, word: object) -> bool:
        return word in self._kv

    def __repr__(self) -> str:
        name = getattr(self._xp, "__name__", type(self._xp).__name__)
        return (
            f"DeviceKeyedVectors({len(self)} words x {self.vector_size} dimensions, "
            f"{self._dtype_name} on {self._device!r}, namespace {name})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        compat = api_compat()
        if compat.is_numpy_namespace(self._xp):
            target = "cpu"
        elif compat.is_cupy_namespace(self._xp):
            target = f"cuda:{int(self._device.id)}"
        else:
            raise TypeError(
                f"cannot pickle vectors held by {self._xp.__name__}; pickle .to_cpu() instead"
            )
        return (_restore_on, (self._kv, target, self._dtype_name))

    def to_cpu(self) -> HostVectors:
        """The CPU :class:`~embedrs.KeyedVectors` these were made from (full precision).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a"], np.ones((1, 2), np.float32))
        >>> to_device(kv, "cpu").to_cpu() is kv
        True
        """
        return self._kv

    def to_numpy(self) -> npt.NDArray[Any]:
        """The stored table as a numpy array (copied from the device; storage dtype).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a"], np.ones((1, 2), np.float32))
        >>> to_device(kv, "cpu", dtype="float16").to_numpy().dtype
        dtype('float16')
        """
        return to_numpy(self._table)

    # -- conversions -----------------------------------------------------------------------
    def _asarray(self, x: Any) -> Array:
        """``x`` as an array of this namespace: own arrays as they are, others copied in."""
        compat = api_compat()
        xp = self._xp
        if compat.is_array_api_obj(x):
            try:
                same = compat.array_namespace(x) is xp
            except TypeError:
                same = False
            if same:
                return x  # a device mismatch is the caller's mistake: let the namespace say so
            x = to_numpy(x)
        else:
            x = np.asarray(x)
            if x.size == 0 and x.dtype == np.float64:  # [] means "no ids", not floats
                x = x.astype(np.int64)
        return xp.asarray(x, device=self._device)

    def _word_ids(self, words: Sequence[str]) -> npt.NDArray[np.int64]:
        k2i = self._kv.key_to_index
        missing = [w for w in words if w not in k2i]
        if missing:
            raise _embedrs.out_of_vocabulary(missing)
        return np.fromiter((k2i[w] for w in words), dtype=np.int64, count=len(words))

    def _budget(self, max_chunk_bytes: int | None) -> int:
        if max_chunk_bytes is None:
            budget = DEFAULT_MAX_CHUNK_BYTES
            if api_compat().is_numpy_namespace(self._xp):
                budget = CPU_MAX_CHUNK_BYTES  # measured: larger chunks fall out of cache
            elif api_compat().is_cupy_namespace(self._xp):
                free, _total = self._device.mem_info
                budget = max(1 << 20, min(budget, int(free) // 4))
            return budget
        given = _validation.optional_positive("max_chunk_bytes", max_chunk_bytes)
        assert given is not None
        return given

    # -- similarity ------------------------------------------------------------------------
    def most_similar_batch(
        self,
        queries: Sequence[str] | Array,
        topn: int = 10,
        *,
        exclude_self: bool = True,
        restrict_vocab: int | None = None,
        max_chunk_bytes: int | None = None,
    ) -> tuple[Array, Array]:
        """The ``topn`` rows closest by cosine to each query, best first.

        Scores are computed in float32 chunks of the vocabulary, each chunk's top-k merged
        into a running top-k, so the working memory stays within ``max_chunk_bytes`` plus
        the output, whatever the vocabulary size.

        Parameters
        ----------
        queries : list of str, or array of shape (n_queries, vector_size)
            Words, or query vectors (numpy or of this namespace; need not be unit length).
        topn : int, default=10
            Neighbours per query; the result has ``min(topn, n_searched)`` columns.
        exclude_self : bool, default=True
            For word queries, leave the query word out of its own result (as gensim's
            ``most_similar`` does). Vector queries exclude nothing.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` (most frequent) rows.
        max_chunk_bytes : int, optional
            Working-memory budget of one chunk. By default 256 MiB on a GPU (at most a
            quarter of its free memory) and 32 MiB with numpy, where smaller chunks stay in
            cache. Queries are also split into blocks to stay within it.

        Returns
        -------
        indices : int64 array of shape (n_queries, k)
            Rows of the neighbours; ``-1`` in a slot with no candidate (when ``topn``
            reaches the number of rows searched and the query word is excluded).
        scores : float32 array of shape (n_queries, k)
            Cosine similarities, descending; ties are ordered by row (``-inf`` where the
            index is ``-1``). Ties at the cut-off may pick different rows than the CPU path.

        Raises
        ------
        OutOfVocabularyError
            An unknown query word (all are named).
        DimensionError
            Query vectors not of shape ``(n, vector_size)``.
        InvalidParameterError
            ``topn``, ``restrict_vocab`` or ``max_chunk_bytes`` below 1.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
        >>> dkv = to_device(kv, "cpu")
        >>> idx, scores = dkv.most_similar_batch(np.array([[0, 1]], np.float32), topn=2)
        >>> idx.tolist(), [round(s, 3) for s in scores[0].tolist()]
        ([[2, 1]], [1.0, 0.1])
        """
        xp = self._xp
        top = _validation.topn(topn)
        assert top is not None
        n_rows = len(self)
        restrict = _validation.restrict_vocab(restrict_vocab)
        n_search = n_rows if restrict is None else min(n_rows, restrict)
        budget = self._budget(max_chunk_bytes)
        if isinstance(queries, str):
            raise TypeError("queries must be a list of words or a 2-D array; got a single str")
        with self._ctx():
            words = isinstance(queries, (list, tuple)) and all(isinstance(q, str) for q in queries)
            exclude = None
            if words:
                ids = xp.asarray(self._word_ids(queries), device=self._device)
                n = int(ids.shape[0])
                if exclude_self:
                    exclude = ids
            else:
                Q = self._asarray(queries)
                if not xp.isdtype(Q.dtype, ("real floating", "integral")):
                    raise TypeError(f"query vectors must be numbers, got dtype {Q.dtype}")
                if Q.ndim != 2 or Q.shape[1] != self.vector_size:
                    raise DimensionError(
                        f"queries have shape {tuple(Q.shape)}, expected (n, {self.vector_size})"
                    )
                n = int(Q.shape[0])
                if n:  # one synchronisation: a NaN or zero query has no nearest neighbours
                    Qf = xp.astype(Q, xp.float32)
                    usable = xp.all(xp.isfinite(Qf), axis=1) & xp.any(Qf != 0, axis=1)
                    if not bool(xp.all(usable)):
                        _validation.query_vector(
                            to_numpy(Qf)[~to_numpy(usable)][0], "queries", self.vector_size
                        )
            k = min(top, n_search)
            if k == 0 or n == 0:
                return (
                    xp.zeros((n, k), dtype=xp.int64, device=self._device),
                    xp.zeros((n, k), dtype=xp.float32, device=self._device),
                )
            out_i = xp.empty((n, k), dtype=xp.int64, device=self._device)
            out_s = xp.empty((n, k), dtype=xp.float32, device=self._device)
            block, chunk = self._plan(n, k, budget)
            logger.debug(
                "most_similar_batch: %d queries in blocks of %d, chunks of %d rows", n, block, chunk
            )
            for q0 in range(0, n, block):
                q1 = min(n, q0 + block)
                if words:
                    Qb = xp.astype(xp.take(self._table, ids[q0:q1], axis=0), xp.float32)
                else:
                    Qb = xp.astype(Q[q0:q1, :], xp.float32, copy=False)
                Qb = unit_rows(Qb, xp)
                ex = None if exclude is None else exclude[q0:q1]
                s, i = self._search_block(Qb, k, n_search, chunk, ex)
                out_s[q0:q1, :] = s
                out_i[q0:q1, :] = i
            return out_i, out_s

    def _plan(self, n: int, k: int, budget: int) -> tuple[int, int]:
        """Queries per block and vocabulary rows per chunk for a memory budget."""
        d = self.vector_size
        # a query row, normalised (plus the squares while normalising), and its candidates
        per_query = 12 * d + CANDIDATE_BYTES * (k + 1)
        block = max(1, min(n, (budget // 2) // per_query))
        left = max(0, budget - block * per_query)
        cast = 4 * d if self._dtype != self._xp.float32 else 0  # float16 rows cast to float32
        chunk = max(1, left // (block * SCORE_BYTES + cast))
        return block, chunk

    def _search_block(
        self, Qb: Array, k: int, n_search: int, chunk: int, exclude: Array | None
    ) -> tuple[Array, Array]:
        xp = self._xp
        neg_inf = xp.asarray(-xp.inf, dtype=xp.float32, device=self._device)
        # With an excluded row per query, take one extra candidate per chunk: the excluded
        # row is then set to -inf among a few candidates instead of masking every score.
        want = k + 1 if exclude is not None else k
        ex_col = None if exclude is None else xp.reshape(exclude, (-1, 1))
        best_s: Array | None = None
        best_i: Array | None = None
        lo = 0
        while lo < n_search:
            hi = min(n_search, lo + chunk)
            try:
                s, i = self._chunk_top_k(Qb, lo, hi, want)
            except MemoryError:
                if hi - lo == 1:
                    raise
                chunk = max(1, (hi - lo) // 2)
                logger.info("out of memory on a chunk of %d rows; retrying with %d", hi - lo, chunk)
                continue
            if ex_col is not None:
                s = xp.where(i == ex_col, neg_inf, s)
            if best_s is not None:
                s = xp.concat([best_s, s], axis=1)
                i = xp.concat([best_i, i], axis=1)
            if s.shape[1] > k:
                s, sel = top_k_unordered(s, k, xp)
                i = xp.take_along_axis(i, sel, axis=1)
            best_s, best_i = s, i
            lo = hi
        assert best_s is not None  # n_search >= 1
        assert best_i is not None
        order = xp.argsort(best_i, axis=1, stable=True)  # ties: smaller row first
        best_s = xp.take_along_axis(best_s, order, axis=1)
        best_i = xp.take_along_axis(best_i, order, axis=1)
        order = xp.argsort(best_s, axis=1, descending=True, stable=True)
        best_s = xp.take_along_axis(best_s, order, axis=1)
        best_i = xp.take_along_axis(best_i, order, axis=1)
        missing = xp.asarray(-1, dtype=xp.int64, device=self._device)
        return best_s, xp.where(best_s == neg_inf, missing, best_i)

    def _chunk_top_k(self, Qb: Array, lo: int, hi: int, want: int) -> tuple[Array, Array]:
        xp = self._xp
        rows = self._table[lo:hi, :]
        if rows.dtype != xp.float32:
            rows = xp.astype(rows, xp.float32)
        S = xp.matmul(Qb, xp.permute_dims(rows, (1, 0)))  # (block, hi - lo) GEMM
        S *= xp.reshape(self._inv_norms[lo:hi], (1, hi - lo))  # rows to unit length
        s, i = top_k_unordered(S, min(want, hi - lo), xp)
        return s, xp.astype(i, xp.int64, copy=False) + lo

    # -- lookup and pooling ----------------------------------------------------------------
    def lookup(
        self, ids: Any, padding_idx: int | None = None, return_mask: bool = False
    ) -> Array | tuple[Array, Array]:
        """Embedding lookup: integer ids of any shape give ``shape + (vector_size,)``.

        Parameters
        ----------
        ids : int array_like
            Numpy, nested lists or an array of this namespace.
        padding_idx : int, optional
            Ids equal to it give zero rows and are not range-checked (it may be ``-1`` or
            ``len(self)``, as in padded batches).
        return_mask : bool, default=False
            Also return the boolean mask ``ids != padding_idx`` (all True without one).

        Returns
        -------
        array of shape ids.shape + (vector_size,), storage dtype
            With ``return_mask``, ``(vectors, mask)``.

        Raises
        ------
        IndexError
            An id below 0 or ``>= len(self)`` (the first such id is named).
        TypeError
            Ids that are not integers (floats, bools).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.array([[1, 2], [3, 4]], np.float32))
        >>> out, mask = to_device(kv, "cpu").lookup([[1, -1]], padding_idx=-1, return_mask=True)
        >>> out.tolist(), mask.tolist()
        ([[[3.0, 4.0], [0.0, 0.0]]], [[True, False]])
        """
        xp = self._xp
        n = len(self)
        with self._ctx():
            arr = self._asarray(ids)
            if not xp.isdtype(arr.dtype, "integral"):
                raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
            flat = xp.reshape(arr, (-1,))
            keep = None
            if padding_idx is not None:
                pad = _validation.padding_idx(padding_idx)
                keep = flat != xp.asarray(pad, dtype=flat.dtype, device=self._device)
            if flat.shape[0]:
                bad = (flat < 0) | (flat >= n)
                if keep is not None:
                    bad = bad & keep
                if bool(xp.any(bad)):  # one synchronisation, not per id
                    first = int(flat[bad][0])
                    raise IndexError(f"id {first} is out of range for {n} vectors")
            if keep is not None:
                zero = xp.zeros((), dtype=flat.dtype, device=self._device)
                flat = xp.where(keep, flat, zero)
            out = xp.take(self._table, flat, axis=0)
            if keep is not None:
                zero_v = xp.zeros((), dtype=out.dtype, device=self._device)
                out = xp.where(xp.reshape(keep, (-1, 1)), out, zero_v)
            out = xp.reshape(out, (*arr.shape, self.vector_size))
            if not return_mask:
                return out
            if keep is None:
                mask = xp.ones(arr.shape, dtype=xp.bool, device=self._device)
            else:
                mask = xp.reshape(keep, arr.shape)
            return out, mask

    def transform(self, docs: Iterable[Any], pooling: str = "mean") -> Array:
        """Document vectors pooled from the vectors of each document's known words.

        Parameters
        ----------
        docs : iterable of documents
            Each a list of str tokens or a str (split on ASCII whitespace, as corpus lines
            and every other path split it). Unknown tokens are ignored.
        pooling : {"mean", "sum", "max"}, default="mean"

        Returns
        -------
        float32 array of shape (n_documents, vector_size)
            Documents with no known word get a zero row.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.array([[1, 2], [3, 4]], np.float32))
        >>> to_device(kv, "cpu").transform(["a b", ["b", "zzz"], []]).tolist()
        [[2.0, 3.0], [3.0, 4.0], [0.0, 0.0]]
        """
        return self._pool(docs, pooling)[0]

    def _pool(
        self, docs: Iterable[Any], pooling: str = "mean", max_chunk_bytes: int | None = None
    ) -> tuple[Array, int]:
        """Pooled vectors and the number of documents without a known word."""
        if pooling not in POOLINGS:
            raise InvalidParameterError(
                f"invalid parameter pooling: expected one of {POOLINGS}, got {pooling!r}"
            )
        if isinstance(docs, (str, bytes)):
            raise ValueError("an iterable of documents is expected, got a single str")
        xp = self._xp
        d = self.vector_size
        # The rows of each document's known words, split and looked up by the core exactly
        # as the CPU path does (one tokenizer for every path).
        ids, ends = self._kv.doc_ids(docs)
        ends = ends.astype(np.int64)
        starts = np.concatenate((np.zeros(1, np.int64), ends[:-1])) if len(ends) else ends
        id_lists = [
            ids[a:b].astype(np.int64) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
        ]
        lengths = ends - starts
        n_docs = len(id_lists)
        # tokens per block: gathered float32 rows plus the masked copy and the reduction
        cap = max(1, self._budget(max_chunk_bytes) // (12 * d))
        with self._ctx():
            out = xp.zeros((n_docs, d), dtype=xp.float32, device=self._device)
            i = 0
            while i < n_docs:
                if lengths[i] > cap:
                    out[i, :] = self._pool_long(id_lists[i], pooling, cap)
                    i += 1
                    continue
                j, width = i, 0
                while j < n_docs and max(width, lengths[j]) * (j - i + 1) <= cap:
                    width = max(width, int(lengths[j]))
                    j += 1
                if width:
                    out[i:j, :] = self._pool_block(id_lists[i:j], lengths[i:j], width, pooling)
                i = j
        return out, int(np.count_nonzero(lengths == 0))

    def _pool_block(
        self,
        id_lists: Sequence[npt.NDArray[np.int64]],
        lengths: npt.NDArray[np.int64],
        width: int,
        pooling: str,
    ) -> Array:
        xp = self._xp
        b, d = len(id_lists), self.vector_size
        ids = np.zeros((b, width), dtype=np.int64)
        for r, a in enumerate(id_lists):
            ids[r, : a.size] = a
        mask = np.arange(width)[None, :] < lengths[:, None]
        ids_dev = xp.asarray(ids.reshape(-1), device=self._device)
        mask_dev = xp.asarray(mask.reshape(b, width, 1), device=self._device)
        rows = xp.astype(xp.take(self._table, ids_dev, axis=0), xp.float32)
        rows = xp.reshape(rows, (b, width, d))
        if pooling == "max":
            neg_inf = xp.asarray(-xp.inf, dtype=xp.float32, device=self._device)
            pooled = xp.max(xp.where(mask_dev, rows, neg_inf), axis=1)
            has = xp.asarray((lengths > 0)[:, None], device=self._device)
            return xp.where(has, pooled, xp.zeros((), dtype=xp.float32, device=self._device))
        zero = xp.zeros((), dtype=xp.float32, device=self._device)
        pooled = xp.sum(xp.where(mask_dev, rows, zero), axis=1)
        if pooling == "mean":
            counts = np.maximum(lengths, 1).astype(np.float32)[:, None]
            pooled = pooled / xp.asarray(counts, device=self._device)
        return pooled

    def _pool_long(self, ids: npt.NDArray[np.int64], pooling: str, cap: int) -> Array:
        """One document longer than a block, pooled segment by segment."""
        xp = self._xp
        acc: Array | None = None
        for lo in range(0, ids.size, cap):
            seg = xp.asarray(ids[lo : lo + cap], device=self._device)
            rows = xp.astype(xp.take(self._table, seg, axis=0), xp.float32)
            part = xp.max(rows, axis=0) if pooling == "max" else xp.sum(rows, axis=0)
            acc = (
                part if acc is None else (xp.maximum(acc, part) if pooling == "max" else acc + part)
            )
        assert acc is not None
        return acc / float(ids.size) if pooling == "mean" else acc


def _restore_on(kv: HostVectors, target: str, dtype: str) -> DeviceKeyedVectors:
    """Unpickle: copy the CPU vectors to the device again."""
    return to_device(kv, target, dtype=dtype)


def to_device(
    kv: HostVectors, target: Any, device: Device = None, *, dtype: str = "float32"
) -> DeviceKeyedVectors:
    """Copy keyed vectors to a device for batched queries, lookups and pooling.

    Parameters
    ----------
    kv : KeyedVectors
    target : str or module
        ``"cpu"`` (numpy), ``"cuda"`` / ``"cuda:<n>"`` (cupy), ``"auto"`` (cupy when
        :func:`gpu_available`, else numpy, silently), or an array-API namespace such as
        ``array_api_strict``.
    device : object, optional
        A device of that namespace (``array_api_strict.Device("device1")``, a GPU number
        or ``cupy.cuda.Device``); its default device if omitted.
    dtype : {"float32", "float16"}, default="float32"
        Storage of the table (scores are float32 either way).

    Returns
    -------
    DeviceKeyedVectors

    Raises
    ------
    GPUUnavailableError
        ``"cuda"`` was asked for and CuPy is missing or cannot run on a GPU (the message
        says which, and names the ``embedrs[cuda12]`` / ``embedrs[cuda13]`` extras).
    InvalidParameterError
        An unknown device string or dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from embedrs import KeyedVectors
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> to_device(kv, "cpu")
    DeviceKeyedVectors(2 words x 2 dimensions, float32 on 'cpu', namespace array_api_compat.numpy)
    """
    xp, dev = resolve_target(target, device)
    return DeviceKeyedVectors(kv, xp, dev, dtype=dtype)
