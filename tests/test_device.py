"""embedrs.device (formerly embedrs.gpu, still an alias): the array-API / CuPy path against
the Rust CPU path.

Every backend test runs on numpy, on array_api_strict (default device and the fake
"device1", which catches a forgotten ``device=`` or a silent host round-trip) and on cupy,
which skips cleanly without a usable GPU. The "cupy installed, no driver" case is simulated
with a fake ``cupy`` module.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
import tracemalloc
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import embedrs
from embedrs import KeyedVectors
from embedrs.device import (
    DeviceKeyedVectors,
    GPUUnavailableError,
    gpu_available,
    gpu_status,
    resolve_device,
    to_device,
)
from embedrs.exceptions import DimensionError, InvalidParameterError, OutOfVocabularyError

V, D = 300, 16


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    rng = np.random.default_rng(0)
    return KeyedVectors([f"w{i}" for i in range(V)], rng.standard_normal((V, D), np.float32))


def _strict() -> Any:
    return pytest.importorskip("array_api_strict")


@pytest.fixture(params=["numpy", "strict", "strict-device1", "cupy"])
def backend(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """(target, device) for :func:`to_device`."""
    name = request.param
    if name == "numpy":
        return "cpu", None
    if name == "strict":
        return _strict(), None
    if name == "strict-device1":
        xps = _strict()
        return xps, xps.Device("device1")
    ok, why = gpu_status()
    if not ok:
        pytest.skip(f"no usable GPU: {why}")
    return "cuda", None


def to_np(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "get"):  # cupy
        return x.get()
    xps = _strict()
    return np.asarray(x.to_device(xps.Device("CPU_DEVICE")))


def check_home(dkv: DeviceKeyedVectors, *arrays: Any) -> None:
    """Results live in the namespace and on the device of ``dkv``."""
    import array_api_compat

    for a in arrays:
        assert array_api_compat.array_namespace(a) is dkv.xp
        assert array_api_compat.device(a) == dkv.device


def words(dkv: DeviceKeyedVectors, idx: Any) -> list[list[str]]:
    keys = dkv.index_to_key
    return [[keys[i] for i in row] for row in to_np(idx).tolist()]


# -- most_similar_batch --------------------------------------------------------------------


def test_word_queries_match_rust(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    queries = [f"w{i}" for i in range(0, V, 13)]
    idx, scores = dkv.most_similar_batch(queries, topn=10)
    check_home(dkv, idx, scores)
    assert idx.shape == scores.shape == (len(queries), 10)
    got_words, got_scores = words(dkv, idx), to_np(scores)
    for q, w, s in zip(queries, got_words, got_scores, strict=True):
        ref = kv.most_similar(q, topn=10)
        assert w == [r for r, _ in ref]
        np.testing.assert_allclose(s, [r for _, r in ref], atol=1e-5)


def test_vector_queries_match_rust(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    Q = np.random.default_rng(1).standard_normal((7, D)).astype(np.float32) * 3
    for queries in (Q, dkv.xp.asarray(Q, device=dkv.device)):
        idx, scores = dkv.most_similar_batch(queries, topn=5)
        check_home(dkv, idx, scores)
        for q, w, s in zip(Q, words(dkv, idx), to_np(scores), strict=True):
            ref = kv.similar_by_vector(q, topn=5)
            assert w == [r for r, _ in ref]
            np.testing.assert_allclose(s, [r for _, r in ref], atol=1e-5)


def test_restrict_vocab_and_small_chunks(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    queries = ["w0", "w150", "w299"]
    # 3 KiB: one query per block and a few rows per chunk, so merging is exercised
    idx, scores = dkv.most_similar_batch(queries, topn=4, restrict_vocab=120, max_chunk_bytes=3000)
    for q, w, s in zip(queries, words(dkv, idx), to_np(scores), strict=True):
        ref = kv.most_similar(q, topn=4, restrict_vocab=120)
        assert w == [r for r, _ in ref]
        np.testing.assert_allclose(s, [r for _, r in ref], atol=1e-5)


def test_topn_beyond_vocabulary_pads(backend: tuple[Any, Any]) -> None:
    kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 0]], np.float32))
    dkv = to_device(kv, *backend)
    idx, scores = dkv.most_similar_batch(["a"], topn=5)
    assert to_np(idx).tolist() == [[1, 2, -1]]  # c has a zero vector: cosine 0, as in Rust
    np.testing.assert_allclose(to_np(scores), [[0.99503714, 0.0, -np.inf]], atol=1e-6)
    idx, _ = dkv.most_similar_batch(["a"], topn=5, exclude_self=False)
    assert to_np(idx).tolist() == [[0, 1, 2]]


def test_ties_in_row_order(backend: tuple[Any, Any]) -> None:
    vecs = np.array([[1, 0], [0, 1], [0, 2], [0, 3], [1, 1]], np.float32)
    dkv = to_device(KeyedVectors(list("abcde"), vecs), *backend)
    idx, scores = dkv.most_similar_batch(np.array([[0, 1]], np.float32), topn=4)
    assert to_np(idx).tolist() == [[1, 2, 3, 4]]
    np.testing.assert_allclose(to_np(scores), [[1, 1, 1, np.sqrt(0.5)]], atol=1e-6)
    idx, _ = dkv.most_similar_batch(np.array([[0, 1]], np.float32), topn=4, max_chunk_bytes=1)
    assert to_np(idx).tolist() == [[1, 2, 3, 4]]


def test_query_errors(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    with pytest.raises(OutOfVocabularyError, match="'nope'"):
        dkv.most_similar_batch(["w1", "nope"])
    with pytest.raises(DimensionError, match="expected"):
        dkv.most_similar_batch(np.zeros((2, D + 1), np.float32))
    with pytest.raises(InvalidParameterError, match="topn"):
        dkv.most_similar_batch(["w1"], topn=1.5)
    idx, scores = dkv.most_similar_batch(["w1"], topn=0)  # the rule of every path: none
    assert idx.shape == scores.shape == (1, 0)
    with pytest.raises(InvalidParameterError, match="queries"):
        dkv.most_similar_batch(np.zeros((1, D), np.float32))  # a zero query has no neighbours
    with pytest.raises(InvalidParameterError, match="max_chunk_bytes"):
        dkv.most_similar_batch(["w1"], max_chunk_bytes=0)
    with pytest.raises(TypeError, match="single str"):
        dkv.most_similar_batch("w1")
    idx, scores = dkv.most_similar_batch([], topn=3)
    assert idx.shape == scores.shape == (0, 3)


def test_float16_storage(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    target, device = backend
    if not isinstance(target, str):  # array_api_strict has no float16
        with pytest.raises(InvalidParameterError, match="float16"):
            to_device(kv, target, device, dtype="float16")
        return
    dkv = to_device(kv, target, device, dtype="float16")
    assert str(dkv.dtype) == "float16"
    queries = [f"w{i}" for i in range(0, V, 29)]
    idx, scores = dkv.most_similar_batch(queries, topn=10)
    assert str(scores.dtype) == "float32"
    for q, w, s in zip(queries, words(dkv, idx), to_np(scores), strict=True):
        ref = kv.most_similar(q, topn=10)
        assert len(set(w) & {r for r, _ in ref}) >= 8  # near-ties may swap at the cut-off
        np.testing.assert_allclose(s, [r for _, r in ref], atol=1e-2)


def test_out_of_memory_halves_the_chunk(
    kv: KeyedVectors, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    dkv = to_device(kv, "cpu")
    ref = dkv.most_similar_batch(["w3", "w4"], topn=6)
    real = dkv.xp.matmul

    def matmul(a: Any, b: Any) -> Any:
        if b.shape[1] > 40:
            raise MemoryError("simulated")
        return real(a, b)

    monkeypatch.setattr(dkv.xp, "matmul", matmul)
    with caplog.at_level("INFO", logger="embedrs"):
        got = dkv.most_similar_batch(["w3", "w4"], topn=6)
    assert "out of memory" in caplog.text
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_allclose(got[1], ref[1], atol=1e-6)


def test_memory_stays_within_budget() -> None:
    """Acceptance 3: a 1 MB budget against a 200k x 32 table (25.6 MB)."""
    n_rows, d, n_q, topn, budget = 200_000, 32, 64, 10, 1 << 20
    rng = np.random.default_rng(2)
    kv = KeyedVectors(
        [f"w{i}" for i in range(n_rows)], rng.standard_normal((n_rows, d), np.float32)
    )
    dkv = to_device(kv, "cpu")
    Q = rng.standard_normal((n_q, d)).astype(np.float32)
    tracemalloc.start()
    try:
        idx, scores = dkv.most_similar_batch(Q, topn=topn, max_chunk_bytes=budget)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    output = idx.nbytes + scores.nbytes
    query_block = Q.nbytes
    assert peak <= budget + output + query_block + 64 * 1024, peak
    # and the answer is still right
    unit = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    np.testing.assert_array_equal(idx[:, 0], np.argmax(Q @ unit.T, axis=1))


# -- lookup and transform ------------------------------------------------------------------


def test_lookup_matches_cpu(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    ids = np.array([[0, 5, 7], [299, 1, 0]])
    for given in (ids, ids.tolist(), dkv.xp.asarray(ids, device=dkv.device)):
        out = dkv.lookup(given)
        check_home(dkv, out)
        assert out.shape == (2, 3, D)
        np.testing.assert_array_equal(to_np(out), kv.lookup(ids))
    assert dkv.lookup([]).shape == (0, D)


def test_lookup_padding_and_mask(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    ids = np.array([[3, -1], [-1, 4]])
    out, mask = dkv.lookup(ids, padding_idx=-1, return_mask=True)
    check_home(dkv, out, mask)
    assert to_np(mask).tolist() == [[True, False], [False, True]]
    o = to_np(out)
    np.testing.assert_array_equal(o[0, 0], kv.vectors[3])
    np.testing.assert_array_equal(o[1, 1], kv.vectors[4])
    assert not o[0, 1].any()
    assert not o[1, 0].any()
    out, mask = dkv.lookup([2, V], padding_idx=V, return_mask=True)  # padding after the vocab
    assert to_np(mask).tolist() == [True, False]
    _, mask = dkv.lookup([2], return_mask=True)
    assert to_np(mask).tolist() == [True]


def test_lookup_errors(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    with pytest.raises(IndexError, match=f"id {V} is out of range"):
        dkv.lookup([[1, V], [V + 1, 2]])
    with pytest.raises(IndexError, match="id -2 is out of range"):
        dkv.lookup([0, -2], padding_idx=-1)
    with pytest.raises(TypeError, match="integers"):
        dkv.lookup([0.0, 1.0])
    with pytest.raises(TypeError, match="integers"):
        dkv.lookup([True, False])


DOCS = [["w1", "w2", "w3"], "w4 unknown w4", [], ["zzz"], [f"w{i}" for i in range(0, V, 3)]]


@pytest.mark.parametrize("pooling", ["mean", "sum", "max"])
def test_transform_pooling(kv: KeyedVectors, backend: tuple[Any, Any], pooling: str) -> None:
    dkv = to_device(kv, *backend)
    out = dkv.transform(DOCS, pooling=pooling)
    check_home(dkv, out)
    expected = np.zeros((len(DOCS), D), np.float32)
    for r, doc in enumerate(DOCS):
        toks = doc.split() if isinstance(doc, str) else doc
        rows = kv.vectors[[kv.key_to_index[t] for t in toks if t in kv]]
        if len(rows):
            expected[r] = getattr(np, pooling)(rows, axis=0)
    np.testing.assert_allclose(to_np(out), expected, rtol=1e-5, atol=1e-5)
    if pooling == "mean":  # and the Rust pooling used by Word2Vec.transform
        np.testing.assert_allclose(to_np(out), kv.transform(DOCS), rtol=1e-5, atol=1e-5)


def test_transform_in_small_blocks_and_long_documents(kv: KeyedVectors) -> None:
    dkv = to_device(kv, "cpu")
    docs = [*DOCS, [f"w{i % V}" for i in range(1000)]]
    for pooling in ("mean", "sum", "max"):
        whole, n_empty = dkv._pool(docs, pooling)
        tiny, _ = dkv._pool(docs, pooling, max_chunk_bytes=12 * D * 7)  # 7 tokens per block
        np.testing.assert_allclose(tiny, whole, rtol=1e-5, atol=1e-4)
        assert n_empty == 2
    assert dkv.transform([]).shape == (0, D)
    with pytest.raises(InvalidParameterError, match="pooling"):
        dkv.transform(DOCS, pooling="median")
    with pytest.raises(ValueError, match="single str"):
        dkv.transform("w1 w2")


# -- object basics -------------------------------------------------------------------------


def test_basics_and_round_trips(kv: KeyedVectors, backend: tuple[Any, Any]) -> None:
    dkv = to_device(kv, *backend)
    assert (len(dkv), dkv.vector_size) == (V, D)
    assert "w7" in dkv
    assert dkv.to_cpu() is kv
    np.testing.assert_array_equal(dkv.to_numpy(), kv.vectors)
    assert "DeviceKeyedVectors(300 words x 16 dimensions, float32" in repr(dkv)


def test_pickle_numpy_backend(kv: KeyedVectors) -> None:
    dkv = to_device(kv, "cpu", dtype="float16")
    back = pickle.loads(pickle.dumps(dkv))
    assert str(back.dtype) == "float16"
    np.testing.assert_array_equal(back.to_numpy(), dkv.to_numpy())
    xps = _strict()
    with pytest.raises(TypeError, match="to_cpu"):
        pickle.dumps(to_device(kv, xps))


def test_device_mixing_is_caught(kv: KeyedVectors) -> None:
    """A CPU_DEVICE array given to vectors on device1 fails loudly (no silent copy)."""
    xps = _strict()
    dkv = to_device(kv, xps, xps.Device("device1"))
    with pytest.raises(ValueError, match="device"):
        dkv.lookup(xps.asarray([1, 2]))


def test_invalid_targets(kv: KeyedVectors) -> None:
    with pytest.raises(InvalidParameterError, match="'tpu'"):
        to_device(kv, "tpu")
    with pytest.raises(TypeError, match="namespace"):
        to_device(kv, 42)
    with pytest.raises(InvalidParameterError, match="dtype"):
        to_device(kv, "cpu", dtype="int8")
    assert resolve_device("CPU") == "cpu"


# -- GPU detection (acceptance 2) ----------------------------------------------------------


@pytest.fixture
def fresh_status() -> Iterator[None]:
    gpu_status.cache_clear()
    yield
    gpu_status.cache_clear()


def fake_cupy(available: bool, probe_error: str | None = None) -> types.ModuleType:
    """A stand-in for an installed cupy: no driver, or a driver whose first kernel fails."""
    cupy = types.ModuleType("cupy")
    cupy.__version__ = "14.0.0-fake"  # type: ignore[attr-defined]
    cupy.float32 = np.float32  # type: ignore[attr-defined]

    def get_device_count() -> int:
        raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient")

    def ones(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(probe_error or "no device")

    cupy.is_available = lambda: available  # type: ignore[attr-defined]
    cupy.ones = ones  # type: ignore[attr-defined]
    cupy.cuda = types.SimpleNamespace(  # type: ignore[attr-defined]
        runtime=types.SimpleNamespace(getDeviceCount=get_device_count, getDevice=lambda: 0)
    )
    return cupy


@pytest.mark.usefixtures("fresh_status")
def test_no_driver_auto_falls_back_silently(
    kv: KeyedVectors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMBEDRS_DISABLE_GPU", raising=False)
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dkv = to_device(kv, "auto")
        assert not gpu_available()
    assert isinstance(dkv.to_numpy(), np.ndarray)
    assert resolve_device("auto") == "cpu"


@pytest.mark.usefixtures("fresh_status")
def test_no_driver_cuda_raises(kv: KeyedVectors, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMBEDRS_DISABLE_GPU", raising=False)
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=False))
    with pytest.raises(GPUUnavailableError, match="cudaErrorInsufficientDriver") as err:
        to_device(kv, "cuda")
    assert isinstance(err.value, RuntimeError)
    assert isinstance(err.value, embedrs.exceptions.EmbedrsError)


@pytest.mark.usefixtures("fresh_status")
def test_driver_without_libraries_fails_the_probe(
    kv: KeyedVectors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMBEDRS_DISABLE_GPU", raising=False)
    fake = fake_cupy(available=True, probe_error="libnvrtc.so.12: cannot open shared object")
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(GPUUnavailableError, match="libnvrtc"):
        to_device(kv, "cuda:0")
    assert to_device(kv, "auto").device == "cpu"


@pytest.mark.usefixtures("fresh_status")
def test_cupy_missing_names_the_extras(kv: KeyedVectors, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMBEDRS_DISABLE_GPU", raising=False)
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy -> ImportError
    with pytest.raises(GPUUnavailableError, match=r"embedrs\[cuda12\].*embedrs\[cuda13\]"):
        to_device(kv, "cuda")


@pytest.mark.usefixtures("fresh_status")
def test_disabled_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDRS_DISABLE_GPU", "1")
    assert gpu_status() == (False, "disabled by the EMBEDRS_DISABLE_GPU environment variable")


def test_import_embedrs_leaves_cupy_alone(tmp_path: Path) -> None:
    """In a fresh process with a (fake, driverless) cupy installed on the path."""
    pkg = tmp_path / "cupy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            __version__ = "14.0.0-fake"
            def is_available():
                return False
            class _Runtime:
                @staticmethod
                def getDeviceCount():
                    raise RuntimeError("cudaErrorInsufficientDriver")
            class cuda:
                runtime = _Runtime
            """
        )
    )
    code = textwrap.dedent(
        """
        import sys, numpy as np
        import embedrs
        kv = embedrs.KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        embedrs.Word2Vec(device="auto")
        leaked = [m for m in ("cupy", "array_api_strict", "array_api_compat") if m in sys.modules]
        assert not leaked, leaked
        from embedrs.gpu import GPUUnavailableError, to_device
        assert to_device(kv, "auto").device == "cpu"
        try:
            to_device(kv, "cuda")
        except GPUUnavailableError as e:
            assert "cudaErrorInsufficientDriver" in str(e), e
        else:
            raise AssertionError("no GPUUnavailableError")
        print("ok")
        """
    )
    path = [str(tmp_path), *sys.path]
    env = {"PYTHONPATH": ":".join(p for p in path if p), "PATH": "/usr/bin:/bin"}
    res = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


