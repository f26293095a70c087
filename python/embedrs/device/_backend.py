"""The device backend: which array namespace and device a target names (numpy on the CPU,
CuPy on a GPU, any array-API namespace), whether a GPU is usable, and the few operations
that differ between namespaces. Only this module imports ``cupy``, and only when a GPU is
asked for.
"""

from __future__ import annotations

import functools
import importlib
import logging
import numbers
import os
import re
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from ..exceptions import EmbedrsError, InvalidParameterError

logger = logging.getLogger("embedrs.device")

Array = Any  # an array of some array-API namespace (numpy, cupy, array_api_strict, ...)
Namespace = Any  # an array-API namespace (a module)
Device = Any  # a device object of that namespace

#: Default working-memory budget of one similarity chunk (bytes).
DEFAULT_MAX_CHUNK_BYTES = 256 * 2**20

# The numpy default: measured here, 32 MiB chunks ran twice as fast as 256 MiB (cache).
CPU_MAX_CHUNK_BYTES = 32 * 2**20
# Bytes per (query, vocabulary row) score element while a chunk is live: the float32 scores,
# one float32 temporary (cupy negates before argpartition) and the int64 partition indices.
SCORE_BYTES = 16
# Bytes per (query, candidate) in the running top-k: scores and indices of the running and
# the chunk candidates, the concatenation and the selection indices.
CANDIDATE_BYTES = 48
INSTALL_HINT = (
    "install the extra that matches your CUDA major version: "
    "pip install 'embedrs[cuda12]' or pip install 'embedrs[cuda13]'"
)
POOLINGS = ("mean", "sum", "max")


class GPUUnavailableError(EmbedrsError, RuntimeError):
    """A GPU was requested (``device="cuda"``) but cannot be used; the message says why."""


# -- detection ---------------------------------------------------------------------------


@functools.cache
def gpu_status() -> tuple[bool, str]:
    """Whether a CUDA GPU is usable through CuPy, and why (or why not).

    Imports cupy (lazily, on the first call only), asks ``cupy.is_available()`` and runs a
    tiny matrix product on the device: a machine with a driver but without the CUDA
    libraries passes the first check and fails the second. The result is cached for the
    process; ``EMBEDRS_DISABLE_GPU=1`` (read on the first call) forces the CPU.

    Returns
    -------
    (bool, str)
        ``(True, "CuPy <version> on CUDA device <n>")`` or ``(False, <reason>)``.

    Examples
    --------
    >>> ok, reason = gpu_status()
    >>> isinstance(ok, bool) and isinstance(reason, str)
    True
    """
    if os.environ.get("EMBEDRS_DISABLE_GPU", "") not in ("", "0"):
        return False, "disabled by the EMBEDRS_DISABLE_GPU environment variable"
    try:
        import cupy
    except ImportError as e:
        return False, f"CuPy is not installed ({e}); {INSTALL_HINT}"
    except Exception as e:  # OSError and friends: CuPy present but its libraries are not
        return False, f"CuPy failed to import: {e!r}; {INSTALL_HINT}"
    version = getattr(cupy, "__version__", "?")
    try:
        if not cupy.is_available():  # never raises; False without a driver or a device
            return False, _no_device_reason(cupy, version)
        a = cupy.ones((8, 8), dtype=cupy.float32)
        float((a @ a).sum())  # cuBLAS, an elementwise kernel and a synchronisation
        return True, f"CuPy {version} on CUDA device {cupy.cuda.runtime.getDevice()}"
    except Exception as e:  # CUDARuntimeError, CompileException, OSError, ...
        return False, f"CuPy {version} is installed but a test computation on the GPU failed: {e}"


# CUDA does not survive fork: a child asks again (and, if the parent used the GPU, finds it
# unusable and says why) instead of trusting the parent's answer.
if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=gpu_status.cache_clear)


def _no_device_reason(cupy: ModuleType, version: str) -> str:
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # the driver error that is_available() swallowed
        return f"CuPy {version} found no usable CUDA driver or device: {e}"
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    hint = f" (CUDA_VISIBLE_DEVICES={visible!r})" if visible is not None else ""
    return f"CuPy {version} sees {n} CUDA devices{hint}"


def gpu_available() -> bool:
    """True if :func:`gpu_status` found a usable GPU.

    Examples
    --------
    >>> isinstance(gpu_available(), bool)
    True
    """
    return gpu_status()[0]


CUDA_RE = re.compile(r"cuda(?::(\d+))?")


def resolve_device(device: str) -> str:
    """The device that ``device`` means on this machine: ``"cpu"`` or ``"cuda[:n]"``.

    Parameters
    ----------
    device : {"cpu", "cuda", "cuda:<n>", "auto"}
        ``"auto"`` is ``"cuda"`` when :func:`gpu_available`, else ``"cpu"`` (silently).

    Returns
    -------
    str

    Raises
    ------
    GPUUnavailableError
        ``"cuda"`` was asked for and no GPU can be used.
    InvalidParameterError
        Any other string.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in ("cpu", "cuda")
    True
    """
    if not isinstance(device, str):
        raise InvalidParameterError(
            f"invalid parameter device: expected a str, got {type(device).__name__}"
        )
    name = device.strip().lower()
    if name == "cpu":
        return "cpu"
    if name == "auto":
        ok, reason = gpu_status()
        if not ok:
            logger.debug("device='auto' uses the CPU: %s", reason)
        return "cuda" if ok else "cpu"
    if CUDA_RE.fullmatch(name):
        ok, reason = gpu_status()
        if not ok:
            raise GPUUnavailableError(f"device={device!r} was requested but {reason}")
        return name
    raise InvalidParameterError(
        f"invalid parameter device: expected 'cpu', 'cuda', 'cuda:<n>' or 'auto', got {device!r}"
    )


