"""The command line: every subcommand through main([...]) and one real subprocess."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import embedrs
import embedrs.cli
from embedrs.cli import main

from conftest import run_unprivileged, train_args


@pytest.fixture
def corpus_file(tmp_path, planted):
    p = tmp_path / "c.txt.gz"
    p.write_bytes(gzip.compress(("\n".join(" ".join(s) for s in planted) + "\n").encode()))
    return p


@pytest.mark.parametrize("fmt", ["native", "word2vec-binary", "word2vec-text"])
def test_train_then_query_each_format(tmp_path, corpus_file, capsys, fmt):
    out = tmp_path / "model"
    assert main(train_args(corpus_file, out, "--format", fmt, "--sg")) == 0
    summary = capsys.readouterr().out
    assert "words/s" in summary
    assert "final loss" in summary
    assert str(out) in summary
    assert main(["similar", str(out), "t0w1", "--topn", "3"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("t0w1: ")
    assert line.count("(") == 3
    assert main(["analogy", str(out), "t0w1", "t0w2", "t1w1"]) == 0
    assert "t0w1 : t0w2 :: t1w1 : ?" in capsys.readouterr().out


def test_convert_round_trip(tmp_path, corpus_file, capsys):
    native = tmp_path / "m.embedrs"
    assert main(train_args(corpus_file, native)) == 0
    text = tmp_path / "m.txt"
    assert main(["convert", str(native), str(text), "--to", "word2vec-text"]) == 0
    back = tmp_path / "back.embedrs"
    assert main(["convert", str(text), str(back), "--to", "native"]) == 0
    a = embedrs.load(native).wv_
    b = embedrs.load(back)
    assert a.index_to_key == b.index_to_key
    np.testing.assert_allclose(a.vectors, b.vectors, rtol=1e-6)


def test_vocab_tsv(tmp_path, capsys):
    p = tmp_path / "c.txt"
    p.write_text("b a b\nc b a\n")
    assert main(["vocab", str(p)]) == 0
    assert capsys.readouterr().out.splitlines() == ["b\t3", "a\t2", "c\t1"]


def test_evaluate_table(tmp_path, corpus_file, capsys):
    out = tmp_path / "m.embedrs"
    assert main(train_args(corpus_file, out)) == 0
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# gold\nt0w1\tt0w2\t9\nt0w1\tt1w1\t1\nt1w1\tt1w3\t8\n")
    capsys.readouterr()
    assert main(["evaluate", str(out), "--pairs", str(pairs)]) == 0
    assert "| pairs.tsv | Spearman |" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["similar", "/no/such/file.bin", "x"], "No such file"),
        (["train", "/no/such/corpus.txt", "-o", "x"], "corpus.txt"),
        (["similar", "MODEL", "notaword"], "not in vocabulary: 'notaword'"),
        (["similar", "DIR", "x"], "DIR: is a directory"),
        (["evaluate", "MODEL", "--pairs", "/no/such/pairs.tsv"], "/no/such/pairs.tsv"),
        (["convert", "MODEL", "/no/such/dir/out.bin"], "/no/such/dir/out.bin"),
        (["vocab", "CORPUS", "-o", "/no/such/dir/v.tsv"], "/no/such/dir/v.tsv"),
        (["train", "CORPUS", "-o", "DIR"], "DIR: is a directory"),
    ],
)
def test_user_errors_are_one_line(tmp_path, corpus_file, capsys, argv, message):
    model = tmp_path / "m.embedrs"
    assert main(train_args(corpus_file, model)) == 0
    capsys.readouterr()
    names = {"MODEL": model, "CORPUS": corpus_file, "OUT": tmp_path / "o", "DIR": tmp_path}
    argv = [str(names.get(a, a)) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message.replace("DIR", str(tmp_path)) in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "(default: 100)" in capsys.readouterr().out


def test_stdin_and_subprocess(tmp_path, planted):
    out = tmp_path / "m.bin"
    text = "\n".join(" ".join(s) for s in planted[:500]) + "\n"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "embedrs",
            "train",
            "-",
            "-o",
            str(out),
            "--format",
            "word2vec-binary",
            "--min-count",
            "1",
            "--dim",
            "8",
            "--epochs",
            "1",
            "--quiet",
        ],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "words/s" in r.stdout
    kv = embedrs.KeyedVectors.load_word2vec_format(out, binary=True)
    assert "t0w1" in kv


def test_train_options_reach_the_estimator(tmp_path, corpus_file, capsys):
    from embedrs.cli import _estimator, build_parser

    args = build_parser().parse_args(
        train_args(corpus_file, tmp_path / "x", "--alpha-schedule", "per_thread")
    )
    assert _estimator(args, verbose=False).alpha_schedule == "per_thread"
    assert (
        _estimator(
            build_parser().parse_args(train_args(corpus_file, tmp_path / "x")), verbose=False
        ).alpha_schedule
        == "global"
    )
    # --alpha-schedule per_thread on one thread is the default schedule: same vectors.
    a, b = tmp_path / "a.embedrs", tmp_path / "b.embedrs"
    assert main(train_args(corpus_file, a)) == 0
    assert main(train_args(corpus_file, b, "--alpha-schedule", "per_thread")) == 0
    np.testing.assert_array_equal(
        embedrs.KeyedVectors.load(a).vectors, embedrs.KeyedVectors.load(b).vectors
    )
    with pytest.raises(SystemExit):
        main(train_args(corpus_file, a, "--alpha-schedule", "gensim"))
    assert "invalid choice: 'gensim'" in capsys.readouterr().err


def test_train_flags_default_to_the_estimators_defaults(tmp_path, corpus_file):
    from embedrs.cli import _estimator, build_parser

    parsed = build_parser().parse_args(train_args(corpus_file, tmp_path / "x"))
    from_cli = _estimator(parsed, verbose=False).get_params()
    defaults = embedrs.Word2Vec().get_params()
    # (train_args sets vector_size, min_count and epochs.)
    for name in ("window", "negative", "ns_exponent", "sample", "alpha", "min_alpha",
                 "cbow_gradient", "output_weight", "max_sentence_length", "max_vocab_size",
                 "max_final_vocab"):
        assert from_cli[name] == defaults[name], name
    assert from_cli["alpha"] is None
    corrected = build_parser().parse_args(
        train_args(corpus_file, tmp_path / "x", "--cbow-gradient", "corrected")
    )
    assert _estimator(corrected, verbose=False).cbow_gradient == "corrected"
    weighted = build_parser().parse_args(
        train_args(corpus_file, tmp_path / "x", "--output-weight", "0")
    )
    assert _estimator(weighted, verbose=False).output_weight == 0.0


# -- bad arguments are argparse errors: usage, one line naming the argument, exit status 2 -------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--log-level", "NOPE", "vocab", "CORPUS"],
            "argument --log-level: invalid choice: 'NOPE'",
        ),
        (["--log-level", "verbose", "similar", "MODEL", "x"], "argument --log-level: invalid"),
        (["train", "CORPUS", "-o", "OUT", "--dim", "0"], "argument --dim: invalid parameter "),
        (["train", "CORPUS", "-o", "OUT", "--threads", "0"], "argument --threads: invalid param"),
        (["train", "CORPUS", "-o", "OUT", "--seed", "-1"], "argument --seed: invalid parameter"),
        (["train", "CORPUS", "-o", "OUT", "--alpha", "-1"], "argument --alpha: invalid parameter"),
        (["train", "CORPUS", "-o", "OUT", "--window", "0"], "argument --window: invalid param"),
        (["train", "CORPUS", "-o", "OUT", "--sample", "nan"], "argument --sample: invalid param"),
        (
            ["train", "CORPUS", "-o", "OUT", "--output-weight", "2"],
            "argument --output-weight: invalid parameter",
        ),
        (["train", "CORPUS", "-", "-o", "OUT"], "- (standard input) cannot be combined"),
        (["similar", "MODEL", "x", "--topn", "0"], "argument --topn: must be an integer >= 1"),
        (["analogy", "MODEL", "a", "b", "c", "--topn", "-3"], "argument --topn: must be"),
        (["evaluate", "MODEL"], "give --analogies FILE and/or --pairs FILE"),
        (["evaluate", "MODEL", "--pairs", "CORPUS", "--restrict-vocab", "0"], "--restrict-vocab"),
        (["vocab", "CORPUS", "--threads", "0"], "argument --threads: invalid parameter n_jobs"),
        (["vocab", "CORPUS", "--min-count", "0"], "argument --min-count: must be an integer"),
        (["demo", "--epochs", "0"], "argument --epochs: invalid parameter epochs"),
        (["demo", "--threads", "100000"], "argument --threads: invalid parameter n_jobs"),
    ],
)
def test_bad_arguments_are_argparse_errors(tmp_path, corpus_file, capsys, argv, message):
    model = tmp_path / "m.embedrs"
    assert main(train_args(corpus_file, model)) == 0
    capsys.readouterr()
    names = {"MODEL": model, "CORPUS": corpus_file, "OUT": tmp_path / "out"}
    with pytest.raises(SystemExit) as e:
        main([str(names.get(a, a)) for a in argv])
    assert e.value.code == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.startswith("usage: embedrs")
    assert message in err.strip().splitlines()[-1]
    assert "training" not in out
    assert not (tmp_path / "out").exists()


def test_log_level_takes_any_case(corpus_file, capsys):
    assert main(["--log-level", "info", "vocab", str(corpus_file)]) == 0
    assert main(["--log-level", "Debug", "vocab", str(corpus_file)]) == 0


# -- standard input -------------------------------------------------------------------------------

TRAIN_FLAGS = ["--min-count", "1", "--dim", "8", "--epochs", "1", "--threads", "1", "--quiet"]


def _run_cli(*args, **kwargs):
    kwargs.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, "-m", "embedrs", *args], timeout=120, check=False, **kwargs
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell")
def test_train_from_closed_standard_input_says_so(tmp_path):
    out = tmp_path / "m.embedrs"
    # `<&-` closes the descriptor before Python starts (a preexec_fn would fork the test
    # process itself, which makes the libraries' thread pools restart in later tests).
    closing_stdin = ["sh", "-c", 'exec "$0" -m embedrs "$@" <&-', sys.executable]
    r = subprocess.run(
        [*closing_stdin, "train", "-", "-o", str(out), *TRAIN_FLAGS],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "Traceback" not in err
    assert "standard input is closed" in err
    assert not out.exists()


def test_train_from_closed_standard_input_in_process(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", None)
    assert main(["train", "-", "-o", str(tmp_path / "m"), *TRAIN_FLAGS]) == 1
    assert "standard input is closed" in capsys.readouterr().err
    closed = io.StringIO("a b\n")
    closed.close()
    monkeypatch.setattr(sys, "stdin", closed)
    assert main(["train", "-", "-o", str(tmp_path / "m"), *TRAIN_FLAGS]) == 1
    assert "standard input is closed" in capsys.readouterr().err


BAD_BYTES = b"".join(
    b"t0w1 t0w2 t0w3 caf\xe9 t0w4\n" if i % 7 == 0 else b"t0w1 t0w2 t0w3 t0w4 x\xff\xfey\n"
    for i in range(200)
)


def _vocabulary(path):
    kv = embedrs.load(path).wv_
    return dict(zip(kv.index_to_key, kv.counts.tolist(), strict=True))


def test_invalid_utf8_on_standard_input_trains_as_the_same_bytes_in_a_file(tmp_path):
    """Standard input is decoded as corpus files are: invalid UTF-8 becomes U+FFFD."""
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(BAD_BYTES)
    from_file, from_pipe, from_redirect = (tmp_path / f"{n}.embedrs" for n in "fpr")
    r = _run_cli("train", str(corpus), "-o", str(from_file), *TRAIN_FLAGS)
    assert r.returncode == 0, r.stderr
    r = _run_cli("train", "-", "-o", str(from_pipe), *TRAIN_FLAGS, input=BAD_BYTES)
    assert r.returncode == 0, r.stderr
    with corpus.open("rb") as stdin:
        r = _run_cli("train", "-", "-o", str(from_redirect), *TRAIN_FLAGS, stdin=stdin)
    assert r.returncode == 0, r.stderr
    want = _vocabulary(from_file)
    assert "caf\ufffd" in want
    assert "x\ufffd\ufffdy" in want
    assert _vocabulary(from_pipe) == want
    assert _vocabulary(from_redirect) == want


def test_a_socket_on_standard_input_trains_too(tmp_path):
    """A socket has no /dev/fd name to open again: it is read from Python, decoded the same."""
    import socket

    corpus = tmp_path / "c.txt"
    corpus.write_bytes(BAD_BYTES)
    assert main(["train", str(corpus), "-o", str(tmp_path / "f.embedrs"), *TRAIN_FLAGS]) == 0
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(BAD_BYTES)
        theirs.shutdown(socket.SHUT_WR)
        out = tmp_path / "s.embedrs"
        r = _run_cli("train", "-", "-o", str(out), *TRAIN_FLAGS, stdin=ours)
    assert r.returncode == 0, r.stderr
    assert _vocabulary(out) == _vocabulary(tmp_path / "f.embedrs")


def test_invalid_utf8_on_a_python_standard_input_trains_too(tmp_path, monkeypatch, capsys):
    """sys.stdin replaced by a Python stream without a descriptor (embedding, tests)."""
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(BAD_BYTES)
    assert main(["train", str(corpus), "-o", str(tmp_path / "f.embedrs"), *TRAIN_FLAGS]) == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD_BYTES), encoding="utf-8"))
    assert main(["train", "-", "-o", str(tmp_path / "s.embedrs"), *TRAIN_FLAGS]) == 0
    assert _vocabulary(tmp_path / "s.embedrs") == _vocabulary(tmp_path / "f.embedrs")


# -- output files: checked before any work, written atomically ------------------------------------


class _MustNotBeRead(io.TextIOBase):
    """A standard input whose reading fails the test."""

    def __iter__(self):
        raise AssertionError("the corpus was read before the output was checked")

    def fileno(self):
        raise io.UnsupportedOperation("no descriptor")


@pytest.mark.parametrize("where", ["missing folder", "a directory", "under a file"])
def test_train_output_is_checked_before_training(tmp_path, monkeypatch, capsys, where):
    (tmp_path / "file").write_text("x")
    out = {
        "missing folder": tmp_path / "no" / "such" / "m.embedrs",
        "a directory": tmp_path,
        "under a file": tmp_path / "file" / "m.embedrs",
    }[where]
    monkeypatch.setattr(sys, "stdin", _MustNotBeRead())
    assert main(["train", "-", "-o", str(out), *TRAIN_FLAGS]) == 1
    err = capsys.readouterr().err
    assert str(out) in err
    assert len(err.strip().splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_output_in_a_read_only_folder_fails_before_work_and_leaves_nothing(tmp_path, corpus_file):
    """As user nobody (root may write anywhere): train, convert and vocab refuse at once."""
    model = tmp_path / "m.embedrs"
    assert main(train_args(corpus_file, model)) == 0
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "keep.tsv").write_text("old\n")
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    corpus_file.chmod(0o644)
    model.chmod(0o644)
    try:
        out = run_unprivileged(
            f"""
            import io, sys
            from embedrs.cli import main
            class Stdin(io.TextIOBase):
                def __iter__(self):
                    raise AssertionError("read")
                def fileno(self):
                    raise io.UnsupportedOperation
            sys.stdin = Stdin()
            flags = {TRAIN_FLAGS!r}
            print(main(["train", "-", "-o", "ro/m.embedrs", *flags]))
            print(main(["convert", "m.embedrs", "ro/m.bin"]))
            print(main(["vocab", {str(corpus_file)!r}, "-o", "ro/keep.tsv"]))
            """,
            tmp_path,
        )
    finally:
        folder.chmod(0o755)
    assert out.split() == ["1", "1", "1"]
    assert [p.name for p in folder.iterdir()] == ["keep.tsv"]
    assert (folder / "keep.tsv").read_text() == "old\n"


def test_convert_checks_the_output_before_loading(tmp_path, monkeypatch, capsys):
    def must_not_load(*args, **kwargs):
        raise AssertionError("loaded before the output was checked")

    monkeypatch.setattr(embedrs.cli, "load_vectors", must_not_load)
    out = tmp_path / "missing" / "out.bin"
    assert main(["convert", str(tmp_path / "in.bin"), str(out)]) == 1
    assert str(out) in capsys.readouterr().err


def test_vocab_output_is_replaced_atomically(tmp_path, monkeypatch, capsys):
    """A run that fails while the counts are written keeps the previous file whole."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("b a b\nc b a\n")
    out = tmp_path / "v.tsv"
    assert main(["vocab", str(corpus), "-o", str(out)]) == 0
    assert out.read_text() == "b\t3\na\t2\nc\t1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "v.tsv"]

    class FailingCounts:
        total_words = 3

        def __len__(self):
            return 2

        def items(self):
            yield ("x", 2)
            raise OSError(5, "the counts could not be read")

    class FailingCorpus:
        def __init__(self, paths):
            pass

        def count(self, n_threads):
            return FailingCounts()

    monkeypatch.setattr(embedrs._embedrs, "FileCorpus", FailingCorpus)
    assert main(["vocab", str(corpus), "-o", str(out)]) == 1
    assert "the counts could not be read" in capsys.readouterr().err
    assert out.read_text() == "b\t3\na\t2\nc\t1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "v.tsv"]


