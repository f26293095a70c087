"""Paths with non-ASCII characters, on every platform: corpus files (plain and gzip), every
save and load, phrases, and the command line. Linux passes bytes through untouched; Windows
and macOS convert names (UTF-16, Unicode normalisation), so the release workflow runs these on
each of them."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import embedrs
from embedrs import KeyedVectors, Phrases, Word2Vec
from embedrs.cli import main

NAMES = ["données", "模型", "Ωmega ünï", "emoji-😀"]

SENTENCES = [f"the cat sat on the mat number {i % 7} near new york" for i in range(300)]


@pytest.fixture(params=NAMES)
def unicode_dir(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    d = tmp_path / request.param
    try:
        d.mkdir()
    except (OSError, UnicodeEncodeError):  # pragma: no cover - a file system without it
        pytest.skip(f"this file system cannot name a directory {request.param!r}")
    return d


def _fit(corpus: object) -> Word2Vec:
    return Word2Vec(vector_size=8, min_count=1, epochs=1, n_jobs=1, random_state=0).fit(corpus)


def test_corpus_files_and_model_files(unicode_dir: Path):
    plain = unicode_dir / f"{unicode_dir.name} corpus.txt"
    plain.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    packed = unicode_dir / f"{unicode_dir.name}.txt.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as f:
        f.write("\n".join(SENTENCES) + "\n")
    model = _fit(plain)
    assert "cat" in model.wv_
    assert _fit([str(plain), packed]).corpus_total_words_ == 2 * model.corpus_total_words_

    path = unicode_dir / f"{unicode_dir.name}.embedrs"
    model.save(path)
    back = embedrs.load(path)
    assert isinstance(back, Word2Vec)
    np.testing.assert_array_equal(back.wv_.vectors, model.wv_.vectors)
    model.partial_fit(plain)  # continued training reads the corpus path again


@pytest.mark.parametrize("binary", [True, False])
def test_keyed_vectors_formats(unicode_dir: Path, binary: bool):
    kv = KeyedVectors(["ünï", "模型", "b"], np.eye(3, dtype=np.float32))
    w2v = unicode_dir / f"{unicode_dir.name}.w2v"
    kv.save_word2vec_format(w2v, binary=binary)
    back = KeyedVectors.load_word2vec_format(w2v, binary=binary)
    assert back.index_to_key == kv.index_to_key
    native = unicode_dir / "vecs.embedrs"
    kv.save(native)
    mapped = KeyedVectors.load(native, mmap=True)
    np.testing.assert_array_equal(mapped.vectors, kv.vectors)
    del mapped  # release the mapping before the directory is removed (Windows)


def test_phrases_file_and_save(unicode_dir: Path):
    corpus = unicode_dir / "phrases corpus.txt"
    corpus.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    ph = Phrases(min_count=2, threshold=0.1).fit(corpus)
    assert ph.export_phrases()
    path = unicode_dir / f"{unicode_dir.name}.phrases"
    ph.save(path)
    assert Phrases.load(path).export_phrases() == ph.export_phrases()


def test_command_line(unicode_dir: Path, capsys: pytest.CaptureFixture[str]):
    corpus = unicode_dir / "corpus ü.txt"
    corpus.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    out = unicode_dir / "model ü.embedrs"
    assert main(["train", str(corpus), "-o", str(out), "--dim", "8", "--min-count", "1",
                 "--epochs", "1", "--threads", "1"]) == 0
    assert out.exists()
    capsys.readouterr()
    assert main(["similar", str(out), "cat", "--topn", "2"]) == 0
    assert "cat" in capsys.readouterr().out
