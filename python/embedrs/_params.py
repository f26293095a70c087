"""Parameters, from Python values to the core's checked configuration.

The defaults and limits are the core's (``DEFAULTS``, ``LIMITS``); the domain of every
parameter is checked once, by the core, when the configuration is built
(:func:`train_config`). This module only turns Python and numpy values into the numbers
the core takes, naming the parameter when a value has the wrong type.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any, Literal, overload

import numpy as np

from . import _embedrs
from .exceptions import InvalidParameterError

__all__ = [
    "DEFAULTS",
    "LIMITS",
    "as_float",
    "as_int",
    "at_least",
    "config_kwargs",
    "json_default",
    "physical_memory",
    "positive_float",
    "seed_of",
    "train_config",
]

#: Every setting's default, by the parameter names of :class:`embedrs.Word2Vec`.
DEFAULTS: dict[str, Any] = dict(_embedrs.defaults())
#: Upper bounds of the settings and the names of the choices.
LIMITS: dict[str, Any] = dict(_embedrs.limits())

_I64 = 2**63


def _bad(name: str, what: str, value: Any) -> InvalidParameterError:
    return InvalidParameterError(f"invalid parameter {name}: must be {what}, got {value!r}")


@overload
def as_int(name: str, value: Any, *, allow_none: Literal[False] = ...) -> int: ...
@overload
def as_int(name: str, value: Any, *, allow_none: bool) -> int | None: ...
def as_int(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """``value`` as a Python int: any integral number (numpy ones included), never a bool.

    Examples
    --------
    >>> as_int("window", np.int64(5))
    5
    >>> as_int("window", 2.5)
    Traceback (most recent call last):
    ...
    embedrs.exceptions.InvalidParameterError: invalid parameter window: must be an integer, got 2.5
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _bad(name, "an integer", value)
    v = int(value)
    if not -_I64 <= v < _I64:
        raise _bad(name, "an integer in the 64-bit range", value)
    return v


def as_float(name: str, value: Any) -> float:
    """``value`` as a Python float: any real number (numpy ones included), never a bool.

    Examples
    --------
    >>> as_float("alpha", np.float32(0.5))
    0.5
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _bad(name, "a number", value)
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        raise _bad(name, "a finite number", value) from None


@overload
def at_least(name: str, value: Any, low: int, *, allow_none: Literal[False] = ...) -> int: ...
@overload
def at_least(name: str, value: Any, low: int, *, allow_none: bool) -> int | None: ...
def at_least(name: str, value: Any, low: int, *, allow_none: bool = False) -> int | None:
    """``value`` as a Python int that is at least ``low`` (numpy integers included).

    Examples
    --------
    >>> at_least("restrict_vocab", np.int64(3), 1)
    3
    >>> try:
    ...     at_least("restrict_vocab", -1, 1)
    ... except InvalidParameterError as e:
    ...     print(e)
    invalid parameter restrict_vocab: must be an integer >= 1, got -1
    """
    if value is None and allow_none:
        return None
    what = f"{'None or ' if allow_none else ''}an integer >= {low}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _bad(name, what, value)
    v = int(value)
    if v < low or v >= _I64:
        raise _bad(name, what if v < low else "an integer in the 64-bit range", value)
    return v


def positive_float(name: str, value: Any) -> float:
    """``value`` as a Python float that is finite and > 0 (numpy numbers included).

    Examples
    --------
    >>> positive_float("sif_a", np.float32(0.5))
    0.5
    >>> try:
    ...     positive_float("sif_a", 0)
    ... except InvalidParameterError as e:
    ...     print(e)
    invalid parameter sif_a: must be a finite number > 0, got 0
    """
    v = as_float(name, value)
    if not (math.isfinite(v) and v > 0):
        raise _bad(name, "a finite number > 0", value)
    return v


def json_default(value: Any) -> Any:
    """numpy scalars as Python numbers, for ``json.dumps(..., default=json_default)``: a
    model whose parameters are numpy numbers saves the same metadata as one with Python
    numbers.

    Examples
    --------
    >>> import json
    >>> json.dumps({"min_count": np.int64(5), "threshold": np.float32(0.5)}, default=json_default)
    '{"min_count": 5, "threshold": 0.5}'
    """
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def as_bool(name: str, value: Any) -> bool:
    """``value`` as a bool: a bool, a numpy bool, or the integers 0 and 1."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    raise _bad(name, "True or False (or 0 or 1)", value)


