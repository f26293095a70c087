"""Ctrl-C during long native operations (``rust/cancel.rs``): counting and reading files,
waiting for a pipe, phrase counting, batched similarity search. Each runs in a child
process that is sent SIGINT once it is busy; it must stop with KeyboardInterrupt within 2
seconds (training's own polling is tested in test_estimator)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a child")

BUSY = "BUSY\n"


def interrupted_within(script: str, settle: float = 1.0, limit: float = 2.0) -> float:
    """Runs `script` (which prints BUSY right before the long call), sends SIGINT `settle`
    seconds after BUSY, and returns how long the child took to exit after it; asserts that
    it ended with a KeyboardInterrupt."""
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stderr is not None
            line = child.stdout.readline()
            assert line == BUSY, line + child.stderr.read()
            time.sleep(settle)
            assert child.poll() is None, "the operation ended before it could be interrupted"
            sent = time.perf_counter()
            child.send_signal(signal.SIGINT)
            child.wait(timeout=30)
            took = time.perf_counter() - sent
            err = child.stderr.read()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert "KeyboardInterrupt" in err, err[-2000:]
    assert took < limit, f"took {took:.2f}s after SIGINT"
    return took


@pytest.fixture(scope="module")
def big_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 400 MB of varied text: counting or phrase-counting it takes many seconds."""
    p = tmp_path_factory.mktemp("cancel") / "big.txt"
    line = " ".join(f"w{i}" for i in range(200)) + "\n"
    block = line * 2000  # 2 MB
    with p.open("w") as f:
        for _ in range(200):
            f.write(block)
    return p


def test_counting_a_large_file(big_text: Path) -> None:
    interrupted_within(
        f"""
        from embedrs import _embedrs
        files = _embedrs.FileCorpus([{str(big_text)!r}])
        print("BUSY", flush=True)
        files.count(1)
        print("finished")
        """
    )


def test_phrases_fit_on_a_file(big_text: Path) -> None:
    interrupted_within(
        f"""
        import embedrs
        print("BUSY", flush=True)
        embedrs.Phrases(min_count=5, n_jobs=2).fit({str(big_text)!r})
        print("finished")
        """
    )


def test_fit_while_it_counts_a_file(big_text: Path) -> None:
    interrupted_within(
        f"""
        import embedrs
        print("BUSY", flush=True)
        embedrs.Word2Vec(n_jobs=2).fit({str(big_text)!r})
        print("finished")
        """,
        settle=0.5,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_waiting_for_a_pipe_without_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    interrupted_within(
        f"""
        import embedrs
        print("BUSY", flush=True)
        embedrs.Word2Vec().fit({str(fifo)!r})
        print("finished")
        """
    )


def test_most_similar_batch_on_a_large_table() -> None:
    interrupted_within(
        """
        import numpy as np
        import embedrs
        rng = np.random.default_rng(0)
        n = 300_000
        kv = embedrs.KeyedVectors([f"w{i}" for i in range(n)],
                                  rng.standard_normal((n, 100), np.float32))
        queries = rng.standard_normal((60_000, 100), np.float32)
        kv.most_similar_batch(queries[:10], topn=5)  # builds the unit table
        print("BUSY", flush=True)
        kv.most_similar_batch(queries, topn=10)
        print("finished")
        """
    )
