"""Corpus inputs (embedrs._corpus and the core's corpus readers): files, gzip, empty or odd
files, long lines, files that change while training, iterables of sentences, inputs of the
wrong type, and the rules that tell a list of paths from a list of sentences."""

from __future__ import annotations

import errno
import gzip
import logging
import os
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from embedrs import (
    EmbedrsFileNotFoundError,
    EmbedrsIOError,
    EmptyVocabularyError,
    KeyedVectors,
    Word2Vec,
)

from conftest import PROPERTY, planted_corpus, small


def write_corpus(path: Path, n_sentences: int = 3000, seed: int = 0) -> Path:
    text = "\n".join(" ".join(s) for s in planted_corpus(n_sentences=n_sentences, seed=seed))
    path.write_text(text + "\n")
    return path


# -- files: empty, odd bytes, one huge line, damaged gzip, not a file --------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  \n"])
def test_empty_or_blank_file(tmp_path, content):
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    with pytest.raises(EmptyVocabularyError, match=r"0 tokens.*\(corpus file: '.*empty\.txt'\)"):
        small().fit(p)


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


# -- a corpus file that changes between counting and training, or between epochs ---------------


def test_file_that_shrinks_after_counting(tmp_path):
    """A corpus truncated between the counting pass and training: an error naming the file and
    both sizes, not a silently shorter epoch (test_corpus_file_changed_during_fit: via fit)."""
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


# -- iterables of sentences --------------------------------------------------------------------


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


# -- paths or sentences: lists with missing files, str that are not files ----------------------


def test_str_that_is_not_a_file_is_rejected():
    with pytest.raises(FileNotFoundError, match="not an existing file"):
        Word2Vec().fit("the cat sat on the mat")


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


# -- the id cache: later epochs over files read the first epoch's ids -------------------------


def _cache_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("id cache:")]


@pytest.mark.parametrize("sg", [0, 1])
def test_epochs_read_from_the_id_cache_train_as_the_text_does(tmp_path, caplog, monkeypatch, sg):
    plain = write_corpus(tmp_path / "a.txt", n_sentences=4000, seed=1)
    packed = tmp_path / "b.txt.gz"
    packed.write_bytes(gzip.compress(write_corpus(tmp_path / "b.txt", 2000, seed=2).read_bytes()))
    params = dict(sg=sg, epochs=3, n_jobs=1, max_sentence_length=7, random_state=3)
    caplog.set_level(logging.DEBUG, logger="embedrs")
    cached = small(**params).fit([plain, packed])
    assert any("later epochs read ids" in m for m in _cache_messages(caplog)), caplog.text
    caplog.clear()
    monkeypatch.setenv("EMBEDRS_ID_CACHE", "0")
    text = small(**params).fit([plain, packed])
    assert _cache_messages(caplog) == []
    np.testing.assert_array_equal(cached.wv_.vectors, text.wv_.vectors)
    assert cached.training_loss_ == text.training_loss_


def test_one_epoch_and_iterables_make_no_id_cache(tmp_path, caplog, planted):
    caplog.set_level(logging.DEBUG, logger="embedrs")
    small(epochs=1).fit(write_corpus(tmp_path / "c.txt"))
    small(epochs=2).fit(planted)
    assert _cache_messages(caplog) == []


def test_a_bad_id_cache_setting_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDRS_ID_CACHE", "yes")
    with pytest.raises(ValueError, match=r"EMBEDRS_ID_CACHE.*must be 0 .* or 1 .*got 'yes'"):
        small().fit(write_corpus(tmp_path / "c.txt"))