def as_choice(name: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise _bad(name, f"one of {', '.join(map(repr, choices))}", value)
    return value


def seed_of(random_state: Any) -> int:
    """The seed ``random_state`` gives: the integer itself (Python or numpy, in
    ``[0, 2**32 - 1]``), or a draw from a ``numpy.random.RandomState`` or from fresh entropy
    for None (scikit-learn's convention).

    Examples
    --------
    >>> seed_of(np.int64(5)) == seed_of(5) == 5
    True
    """
    if random_state is None or isinstance(random_state, np.random.RandomState):
        from sklearn.utils import check_random_state

        return int(check_random_state(random_state).randint(0, 2**31 - 1))
    top = int(LIMITS["random_state"])
    if (
        isinstance(random_state, (bool, np.bool_))
        or not isinstance(random_state, numbers.Integral)
        or not 0 <= int(random_state) <= top
    ):
        raise InvalidParameterError(
            "invalid parameter random_state: must be None, a numpy RandomState or an integer "
            f"in [0, 2**32 - 1], got {random_state!r}"
        )
    return int(random_state)


#: The settings of the core configuration, with the type each takes.
_INTS = ("vector_size", "window", "negative", "epochs", "max_sentence_length", "min_count")
_OPTIONAL_INTS = ("max_final_vocab", "max_vocab_size")
_FLOATS = ("ns_exponent", "min_alpha", "sample")
_BOOLS = ("sg", "hs", "cbow_mean", "shrink_windows", "shared_negatives")


def config_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the core's ``TrainConfig`` for estimator parameters
    (``get_params()`` names, ``n_jobs`` included; others are ignored), each converted to the
    type the core takes."""
    kw: dict[str, Any] = {}
    for name in _INTS:
        if name in params:
            kw[name] = as_int(name, params[name])
    for name in _OPTIONAL_INTS:
        if name in params:
            kw[name] = as_int(name, params[name], allow_none=True)
    for name in _FLOATS:
        if name in params:
            kw[name] = as_float(name, params[name])
    for name in ("alpha", "output_weight"):
        if params.get(name) is not None:  # None: the core's default for the architecture
            kw[name] = as_float(name, params[name])
    for name in _BOOLS:
        if name in params:
            kw[name] = as_bool(name, params[name])
    if params.get("cbow_gradient") is not None:  # None: the core's default for the objective
        kw["cbow_gradient"] = as_choice(
            "cbow_gradient", params["cbow_gradient"], LIMITS["cbow_gradient"]
        )
    if "alpha_schedule" in params:
        kw["alpha_schedule"] = as_choice(
            "alpha_schedule", params["alpha_schedule"], LIMITS["alpha_schedule"]
        )
    if "n_jobs" in params:
        kw["n_jobs"] = as_int("n_jobs", params["n_jobs"])
    return kw


def train_config(params: dict[str, Any], *, seed: int) -> _embedrs.TrainConfig:
    """The core's checked configuration for estimator parameters (see
    :func:`config_kwargs`). Raises :class:`~embedrs.InvalidParameterError` naming the first
    bad parameter, before any corpus is read.

    Examples
    --------
    >>> cfg = train_config({"vector_size": 8, "n_jobs": 1}, seed=3)
    >>> cfg.vector_size, cfg.n_threads, cfg.seed
    (8, 1, 3)
    """
    return _embedrs.TrainConfig(seed=seed, **config_kwargs(params))


def physical_memory() -> int | None:
    """Bytes of memory of this machine, or None where it cannot be read."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return None
    total = pages * size
    return total if total > 0 and math.isfinite(total) else None
