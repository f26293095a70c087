"""Keyed vectors on a device: a GPU (CuPy) or any array-API namespace.

The functions here are written once against the Python array API standard
(``array_api_compat.array_namespace``, ``device=`` on every new array) and run on numpy on
the CPU, on cupy on a GPU, and on ``array_api_strict`` in the tests. Only the backend
imports ``cupy``, and only when a GPU is asked for; ``import embedrs`` imports neither cupy
nor ``array_api_compat``.

The GPU path is experimental: CI has no GPU. ``python -m embedrs.gpu_selftest`` compares it
with the CPU path on a machine that has one.

Examples
--------
>>> import numpy as np
>>> from embedrs import KeyedVectors
>>> from embedrs.device import to_device
>>> kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
>>> dkv = to_device(kv, "cpu")  # "cuda" on a GPU, "auto" for whichever is usable
>>> idx, scores = dkv.most_similar_batch(["a"], topn=2)
>>> [dkv.index_to_key[i] for i in idx[0].tolist()]
['b', 'c']
"""

from __future__ import annotations

from ._backend import (
    DEFAULT_MAX_CHUNK_BYTES,
    GPUUnavailableError,
    gpu_available,
    gpu_status,
    resolve_device,
    to_numpy,
)
from ._keyed import DeviceKeyedVectors, HostVectors, to_device

__all__ = [
    "DEFAULT_MAX_CHUNK_BYTES",
    "DeviceKeyedVectors",
    "GPUUnavailableError",
    "HostVectors",
    "gpu_available",
    "gpu_status",
    "resolve_device",
    "to_device",
    "to_numpy",
]
