"""The core's one file reader (``rust/reader.rs``): what a file holds (plain, gzip, bzip2,
xz, or not text), bounded memory whatever the line or token length, and sources that are not
regular files (pipes, devices, /proc) read once as streams.

Memory tests run in a child process under ``RLIMIT_AS``; a reader that held a whole line
would need more than the limit and abort (SIGABRT) or raise, the bounded one finishes."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import embedrs
from embedrs import EmbedrsError, FormatError, Phrases, Word2Vec, _embedrs

PARAMS = dict(vector_size=8, min_count=1, epochs=1, n_jobs=1, random_state=3, sample=0)
TEXT = "\n".join(f"the cat sat on mat {i % 7}" for i in range(300)) + "\n"

unix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")


def run_limited(
    script: str, extra_mb: int, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Runs `script` in a child whose address space is its size at start plus `extra_mb`."""
    prologue = textwrap.dedent(
        f"""
        import re, resource, sys
        import numpy as np
        import embedrs
        from embedrs import _embedrs
        vm = int(re.search(r"VmSize:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
        limit = vm * 1024 + {extra_mb} * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        """
    )
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


linux_only = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads VmSize from /proc"
)


# -- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress), (".txt", None)],
)
def test_compressed_corpora_train_as_the_plain_text(tmp_path, suffix, compress):
    plain = tmp_path / "c.txt"
    plain.write_text(TEXT)
    packed = tmp_path / ("c.bin" if compress else "c2.txt")  # recognised by content, not name
    packed.write_bytes(compress(TEXT.encode()) if compress else TEXT.encode())
    a = Word2Vec(**PARAMS).fit(plain)
    b = Word2Vec(**PARAMS).fit(packed)
    assert a.wv_.index_to_key == b.wv_.index_to_key
    np.testing.assert_array_equal(a.wv_.vectors, b.wv_.vectors)


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x28\xb5\x2f\xfd" + b"\x00" * 20, "zstd-compressed"),
        (b"PK\x03\x04" + b"x" * 20, "a zip archive"),
        (b"\xff\xfeh\x00e\x00l\x00l\x00o\x00", "UTF-16 text"),
        (b"\x7fELF" + b"\x00" * 60, "binary data"),
    ],
)
def test_content_that_is_not_text_is_never_training_data(tmp_path, head, what):
    p = tmp_path / "corpus.txt"
    p.write_bytes(head)
    for call in (
        lambda: Word2Vec(**PARAMS).fit(p),
        lambda: Phrases(min_count=1).fit(p),
        lambda: list(_embedrs.LineReader([str(p)])),
    ):
        with pytest.raises(FormatError, match=what) as e:
            call()
        assert str(p) in str(e.value)


# -- bounded memory ------------------------------------------------------------------------


@linux_only
def test_a_gzip_line_larger_than_memory_is_counted_in_bounded_memory(tmp_path):
    p = tmp_path / "long.txt.gz"
    with gzip.open(p, "wb", compresslevel=1) as f:
        chunk = b"abcdefgh " * 100_000  # 900 kB
        for _ in range(300):  # one 270 MB line, under 1 MB compressed
            f.write(chunk)
        f.write(b"\nend of it\n")
    out = run_limited(
        f"""
        counts = _embedrs.FileCorpus([{str(p)!r}]).count(1)
        ph = embedrs.Phrases(min_count=1, n_jobs=1).fit({str(p)!r})
        print("OK", counts.total_words, counts.long_sentences, ph.corpus_word_count_)
        """,
        extra_mb=150,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    words = 30_000_000 + 3
    assert out.stdout.split() == ["OK", str(words), "1", str(words)]


@linux_only
def test_one_huge_token_is_cut_to_the_cap(tmp_path):
    p = tmp_path / "token.txt.gz"
    with gzip.open(p, "wb", compresslevel=1) as f:
        f.write(b"start ")
        for _ in range(200):
            f.write(b"x" * 1_000_000)  # one 200 MB token
        f.write(b" end\n")
    out = run_limited(
        f"""
        m = embedrs.Word2Vec(vector_size=4, min_count=1, epochs=1, n_jobs=1).fit({str(p)!r})
        print("OK", sorted(len(w) for w in m.wv_.index_to_key))
        """,
        extra_mb=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "OK [3, 5, 1000]"


@linux_only
@unix_only
def test_an_endless_stream_is_a_memory_error_naming_the_size(tmp_path):
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            f"f = open({str(fifo)!r}, 'wb')\n"
            "chunk = b'ab ' * 100000\n"
            "try:\n"
            "    while True: f.write(chunk)\n"
            "except (BrokenPipeError, OSError): pass\n",
        ]
    )
    try:
        out = run_limited(
            f"""
            try:
                embedrs.Word2Vec(min_count=1, epochs=1, n_jobs=1).fit({str(fifo)!r})
            except MemoryError as e:
                print("MemoryError", e)
            """,
            extra_mb=200,
        )
    finally:
        writer.kill()
        writer.wait()
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("MemoryError cannot allocate "), out.stdout
    assert "bytes for the corpus held in memory" in out.stdout


