"""Dask access shared by the distributed modules: the (partly typed) dask modules, corpus
bags, and the client."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

try:
    import dask
    import dask.array
    import dask.bag
    import distributed
    from dask.base import normalize_token
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "embedrs.distributed needs dask.distributed: pip install 'embedrs[distributed]'"
    ) from exc

# dask and distributed are only partly typed: they are called through these untyped aliases,
# so that mypy --strict checks embedrs' own code without flagging every dask call.
dask_: Any = dask
da: Any = dask.array
db: Any = dask.bag
dist: Any = distributed
normalize_token_: Any = normalize_token
Bag = dask.bag.Bag

__all__ = ["Bag", "as_bag", "compute", "read_text", "resolve_client"]

def _strip_line(line: str) -> str:
    return line.rstrip("\r\n")


def _strip_lower(line: str) -> str:
    return line.rstrip("\r\n").lower()


def read_text(
    urlpath: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    blocksize: int | str | None = None,
    compression: str | None = "infer",
    encoding: str = "utf-8",
    lowercase: bool = False,
    files_per_partition: int | None = None,
    storage_options: dict[str, Any] | None = None,
) -> Bag:
    """A bag of corpus lines (one sentence per line, tokens split on ASCII whitespace).

    A thin wrapper over :func:`dask.bag.read_text` (local paths, globs, or any fsspec URL such
    as ``s3://``; ``.gz`` and other compressions are inferred) that strips line ends.

    Parameters
    ----------
    urlpath : str, path or list of them
        Files or glob patterns.
    blocksize : int or str, optional
        Split uncompressed files into blocks of this size (for example ``"128MiB"``); by
        default one partition per file. Compressed files cannot be split.
    compression : str, default="infer"
    encoding : str, default="utf-8"
    lowercase : bool, default=False
        Lowercase every line.
    files_per_partition : int, optional
        Group small files into partitions of this many files.
    storage_options : dict, optional
        Passed to fsspec (credentials and so on).

    Returns
    -------
    dask.bag.Bag of str

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> from embedrs import distributed as ed
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with gzip.open(os.path.join(d, "a.txt.gz"), "wt") as f:
    ...         _ = f.write("the cat sat\\nthe dog ran\\n")
    ...     ed.read_text(os.path.join(d, "*.txt.gz")).compute(scheduler="sync")
    ['the cat sat', 'the dog ran']
    """
    bag: Any = db.read_text(
        urlpath if isinstance(urlpath, (str, list)) else _fspaths(urlpath),
        blocksize=blocksize,
        compression=compression,
        encoding=encoding,
        files_per_partition=files_per_partition,
        storage_options=storage_options,
    )
    lines: Bag = bag.map(_strip_lower if lowercase else _strip_line)
    return lines


def _fspaths(p: Any) -> Any:
    if isinstance(p, os.PathLike):
        return os.fspath(p)
    return [os.fspath(x) for x in p]


def as_bag(corpus: Any) -> Any:
    if isinstance(corpus, Bag):
        return corpus
    if hasattr(corpus, "to_bag") and hasattr(corpus, "map_partitions"):  # a dask Series
        return corpus.to_bag()
    raise TypeError(
        f"corpus must be a dask.bag.Bag of sentences (str or token lists), got "
        f"{type(corpus).__name__}; use embedrs.distributed.read_text or dask.bag.from_sequence"
    )


def resolve_client(client: Any, required: bool) -> Any:
    if client is not None:
        return client
    try:
        return dist.default_client()
    except ValueError:
        if required:
            raise ValueError(
                "no dask.distributed Client: pass client= or create one first"
            ) from None
        return None


def compute(obj: Any, client: Any) -> Any:
    if client is None:
        return dask_.compute(obj)[0]
    return client.compute(obj).result()


