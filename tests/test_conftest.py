"""The leak check of tests/conftest.py catches what it should (issue 6 acceptance 3)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")

SAMPLE = """
import _thread, os, tempfile, threading, time
import pytest

from conftest import LEAK_WAIT

OUTLIVE = LEAK_WAIT + 1.5  # seconds: still running when the check gives up

def test_joined_or_quick_threads_and_kept_files_pass(tmp_path):
    threading.Thread(target=time.sleep, args=(0.3,)).start()  # ends within the wait
    t = threading.Thread(target=time.sleep, args=(0.01,))
    t.start()
    t.join()
    (tmp_path / "model.embedrs").write_bytes(b"a file the test asked for")
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"removed in time")

def test_python_thread():
    threading.Thread(target=time.sleep, args=(OUTLIVE,), name="straggler").start()

def test_os_thread():
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("no /proc")
    _thread.start_new_thread(time.sleep, (OUTLIVE,))  # invisible to threading.enumerate()

def test_temp_file():
    fd, _ = tempfile.mkstemp(prefix="forgotten-")
    os.close(fd)

def test_temporary_sibling(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".model.embedrs.tmp-1-ThreadId(2)").write_bytes(b"")

@pytest.mark.allow_leaks("tests the marker")
def test_allowed(tmp_path):
    threading.Thread(target=time.sleep, args=(OUTLIVE,)).start()
    (tmp_path / ".x.tmp").write_bytes(b"")
"""


def test_leaked_threads_and_temporary_files_fail_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_sample=SAMPLE)
    # A subprocess: the leaked threads die with it, not in this process.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rE", "-o", "pythonpath=.")
    result.assert_outcomes(passed=6, errors=4)
    result.stdout.fnmatch_lines_random(
        [
            "*ERROR at teardown of test_python_thread*",
            "*Python thread <Thread(straggler, started *)> (non-daemon)*",
            "*ERROR at teardown of test_os_thread*",
            "*OS thread * (not a Python thread: Rust or C), state *, waiting in *",
            "*ERROR at teardown of test_temp_file*",
            "*temporary file */tempdir/forgotten-*",
            "*ERROR at teardown of test_temporary_sibling*",
            "*temporary file */out/.model.embedrs.tmp-1-ThreadId(2)",
        ]
    )
    errors = "\n".join(line for line in result.stdout.lines if line.startswith("ERROR "))
    assert "test_joined_or_quick" not in errors
    assert "test_allowed" not in errors
    assert sys.platform != "linux" or "test_os_thread" in errors
