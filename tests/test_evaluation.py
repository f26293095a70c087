"""embedrs.evaluation on phrase analogy sets (the format of Mikolov et al.'s
questions-phrases.txt).

The phrases paper's test set has the word analogy file's layout, with phrases written as
underscore-joined tokens in their original case::

    : newspapers
    Baltimore Baltimore_Sun Cincinnati Cincinnati_Enquirer

so it is scored by ``evaluate_word_analogies`` once ``Phrases`` has put the joined tokens in
the vocabulary.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline

import embedrs
from embedrs import KeyedVectors
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
