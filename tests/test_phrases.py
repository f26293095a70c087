"""Phrases: the same phrases, scores and output as gensim 4, the sklearn protocol, persistence."""

from __future__ import annotations

import errno
import gzip
import itertools
import json
import math
import os
import pickle
import random
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline

import embedrs
from embedrs.exceptions import (
    EmbedrsFileNotFoundError,
    EmbedrsIOError,
    FormatError,
    InvalidParameterError,
)
from embedrs.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

from conftest import Snapshot, run_unprivileged

gphrases = pytest.importorskip("gensim.models.phrases")

PLANTED = [
    ["new", "york"],
    ["machine", "learning"],
    ["bank", "of", "america"],
    ["eye", "of", "the", "beholder"],
    ["rock", "and", "roll"],
]


def synthetic(n_sentences: int = 4000, seed: int = 0) -> list[list[str]]:
    """Zipf-like filler words, connector words sprinkled in, and planted phrases."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(300)]
    connectors = sorted(ENGLISH_CONNECTOR_WORDS)
    out = []
    for _ in range(n_sentences):
        s = rng.choices(vocab, weights, k=rng.randint(4, 15))
        for _ in range(rng.randint(0, 3)):
            s.insert(rng.randrange(len(s) + 1), rng.choice(connectors))
        if rng.random() < 0.3:
            i = rng.randrange(len(s) + 1)
            s[i:i] = rng.choice(PLANTED)
        out.append(s)
    return out


def gensim_fit(sentences: list[list[str]], **kw: object) -> gphrases.Phrases:
    return gphrases.Phrases(sentences, connector_words=ENGLISH_CONNECTOR_WORDS, **kw)


def assert_same_phrases(ours: dict[str, float], theirs: dict[str, float]) -> None:
    assert set(ours) == set(theirs), set(ours) ^ set(theirs)
    for k, v in theirs.items():
        assert math.isclose(ours[k], v, rel_tol=1e-6), (k, ours[k], v)


@pytest.fixture(scope="module")
def sentences() -> list[list[str]]:
    return synthetic()


@pytest.mark.parametrize(
    ("scoring", "threshold"), [("default", 10.0), ("default", 1.0), ("npmi", 0.3)]
)
def test_synthetic_corpus_same_phrases_scores_and_output_as_gensim(
    sentences: list[list[str]], scoring: str, threshold: float
) -> None:
    g = gensim_fit(sentences, min_count=5, threshold=threshold, scoring=scoring)
    ours = Phrases(min_count=5, threshold=threshold, scoring=scoring, n_jobs=2).fit(sentences)
    exported = ours.export_phrases()
    assert_same_phrases(exported, g.export_phrases())
    assert {"new_york", "bank_of_america", "eye_of_the_beholder"} <= set(exported)
    assert ours.vocabulary_size_ == len(g.vocab)
    assert ours.corpus_word_count_ == g.corpus_word_count
    frozen = g.freeze()
    expected = [frozen[s] for s in sentences]
    assert ours.transform(sentences) == expected
    assert expected == [g[s] for s in sentences]


def test_files_and_str_sentences_count_like_token_lists(
    tmp_path: Path, sentences: list[list[str]]
) -> None:
    plain = tmp_path / "corpus.txt"
    text = "".join(" ".join(s) + "\n" for s in sentences)
    plain.write_text(text, encoding="utf-8")
    gz = tmp_path / "corpus.txt.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    kw = {"min_count": 5, "threshold": 1.0}
    want = Phrases(**kw, n_jobs=1).fit(sentences)
    as_str = [" ".join(s) for s in sentences]
    for X, n_jobs in [(plain, 1), (str(plain), 2), ([gz], 2), (as_str, 2)]:
        got = Phrases(**kw, n_jobs=n_jobs).fit(X)
        assert got.export_phrases() == want.export_phrases()
        assert got.vocabulary_size_ == want.vocabulary_size_
        assert got.corpus_word_count_ == want.corpus_word_count_
    with open(plain, encoding="utf-8") as f:
        assert want.transform(f) == want.transform(sentences)
    assert Phrases(**kw).fit_transform(plain) == want.transform(sentences)


def test_pruning_by_max_vocab_size_matches_gensim(sentences: list[list[str]]) -> None:
    g = gensim_fit(sentences, min_count=2, threshold=1.0, max_vocab_size=3000)
    ours = Phrases(min_count=2, threshold=1.0, max_vocab_size=3000, n_jobs=2).fit(sentences)
    assert ours.vocabulary_size_ == len(g.vocab)
    assert_same_phrases(ours.export_phrases(), g.export_phrases())


@pytest.fixture(scope="module")
def shared_sentences(shared_dir: Path) -> list[list[str]]:
    path = shared_dir / "corpora" / "embedrs-corpus-small.txt"
    with open(path, encoding="utf-8") as f:
        return [line.split() for line in itertools.islice(f, 50_000)]


def test_shared_corpus_same_phrases_and_output_as_gensim(
    shared_sentences: list[list[str]],
) -> None:
    g = gensim_fit(shared_sentences, min_count=5, threshold=10.0)
    ours = Phrases(min_count=5, threshold=10.0).fit(shared_sentences)
    assert_same_phrases(ours.export_phrases(), g.export_phrases())
    assert ours.vocabulary_size_ == len(g.vocab)
    frozen = g.freeze()
    assert ours.transform(shared_sentences) == [frozen[s] for s in shared_sentences]
    # npmi from the same counts (gensim scores at export time, so no recount is needed)
    g.scoring, g.threshold = gphrases.npmi_scorer, 0.5
    npmi = Phrases(min_count=5, threshold=0.5, scoring="npmi").fit(shared_sentences)
    assert_same_phrases(npmi.export_phrases(), g.export_phrases())


def test_second_pass_gives_trigrams_as_unfrozen_gensim() -> None:
    rng = random.Random(1)
    sents = []
    for i in range(3000):
        s = [f"w{rng.randrange(200)}" for _ in range(6)]
        if i % 3 == 0:
            s[1:4] = ["new", "york", "city"]
        sents.append(s)
    kw = {"min_count": 5, "threshold": 5.0}
    first = Phrases(**kw).fit(sents)
    g1 = gensim_fit(sents, **kw)
    second_input = first.transform(sents)
    frozen1 = g1.freeze()
    assert second_input == [frozen1[s] for s in sents]
    second = Phrases(**kw).fit(second_input)
    g2 = gensim_fit(second_input, **kw)
    out = second.transform(second_input)
    assert out == [g2[s] for s in second_input]  # gensim's Phrases, not its FrozenPhrases
    assert out[0][1] == "new_york_city"
    exported = second.export_phrases()
    assert "new_york_city" in exported
    for k, v in g2.export_phrases().items():  # every phrase gensim exports, same score
        assert math.isclose(exported[k], v, rel_tol=1e-6)


def test_pipeline_in_front_of_word2vec(sentences: list[list[str]]) -> None:
    pipe = Pipeline(
        [
            ("phrases", Phrases(min_count=5, threshold=1.0)),
            (
                "w2v",
                embedrs.Word2Vec(vector_size=8, min_count=1, epochs=1, n_jobs=1, random_state=0),
            ),
        ]
    )
    pipe.fit(iter(sentences))  # a one-shot iterator is read once
    wv = pipe.named_steps["w2v"].wv_
    assert "new_york" in wv
    assert "bank_of_america" in wv
    assert pipe.transform([["new", "york"]]).shape == (1, 8)


def test_pickle_clone_and_save_load_round_trip(tmp_path: Path, sentences: list[list[str]]) -> None:
    ph = Phrases(min_count=5, threshold=1.0, scoring="default").fit(sentences)
    probe = sentences[:200]
    for other in (pickle.loads(pickle.dumps(ph)), Phrases.load(_saved(ph, tmp_path))):
        assert other.get_params() == ph.get_params()
        assert other.export_phrases() == ph.export_phrases()
        assert other.transform(probe) == ph.transform(probe)
        assert other.vocabulary_size_ == ph.vocabulary_size_
    assert [p.name for p in tmp_path.iterdir()] == ["phrases.bin"]  # no temporary file left
    c = clone(ph)
    assert c.get_params() == ph.get_params()
    assert not hasattr(c, "phrases_")
    frozen = pickle.loads(pickle.dumps(ph.phrases_))
    assert frozen.export_phrases() == ph.phrases_.export_phrases()


def _saved(ph: Phrases, d: Path) -> Path:
    path = d / "phrases.bin"
    ph.save(path)
    return path


def test_damaged_files_raise_format_error(tmp_path: Path, sentences: list[list[str]]) -> None:
    path = _saved(Phrases(min_count=5, threshold=1.0).fit(sentences[:500]), tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError):
        Phrases.load(path)
    path.write_bytes(b"not a model")
    with pytest.raises(FormatError):
        Phrases.load(path)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"min_count": 0}, "min_count"),
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
        ({"scoring": "npmi", "threshold": 2.0}, "threshold"),
        ({"scoring": "pmi"}, "scoring"),
        ({"scoring": gphrases.original_scorer}, "scoring"),
        ({"connector_words": "the"}, "connector_words"),
        ({"connector_words": [1, 2]}, "connector_words"),
        ({"delimiter": ""}, "delimiter"),
        ({"max_vocab_size": 0}, "max_vocab_size"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_bad_parameters_name_the_parameter(params: dict[str, object], name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        Phrases(**params).fit([["a", "b"]])  # type: ignore[arg-type]


def test_transform_input_checks(sentences: list[list[str]]) -> None:
    with pytest.raises(NotFittedError):
        Phrases().transform([["a"]])
    ph = Phrases(min_count=5, threshold=1.0).fit(sentences[:500])
    with pytest.raises(ValueError, match="Iterable over sentences"):
        ph.transform("new york")
    with pytest.raises(TypeError, match="token 1"):
        ph.transform([["new", 3]])
    assert ph.transform([]) == []
    assert ph.transform([[], ["", "new", "york"]]) == [[], ["", "new_york"]]


def test_empty_corpus_gives_no_phrases() -> None:
    ph = Phrases().fit([])
    assert ph.export_phrases() == {}
    assert ph.transform([["a", "b"]]) == [["a", "b"]]


@pytest.mark.parametrize("failure", ["corpus raises", "bad sentence"])
def test_a_failed_fit_stops_the_counting_thread(failure: str) -> None:
    """The traceback holds fit()'s frame: it must not keep the background counter running."""

    def corpus() -> Iterator[list[object]]:
        yield from ([f"w{i % 50}", "new", "york"] for i in range(3 * 4096))  # 3 batches
        if failure == "bad sentence":
            yield ["new", 3]
        else:
            raise RuntimeError("the corpus broke")

    before = Snapshot.take()
    with pytest.raises(
        TypeError if failure == "bad sentence" else RuntimeError, match=r"token 1|broke"
    ) as excinfo:
        Phrases(min_count=1).fit(corpus())
    assert before.wait_for_leaks() == []  # while the exception (and its traceback) lives
    del excinfo


