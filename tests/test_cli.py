"""The command line: every subcommand through main([...]) and one real subprocess."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

import embedrs
from embedrs.cli import main


@pytest.fixture
def corpus_file(tmp_path, planted):
    p = tmp_path / "c.txt.gz"
    p.write_bytes(gzip.compress(("\n".join(" ".join(s) for s in planted) + "\n").encode()))
    return p


def train_args(corpus, out, *extra):
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
        (["train", "CORPUS", "-o", "OUT", "--dim", "0"], "vector_size"),
        (["similar", "MODEL", "notaword"], "not in vocabulary: 'notaword'"),
        (["evaluate", "MODEL"], "--analogies"),
    ],
)
def test_user_errors_are_one_line(tmp_path, corpus_file, capsys, argv, message):
    model = tmp_path / "m.embedrs"
    assert main(train_args(corpus_file, model)) == 0
    capsys.readouterr()
    argv = [
        str(model)
        if a == "MODEL"
        else str(corpus_file)
        if a == "CORPUS"
        else str(tmp_path / "o")
        if a == "OUT"
        else a
        for a in argv
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err
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
