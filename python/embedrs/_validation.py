"""The rule of each query parameter, in one place: every method of
:class:`~embedrs.KeyedVectors` and of the device path checks a parameter with the same
function, so a value is accepted or refused (with an
:class:`~embedrs.InvalidParameterError` naming the parameter and the value) the same way
everywhere. numpy scalars (``np.int64(5)``, ``np.uint8(0)``) behave as the Python numbers they
hold; bools are never integers.

Examples
--------
>>> import numpy as np
>>> topn(np.int64(5)), topn(0), topn(-3), topn(None, allow_none=True)
(5, 0, 0, None)
>>> restrict_vocab(np.uint16(10))
10
>>> restrict_vocab(-1)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
embedrs.exceptions.InvalidParameterError: invalid parameter restrict_vocab: must be None or ...
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from ._params import as_int
from .exceptions import DimensionError, InvalidParameterError

__all__ = [
    "counts",
    "finite_rows",
    "integer",
    "is_integer",
    "optional_positive",
    "padding_idx",
    "query_rows",
    "query_vector",
    "restrict_vocab",
    "topn",
]

_U64 = 2**64


def _bad(name: str, what: str, value: Any) -> InvalidParameterError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidParameterError(f"invalid parameter {name}: must be {what}, got {shown}")


def is_integer(value: Any) -> bool:
    """True for Python and numpy integers, False for bools (and everything else)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def integer(name: str, value: Any) -> int:
    """``value`` as an int in the 64-bit range (any integer, numpy ones included; not a
    bool): the training parameters' rule, :func:`embedrs._params.as_int`."""
    out = as_int(name, value)
    assert out is not None
    return out


def topn(value: Any, *, allow_none: bool = False) -> int | None:
    """How many results a query returns: an integer, where anything below 1 means none (as
    gensim's ``topn=0``) and a number larger than the candidates means all of them; or
    None where ``allow_none`` (gensim's "every similarity, as an array").

    >>> topn(2**70)
    1180591620717411303424
    >>> topn(2.5)
    Traceback (most recent call last):
    ...
    embedrs.exceptions.InvalidParameterError: invalid parameter topn: must be an integer, got 2.5
    """
    if value is None and allow_none:
        return None
    if not is_integer(value):
        raise _bad("topn", "an integer or None" if allow_none else "an integer", value)
    return max(int(value), 0)


def optional_positive(name: str, value: Any) -> int | None:
    """None, or an integer >= 1."""
    if value is None:
        return None
    if not is_integer(value) or int(value) < 1:
        raise _bad(name, "None or an integer >= 1", value)
    return int(value)


def restrict_vocab(value: Any) -> int | None:
    """How many of the first (most frequent) rows a query searches: None for all, or an
    integer >= 1 (a larger one than the rows means all of them)."""
    return optional_positive("restrict_vocab", value)


def padding_idx(value: Any) -> int | None:
    """The id of a lookup that gives a zero vector: None or an integer (any, e.g. -1)."""
    if value is None:
        return None
    if not is_integer(value):
        raise _bad("padding_idx", "None or an integer", value)
    return int(value)


def counts(values: Iterable[Any] | npt.NDArray[Any], n: int) -> list[int]:
    """Word counts: ``n`` integers in ``[0, 2**64)`` (numpy integer arrays included)."""
    if isinstance(values, np.ndarray):
        if values.dtype == np.bool_ or not np.issubdtype(values.dtype, np.integer):
            raise _bad("counts", "integers", values)
        out = [int(c) for c in values.ravel().tolist()]
    else:
        out = []
        for c in values:
            if not is_integer(c):
                raise _bad("counts", "integers", c)
            out.append(int(c))
    bad = next((c for c in out if not 0 <= c < _U64), None)
    if bad is not None:
        raise _bad("counts", "integers in [0, 2**64)", bad)
    if len(out) != n:
        raise DimensionError(f"{n} words but {len(out)} counts")
    return out


def finite_rows(arr: npt.NDArray[np.float32], name: str, allow_nonfinite: bool) -> None:
    """Refuses NaN or infinite values (naming the first row that has one) unless
    ``allow_nonfinite``, as the file readers do. Checked in blocks of rows, so a large matrix
    needs no matrix-sized temporary."""
    if allow_nonfinite or arr.size == 0:
        return
    rows = arr.reshape(arr.shape[0], -1)
    step = max(1, (1 << 22) // max(1, rows.shape[1]))
    for lo in range(0, rows.shape[0], step):
        ok = np.isfinite(rows[lo : lo + step]).all(axis=1)
        if not ok.all():
            raise InvalidParameterError(
                f"invalid parameter {name}: row {lo + int(np.argmin(ok))} holds a NaN or "
                "infinite value (pass allow_nonfinite=True to accept it)"
            )


def query_rows(q: npt.NDArray[np.float32], name: str) -> None:
    """Every row of ``q`` is a usable query (see :func:`query_vector`), or the first row
    that is not is refused."""
    usable = np.isfinite(q).all(axis=1) & (q != 0).any(axis=1)
    if not usable.all():
        query_vector(q[int(np.argmin(usable))], name, q.shape[1])


def query_vector(value: Any, name: str, dim: int) -> npt.NDArray[np.float32]:
    """A query vector: ``dim`` finite float32 numbers, not all zero (a zero or NaN query has
    no nearest neighbours: every similarity would be NaN or equal)."""
    try:
        v = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise _bad(name, f"a word or a vector of {dim} numbers", value) from None
    if v.shape != (dim,):
        raise DimensionError(f"{name}: a query vector has shape {v.shape}, expected ({dim},)")
    if not np.isfinite(v).all():
        raise _bad(name, "a vector of finite numbers", value)
    if not v.any():
        raise _bad(name, "a vector that is not all zeros", value)
    return v