@linux_only
def test_top_k_near_the_vocabulary_size_is_a_memory_error_not_an_abort():
    out = run_limited(
        """
        rng = np.random.default_rng(0)
        kv = embedrs.KeyedVectors([f"w{i}" for i in range(100_000)],
                                  rng.standard_normal((100_000, 16), np.float32))
        try:
            kv.most_similar_batch(kv.vectors[:5000], topn=99_000)
        except MemoryError as e:
            print("MemoryError", e)
        """,
        extra_mb=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith(
        "MemoryError cannot allocate 1980000000 bytes for the ids of 5000 queries x 99000 "
        "neighbours"
    ), out.stdout


@linux_only
def test_keyed_vectors_from_an_array_too_large_to_copy_is_a_memory_error():
    out = run_limited(
        """
        big = np.ones((150_000, 1000), np.float32)  # 600 MB
        try:
            embedrs.KeyedVectors([f"w{i}" for i in range(150_000)], big)
        except MemoryError as e:
            print("MemoryError", e)
        """,
        extra_mb=900,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith(
        "MemoryError cannot allocate 600000000 bytes for a copy of the vectors "
        "(150000 x 1000 float32)"
    ), out.stdout


# -- streams: pipes, devices, /proc ----------------------------------------------------------


@unix_only
def test_a_pipe_is_read_once_and_trains_as_the_file_would(tmp_path):
    plain = tmp_path / "c.txt"
    plain.write_text(TEXT)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        time.sleep(0.2)
        with open(fifo, "wb") as f:
            f.write(gzip.compress(TEXT.encode()))

    writer = threading.Thread(target=feed)
    writer.start()
    from_pipe = Word2Vec(**PARAMS).fit(fifo)
    writer.join()
    from_file = Word2Vec(**PARAMS).fit(plain)
    assert from_pipe.wv_.index_to_key == from_file.wv_.index_to_key
    assert from_pipe.corpus_total_words_ == from_file.corpus_total_words_ == 1800
    assert from_pipe.epoch_stats_[0].raw_words == 1800


@unix_only
def test_phrases_keep_the_bytes_they_sniff_from_a_pipe(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    text = "".join(f"i love new york w{i}\n" for i in range(50))

    def feed() -> None:
        with open(fifo, "w") as f:
            f.write(text)

    writer = threading.Thread(target=feed)
    writer.start()
    ph = Phrases(min_count=5, threshold=1.0).fit(fifo)
    writer.join()
    assert ph.corpus_word_count_ == 250
    assert "new_york" in ph.export_phrases()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_file_that_reports_size_zero_is_read_as_a_stream():
    assert os.stat("/proc/self/status").st_size == 0
    m = Word2Vec(vector_size=4, min_count=1, epochs=1, n_jobs=1).fit("/proc/self/status")
    assert m.corpus_total_words_ > 0
    assert "VmSize:" in m.wv_


def test_an_empty_file_is_an_error_naming_it(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(EmbedrsError, match=r"empty\.txt"):
        Word2Vec(**PARAMS).fit(p)


def test_documents_are_read_by_one_rule_on_every_path():
    """numpy arrays, sets, tuples and missing values are documents everywhere."""
    from embedrs.distributed import transform_partition

    m = Word2Vec(**PARAMS).fit([TEXT.splitlines()[i].split() for i in range(300)])
    docs = [np.array(["the", "cat"]), {"cat"}, ("sat", "mat"), None, float("nan"), "the cat"]
    with pytest.warns(embedrs.EmbedrsWarning):
        cpu = m.transform(docs)
    np.testing.assert_array_equal(transform_partition(m.wv_, docs), cpu)
    np.testing.assert_allclose(m.wv_.to_device("cpu").transform(docs), cpu, rtol=1e-6)
    np.testing.assert_array_equal(cpu[0], cpu[5])
    assert not cpu[3].any()
    assert not cpu[4].any()