# -- namespaces ----------------------------------------------------------------------------


def api_compat() -> ModuleType:
    """array-api-compat, or the copy scikit-learn vendors when it is not installed."""
    for name in ("array_api_compat", "sklearn.externals.array_api_compat"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("the device path needs array-api-compat: pip install array-api-compat")


def normalise_namespace(xp: Any) -> Namespace:
    """numpy and cupy modules become their array-API compatible wrappers."""
    compat = api_compat()
    if compat.is_numpy_namespace(xp):
        return importlib.import_module(compat.__name__ + ".numpy")
    if compat.is_cupy_namespace(xp):
        return importlib.import_module(compat.__name__ + ".cupy")
    if isinstance(xp, ModuleType) and (
        hasattr(xp, "__array_api_version__") or hasattr(xp, "__array_namespace_info__")
    ):
        return compat.array_namespace(xp.empty((0,)))
    raise TypeError(f"expected an array-API namespace (a module), got {xp!r}")


def resolve_target(target: Any, device: Device) -> tuple[Namespace, Device]:
    compat = api_compat()
    if isinstance(target, str):
        name = resolve_device(target)
        if name == "cpu":
            if device not in (None, "cpu"):
                raise InvalidParameterError(f"invalid device {device!r} for the CPU")
            return normalise_namespace(np), "cpu"
        m = CUDA_RE.fullmatch(name)
        index = m.group(1) if m else None
        if index is not None:
            if device is not None:
                raise InvalidParameterError(f"give the GPU either in {target!r} or as device=")
            device = int(index)
        return cuda_namespace(device)
    if not isinstance(target, ModuleType):
        raise TypeError(
            f"target must be 'cpu', 'cuda', 'auto' or an array-API namespace (a module), "
            f"got {target!r}"
        )
    if compat.is_cupy_namespace(target):
        ok, reason = gpu_status()
        if not ok:
            raise GPUUnavailableError(f"a cupy namespace was given but {reason}")
        return cuda_namespace(device)
    xp = normalise_namespace(target)
    if device is None:
        device = xp.__array_namespace_info__().default_device()
    return xp, device


def cuda_namespace(device: Any) -> tuple[Namespace, Device]:
    import cupy

    xp = importlib.import_module(api_compat().__name__ + ".cupy")
    if device is None:
        return xp, cupy.cuda.Device()
    if isinstance(device, numbers.Integral):
        return xp, cupy.cuda.Device(int(device))
    return xp, device


def to_numpy(x: Array) -> npt.NDArray[Any]:
    """Copy an array of any namespace to a numpy array (no copy for numpy input)."""
    compat = api_compat()
    if isinstance(x, np.ndarray):
        return x
    if compat.is_cupy_array(x):
        return x.get()  # type: ignore[no-any-return]
    try:
        return np.asarray(x)
    except RuntimeError:  # array_api_strict on a non-CPU device refuses the implicit copy
        xp = compat.array_namespace(x)
        return np.asarray(x.to_device(xp.__array_namespace_info__().default_device()))


# -- top-k ---------------------------------------------------------------------------------


def top_k_unordered(S: Array, k: int, xp: Namespace) -> tuple[Array, Array]:
    """Scores and column indices of the ``k`` largest entries of each row, in no order.

    The only place that depends on the namespace beyond the standard: numpy partitions at
    ``c - k`` (no negated copy); cupy partitions ``-S`` at ``k - 1`` (its selection kernel
    needs a small ``kth``, under 512); other namespaces sort (``top_k`` is not in the
    standard yet).
    """
    c = S.shape[1]
    if k >= c:
        idx = xp.arange(c, dtype=xp.int64, device=device_of(S))
        return S, xp.broadcast_to(xp.reshape(idx, (1, c)), S.shape)
    compat = api_compat()
    if compat.is_numpy_namespace(xp):
        idx = xp.argpartition(S, c - k, axis=1)[:, c - k :]
    elif hasattr(xp, "argpartition"):
        idx = xp.argpartition(-S, k - 1, axis=1)[:, :k]
    else:
        idx = xp.argsort(S, axis=1, descending=True, stable=False)[:, :k]
    return xp.take_along_axis(S, idx, axis=1), idx


def device_of(x: Array) -> Device:
    """The device ``x`` lives on."""
    return api_compat().device(x)


def unit_rows(Q: Array, xp: Namespace) -> Array:
    norms = xp.sqrt(xp.sum(Q * Q, axis=1, keepdims=True))
    one = xp.ones((), dtype=Q.dtype, device=device_of(Q))
    return Q / xp.where(norms > 0, norms, one)
