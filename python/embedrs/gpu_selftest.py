"""Check the GPU path against the CPU path and time both.

Run ``python -m embedrs.gpu_selftest`` on a machine with a GPU and paste the output into an
issue: CI has no GPU, so this is how the CuPy path is verified. It builds random vectors,
answers the same queries, lookups and document pooling with the Rust CPU path and with
:mod:`embedrs.device` (numpy's array-API path always, CuPy when a GPU is usable, float32 and
float16 storage), and prints the largest differences, the top-k agreement and timings.

Without a usable GPU it says why ("no usable GPU: <reason>"), checks the CPU paths, and
exits with status 0. It exits with status 1 if any comparison fails.

Examples
--------
>>> from embedrs import gpu_selftest
>>> gpu_selftest.main(["--vocab", "500", "--dim", "8", "--queries", "5", "--docs", "5",
...                    "--quiet"])
0
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .device import DeviceKeyedVectors, gpu_status, to_device, to_numpy
from .device._backend import api_compat
from .keyed_vectors import KeyedVectors

__all__ = ["main"]

# (top-k agreement at least, score / pooled-vector difference at most, lookup relative error)
_TOLERANCE = {"float32": (0.99, 1e-4, 0.0), "float16": (0.95, 5e-3, 1e-3)}

_quiet = False


def _say(*parts: object) -> None:
    if not _quiet:
        print(*parts)  # noqa: T201 - this command's output is its report


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m embedrs.gpu_selftest",
        description="Compare embedrs' GPU path with its CPU path and print timings.",
    )
    p.add_argument("--vocab", type=int, default=100_000, help="rows (default 100000)")
    p.add_argument("--dim", type=int, default=100, help="dimensions (default 100)")
    p.add_argument("--queries", type=int, default=1000, help="query words (default 1000)")
    p.add_argument("--topn", type=int, default=10, help="neighbours per query (default 10)")
    p.add_argument("--docs", type=int, default=2000, help="documents to pool (default 2000)")
    p.add_argument("--device", default="cuda", help="GPU to test: cuda or cuda:<n>")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="print nothing; exit status only")
    return p.parse_args(argv)


def _timed(fn: Callable[[], Any], sync: Callable[[], None]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    sync()
    return out, time.perf_counter() - t0


def _sync_for(dkv: DeviceKeyedVectors) -> Callable[[], None]:
    if api_compat().is_cupy_namespace(dkv.xp):
        return dkv.device.synchronize  # type: ignore[no-any-return]
    return lambda: None


def _agreement(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    hits = [len(set(x.tolist()) & set(y.tolist())) for x, y in zip(a, b, strict=True)]
    return float(np.sum(hits)) / max(1, a.size)


def _versions() -> str:
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    try:
        from . import __version__

        parts.insert(0, f"embedrs {__version__}")
    except ImportError:  # pragma: no cover
        pass
    compat = api_compat()
    parts.append(f"{compat.__name__} {getattr(compat, '__version__', '?')}")
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        parts.append(f"cupy {getattr(cupy, '__version__', '?')}")
    return ", ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the self-test; return the exit status (0: all comparisons passed).

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (``--help`` lists them); ``sys.argv[1:]`` if omitted.

    Returns
    -------
    int
        0 when every comparison passed (also when there is no GPU), 1 otherwise.
    """
    global _quiet
    args = _parse(argv)
    _quiet = bool(args.quiet)
    rng = np.random.default_rng(args.seed)
    n, d, topn = args.vocab, args.dim, min(args.topn, args.vocab - 1)
    ok, reason = gpu_status()
    _say("embedrs GPU self-test")
    _say(f"  {_versions()}")
    _say(f"  platform: {platform.platform()}, {os.cpu_count()} CPUs")
    _say(f"  GPU: {reason}")
    _say(f"  data: {n} x {d} random float32 vectors, {args.queries} queries, topn={topn}")

    kv = KeyedVectors([f"w{i}" for i in range(n)], rng.standard_normal((n, d), np.float32))
    qids = rng.choice(n, size=min(args.queries, n), replace=False)
    words = [kv.index_to_key[i] for i in qids]
    ids = rng.integers(0, n, size=(max(1, args.queries), 8))
    docs = [
        [f"w{i}" for i in rng.integers(0, n, size=rng.integers(0, 60))] + ["<unknown>"]
        for _ in range(args.docs)
    ]

    # The CPU reference: the Rust batched top-k, lookup and mean pooling.
    t0 = time.perf_counter()
    ref_idx, ref_scores = kv.most_similar_batch([kv.index_to_key[int(i)] for i in qids], topn)
    t_ref = time.perf_counter() - t0
    ref_lookup = kv.lookup(ids)
    t0 = time.perf_counter()
    ref_pool = kv.transform(docs)
    t_ref_pool = time.perf_counter() - t0
    _say(
        f"\nCPU (Rust): most_similar {t_ref:.3f}s ({len(words) / max(t_ref, 1e-9):.0f} "
        f"queries/s), mean pooling {t_ref_pool:.3f}s"
    )

    targets = ["cpu"]
    if ok:
        targets.append(args.device)
    else:
        _say(f"\nno usable GPU: {reason}")
        _say("checking the array-API path on the CPU only")
    failures = 0
    for target in targets:
        for dtype in ("float32", "float16"):
            failures += _check(
                kv, target, dtype, words, topn, ids, docs,
                (ref_idx, ref_scores, ref_lookup, ref_pool, t_ref),
            )  # fmt: skip
    _say(f"\nresult: {'FAIL' if failures else 'PASS'} ({failures} failed checks)")
    return 1 if failures else 0


