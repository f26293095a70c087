"""Issue 6, acceptance 1: every bad input and fault gives an exception of the right class whose
message names the problem (parameter, file, entry), never a crash, a hang or silently wrong
output. (tests/test_reliability.py has the first cases; this file the audit's follow-ups.)"""

from __future__ import annotations

import errno
import gzip
import itertools
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embedrs
from embedrs import (
    EmbedrsFileNotFoundError,
    EmbedrsIOError,
    EmptyVocabularyError,
    FormatError,
    InvalidParameterError,
    KeyedVectors,
    Word2Vec,
    _embedrs,
)

from conftest import planted_corpus


def small(**kw):
    params = dict(
        vector_size=16, window=3, min_count=1, epochs=2, sample=0, n_jobs=2, random_state=1
    )
    params.update(kw)
    return Word2Vec(**params)


def write_corpus(path: Path, n_sentences: int = 3000, seed: int = 0) -> Path:
    text = "\n".join(" ".join(s) for s in planted_corpus(n_sentences=n_sentences, seed=seed))
    path.write_text(text + "\n")
    return path


def run_unprivileged(script: str, cwd: Path) -> str:
    """Runs `script` in a child that imports embedrs, enters `cwd` and, if it runs as root,
    becomes user 65534 (nobody) before the script's body, so that permissions and process
    limits apply; returns its stdout. Skips the test only if root cannot switch users."""
    if not hasattr(os, "geteuid"):
        pytest.skip("POSIX users and limits only")
    prologue = textwrap.dedent(
        f"""
        import errno, os, resource, sys, threading
        import numpy as np
        import embedrs
        from embedrs import _embedrs
        os.chdir({str(cwd)!r})
        if os.geteuid() == 0:
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            except OSError as e:
                print("SKIP", e)
                sys.exit(0)
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if r.stdout.startswith("SKIP"):
        pytest.skip(f"cannot switch to user 65534: {r.stdout.strip()}")
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


# -- 1. upper bounds of window, negative and n_jobs; spawn failures ------------------------


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"window": 10**9},
            r"invalid parameter window: 1000000000 is larger than max_sentence_length=10000: "
            r"sentences are cut into pieces of at most max_sentence_length words, so no window "
            r"could ever be that wide",
        ),
        ({"window": 11, "max_sentence_length": 10}, r"invalid parameter window: 11 is larger"),
        (
            {"negative": 10**9},
            r"invalid parameter negative: must be <= 10000 \(each positive example costs "
            r"negative \+ 1 updates; word2vec uses 5 to 20\), got 1000000000",
        ),
        ({"n_jobs": 10**6}, r"invalid parameter n_jobs: must be <= 1024 threads, got 1000000"),
        (
            {"max_sentence_length": 2**32},
            r"invalid parameter max_sentence_length: must be <= 4294967295 ",
        ),
    ],
)
def test_upper_bounds_fail_before_any_work(params, match):
    t = time.perf_counter()
    with pytest.raises(InvalidParameterError, match=match):
        small(**params).fit(iter_that_must_not_be_read())
    assert time.perf_counter() - t < 5


def iter_that_must_not_be_read():
    raise AssertionError("the corpus was read before the parameters were checked")
    yield  # pragma: no cover


def test_window_buffers_beyond_a_gib_are_refused_by_the_trainer():
    """window <= max_sentence_length, but 2 * window * vector_size floats per thread: the
    Rust check refuses it before allocating anything."""
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid parameter window: window=100000000, vector_size=16 and negative=5 need "
        r"[\d.]+ GiB of buffers per thread \(at most 1 GiB\)",
    ):
        small(window=10**8, max_sentence_length=10**8).fit([["a", "b", "a"]] * 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": 10**9, "max_sentence_length": 10**9}, "invalid parameter window"),
        ({"negative": 10**9}, "invalid parameter negative: must be <= 10000"),
        ({"n_jobs": 10**6}, "invalid parameter n_jobs: must be <= 1024 threads"),
        ({"alpha": 1e30}, r"invalid parameter alpha: must be <= 10.0, got 1e\+30"),
        ({"max_sentence_length": 2**40}, "invalid parameter max_sentence_length"),
        ({"vector_size": -3}, r"invalid parameter vector_size: must be an integer >= 1, got -3"),
    ],
)
def test_one_check_per_parameter_for_the_core_and_the_estimator(kwargs, match):
    """The core's configuration is the one check: the estimator reports exactly its error."""
    base = {"vector_size": 16, "window": 3, "min_count": 1, "epochs": 2, "n_jobs": 2}
    with pytest.raises(InvalidParameterError, match=match) as direct:
        _embedrs.TrainConfig(**{**base, **kwargs})
    with pytest.raises(InvalidParameterError) as via_estimator:
        small(**kwargs).fit(iter_that_must_not_be_read())
    assert str(via_estimator.value) == str(direct.value)


def test_a_thread_that_cannot_start_is_an_error_not_a_panic(tmp_path):
    """RLIMIT_NPROC lets the child start one more thread: the second worker fails to spawn."""
    out = run_unprivileged(
        """
        builder = _embedrs.CorpusBuilder()
        builder.add_batch([["a", "b", "c", "a"]] * 2000)
        config = _embedrs.TrainConfig(vector_size=8, n_jobs=4, epochs=1, min_count=1)
        n = len(os.listdir("/proc/self/task"))
        resource.setrlimit(resource.RLIMIT_NPROC, (n + 1, n + 1))
        try:
            _embedrs.fit(builder, config)
        except embedrs.InvalidParameterError as e:
            print("ERROR", e)
        else:
            print("TRAINED")
        """,
        tmp_path,
    )
    if out.startswith("TRAINED"):
        pytest.skip("RLIMIT_NPROC is not enforced in this environment")
    assert re.search(
        r"ERROR invalid parameter n_jobs: could not start training thread \d of 4 \(.*\); "
        "lower n_jobs",
        out,
    ), out


def test_helper_threads_that_cannot_start_fall_back_to_the_calling_thread(tmp_path):
    """Corpus and phrase counting, phrase scoring, and batched similarity search use threads
    only for speed: with no thread to spare they give the same results on the calling thread."""
    text = "\n".join(f"w{i % 7} w{i % 11} w{i % 13} new york" for i in range(20000))
    cwd = tmp_path / "shared"  # readable by the unprivileged child
    cwd.mkdir(mode=0o755)
    (cwd / "corpus.txt").write_text(text + "\n", encoding="utf-8")
    os.chmod(cwd, 0o755)
    os.chmod(cwd / "corpus.txt", 0o644)
    out = run_unprivileged(
        """
        rng = np.random.default_rng(0)
        words = [f"w{i}" for i in range(50)]
        sents = [[words[j] for j in rng.integers(0, 50, 30)] + ["new", "york"] for _ in range(3000)]
        kv = embedrs.KeyedVectors(words, rng.standard_normal((50, 8)).astype(np.float32))
        def work():
            ph = embedrs.Phrases(min_count=2, threshold=0.5, n_jobs=4).fit(sents)
            ids, sims = kv.most_similar_batch(words, topn=3)
            counts = _embedrs.FileCorpus(["corpus.txt"]).count(4)
            # from a file: a reader thread reads ahead, or this thread reads in turn
            ph_file = embedrs.Phrases(
                min_count=2, threshold=0.5, scoring="npmi", n_jobs=4
            ).fit("corpus.txt")
            return (
                sorted(ph.export_phrases().items()),
                (ids.tolist(), sims.tolist()),
                (counts.items(), counts.total_words, counts.sentences),
                sorted(ph_file.export_phrases().items()),
            )
        before = work()
        n = len(os.listdir("/proc/self/task"))
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
        try:
            threading.Thread(target=lambda: None).start()
        except RuntimeError:
            print("LIMITED")
        after = work()
        assert after[0] == before[0], "phrases differ"
        assert after[1] == before[1], "neighbours differ"
        assert after[2] == before[2], "corpus counts differ"
        assert after[3] == before[3] and before[3], "phrases from a file differ"
        assert before[2][1] == 100000, before[2][1]
        print("SAME", len(before[0]))
        """,
        cwd,
    )
    if not out.startswith("LIMITED"):
        pytest.skip("RLIMIT_NPROC is not enforced in this environment")
    assert "SAME" in out, out
    assert "SAME 0" not in out, out


# -- 2. permission denied, also when the tests run as root -----------------------------------


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


# -- 3. a corpus file that changes between counting and training, or between epochs ---------


class ChangeFileAt:
    def __init__(self, epoch, change):
        self.epoch = epoch
        self.change = change

    def on_epoch_begin(self, model, epoch):
        if epoch == self.epoch:
            self.change()


@pytest.mark.parametrize("epoch", [0, 1])
@pytest.mark.parametrize("how", ["truncate", "append"])
def test_corpus_file_changed_during_fit(tmp_path, epoch, how):
    p = write_corpus(tmp_path / "c.txt")
    size = p.stat().st_size
    fitted = small().fit(p)
    before = fitted.wv_.vectors.copy()

    def change():
        if how == "truncate":
            os.truncate(p, size // 3)
        else:
            with p.open("a") as f:
                f.write("brand new words\n")

    now = size // 3 if how == "truncate" else size + len("brand new words\n")
    with pytest.raises(
        EmbedrsIOError,
        match=rf"{re.escape(str(p))}: changed since it was counted \({size} bytes, now {now}\); "
        "the vocabulary and the learning-rate schedule come from the content that was counted",
    ):
        fitted.fit(p, callbacks=[ChangeFileAt(epoch, change)])
    np.testing.assert_array_equal(fitted.wv_.vectors, before)  # the old model is kept


def test_gzip_corpus_compared_by_compressed_size(tmp_path):
    p = tmp_path / "c.txt.gz"
    text = "\n".join(" ".join(s) for s in planted_corpus(n_sentences=2000)) + "\n"
    p.write_bytes(gzip.compress(text.encode()))
    size = p.stat().st_size

    def rewrite():
        p.write_bytes(gzip.compress((text + "more text\n").encode()))

    with pytest.raises(
        EmbedrsIOError,
        match=rf"c\.txt\.gz: changed since it was counted \({size} compressed bytes, now \d+\)",
    ):
        small(epochs=3).fit(p, callbacks=[ChangeFileAt(1, rewrite)])


def test_corpus_file_modified_in_place_is_detected(tmp_path):
    p = write_corpus(tmp_path / "c.txt", n_sentences=500)

    def touch():
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))

    with pytest.raises(EmbedrsIOError, match=r"c\.txt: changed since it was counted \(same size"):
        small(epochs=2).fit(p, callbacks=[ChangeFileAt(1, touch)])


