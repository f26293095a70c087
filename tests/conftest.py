"""Shared fixtures and helpers: small synthetic corpora with a known structure, a quick model,
the same vectors in embedrs and gensim, a child process without privileges, and the leak
check."""

from __future__ import annotations

import contextlib
import io
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from embedrs import KeyedVectors, Word2Vec

pytest_plugins = ["pytester"]  # tests/test_conftest.py runs the leak check on sample tests

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def planted_corpus(
    n_topics: int = 4, words_per_topic: int = 12, n_sentences: int = 3000, seed: int = 0
) -> list[list[str]]:
    """Sentences whose words all come from one topic: topic-mates should be neighbours."""
    rng = random.Random(seed)
    out = []
    for s in range(n_sentences):
        t = s % n_topics
        out.append([f"t{t}w{rng.randrange(words_per_topic)}" for _ in range(rng.randint(6, 14))])
    return out


def topic_purity(kv, topn: int = 5) -> float:
    good = total = 0
    for w in kv.index_to_key:
        for other, _ in kv.most_similar(w, topn=topn):
            total += 1
            good += other.split("w")[0] == w.split("w")[0]
    return good / total


@pytest.fixture(scope="session")
def planted() -> list[list[str]]:
    return planted_corpus()


@pytest.fixture
def planted_file(tmp_path: Path, planted: list[list[str]]) -> Path:
    p = tmp_path / "planted.txt"
    p.write_text("\n".join(" ".join(s) for s in planted) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpora" / "embedrs-corpus-small.txt").exists():
        pytest.skip("../shared corpora not available")
    return SHARED


def small(**kw):
    """A quick Word2Vec (16 dimensions, 2 epochs, 2 threads) for tests of inputs, parameters and
    faults; test_estimator.py has its own, larger one."""
    params = dict(
        vector_size=16, window=3, min_count=1, epochs=2, sample=0, n_jobs=2, random_state=1
    )
    params.update(kw)
    return Word2Vec(**params)


#: Hypothesis settings of the property tests: many examples, no deadline, no database.
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


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
        import embedrs.cli  # imported before the switch: user 65534 may not read the install
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


@pytest.fixture(scope="module")
def pair():
    """The same random vectors as an embedrs and a gensim KeyedVectors."""
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(400)]
    vecs = rng.standard_normal((400, 20)).astype(np.float32)
    g = pytest.importorskip("gensim.models").KeyedVectors(20)
    g.add_vectors(words, vecs)
    return KeyedVectors(words, vecs), g


# -- leak check: no test leaves threads or temporary files behind (issue 6) -------------------
#
# `no_leaks` (autouse) records before each test, and compares after it:
#   * the live Python threads (threading.enumerate());
#   * the process's OS threads (/proc/self/task, Linux only): the Rust threads (the
#     std::thread::scope workers, the phrase counter "embedrs-phrases") are invisible to
#     `threading`; those of Python threads are reported once, as Python threads;
#   * every entry of the temporary directory. The session runs with a private one
#     (tempfile.tempdir and $TMPDIR point to <pytest basetemp>/tempdir), so that every entry
#     there comes from the tests (no name patterns, no noise from other processes);
#   * if the test uses tmp_path: hidden or *.tmp* files anywhere in it. Every embedrs writer
#     goes through a hidden temporary sibling (".NAME.tmp-PID-ThreadId(N)", the Rust
#     atomic_write's) that must be renamed or removed.
# The snapshot is taken after the higher-scoped fixtures are set up (a module's Dask cluster, its
# threads included, is part of the baseline) and after the libraries' process-wide threads are
# started (numpy's OpenBLAS and those of `import embedrs` at import, so before any test; tqdm's
# monitor by `library_threads`), and checked after the test's function-scoped fixtures are
# torn down.
# Threads and Rust scoped threads take a moment to exit after being joined or dropped, so the
# check polls for up to LEAK_WAIT seconds before it fails the test (an error at teardown)
# with one line per leaked thread or file.
#
# A test that cannot avoid a leak is marked @pytest.mark.allow_leaks("why"); none is today.

LEAK_WAIT = 2.0
_TASKS = Path("/proc/self/task")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_leaks(reason): skip the leak check of tests/conftest.py for this test "
        "(threads or temporary files it cannot avoid leaving behind; say why)",
    )


def os_threads() -> dict[int, str] | None:
    """{thread id: name} of this process's OS threads; None without /proc."""
    if not _TASKS.is_dir():
        return None
    out = {}
    for tid in os.listdir(_TASKS):
        with contextlib.suppress(OSError):  # exited meanwhile
            out[int(tid)] = (_TASKS / tid / "comm").read_text().strip()
    return out