# -- numpy numbers are Python numbers (the metadata of save was not JSON-serialisable) ----------

PHRASES_NUMBERS = [
    ("min_count", 3, np.int64(3)),
    ("threshold", 0.5, np.float32(0.5)),
    ("threshold", 1, np.int64(1)),
    ("max_vocab_size", 10_000, np.int64(10_000)),
    ("max_vocab_size", 10_000, np.uint64(10_000)),
    ("n_jobs", 1, np.int64(1)),
    ("n_jobs", -1, np.int8(-1)),
]


def _phrase_corpus() -> list[list[str]]:
    return [["i", "live", "in", "new", "york", f"w{i}"] for i in range(50)]


@pytest.mark.parametrize(("name", "py", "npv"), PHRASES_NUMBERS, ids=lambda v: repr(v))
def test_phrases_numpy_numbers_fit_save_load_clone_as_python_numbers(tmp_path, name, py, npv):
    base = {"min_count": 3, "threshold": 0.5}
    a = Phrases(**{**base, name: py}).fit(_phrase_corpus())
    b = Phrases(**{**base, name: npv}).fit(_phrase_corpus())
    assert b.export_phrases() == a.export_phrases()
    assert b.export_phrases()  # something to compare
    b.save(tmp_path / "p.bin")
    loaded = Phrases.load(tmp_path / "p.bin")
    assert loaded.get_params()[name] == py
    assert type(loaded.get_params()[name]) is type(py)
    assert loaded.export_phrases() == a.export_phrases()
    assert clone(b).get_params()[name] is npv
    assert clone(b).fit(_phrase_corpus()).export_phrases() == a.export_phrases()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"min_count": np.float64(3.0)}, r"invalid parameter min_count: must be an integer"),
        ({"min_count": 2**70}, r"invalid parameter min_count: must be an integer in the 64-bit"),
        ({"max_vocab_size": np.int64(0)}, r"invalid parameter max_vocab_size: must be None or"),
        ({"max_vocab_size": 2.5}, r"invalid parameter max_vocab_size: must be None or"),
        ({"threshold": np.float64("nan")}, r"invalid parameter threshold: must be a number, got"),
        ({"threshold": "1"}, r"invalid parameter threshold: must be a number, got '1'"),
        ({"n_jobs": np.float64(1.0)}, r"invalid parameter n_jobs: must be a positive integer"),
        ({"n_jobs": 2**70}, r"invalid parameter n_jobs: must be an integer in the 64-bit"),
    ],
)
def test_phrases_bad_numbers_are_named(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        Phrases(**params).fit(_phrase_corpus())


# -- files: Phrases saves and loads as every other model file does --------------------------------


@pytest.fixture(scope="module")
def fitted() -> Phrases:
    return Phrases(min_count=5, threshold=1.0).fit(synthetic(500))


def test_save_follows_the_umask_as_every_other_save(tmp_path: Path, fitted: Phrases) -> None:
    old = os.umask(0o027)
    try:
        fitted.save(tmp_path / "phrases.bin")
        kv = embedrs.KeyedVectors(["a"], np.ones((1, 2), np.float32))
        kv.save(tmp_path / "kv.embedrs")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "phrases.bin").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "kv.embedrs").stat().st_mode) == 0o640