def test_corpus_file_removed_before_an_epoch(tmp_path):
    p = write_corpus(tmp_path / "c.txt", n_sentences=500)
    with pytest.raises(EmbedrsFileNotFoundError, match=r"c\.txt"):
        small(epochs=2).fit(p, callbacks=[ChangeFileAt(1, p.unlink)])


# -- 4. topn is checked the same way everywhere -----------------------------------------------


@pytest.mark.parametrize("topn", [-1, 0, 2.5, True, None])
def test_bad_topn_is_the_same_error_everywhere(topn):
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    msg = re.escape(f"invalid parameter topn: must be an integer >= 1, got {topn!r}")
    calls = [
        lambda: kv.most_similar("a", topn=topn),
        lambda: kv.most_similar_cosmul("a", topn=topn),
        lambda: kv.most_similar_batch(["a"], topn=topn),
        lambda: kv.to_device("cpu").most_similar_batch(["a"], topn=topn),
    ]
    for call in calls:
        with pytest.raises(InvalidParameterError, match=msg):
            call()


def test_good_topn_still_works():
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert len(kv.most_similar_cosmul("a", topn=1)) == 1
    assert len(kv.most_similar_cosmul("a", topn=np.int64(5))) == 2


# -- 5. random_state ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed", [-1, 2**32, 2**64, float("nan"), 1.5, "7", True, np.random.default_rng(0)]
)
def test_bad_random_state_is_named(seed):
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid parameter random_state: must be None, a numpy RandomState or an "
        r"integer in \[0, 2\*\*32 - 1\], got ",
    ):
        small(random_state=seed).fit(iter_that_must_not_be_read())


