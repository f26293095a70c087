"""Files: the word2vec text and binary formats and the native .embedrs format. Round trips,
byte order, gensim interoperability, memory mapping, damaged or malformed files (a FormatError
naming the path and the problem, never a crash), and saves that are atomic: a failed, full,
killed or forbidden save keeps the previous file and leaves no temporary file."""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import embedrs
from embedrs import EmbedrsIOError, FormatError, KeyedVectors, TruncatedFileError, Word2Vec

from conftest import PROPERTY, run_unprivileged

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gensim")


@pytest.fixture(scope="module")
def kv():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    return KeyedVectors(words, rng.standard_normal((300, 16)).astype(np.float32))


# -- word2vec text and binary ------------------------------------------------------------------


@pytest.mark.parametrize("binary", [True, False])
def test_word2vec_round_trip(tmp_path, kv, binary):
    p = tmp_path / "v.w2v"
    kv.save_word2vec_format(p, binary=binary)
    back = KeyedVectors.load_word2vec_format(p, binary=binary)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)  # shortest repr round-trips f32


def test_truncated_file_names_where(tmp_path, kv):
    p = tmp_path / "v.bin"
    kv.save_word2vec_format(p, binary=True)
    p.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(TruncatedFileError, match=r"byte \d+"):
        KeyedVectors.load_word2vec_format(p, binary=True)
    t = tmp_path / "v.txt"
    t.write_text("2 3\na 1 2 3\nb 1 2\n")
    with pytest.raises(FormatError, match="line 3: expected 3 numbers"):
        KeyedVectors.load_word2vec_format(t, binary=False)


@pytest.mark.parametrize(
    ("content", "kwargs", "match"),
    [
        (b"2 2\na 1 2\n", {}, "line 3: file ends after 1 of 2"),
        (b"1 2\na 1 inf\n", {}, "not finite"),
        (b"1 2\n\xffa 1 2\n", {}, "not valid UTF-8"),
        (b"1 2\na 1 2 3\n", {}, "expected 2 numbers"),
        (b"2 2\na 1 2\na 2 3\n", {}, "duplicate word"),
        (b"hello\n", {}, "expected a header"),
    ],
)
def test_malformed_word2vec_text(tmp_path, content, kwargs, match):
    p = tmp_path / "v.txt"
    p.write_bytes(content)
    with pytest.raises(FormatError, match=match):
        KeyedVectors.load_word2vec_format(p, binary=False, **kwargs)


