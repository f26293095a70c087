"""The core's SIMD training kernels, each forced with EMBEDRS_SIMD, against the scalar oracle.

The Rust unit tests compare each kernel's dot/axpy with the scalar loops on every length up
to 67; these tests run whole trainings through each path the CPU supports, so CI exercises
every kernel the machine has.
"""

from __future__ import annotations

import numpy as np
import pytest

import embedrs
from embedrs import _embedrs

from conftest import topic_purity

KERNELS = ["scalar", "avx2", "avx512", "neon"]
MODES = {
    "sg-shared": {"sg": 1, "shared_negatives": True},
    "sg-per-pair": {"sg": 1, "shared_negatives": False},
    "cbow-mean": {"sg": 0, "cbow_mean": True},
    "cbow-sum": {"sg": 0, "cbow_mean": False},
}


def _fit(planted: list[list[str]], mode: str, epochs: int = 3) -> embedrs.Word2Vec:
    params = dict(
        vector_size=24,
        window=3,
        min_count=1,
        negative=5,
        sample=0,
        epochs=epochs,
        n_jobs=1,
        random_state=11,
    )
    params.update(MODES[mode])
    return embedrs.Word2Vec(**params).fit(planted)


def _require(kernel: str) -> None:
    if not _embedrs.simd_supported(kernel):
        pytest.skip(f"this CPU cannot run the {kernel} kernel")


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("kernel", KERNELS)
def test_forced_kernel_is_used_deterministic_and_learns(planted, monkeypatch, kernel, mode):
    _require(kernel)
    monkeypatch.setenv("EMBEDRS_SIMD", kernel)
    a = _fit(planted, mode)
    b = _fit(planted, mode)
    assert a.simd_kernel_ == kernel
    np.testing.assert_array_equal(a.wv_.vectors, b.wv_.vectors)
    assert topic_purity(a.wv_) > 0.9


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("kernel", ["avx2", "avx512", "neon"])
def test_simd_training_tracks_the_scalar_oracle(planted, monkeypatch, kernel, mode):
    """One epoch through a SIMD path stays within rounding of the scalar path.

    The paths differ only in summation order and fused multiply-adds, so after an epoch the
    vectors agree to a small fraction of their scale; a wrong lane, tail or stride in a kernel
    would move them by the scale itself.
    """
    _require(kernel)
    monkeypatch.setenv("EMBEDRS_SIMD", "scalar")
    oracle = _fit(planted, mode, epochs=1)
    monkeypatch.setenv("EMBEDRS_SIMD", kernel)
    fast = _fit(planted, mode, epochs=1)
    assert oracle.simd_kernel_ == "scalar"
    assert fast.simd_kernel_ == kernel
    assert oracle.wv_.index_to_key == fast.wv_.index_to_key
    scale = float(np.abs(oracle.wv_.vectors).max())
    diff = float(np.abs(oracle.wv_.vectors - fast.wv_.vectors).max())
    assert diff < 1e-3 * scale, (diff, scale)


def test_default_kernel_is_the_best_supported(planted, monkeypatch):
    monkeypatch.delenv("EMBEDRS_SIMD", raising=False)
    best = next(k for k in ("avx512", "avx2", "neon", "scalar") if _embedrs.simd_supported(k))
    assert _embedrs.simd_kernel() == best
    assert _fit(planted, "cbow-mean", epochs=1).simd_kernel_ == best


def test_unknown_kernel_name_is_a_clear_error(planted, monkeypatch):
    monkeypatch.setenv("EMBEDRS_SIMD", "neon512")
    msg = "invalid parameter EMBEDRS_SIMD: 'neon512' is not a SIMD kernel"
    with pytest.raises(ValueError, match=msg):
        _fit(planted, "sg-shared", epochs=1)