@pytest.mark.parametrize("seed", [0, 2**32 - 1, np.int64(5), np.random.RandomState(3), None])
def test_good_random_state_is_accepted(seed):
    assert small(random_state=seed, epochs=1).fit([["a", "b"]] * 5).wv_.vector_size == 16


# -- 6. ns_exponent and alpha that overflow -------------------------------------------------


@pytest.mark.parametrize(
    ("exponent", "why"),
    [
        (1e6, r"the word count \d+ gets the weight \d+\^1000000 = inf"),
        (-1e6, r"the weights count\^-1000000 sum to 0"),
    ],
)
def test_ns_exponent_that_overflows_is_named(exponent, why):
    with pytest.raises(
        InvalidParameterError,
        match=rf"invalid parameter ns_exponent: -?1000000 cannot weight the negative samples: "
        rf"{why}, which is not a finite positive number",
    ):
        small(ns_exponent=exponent).fit([["a", "b", "a", "b", "c", "c"]] * 3)


def test_huge_alpha_is_refused():
    with pytest.raises(
        InvalidParameterError, match=r"invalid parameter alpha: must be <= 10.0, got 1e\+30"
    ):
        small(alpha=1e30).fit(iter_that_must_not_be_read())


@pytest.mark.parametrize("sg", [0, 1])
def test_a_learning_rate_that_diverges_is_named(sg):
    """alpha=10 is allowed, but blows the vectors up to NaN in the first epoch."""
    model = small(n_jobs=1, sg=sg).fit(planted_corpus(n_sentences=300))
    before = model.wv_.vectors.copy()
    with pytest.raises(
        InvalidParameterError,
        match=r"^invalid parameter alpha: training diverged in epoch 0: \d+ of the 1536 weights "
        r"are NaN or infinite \(alpha=10.0\); lower alpha$",
    ):
        model.set_params(alpha=10.0, min_alpha=10.0).fit(planted_corpus(n_sentences=2000))
    np.testing.assert_array_equal(model.wv_.vectors, before)


