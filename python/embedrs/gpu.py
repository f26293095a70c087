"""The former name of :mod:`embedrs.device` (kept so that existing imports work).

Examples
--------
>>> from embedrs.gpu import to_device
>>> from embedrs.device import to_device as same
>>> to_device is same
True
"""

from __future__ import annotations

from .device import (
    DEFAULT_MAX_CHUNK_BYTES,
    DeviceKeyedVectors,
    GPUUnavailableError,
    gpu_available,
    gpu_status,
    resolve_device,
    to_device,
)

__all__ = [
    "DEFAULT_MAX_CHUNK_BYTES",
    "DeviceKeyedVectors",
    "GPUUnavailableError",
    "gpu_available",
    "gpu_status",
    "resolve_device",
    "to_device",
]