def test_save_replaces_the_file_atomically(tmp_path: Path, fitted: Phrases) -> None:
    path = tmp_path / "phrases.bin"
    path.write_bytes(b"previous")
    fitted.save(path)
    assert Phrases.load(path).export_phrases() == fitted.export_phrases()
    assert [p.name for p in tmp_path.iterdir()] == ["phrases.bin"]


@pytest.mark.parametrize("where", ["missing-folder", "a-directory", "under-a-file"])
def test_save_errors_name_the_file(tmp_path: Path, fitted: Phrases, where: str) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    target = {
        "missing-folder": tmp_path / "no" / "such" / "phrases.bin",
        "a-directory": tmp_path / "dir",
        "under-a-file": tmp_path / "file" / "phrases.bin",
    }[where]
    with pytest.raises(EmbedrsIOError) as e:
        fitted.save(target)
    assert str(target) in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "file"]  # nothing left behind


def test_a_save_refused_by_permissions_names_the_file_and_keeps_the_old_one(
    tmp_path: Path, fitted: Phrases
) -> None:
    """In a folder the user cannot write (as user nobody, since root may write anywhere)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    fitted.save(folder / "phrases.bin")
    before = (folder / "phrases.bin").read_bytes()
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    try:
        out = run_unprivileged(
            """
            from embedrs.phrases import Phrases
            ph = Phrases.load("ro/phrases.bin")
            try:
                ph.save("ro/phrases.bin")
            except embedrs.EmbedrsIOError as e:
                print(type(e).__name__, e.errno, e)
            """,
            tmp_path,
        )
    finally:
        folder.chmod(0o755)
    assert out.startswith(f"EmbedrsIOError {errno.EACCES} ")
    assert "ro/phrases.bin: Permission denied" in out
    assert (folder / "phrases.bin").read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["phrases.bin"]


def test_load_of_a_missing_file_or_a_directory_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.bin"
    with pytest.raises(EmbedrsFileNotFoundError, match=re.escape(str(missing))):
        Phrases.load(missing)
    with pytest.raises(EmbedrsIOError, match=re.escape(f"{tmp_path}: is a directory")):
        Phrases.load(tmp_path)


def _meta(**overrides: object) -> str:
    meta: dict[str, object] = {
        "kind": "Phrases",
        "embedrs_version": embedrs.__version__,
        "params": {"min_count": 5, "threshold": 1.0},
        "fitted": {"vocabulary_size_": 10, "corpus_word_count_": 20},
    }
    meta.update(overrides)
    return json.dumps(meta)


DAMAGED: dict[str, object] = {
    "empty": b"",
    "garbage": b"not a phrases model at all",
    "truncated": "half",
    "one bit flipped": "flip",
    "a Word2Vec model": "word2vec",
    "no metadata": "",
    "metadata not JSON": "{not json",
    "metadata a list": "[1, 2]",
    "another kind": _meta(kind="Word2Vec"),
    "params a list": _meta(params=[1, 2]),
    "unknown parameter": _meta(params={"min_count": 5, "bogus": 1}),
    "bad parameter value": _meta(params={"min_count": "five"}),
    "bad connector words": _meta(params={"connector_words": [1, 2]}),
    "fitted a list": _meta(fitted=[1]),
    "fitted not a count": _meta(fitted={"vocabulary_size_": "many"}),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_every_damaged_file_is_a_format_error_naming_it(
    tmp_path: Path, fitted: Phrases, case: str
) -> None:
    path = tmp_path / "phrases.bin"
    content = DAMAGED[case]
    if content == "half":
        fitted.save(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif content == "flip":
        fitted.save(path)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 1
        path.write_bytes(bytes(data))
    elif content == "word2vec":
        embedrs.Word2Vec(vector_size=4, min_count=1, epochs=1, n_jobs=1).fit([["a", "b"]]).save(
            path
        )
    elif isinstance(content, str):
        path.write_bytes(fitted.phrases_.to_bytes(content))
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    with pytest.raises(FormatError) as e:
        Phrases.load(path)
    assert str(e.value).startswith(f"{path}: "), e.value