def test_diverged_training_is_an_error_not_nan_vectors():
    builder = _embedrs.CorpusBuilder(track_sentences=True)
    builder.add_batch(planted_corpus(n_sentences=200))
    vocab = builder.word_counts().build_vocab(1)
    syn0, syn1 = _embedrs.init_weights(vocab, 8, 1)
    syn0[2, 3] = np.nan  # what a learning rate that blows up leaves behind
    replica = _embedrs.Replica(vocab, builder, 1, syn0, syn1)
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid parameter alpha: training diverged in epoch 0: \d+ of the \d+ weights "
        r"are NaN or infinite \(alpha=0.025\); lower alpha",
    ):
        replica.train_round(0, _embedrs.TrainConfig(vector_size=8))


# -- 7. an empty corpus file is named --------------------------------------------------------


def test_empty_files_are_named(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("")
    b.write_text("  \n")
    with pytest.raises(
        EmptyVocabularyError,
        match=rf"\(0 distinct words in 0 tokens\).*\(corpus files: {re.escape(repr(str(a)))}, "
        rf"{re.escape(repr(str(b)))}\)",
    ):
        small().fit([a, b])


# -- 8. property tests -----------------------------------------------------------------------

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


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


tokens = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=3)


@PROPERTY
@given(
    sentences=st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "dd", "é", "a b", "Z", "", "\x00"]), max_size=8)
        | st.lists(tokens, max_size=4),
        max_size=25,
    ),
    min_count=st.integers(1, 4),
)
def test_vocabulary_matches_a_counter(sentences, min_count):
    counts = Counter(t for s in sentences for t in s if t)
    expected = sorted(
        ((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0])
    )
    model = Word2Vec(
        vector_size=2, min_count=min_count, epochs=1, sample=0, n_jobs=1, random_state=0
    )
    if not expected:
        with pytest.raises(EmptyVocabularyError, match=f"min_count={min_count}"):
            model.fit(sentences)
        return
    model.fit(sentences)
    assert model.wv_.index_to_key == [w for w, _ in expected]
    assert model.wv_.counts.tolist() == [c for _, c in expected]
    assert model.corpus_total_words_ == sum(counts.values())


# -- 9. damaged native files -----------------------------------------------------------------

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
        (lambda d: struct.pack_into("<I", d, 12, 0x4), r"unknown flags 0x4 \(written by a newer"),
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


# -- 10. word2vec edge cases and byte order ---------------------------------------------------


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


# -- 11. faults in callbacks -----------------------------------------------------------------


