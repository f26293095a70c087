"""Document vectors of a distributed collection, partition by partition, with the model sent
once per worker (or memory-mapped once per worker process from a shared file)."""

from __future__ import annotations

import math
import os
import threading
import uuid
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .._params import positive_float
from ..estimator import Word2Vec
from ..keyed_vectors import KeyedVectors
from ._cluster import Bag, as_bag, da, dask_, resolve_client

__all__ = ["transform", "transform_partition"]

Pooling = Literal["mean", "sum", "max"]


def transform_partition(
    kv: KeyedVectors,
    docs: Iterable[Any],
    pooling: Pooling = "mean",
    weighting: Literal["sif", "idf"] | None = None,
    sif_a: float = 1e-3,
) -> npt.NDArray[np.float32]:
    """Pooled document vectors of one partition (a pure function: any engine can map it).

    :meth:`KeyedVectors.transform` on one partition, with the same rule for documents as
    every other path: a str (split on ASCII whitespace) or any iterable of str tokens (a
    list, a tuple, a numpy array, a set); a document without a known word, or a missing
    value (None, NaN), gets a zero row. With the defaults it equals
    :meth:`Word2Vec.transform`.

    Parameters
    ----------
    kv : KeyedVectors
    docs : iterable of str or of lists of str
    pooling, weighting, sif_a
        See :meth:`KeyedVectors.transform`.

    Returns
    -------
    ndarray of shape (n_docs, vector_size), float32

    Examples
    --------
    >>> import numpy as np
    >>> from embedrs import KeyedVectors
    >>> from embedrs.distributed import transform_partition
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> transform_partition(kv, ["a b", ["b"], None]).tolist()
    [[0.5, 0.5], [0.0, 1.0], [0.0, 0.0]]
    """
    return kv.transform(docs, pooling=pooling, weighting=weighting, sif_a=sif_a)


_PATH_CACHE: dict[tuple[str, int, int], KeyedVectors] = {}
_PATH_LOCK = threading.Lock()


def _reset_after_fork() -> None:
    """A child forked while another thread held ``_PATH_LOCK`` (loading a file) would wait
    for it for ever: the child gets a fresh lock (the cached maps are valid there too)."""
    global _PATH_LOCK
    _PATH_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_reset_after_fork)


def _load_cached(path: str) -> KeyedVectors:
    """The vectors of a native file, memory-mapped once per process (and so shared by the
    worker processes of one machine through the page cache)."""
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    with _PATH_LOCK:
        kv = _PATH_CACHE.get(key)
        if kv is None:
            _PATH_CACHE.clear()
            kv = _PATH_CACHE[key] = KeyedVectors.load(path, mmap=True)
    return kv


def _pool_partition(
    docs: Iterable[Any], kv: KeyedVectors | str, options: dict[str, Any]
) -> npt.NDArray[np.float32]:
    if isinstance(kv, str):
        kv = _load_cached(kv)
    return transform_partition(kv, docs, **options)


def _pool_series(
    series: Any, kv: KeyedVectors | str, options: dict[str, Any], columns: list[str]
) -> Any:
    import pandas as pd

    out = _pool_partition(series.tolist(), kv, options)
    return pd.DataFrame(out, index=series.index, columns=columns)


def transform(
    model: Word2Vec | KeyedVectors | str | os.PathLike[str],
    docs: Any,
    *,
    client: Any = None,
    pooling: Pooling = "mean",
    weighting: Literal["sif", "idf"] | None = None,
    sif_a: float = 1e-3,
) -> Any:
    """Document vectors of a distributed collection, lazily, in the input order.

    The vectors go to each worker once (scattered with ``broadcast=True``), or, given a
    path, each worker process memory-maps the file once; they never enter the task graph.
    With the default pooling the result equals ``model.transform`` on the same documents.

    Parameters
    ----------
    model : Word2Vec, KeyedVectors, or path
        A fitted model, its ``wv_``, or a native file (``model.save`` / ``kv.save``) that
        every worker can read.
    docs : dask.bag.Bag or dask Series
        Documents: str (split on ASCII whitespace) or lists of str.
    client : dask.distributed.Client, optional
        Defaults to the current client; without any, the vectors are put in the graph
        once (for dask's local schedulers).
    pooling, weighting, sif_a
        See :meth:`KeyedVectors.transform`.

    Returns
    -------
    dask.array.Array or dask.dataframe.DataFrame
        For a bag, a float32 array of shape ``(n_docs, vector_size)``, one chunk per
        partition (chunk sizes unknown until computed). For a Series, a DataFrame with
        columns ``word2vec0, ...`` and the Series' index.

    Examples
    --------
    >>> import numpy as np, dask.bag as db
    >>> from embedrs import KeyedVectors
    >>> from embedrs import distributed as ed
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> docs = db.from_sequence(["a", "a b", "b"], npartitions=2)
    >>> ed.transform(kv, docs).compute(scheduler="sync").tolist()
    [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
    """
    # Checked here, on the driver: a bad value is one error now, not one per partition later.
    a = positive_float("sif_a", sif_a) if weighting == "sif" else sif_a
    options = {"pooling": pooling, "weighting": weighting, "sif_a": a}
    ref: Any
    if isinstance(model, (str, os.PathLike)):
        ref = os.fspath(model)
        dim = _load_cached(ref).vector_size
    else:
        kv = model.wv_ if isinstance(model, Word2Vec) else model
        if not isinstance(kv, KeyedVectors):
            raise TypeError(
                f"model must be a fitted Word2Vec, KeyedVectors or a path, got "
                f"{type(model).__name__}"
            )
        dim = kv.vector_size
        client = resolve_client(client, required=False)
        if client is not None:
            ref = client.scatter(kv, broadcast=True, hash=False)
        else:
            ref = dask_.delayed(kv, name=f"embedrs-kv-{uuid.uuid4().hex}")
    if isinstance(docs, Bag):
        pool = dask_.delayed(_pool_partition, pure=True)
        chunks = [
            da.from_delayed(pool(part, ref, options), shape=(math.nan, dim), dtype=np.float32)
            for part in as_bag(docs).to_delayed(optimize_graph=True)
        ]
        return da.concatenate(chunks, axis=0)
    if hasattr(docs, "map_partitions") and hasattr(docs, "to_bag") and docs.ndim == 1:
        import pandas as pd

        columns = [f"word2vec{i}" for i in range(dim)]
        meta = pd.DataFrame(
            {c: pd.Series([], dtype=np.float32) for c in columns},
            index=docs._meta.index,
        )
        return docs.map_partitions(_pool_series, ref, options, columns, meta=meta)
    raise TypeError(
        f"docs must be a dask.bag.Bag or a dask Series of documents, got {type(docs).__name__}"
    )


