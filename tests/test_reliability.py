"""Bad input and faults: a clear exception naming the problem, never a crash or a hang."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import embedrs
from embedrs import EmbedrsIOError, EmptyVocabularyError, Word2Vec

from conftest import planted_corpus, topic_purity


def small(**kw):
    params = dict(
        vector_size=16, window=3, min_count=1, epochs=2, sample=0, n_jobs=2, random_state=1
    )
    params.update(kw)
    return Word2Vec(**params)


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  \n"])
def test_empty_or_blank_file(tmp_path, content):
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    with pytest.raises(EmptyVocabularyError, match=r"0 tokens.*\(corpus file: '.*empty\.txt'\)"):
        small().fit(p)


def test_nul_bytes_and_mixed_line_endings(tmp_path):
    p = tmp_path / "odd.txt"
    p.write_bytes(b"a\x00b c\r\nd e\rf g\n" * 30 + b"no newline at the end")
    m = small().fit(p)
    assert "a\x00b" in m.wv_
    assert "f" in m.wv_  # \r separates tokens (ASCII whitespace), \n separates lines
    assert m.corpus_total_words_ == 30 * 6 + 5


def test_a_single_100mb_line_is_split_not_buffered_per_range(tmp_path, caplog):
    p = tmp_path / "one-line.txt"
    words = " ".join(f"w{i % 50}" for i in range(1000)) + " "
    with p.open("w") as f:
        for _ in range(100 * 1024 * 1024 // len(words)):
            f.write(words)
    t = time.perf_counter()
    m = Word2Vec(vector_size=8, min_count=1, epochs=1, sample=1e-5, n_jobs=2, random_state=0).fit(p)
    assert time.perf_counter() - t < 60
    assert len(m.wv_) == 50
    assert any("longer than max_sentence_length" in r.getMessage() for r in caplog.records)


def test_truncated_gzip_names_the_file(tmp_path):
    data = gzip.compress(("the cat sat on the mat\n" * 20000).encode())
    p = tmp_path / "cut.txt.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(EmbedrsIOError, match=r"cut\.txt\.gz"):
        small().fit(p)


def test_directory_and_missing_file(tmp_path):
    with pytest.raises(EmbedrsIOError, match="directory"):
        small().fit(tmp_path)
    with pytest.raises(FileNotFoundError):
        small().fit(str(tmp_path / "missing.txt"))


def test_file_that_shrinks_after_counting(tmp_path):
    """A corpus truncated between the counting pass and training: an error naming the file and
    both sizes, not a silently shorter epoch (tests/test_reliability_more.py: via fit)."""
    from embedrs import _embedrs

    p = tmp_path / "c.txt"
    p.write_text("\n".join(" ".join(s) for s in planted_corpus(n_sentences=20000)) + "\n")
    size = p.stat().st_size

    class ShrinkBeforeTraining:
        """Truncates the corpus once it has been counted, before the first epoch."""

        def on_train_begin(self, words_total):
            with p.open("r+b") as f:
                f.truncate(size // 3)
            return True

        def __getattr__(self, name):  # every other event: go on
            return lambda *args: True

    config = _embedrs.TrainConfig(vector_size=8, epochs=1, n_jobs=2, min_count=1)
    with pytest.raises(
        EmbedrsIOError,
        match=rf"c\.txt: changed since it was counted \({size} bytes, now {size // 3}\)",
    ):
        _embedrs.fit([str(p)], config, callback=ShrinkBeforeTraining())


def test_many_threads_query_while_models_train():
    """8 Python threads query a fitted model while 2 other models train: results stay right."""
    base = small(epochs=5, n_jobs=1).fit(planted_corpus(n_sentences=2000, seed=1))
    expected = {w: base.wv_.most_similar(w, topn=5) for w in base.wv_.index_to_key[:20]}
    errors: list[str] = []
    stop = threading.Event()

    def query():
        while not stop.is_set():
            for w, want in expected.items():
                got = base.wv_.most_similar(w, topn=5)
                if [x for x, _ in got] != [x for x, _ in want]:
                    errors.append(w)

    def train(seed):
        m = small(epochs=20, n_jobs=2).fit(planted_corpus(n_sentences=6000, seed=seed))
        if topic_purity(m.wv_) < 0.9:
            errors.append(f"model {seed} trained badly")

    readers = [threading.Thread(target=query) for _ in range(8)]
    trainers = [threading.Thread(target=train, args=(s,)) for s in (2, 3)]
    for t in readers + trainers:
        t.start()
    for t in trainers:
        t.join(timeout=120)
    stop.set()
    for t in readers:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in readers + trainers)
    assert errors == []


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
    proc.send_signal(signal.SIGKILL)
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


def test_queries_reject_bad_input():
    kv = embedrs.KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="no input"):
        kv.most_similar([])
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar("a", topn=0)
    assert len(kv.most_similar("a", topn=100)) == 1
    with pytest.raises(TypeError, match="integers"):
        kv.lookup(np.array([0.0, 1.0]))