def _check(
    kv: KeyedVectors,
    target: str,
    dtype: str,
    words: list[str],
    topn: int,
    ids: npt.NDArray[np.int64],
    docs: list[list[str]],
    ref: tuple[Any, ...],
) -> int:
    ref_idx, ref_scores, ref_lookup, ref_pool, t_ref = ref
    min_agree, max_diff, lookup_rel = _TOLERANCE[dtype]
    t0 = time.perf_counter()
    dkv = to_device(kv, target, dtype=dtype)
    sync = _sync_for(dkv)
    sync()
    t_up = time.perf_counter() - t0
    dkv.most_similar_batch(words[:8], topn=topn)  # warm-up: kernels compile on first use
    (idx, scores), t_q = _timed(lambda: dkv.most_similar_batch(words, topn=topn), sync)
    idx, scores = to_numpy(idx), to_numpy(scores)
    agree = _agreement(idx, ref_idx.astype(np.int64))
    score_diff = float(np.max(np.abs(scores - ref_scores))) if scores.size else 0.0
    out, t_l = _timed(lambda: dkv.lookup(ids), sync)
    scale = float(np.max(np.abs(ref_lookup))) or 1.0
    lookup_diff = float(np.max(np.abs(to_numpy(out).astype(np.float32) - ref_lookup)))
    pooled, t_p = _timed(lambda: dkv.transform(docs), sync)
    pool_diff = float(np.max(np.abs(to_numpy(pooled) - ref_pool))) if len(docs) else 0.0
    checks = {
        "top-k agreement": agree >= min_agree,
        "scores": score_diff <= max_diff,
        "lookup": lookup_diff <= lookup_rel * scale,
        "transform": pool_diff <= max_diff,
    }
    failed = [name for name, good in checks.items() if not good]
    _say(f"\n{target} {dtype} ({dkv.xp.__name__}): upload {t_up:.3f}s")
    _say(
        f"  most_similar_batch {t_q:.3f}s ({len(words) / max(t_q, 1e-9):.0f} queries/s, "
        f"{t_ref / max(t_q, 1e-9):.1f}x the Rust CPU path)"
    )
    _say(f"  top-k agreement {agree:.4f} (>= {min_agree}), max |score diff| {score_diff:.2e}")
    _say(f"  lookup {t_l:.4f}s, max |diff| {lookup_diff:.2e}")
    _say(f"  transform {t_p:.3f}s, max |diff| {pool_diff:.2e}")
    _say(f"  {'FAIL: ' + ', '.join(failed) if failed else 'PASS'}")
    return len(failed)


if __name__ == "__main__":
    sys.exit(main())