# -- hooks: KeyedVectors.to_device and Word2Vec(device=...) --------------------------------

CORPUS = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]] * 30


def test_keyed_vectors_to_device(kv: KeyedVectors) -> None:
    dkv = kv.to_device("cpu", dtype="float16")
    assert isinstance(dkv, DeviceKeyedVectors)
    assert str(dkv.dtype) == "float16"


@pytest.mark.usefixtures("fresh_status")
def test_estimator_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMBEDRS_DISABLE_GPU", raising=False)
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=False))
    params = {"vector_size": 8, "min_count": 1, "epochs": 1, "n_jobs": 1, "random_state": 0}
    with pytest.raises(GPUUnavailableError, match="cudaErrorInsufficientDriver"):
        embedrs.Word2Vec(device="cuda", **params).fit(CORPUS)
    with pytest.raises(InvalidParameterError, match="device"):
        embedrs.Word2Vec(device="tpu", **params).fit(CORPUS)
    model = embedrs.Word2Vec(device="auto", **params).fit(CORPUS)
    assert model.device_ == "cpu"
    cpu = embedrs.Word2Vec(**params).fit(CORPUS)
    np.testing.assert_array_equal(model.transform(CORPUS[:3]), cpu.transform(CORPUS[:3]))
    idx, _ = model.wv_device_.most_similar_batch(["cat"], topn=2)
    assert idx.shape == (1, 2)
    back = pickle.loads(pickle.dumps(model))
    assert (back.device, back.device_) == ("auto", "cpu")
    assert back.wv_device_.most_similar_batch(["cat"], topn=2)[0].tolist() == idx.tolist()