def test_exception_in_on_progress_mid_epoch():
    corpus = planted_corpus(n_sentences=40000, seed=5)
    model = small(epochs=3).fit(corpus[:500])
    before = model.wv_.vectors.copy()
    words, losses = list(model.wv_.index_to_key), list(model.training_loss_)
    seen = []

    class Boom:
        def on_progress(self, model, progress):
            seen.append(progress)
            raise RuntimeError("boom in on_progress")

    t = time.perf_counter()
    with pytest.raises(RuntimeError, match="boom in on_progress"):
        model.set_params(epochs=200).fit(corpus, callbacks=[Boom()])
    assert time.perf_counter() - t < 30
    assert len(seen) == 1
    p = seen[0]
    assert 0 < p.words_done < p.words_total  # raised mid-run
    # The failed fit changed nothing: the previous model is intact ...
    np.testing.assert_array_equal(model.wv_.vectors, before)
    assert model.wv_.index_to_key == words
    assert model.training_loss_ == losses
    # ... and the estimator still trains.
    assert model.set_params(epochs=1).fit(corpus[:300]) is model
    assert len(model.training_loss_) == 1


# -- 12. corpus types that are not accepted --------------------------------------------------


@pytest.mark.parametrize(
    ("corpus", "match"),
    [
        ([b"a b"], r"^sentence 0 is bytes; decode it to str \(or pass token lists\)$"),
        ([["a"], 3], r"^sentence 1 is a int, expected a str or a list of str$"),
        (b"x", r"^corpus is bytes; pass a path, or sentences as str or token lists$"),
        (bytearray(b"x"), r"^corpus is bytes; pass a path"),
        (3, r"^corpus must be a path or an iterable of sentences, got int$"),
        ([["a", None]], r"^sentence 0, token 1: expected str, got NoneType None$"),
    ],
)
def test_corpus_of_the_wrong_type_is_a_type_error(corpus, match):
    with pytest.raises(TypeError, match=match):
        small().fit(corpus)


# -- 13. queries with nothing to query ------------------------------------------------------


def test_empty_queries_are_value_errors():
    kv = KeyedVectors(["w1", "w2"], np.eye(2, dtype=np.float32))
    cases = [
        (lambda: kv.n_similarity([], ["w1"]), "at least one of the word lists is empty"),
        (lambda: kv.n_similarity(["w1"], []), "at least one of the word lists is empty"),
        (lambda: kv.doesnt_match([]), "cannot select a word from an empty list"),
        (lambda: kv.doesnt_match(["unknown"]), "cannot select a word from an empty list"),
        (lambda: kv.get_mean_vector([]), "cannot compute the mean of no keys"),
        (lambda: kv.get_mean_vector(["unknown"]), "none of the keys is in the vocabulary"),
        (
            lambda: kv.most_similar_cosmul(),
            "cannot compute similarity with no input: give positive or negative",
        ),
        (
            lambda: kv.most_similar(positive=[], negative=[]),
            "cannot compute similarity with no input",
        ),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()


# -- 14. lists of paths with a missing file ---------------------------------------------------


def test_a_list_with_an_existing_and_a_missing_file(tmp_path):
    good = write_corpus(tmp_path / "good.txt", n_sentences=100)
    missing = tmp_path / "missing.txt"
    for corpus in ([str(good), str(missing)], [good, str(missing)], (str(missing), good)):
        with pytest.raises(EmbedrsFileNotFoundError) as info:
            small().fit(corpus)
        e = info.value
        assert isinstance(e, FileNotFoundError)
        assert e.errno == errno.ENOENT
        assert e.filename == str(missing)
        assert re.search(
            rf"corpus file not found: {re.escape(repr(str(missing)))} \(1 of the 2 items of the "
            r"list are existing files, so the list is read as file paths",
            str(e),
        ), str(e)


def test_missing_path_objects_and_strings_raise_the_same_class(tmp_path):
    missing = tmp_path / "nope.txt"
    errors = []
    for corpus in (missing, str(missing), [missing]):
        with pytest.raises(EmbedrsFileNotFoundError, match=r"nope\.txt") as info:
            small().fit(corpus)
        errors.append(info.value)
    assert {type(e) for e in errors} == {EmbedrsFileNotFoundError}
    assert all(isinstance(e, (FileNotFoundError, EmbedrsIOError)) for e in errors)
    with pytest.raises(EmbedrsFileNotFoundError, match=r"nope\.txt"):
        KeyedVectors.load(missing)


def test_a_list_of_sentences_as_str_is_still_sentences(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    m = small(epochs=1).fit(["the cat sat", "missing.txt the dog", "the cat ran"] * 3)
    assert "cat" in m.wv_
    assert m.corpus_total_words_ == 27