def test_vectors_from_a_pipe_are_refused_not_waited_for(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "vectors.fifo"
    os.mkfifo(fifo)
    for fmt in ([], ["--format", "word2vec-text"], ["--format", "native"]):
        r = _run_cli("similar", str(fifo), "x", *fmt)
        assert r.returncode == 1
        assert f"{fifo}: is not a regular file" in r.stderr.decode()


def test_evaluation_file_errors_name_the_file(tmp_path, corpus_file, capsys):
    model = tmp_path / "m.embedrs"
    assert main(train_args(corpus_file, model)) == 0
    pairs = tmp_path / "pairs.tsv"
    pairs.write_bytes(b"t0w1\tt0w2\t9\nt0w1\tcaf\xe9\t1\n")
    capsys.readouterr()
    assert main(["evaluate", str(model), "--pairs", str(pairs)]) == 1
    err = capsys.readouterr().err
    assert f"{pairs}: line 2: not valid UTF-8" in err
    assert len(err.strip().splitlines()) == 1


def test_a_closed_pipe_on_standard_output_ends_quietly(tmp_path):
    """`embedrs vocab c.txt | head -1`: the reader is gone before the counts are written."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("b a b\nc b a\n")
    read, write = os.pipe()
    os.close(read)
    try:
        r = _run_cli(
            "vocab", str(corpus), stdout=write, capture_output=False, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert r.returncode == 1
    assert r.stderr.decode() == ""
