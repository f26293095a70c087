"""embedrs.evaluation: phrase analogy sets (the format of Mikolov et al.'s
questions-phrases.txt), how evaluation files are read, and the checks of its numbers.

The phrases paper's test set has the word analogy file's layout, with phrases written as
underscore-joined tokens in their original case::

    : newspapers
    Baltimore Baltimore_Sun Cincinnati Cincinnati_Enquirer

so it is scored by ``evaluate_word_analogies`` once ``Phrases`` has put the joined tokens in
the vocabulary.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

import embedrs
from embedrs import (
    EmbedrsFileNotFoundError,
    EmbedrsIOError,
    FormatError,
    InvalidParameterError,
    KeyedVectors,
)
from embedrs.phrases import Phrases

PAPER_STYLE = """\
: newspapers
Baltimore Baltimore_Sun Cincinnati Cincinnati_Enquirer
Cincinnati Cincinnati_Enquirer Baltimore Baltimore_Sun
: ice_hockey
Boston Boston_Bruins Montreal Montreal_Canadiens
"""


def test_paper_format_is_scored_with_3cosadd(tmp_path: Path) -> None:
    # city + "newspaper" offset = paper; city + "team" offset = team
    city = {"baltimore": [1, 0, 0, 0], "cincinnati": [0, 1, 0, 0]}
    city |= {"boston": [0, 0, 1, 0], "montreal": [0, 0, 0, 1]}
    paper = np.array([0, 0, 0, 0, 3, 0], np.float32)
    team = np.array([0, 0, 0, 0, 0, 3], np.float32)
    keys: list[str] = []
    rows: list[np.ndarray] = []
    for name, base in city.items():
        v = np.array([*base, 0, 0], np.float32)
        keys.append(name)
        rows.append(v)
    for name, suffix, offset in [
        ("baltimore", "sun", paper),
        ("cincinnati", "enquirer", paper),
        ("boston", "bruins", team),
        ("montreal", "canadiens", team),
    ]:
        keys.append(f"{name}_{suffix}")
        rows.append(rows[keys.index(name)] + offset)
    kv = KeyedVectors(keys, np.stack(rows))
    path = tmp_path / "questions-phrases.txt"
    path.write_text(PAPER_STYLE, encoding="utf-8")
    score, sections = kv.evaluate_word_analogies(path)
    assert score == 1.0
    assert [s["section"] for s in sections] == ["newspapers", "ice_hockey", "Total accuracy"]
    assert sections[0]["correct"][0] == (
        "BALTIMORE",
        "BALTIMORE_SUN",
        "CINCINNATI",
        "CINCINNATI_ENQUIRER",
    )
    # a wrong phrase vector is scored as wrong, not skipped
    bad = np.stack(rows).copy()
    bad[keys.index("montreal_canadiens")] = -bad[keys.index("montreal_canadiens")]
    score, sections = KeyedVectors(keys, bad).evaluate_word_analogies(path)
    assert score == 2 / 3
    assert len(sections[1]["incorrect"]) == 1


def test_phrases_then_word2vec_covers_phrase_questions(tmp_path: Path) -> None:
    """Phrases joins the bigrams during the pipeline, so every phrase question is asked."""
    rng = random.Random(0)
    pairs = [("baltimore", "sun"), ("cincinnati", "enquirer"), ("boston", "bruins")]
    pairs.append(("montreal", "canadiens"))
    filler = [f"w{i}" for i in range(40)]
    corpus = []
    for i in range(3000):
        a, b = pairs[i % len(pairs)]
        s = [*rng.sample(filler, 4), a, b, *rng.sample(filler, 4)]
        if i % 3 == 0:
            s += [a]  # the city alone too, so both the city and its phrase are in the vocabulary
        corpus.append(s)
    pipe = Pipeline(
        [
            ("phrases", Phrases(min_count=5, threshold=1.0, n_jobs=1)),
            (
                "w2v",
                embedrs.Word2Vec(vector_size=16, min_count=2, epochs=2, n_jobs=1, random_state=0),
            ),
        ]
    )
    pipe.fit(corpus)
    kv = pipe.named_steps["w2v"].wv_
    assert "baltimore_sun" in kv
    assert "montreal_canadiens" in kv
    path = tmp_path / "questions-phrases.txt"
    path.write_text(PAPER_STYLE, encoding="utf-8")
    r = embedrs.evaluation.evaluate_analogies(kv.index_to_key, kv.vectors, path)
    assert r["total"] == 3  # none skipped as out of vocabulary
    assert 0.0 <= r["accuracy"] <= 1.0


# -- the files: decoding and errors that name the file and the line --------------------------------

KV = KeyedVectors(
    ["king", "queen", "man", "woman", "cat", "dog"],
    np.array([[1, 1], [1, -1], [0.2, 1], [0.2, -1], [-1, 0.1], [-0.9, 0.2]], np.float32),
)
ANALOGIES = ": family\nman woman king queen\n"
PAIRS = "king\tqueen\t5\ncat\tdog\t9\nman\tcat\t1\n"


def _evaluations(path: Path) -> list[Callable[[], object]]:
    """Every public way an evaluation file is read."""
    ev = embedrs.evaluation
    return [
        lambda: KV.evaluate_word_analogies(path),
        lambda: KV.evaluate_word_pairs(path),
        lambda: ev.evaluate_analogies(KV.index_to_key, KV.vectors, path),
        lambda: ev.evaluate_pairs(KV.index_to_key, KV.vectors, path),
    ]


@pytest.mark.parametrize("where", ["line 1", "line 3", "last line"])
def test_invalid_utf8_is_a_format_error_naming_file_line_and_byte(
    tmp_path: Path, where: str
) -> None:
    lines = [": family", "man woman king queen", "cat dog king queen", "dog cat man woman"]
    line = {"line 1": 0, "line 3": 2, "last line": 3}[where]
    data = [s.encode() for s in lines]
    data[line] = data[line][:4] + b"\xe9" + data[line][4:]  # Latin-1 e-acute
    path = tmp_path / "questions.txt"
    path.write_bytes(b"\n".join(data) + b"\n")
    pattern = re.escape(f"{path}: line {line + 1}: not valid UTF-8 (byte 0xe9 at column 5)")
    for evaluate in _evaluations(path):
        with pytest.raises(FormatError, match=pattern):
            evaluate()


def test_a_compressed_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv.gz"
    path.write_bytes(gzip.compress(PAIRS.encode()))
    with pytest.raises(FormatError, match=r"pairs.tsv.gz: line 1: .*gzip-compressed"):
        KV.evaluate_word_pairs(path)


def test_missing_files_and_directories_are_named(tmp_path: Path) -> None:
    for evaluate in _evaluations(tmp_path / "missing.txt"):
        with pytest.raises(
            EmbedrsFileNotFoundError, match=re.escape(str(tmp_path / "missing.txt"))
        ):
            evaluate()
    for evaluate in _evaluations(tmp_path):
        with pytest.raises(EmbedrsIOError, match=re.escape(f"{tmp_path}: is a directory")):
            evaluate()


def test_a_question_before_any_section_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("\nman woman king queen\n: family\n")
    with pytest.raises(FormatError, match=re.escape(f"{path}: line 2: missing section header")):
        KV.evaluate_word_analogies(path)


def test_utf8_crlf_and_bom_free_files_score_as_before(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_bytes(ANALOGIES.replace("\n", "\r\n").encode())
    assert KV.evaluate_word_analogies(path)[0] == 1.0
    pairs = tmp_path / "p.tsv"
    pairs.write_bytes(("# café\n" + PAIRS).replace("\n", "\r\n").encode())
    (_, _), (rho, _), oov = KV.evaluate_word_pairs(pairs)
    assert (round(rho, 6), oov) == (1.0, 0.0)


# -- numbers: numpy integers are Python integers; bad values are named -----------------------------


@pytest.mark.parametrize("limit", [np.int64(4), np.uint16(4), np.int8(4)])
def test_restrict_vocab_takes_numpy_integers(tmp_path: Path, limit: object) -> None:
    q = tmp_path / "q.txt"
    q.write_text(ANALOGIES)
    p = tmp_path / "p.tsv"
    p.write_text(PAIRS)
    ev = embedrs.evaluation
    assert KV.evaluate_word_analogies(q, restrict_vocab=limit) == KV.evaluate_word_analogies(
        q, restrict_vocab=4
    )
    assert KV.evaluate_word_pairs(p, restrict_vocab=6) == KV.evaluate_word_pairs(
        p, restrict_vocab=np.int64(6)
    )
    want = ev.evaluate_analogies(KV.index_to_key, KV.vectors, q, restrict_vocab=4)
    got = ev.evaluate_analogies(KV.index_to_key, KV.vectors, q, restrict_vocab=limit)
    assert got["correct"] == want["correct"] == 1
    want_p = ev.evaluate_pairs(KV.index_to_key, KV.vectors, p, restrict_vocab=6)
    got_p = ev.evaluate_pairs(KV.index_to_key, KV.vectors, p, restrict_vocab=np.uint32(6))
    assert got_p == want_p
    # None: every row, as the KeyedVectors methods take it.
    assert ev.evaluate_pairs(KV.index_to_key, KV.vectors, p, restrict_vocab=None) == want_p


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"restrict_vocab": 0}, r"restrict_vocab: must be None or an integer >= 1, got 0"),
        ({"restrict_vocab": -5}, r"restrict_vocab: must be None or an integer >= 1, got -5"),
        ({"restrict_vocab": 2.5}, r"restrict_vocab: must be None or an integer >= 1, got 2.5"),
        ({"restrict_vocab": np.float64(3)}, r"restrict_vocab: must be None or an integer >= 1"),
        ({"restrict_vocab": True}, r"restrict_vocab: must be None or an integer >= 1, got True"),
        ({"delimiter": ""}, r"delimiter: must be a non-empty str"),
    ],
)
def test_bad_numbers_are_named_on_every_path(tmp_path: Path, kwargs: dict, match: str) -> None:
    q = tmp_path / "q.txt"
    q.write_text(ANALOGIES)
    p = tmp_path / "p.tsv"
    p.write_text(PAIRS)
    ev = embedrs.evaluation
    calls = [
        lambda: KV.evaluate_word_pairs(p, **kwargs),
        lambda: ev.evaluate_pairs(KV.index_to_key, KV.vectors, p, **kwargs),
    ]
    if "delimiter" not in kwargs:
        calls += [
            lambda: KV.evaluate_word_analogies(q, **kwargs),
            lambda: ev.evaluate_analogies(KV.index_to_key, KV.vectors, q, **kwargs),
        ]
    for call in calls:
        with pytest.raises(InvalidParameterError, match=r"invalid parameter " + match):
            call()