def test_estimator_on_device_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    """device_ != "cpu" pools through wv_device_ (numpy stands in for the GPU here)."""
    params = {"vector_size": 8, "min_count": 1, "epochs": 1, "n_jobs": 1, "random_state": 0}
    model = embedrs.Word2Vec(**params).fit(CORPUS)
    with pytest.warns(embedrs.EmbedrsWarning, match="1 of 3"):
        ref = model.transform([["cat", "sat"], ["zzz"], "the dog"])
    model._wv_device = to_device(model.wv_, "cpu")
    monkeypatch.setattr(model, "device_", "cuda")
    with pytest.warns(embedrs.EmbedrsWarning, match="1 of 3"):
        got = model.transform([["cat", "sat"], ["zzz"], "the dog"])
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)


# -- self-test -----------------------------------------------------------------------------


def test_selftest_runs_without_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    from embedrs import gpu_selftest

    code = gpu_selftest.main(["--vocab", "3000", "--dim", "16", "--queries", "50", "--docs", "40"])
    out = capsys.readouterr().out
    assert code == 0
    if not gpu_available():
        assert "no usable GPU:" in out
    assert "PASS" in out
    assert "FAIL" not in out


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork"
)
def test_a_forked_child_asks_for_the_gpu_again() -> None:
    """CUDA does not survive fork: the parent's cached answer is not the child's. (In a fresh
    interpreter: forking the test process would make OpenBLAS restart its threads later.)"""
    script = textwrap.dedent(
        """
        import multiprocessing, os
        from embedrs.device import gpu_status

        def child():
            os._exit(gpu_status.cache_info().currsize)

        gpu_status()
        assert gpu_status.cache_info().currsize == 1
        p = multiprocessing.get_context("fork").Process(target=child)
        p.start()
        p.join(timeout=30)
        print(p.exitcode)
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"
