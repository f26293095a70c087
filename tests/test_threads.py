"""Threads: a training thread that cannot start is an error, helper threads that cannot
start fall back to the calling thread (RLIMIT_NPROC), and Python threads query a model while
others train."""

from __future__ import annotations

import os
import re
import sys
import threading

import pytest

from conftest import planted_corpus, run_unprivileged, small, topic_purity


@pytest.mark.skipif(sys.platform != "linux", reason="counts threads in /proc/self/task")
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


@pytest.mark.skipif(sys.platform != "linux", reason="counts threads in /proc/self/task")
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