def _os_thread_detail(tid: int) -> str:
    """The kernel's view of OS thread ``tid`` for a leak report: its state and where it
    waits (``wchan``), which tell a thread stuck in a wait from one that is still working."""
    task = _TASKS / str(tid)
    with contextlib.suppress(OSError, ValueError, IndexError):  # exited meanwhile
        stat = (task / "stat").read_text()
        state = stat[stat.rindex(")") + 2 :].split()[0]
        wchan = (task / "wchan").read_text().strip() or "-"
        return f", state {state}, waiting in {wchan}"
    return ""


def _temp_files(tmp_path: Path | None) -> frozenset[Path]:
    files = set(Path(tempfile.gettempdir()).iterdir())
    if tmp_path is not None and tmp_path.is_dir():
        files.update(p for p in tmp_path.rglob("*") if p.name.startswith(".") or ".tmp" in p.name)
    return frozenset(files)


@dataclass(frozen=True)
class Snapshot:
    threads: frozenset[threading.Thread]
    os_threads: frozenset[int] | None
    files: frozenset[Path]
    tmp_path: Path | None

    @classmethod
    def take(cls, tmp_path: Path | None = None) -> Snapshot:
        tasks = os_threads()
        return cls(
            frozenset(threading.enumerate()),
            None if tasks is None else frozenset(tasks),
            _temp_files(tmp_path),
            tmp_path,
        )

    def leaks(self) -> list[str]:
        """One line per thread or file that exists now and did not at the snapshot."""
        tasks = os_threads()
        found = []
        python_tids = set()
        for t in threading.enumerate():
            if t in self.threads:
                continue
            if isinstance(t, threading._DummyThread):  # a foreign thread that called Python
                if tasks is None or t.native_id not in tasks:
                    continue  # gone; 3.11 never removes these entries
            elif not t.is_alive():
                continue
            python_tids.add(t.native_id)
            found.append(f"Python thread {t!r} ({'daemon' if t.daemon else 'non-daemon'})")
        if tasks is not None and self.os_threads is not None:
            for tid in sorted(set(tasks) - self.os_threads - python_tids):
                found.append(
                    f"OS thread {tid} {tasks[tid]!r} (not a Python thread: Rust or C)"
                    + _os_thread_detail(tid)
                )
        for p in sorted(_temp_files(self.tmp_path) - self.files):
            found.append(f"temporary file {p}")
        return found

    def wait_for_leaks(self, timeout: float = LEAK_WAIT) -> list[str]:
        """`leaks()`, after waiting up to `timeout` seconds for them to go away."""
        deadline = time.monotonic() + timeout
        while (found := self.leaks()) and time.monotonic() < deadline:
            time.sleep(0.02)
        return found


@pytest.fixture(scope="session", autouse=True)
def private_tempdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary directory for this session only (kept with pytest's basetemp)."""
    d = tmp_path_factory.mktemp("tempdir", numbered=False)
    old, old_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = os.environ["TMPDIR"] = str(d)
    yield d
    tempfile.tempdir = old
    if old_env is None:
        del os.environ["TMPDIR"]
    else:
        os.environ["TMPDIR"] = old_env


@pytest.fixture(scope="session", autouse=True)
def library_threads() -> None:
    """Starts the process-wide threads that libraries start on first use and keep for the life
    of the process, so that they are in every test's baseline rather than leaks of the first
    test that uses them. (The Dask-Offload thread is started by tests/test_distributed.py.)"""
    with contextlib.suppress(ImportError):
        from tqdm.auto import tqdm

        # The "tqdm_monitor" thread of the first bar; tqdm 4.70 no longer stops it.
        tqdm(total=1, file=io.StringIO()).close()


@pytest.fixture(autouse=True)
def no_leaks(
    request: pytest.FixtureRequest, private_tempdir: Path, library_threads: None
) -> Iterator[None]:
    marker = request.node.get_closest_marker("allow_leaks")
    if marker is not None:
        if not (marker.args or marker.kwargs.get("reason")):
            raise pytest.UsageError(f"{request.node.nodeid}: allow_leaks needs a reason")
        yield
        return
    tmp = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    before = Snapshot.take(tmp)
    yield
    found = before.wait_for_leaks()
    if found:
        pytest.fail(
            f"the test left behind (still there {LEAK_WAIT:g} s after it ended; see the leak "
            "check in tests/conftest.py):\n  " + "\n  ".join(found),
            pytrace=False,
        )


def train_args(corpus, out, *extra):
    """``embedrs train`` arguments for a small, quick, quiet one-thread run (plus ``extra``)."""
    return [
        "train",
        str(corpus),
        "-o",
        str(out),
        "--dim",
        "16",
        "--min-count",
        "1",
        "--epochs",
        "2",
        "--threads",
        "1",
        "--quiet",
        *extra,
    ]