def f32le(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


@pytest.mark.parametrize(
    ("content", "binary", "match"),
    [
        (
            b"2 2\na " + f32le(1, 2) + b"\na " + f32le(3, 4) + b"\n",
            True,
            r'duplicate word "a" \(entry 2\)',
        ),
        (b"1 0\n", True, "dimension is 0"),
        (b"1 0\n", False, "dimension is 0"),
        (b"1 2000000\n", True, "dimension 2000000 in the header is larger than 1048576"),
        (b"1 2000000\na 1\n", False, "dimension 2000000 in the header is larger than 1048576"),
        (b"1 2\na " + f32le(1, float("nan")) + b"\n", True, r"byte 10: value NaN is not finite"),
        (b"10000000000 2\na " + f32le(1, 2) + b"\n", True, r"file ends inside entry 2 of"),
    ],
)
def test_word2vec_edge_cases_name_the_problem(tmp_path, content, binary, match):
    p = tmp_path / "v.w2v"
    p.write_bytes(content)
    with pytest.raises(FormatError, match=rf"^{re.escape(str(p))}: .*{match}"):
        KeyedVectors.load_word2vec_format(p, binary=binary)


def test_word2vec_reader_options(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 2\n\xffa 1 2\nb 1 nan\n")
    kv = KeyedVectors.load_word2vec_format(
        p, binary=False, unicode_errors="replace", allow_nonfinite=True
    )
    assert kv.index_to_key == ["\ufffda", "b"]
    assert np.isnan(kv["b"][1])
    assert KeyedVectors.load_word2vec_format(
        p, binary=False, unicode_errors="ignore", limit=1
    ).index_to_key == ["a"]
    q = tmp_path / "noheader.txt"
    q.write_text("a 1 2\nb 3 4\n")
    assert len(KeyedVectors.load_word2vec_format(q, binary=False, no_header=True)) == 2


def _w2v_bytes(count, dim, rows):
    """A word2vec file with a header and rows that may be text or binary, right or wrong."""
    out = [f"{count} {dim}\n".encode()]
    for word, values, text in rows:
        if text:
            out.append(word + b" " + " ".join(repr(v) for v in values).encode() + b"\n")
        else:
            out.append(word + b" " + struct.pack(f"<{len(values)}f", *values) + b"\n")
    return b"".join(out)


w2v_like = st.one_of(
    st.binary(max_size=400),
    st.tuples(st.integers(0, 5), st.integers(0, 6), st.binary(max_size=200)).map(
        lambda t: f"{t[0]} {t[1]}\n".encode() + t[2]
    ),
    st.tuples(
        st.integers(0, 4),
        st.integers(1, 4),
        st.lists(
            st.tuples(
                st.binary(max_size=6),
                st.lists(st.floats(width=32), max_size=5),
                st.booleans(),
            ),
            max_size=5,
        ),
    ).map(lambda t: _w2v_bytes(*t)),
)


@PROPERTY
@given(data=w2v_like)
def test_word2vec_readers_never_fail_otherwise(tmp_path, data):
    p = tmp_path / "v.w2v"
    p.write_bytes(data)
    for kwargs in (
        {"binary": True},
        {"binary": False},
        {"binary": False, "no_header": True},
        {"binary": True, "unicode_errors": "replace", "allow_nonfinite": True},
        {"binary": False, "unicode_errors": "ignore", "limit": 2},
    ):
        try:
            kv = KeyedVectors.load_word2vec_format(p, **kwargs)
        except (FormatError, EmbedrsIOError) as e:
            error = str(e)
        else:
            error = None
            assert kv.vectors.shape == (len(kv), kv.vector_size)
            if not kwargs.get("allow_nonfinite"):
                assert np.isfinite(kv.vectors).all()
        assert error is None or str(p) in error


@pytest.mark.parametrize("binary", [True, False])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, binary):
    gensim_kv = pytest.importorskip("gensim.models").KeyedVectors
    corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran"]] * 30
    m = Word2Vec(vector_size=12, min_count=1, epochs=2, n_jobs=1, random_state=3).fit(corpus)
    ours = tmp_path / "ours.w2v"
    m.wv_.save_word2vec_format(ours, binary=binary)
    g = gensim_kv.load_word2vec_format(str(ours), binary=binary)
    assert list(g.index_to_key) == m.wv_.index_to_key
    np.testing.assert_array_equal(g.vectors, m.wv_.vectors)
    theirs = tmp_path / "theirs.w2v"
    g.save_word2vec_format(str(theirs), binary=binary)
    back = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert back.index_to_key == m.wv_.index_to_key
    if binary:
        np.testing.assert_array_equal(back.vectors, m.wv_.vectors)
    else:  # gensim prints repr() of float32 values: exact too
        np.testing.assert_allclose(back.vectors, m.wv_.vectors, rtol=1e-6)


# -- native files ------------------------------------------------------------------------------


@pytest.mark.parametrize("mmap", [True, False])
def test_native_round_trip(tmp_path, pair, mmap):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    kv.save(p)
    back = KeyedVectors.load(p, mmap=mmap)
    assert back.is_mapped == mmap
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    np.testing.assert_array_equal(back.counts, kv.counts)
    assert not back.vectors.flags.writeable
    assert isinstance(embedrs.load(p, mmap=mmap), KeyedVectors)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/maps")
def test_load_shares_memory_with_file(tmp_path: Path, pair):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    kv.save(p)
    back = KeyedVectors.load(p, mmap=True)
    assert back.is_mapped
    # The view's memory lies inside the file's mapping: /proc/self/maps names the file there.
    addr = back.vectors.__array_interface__["data"][0]
    maps = Path("/proc/self/maps").read_text().splitlines()
    owner = [
        m
        for m in maps
        if int(m.split()[0].split("-")[0], 16) <= addr < int(m.split()[0].split("-")[1], 16)
    ]
    assert owner
    assert owner[0].endswith(str(p))


def test_damaged_native_files_are_format_errors(tmp_path, pair):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    kv.save(p)
    data = p.read_bytes()
    (tmp_path / "cut").write_bytes(data[:-4])
    with pytest.raises(FormatError, match="truncated"):
        KeyedVectors.load(tmp_path / "cut")
    wrong = bytearray(data)
    wrong[8] = 99
    (tmp_path / "ver").write_bytes(bytes(wrong))
    with pytest.raises(FormatError, match="version 99"):
        KeyedVectors.load(tmp_path / "ver")
    (tmp_path / "w2v").write_text("1 2\na 1 2\n")
    with pytest.raises(FormatError, match="not an embedrs native file"):
        KeyedVectors.load(tmp_path / "w2v")


HEADER = 56  # magic, version, flags, n_words, dim, meta_len, vocab_len, checksum


def fnv1a(data: bytes, h: int = 0xCBF29CE484222325) -> int:
    """The native header checksum (FNV-1a over 8-byte little-endian words, then bytes)."""
    prime, mask = 0x100000001B3, 2**64 - 1
    full = len(data) - len(data) % 8
    for i in range(0, full, 8):
        h = ((h ^ int.from_bytes(data[i : i + 8], "little")) * prime) & mask
    for b in data[full:]:
        h = ((h ^ b) * prime) & mask
    return h


def native_file(tmp_path: Path, meta: str = "", syn1: bool = False) -> tuple[Path, bytearray]:
    kv = KeyedVectors(["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2))
    p = tmp_path / "m.embedrs"
    kv._native.save_native(str(p), np.zeros((3, 2), np.float32) if syn1 else None, meta)
    return p, bytearray(p.read_bytes())


def rewrite_meta(data: bytearray, meta: bytes) -> bytes:
    """The file with another metadata block and a matching checksum."""
    meta_len, vocab_len = struct.unpack_from("<QQ", data, 32)
    vocab = bytes(data[HEADER + meta_len : HEADER + meta_len + vocab_len])
    head = bytearray(data[:HEADER])
    struct.pack_into("<QQQ", head, 32, len(meta), vocab_len, fnv1a(vocab, fnv1a(meta)))
    blocks = HEADER + len(meta) + vocab_len
    pad = b"\0" * (-blocks % 64)
    matrix_start = -(-(HEADER + meta_len + vocab_len) // 64) * 64
    return bytes(head) + meta + vocab + pad + bytes(data[matrix_start:])


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda d: d.__setitem__(HEADER + 3, d[HEADER + 3] ^ 0xFF), "checksum mismatch"),
        (lambda d: struct.pack_into("<I", d, 12, 0x10), r"unknown flags 0x10 \(written by a newer"),
        (
            lambda d: struct.pack_into("<I", d, 8, 1),
            r"format version 1 is not supported by this embedrs \(reads version 2\); re-save it",
        ),
        (lambda d: struct.pack_into("<I", d, 8, 3), r"format version 3 .*; upgrade embedrs"),
        (lambda d: d.__setitem__(0, ord("X")), "not an embedrs native file"),
        (lambda d: d.__delitem__(slice(-4, None)), r"truncated or corrupted"),
    ],
)
def test_damaged_native_file_names_path_and_problem(tmp_path, damage, match):
    p, data = native_file(tmp_path, meta='{"kind": "KeyedVectors"}')
    damage(data)
    p.write_bytes(bytes(data))
    for load in (
        lambda: KeyedVectors.load(p, mmap=True),
        lambda: KeyedVectors.load(p, mmap=False),
        lambda: embedrs.load(p),
        lambda: Word2Vec.load(p),
    ):
        with pytest.raises(FormatError, match=rf"^{re.escape(str(p))}: .*{match}"):
            load()


def test_metadata_that_is_not_utf8_names_the_path(tmp_path):
    p, data = native_file(tmp_path, meta="x" * 10)
    p.write_bytes(rewrite_meta(data, b"\xff\xfe bad"))
    with pytest.raises(FormatError, match=rf"^{re.escape(str(p))}: metadata is not UTF-8"):
        KeyedVectors.load(p)


@pytest.mark.parametrize("loader", [embedrs.load, Word2Vec.load])
def test_metadata_that_is_not_json_names_the_path(tmp_path, loader):
    p, _ = native_file(tmp_path, meta="{not json", syn1=True)
    with pytest.raises(
        FormatError, match=rf"^{re.escape(str(p))}: metadata is not valid JSON \(Expecting"
    ):
        loader(p)
    assert KeyedVectors.load(p).index_to_key == ["a", "b", "c"]  # the vectors are fine


def test_metadata_that_is_not_a_model_names_the_path(tmp_path):
    p, _ = native_file(
        tmp_path, meta=json.dumps({"kind": "Word2Vec", "params": {"x": 1}}), syn1=True
    )
    with pytest.raises(
        FormatError, match=rf"^{re.escape(str(p))}: the metadata does not describe a Word2Vec"
    ):
        Word2Vec.load(p)
    p.write_bytes(rewrite_meta(bytearray(p.read_bytes()), b"[1, 2]"))
    with pytest.raises(FormatError, match=rf"^{re.escape(str(p))}: holds vectors only"):
        Word2Vec.load(p)


def _valid_native(tmp_dir: Path) -> bytes:
    kv = KeyedVectors(["the", "cat", "sat", "é"], np.arange(12, dtype=np.float32).reshape(4, 3))
    p = tmp_dir / "valid.embedrs"
    kv._native.save_native(str(p), np.ones((4, 3), np.float32), json.dumps({"kind": "Word2Vec"}))
    data = p.read_bytes()
    p.unlink()
    return data


_COUNTER = itertools.count()


@PROPERTY
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_native_loader_on_damaged_files(tmp_path, flips, cut):
    data = bytearray(_valid_native(tmp_path))
    for pos, x in flips:
        data[pos % len(data)] ^= x
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    # A new file each time: never truncate a file that an earlier example may still map.
    p = tmp_path / f"damaged-{next(_COUNTER)}.embedrs"
    p.write_bytes(bytes(data))
    for load in (
        lambda: KeyedVectors.load(p, mmap=True),
        lambda: KeyedVectors.load(p, mmap=False),
        lambda: embedrs.load(p, mmap=False),
    ):
        try:
            kv = load()
        except FormatError as e:
            error = str(e)
        else:
            error = None
            if isinstance(kv, Word2Vec):
                kv = kv.wv_
            assert kv.vectors.shape == (len(kv), kv.vector_size)
            assert len(kv.index_to_key) == len(kv)
        assert error is None or str(p) in error


def test_files_hold_little_endian_float32(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 3)).astype(np.float32)
    kv = KeyedVectors(["v", "w", "x", "y", "z"], vectors)
    p = tmp_path / "kv.embedrs"
    kv.save(p)
    data = p.read_bytes()
    meta_len, vocab_len = struct.unpack_from("<QQ", data, 32)
    offset = -(-(HEADER + meta_len + vocab_len) // 64) * 64
    stored = np.frombuffer(data, "<f4", count=vectors.size, offset=offset).reshape(5, 3)
    np.testing.assert_array_equal(stored, vectors)
    b = tmp_path / "kv.bin"
    kv.save_word2vec_format(b, binary=True)
    data = b.read_bytes()
    pos = data.index(b"\n") + 1
    for word, row in zip(kv.index_to_key, vectors, strict=True):
        assert data[pos : pos + len(word) + 1] == word.encode() + b" "
        pos += len(word) + 1
        np.testing.assert_array_equal(np.frombuffer(data, "<f4", count=3, offset=pos), row)
        pos += 12 + 1  # the values, then "\n"
    back = KeyedVectors.load_word2vec_format(b, binary=True)
    np.testing.assert_array_equal(back.vectors, vectors)


# -- atomic saves: a failed save keeps the old file and leaves no temporary file ---------------


def test_failed_save_leaves_old_file(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("previous")
    bad = KeyedVectors(["has space"], np.ones((1, 2), np.float32))
    with pytest.raises(FormatError, match="whitespace"):
        bad.save_word2vec_format(p, binary=False)
    assert p.read_text() == "previous"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["v.txt"]


def test_save_is_atomic(tmp_path, pair, monkeypatch):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    p.write_bytes(b"previous")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "kv.embedrs").write_bytes(b"previous")
    os.chmod(ro, 0o500)
    try:
        if os.access(ro, os.W_OK):  # running as root: permissions are not enforced
            pytest.skip("permissions are not enforced for this user")
        with pytest.raises(OSError, match=r"kv\.embedrs"):
            kv.save(ro / "kv.embedrs")
        assert (ro / "kv.embedrs").read_bytes() == b"previous"
    finally:
        os.chmod(ro, 0o700)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE and SIGXFSZ are POSIX")
def test_disk_full_during_save_keeps_the_old_file(tmp_path):
    """RLIMIT_FSIZE makes writes fail with EFBIG, like a full disk."""
    target = tmp_path / "model.embedrs"
    target.write_bytes(b"previous model")
    script = textwrap.dedent(
        f"""
        import resource, signal, numpy as np, embedrs
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        kv = embedrs.KeyedVectors([f"w{{i}}" for i in range(20000)],
                                  np.ones((20000, 50), np.float32))
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            kv.save({str(target)!r})
        except OSError as e:
            print("OSError", e)
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert "OSError" in r.stdout, r.stdout + r.stderr
    assert "model.embedrs" in r.stdout
    assert target.read_bytes() == b"previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.embedrs"]  # temp file removed


def test_killed_during_save_never_leaves_a_partial_file(tmp_path):
    target = tmp_path / "big.embedrs"
    script = textwrap.dedent(
        f"""
        import numpy as np, embedrs, sys
        kv = embedrs.KeyedVectors([f"w{{i}}" for i in range(200000)],
                                  np.ones((200000, 300), np.float32))
        print("ready", flush=True)
        while True:
            kv.save({str(target)!r})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    proc.kill()  # SIGKILL; TerminateProcess on Windows
    proc.wait(timeout=30)
    proc.stdout.close()
    if target.exists():  # a completed save: it must be whole
        back = embedrs.KeyedVectors.load(target, mmap=True)
        assert len(back) == 200000
        assert float(back.vectors[-1, -1]) == 1.0
    for leftover in tmp_path.iterdir():
        if leftover != target:
            os.remove(leftover)  # an interrupted temporary file never carries the final name
            assert leftover.name.startswith(".big.embedrs.tmp-")


def test_permission_denied_save_keeps_the_old_file_as_any_user(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    for name in ("kv.embedrs", "kv.bin"):
        (d / name).write_bytes(b"previous")
        os.chmod(d / name, 0o644)
    os.chmod(d, 0o555)  # the child (user 65534 under root) can list and read, not create
    try:
        out = run_unprivileged(
            """
            assert os.access("kv.embedrs", os.R_OK) and not os.access(".", os.W_OK)
            kv = embedrs.KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
            for save, name in ((kv.save, "kv.embedrs"),
                               (kv.save_word2vec_format, "kv.bin")):
                try:
                    save(name)
                except embedrs.EmbedrsIOError as e:
                    print("ERROR", type(e).__name__, e.errno, e)
                else:
                    print("SAVED", name)
            """,
            d,
        )
    finally:
        os.chmod(d, 0o755)
    lines = out.splitlines()
    assert len(lines) == 2, out
    for line, name in zip(lines, ("kv.embedrs", "kv.bin"), strict=True):
        assert line.startswith(f"ERROR EmbedrsIOError {errno.EACCES} "), line
        assert name in line, line
        assert "Permission denied" in line, line
    assert sorted(p.name for p in d.iterdir()) == ["kv.bin", "kv.embedrs"]  # no temp file
    assert (d / "kv.embedrs").read_bytes() == b"previous"
    assert (d / "kv.bin").read_bytes() == b"previous"


def test_a_mapped_load_never_pairs_one_file_with_another_under_concurrent_saves(tmp_path):
    """Saves alternate between two models over one path while another thread loads it with
    mmap=True: every load must hold one model's words with that model's vectors (the file is
    opened once and the matrix mapped from that descriptor)."""
    import threading

    n = 2000
    a = KeyedVectors([f"a{i}" for i in range(n)], np.full((n, 8), 1.0, np.float32))
    b = KeyedVectors([f"b{i}" for i in range(n)], np.full((n, 8), 2.0, np.float32))
    path = tmp_path / "kv.embedrs"
    a.save(path)
    stop = threading.Event()

    def save_loop() -> None:
        k = 0
        while not stop.is_set():
            (a, b)[k % 2].save(path)
            k += 1

    saver = threading.Thread(target=save_loop)
    saver.start()
    mismatched = 0
    try:
        for _ in range(400):
            kv = KeyedVectors.load(path, mmap=True)
            want = 1.0 if kv.index_to_key[0] == "a0" else 2.0
            if not np.all(kv.vectors == want):
                mismatched += 1
    finally:
        stop.set()
        saver.join()
    assert mismatched == 0


def test_load_does_not_map_unless_asked(tmp_path):
    kv = KeyedVectors(["a"], np.ones((1, 3), np.float32))
    kv.save(tmp_path / "kv")
    assert not KeyedVectors.load(tmp_path / "kv").is_mapped
    assert not embedrs.load(tmp_path / "kv").is_mapped
    assert KeyedVectors.load(tmp_path / "kv", mmap=True).is_mapped


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_loaders_refuse_a_pipe_without_waiting_for_a_writer(tmp_path: Path) -> None:
    # A FIFO with no writer: opening it for reading would wait for ever. Every loader must
    # refuse it by name at once. Run in a child with a timeout, so a regression fails the
    # test instead of hanging the suite.
    fifo = tmp_path / "vectors.fifo"
    os.mkfifo(fifo)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a 1\n")
    script = textwrap.dedent(
        f"""
        import embedrs
        from embedrs.compat.gensim import KeyedVectors as GensimKV
        fifo = {str(fifo)!r}
        calls = {{
            "load": lambda: embedrs.load(fifo),
            "load mmap": lambda: embedrs.load(fifo, mmap=True),
            "Word2Vec.load": lambda: embedrs.Word2Vec.load(fifo),
            "KeyedVectors.load": lambda: embedrs.KeyedVectors.load(fifo),
            "text": lambda: embedrs.KeyedVectors.load_word2vec_format(fifo),
            "binary": lambda: embedrs.KeyedVectors.load_word2vec_format(fifo, binary=True),
            "no_header": lambda: embedrs.KeyedVectors.load_word2vec_format(fifo, no_header=True),
            "fvocab": lambda: embedrs.KeyedVectors.load_word2vec_format(
                {str(vocab)!r}, fvocab=fifo),
            "gensim": lambda: GensimKV.load_word2vec_format(fifo),
            "Phrases.load": lambda: embedrs.Phrases.load(fifo),
        }}
        for name, call in calls.items():
            try:
                call()
            except embedrs.EmbedrsError as e:
                assert "is not a regular file" in str(e) and fifo in str(e), (name, str(e))
                print("refused", name)
            else:
                raise AssertionError(name + " read a pipe")
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("refused") == 10
