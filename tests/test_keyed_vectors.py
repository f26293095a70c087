"""KeyedVectors: access, queries (against brute force and against gensim), batched search,
lookup, pooling, the evaluation methods, and queries with bad or no input. (Its files are in
test_formats.py.)"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embedrs
from embedrs import KeyedVectors, OutOfVocabularyError, Word2Vec

from conftest import SHARED

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gensim")


@pytest.fixture(scope="module")
def kv():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    return KeyedVectors(words, rng.standard_normal((300, 16)).astype(np.float32))


def brute_force(kv, query, exclude, topn):
    unit = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    q = query / np.linalg.norm(query)
    sims = unit @ q
    sims[list(exclude)] = -np.inf
    order = np.argsort(-sims, kind="stable")[:topn]
    return [kv.index_to_key[i] for i in order], sims[order]


def names(res):
    return [w for w, _ in res]


# -- access and single queries -----------------------------------------------------------------


def test_basic_access(kv):
    assert len(kv) == 300
    assert "w5" in kv
    assert "nope" not in kv
    assert 5 not in kv
    assert kv.get_index("w7") == 7
    assert kv["w7"].shape == (16,)
    assert kv[["w1", "w2"]].shape == (2, 16)
    assert kv.key_to_index["w9"] == 9


def test_vectors_is_a_read_only_zero_copy_view(kv):
    v = kv.vectors
    assert not v.flags.writeable
    assert np.shares_memory(v, kv.vectors)
    assert np.shares_memory(kv["w3"], v)
    with pytest.raises(ValueError, match="read-only"):
        v[0, 0] = 1.0


def test_unknown_words_raise_a_key_error_naming_them(kv):
    with pytest.raises(KeyError) as e:
        kv["kingg"]
    assert isinstance(e.value, OutOfVocabularyError)
    assert "'kingg'" in str(e.value)
    with pytest.raises(OutOfVocabularyError, match="'x1', 'x2'"):
        kv.most_similar(["w1", "x1", "x2"])


def test_most_similar_matches_brute_force(kv):
    got = kv.most_similar("w3", topn=7)
    want, scores = brute_force(kv, kv["w3"], {3}, 7)
    assert [w for w, _ in got] == want
    np.testing.assert_allclose([s for _, s in got], scores, rtol=1e-5, atol=1e-6)


def test_analogy_query_matches_gensim_semantics(kv):
    # 3CosAdd: mean of unit vectors with signs, input words excluded.
    got = kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5)
    unit = lambda w: kv[w] / np.linalg.norm(kv[w])  # noqa: E731
    q = (unit("w1") + unit("w2") - unit("w3")) / 3
    want, _ = brute_force(kv, q, {1, 2, 3}, 5)
    assert [w for w, _ in got] == want


def test_restrict_vocab_and_topn_bounds(kv):
    got = kv.most_similar("w0", topn=500, restrict_vocab=50)
    assert len(got) == 49
    assert all(kv.get_index(w) < 50 for w, _ in got)
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar("w0", topn=0)


def test_similarity(kv):
    a, b = kv["w1"], kv["w2"]
    want = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert kv.similarity("w1", "w2") == pytest.approx(want, rel=1e-5)
    assert kv.similarity("w1", "w1") == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 299), st.integers(1, 320))
def test_most_similar_invariants(i, topn):
    rng = np.random.default_rng(1)
    kv = KeyedVectors(
        [f"w{j}" for j in range(300)], rng.standard_normal((300, 8)).astype(np.float32)
    )
    res = kv.most_similar(f"w{i}", topn=topn)
    assert len(res) == min(topn, 299)
    scores = [s for _, s in res]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0001 <= s <= 1.0001 for s in scores)
    assert f"w{i}" not in [w for w, _ in res]


def test_queries_agree_with_gensim(pair):
    kv, g = pair
    assert names(kv.most_similar("w1", topn=10)) == names(g.most_similar("w1", topn=10))
    assert names(kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=10)) == names(
        g.most_similar(positive=["w1", "w2"], negative=["w3"], topn=10)
    )
    got = kv.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=10)
    want = g.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=10)
    assert names(got) == names(want)
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-4)
    assert kv.n_similarity(["w1", "w2"], ["w3"]) == pytest.approx(
        g.n_similarity(["w1", "w2"], ["w3"]), abs=1e-5
    )
    assert kv.distance("w1", "w2") == pytest.approx(g.distance("w1", "w2"), abs=1e-5)
    np.testing.assert_allclose(kv.distances("w4"), g.distances("w4"), atol=1e-5)
    np.testing.assert_allclose(
        kv.distances("w4", ["w5", "w6"]), g.distances("w4", ["w5", "w6"]), atol=1e-5
    )
    assert kv.doesnt_match(["w1", "w2", "w3", "w4"]) == g.doesnt_match(["w1", "w2", "w3", "w4"])
    assert kv.closer_than("w1", "w9") == g.closer_than("w1", "w9")
    assert kv.rank("w1", "w9") == g.rank("w1", "w9")
    np.testing.assert_allclose(
        kv.get_mean_vector(["w1", "w2"]), g.get_mean_vector(["w1", "w2"]), atol=1e-6
    )
    np.testing.assert_allclose(kv.get_normed_vectors(), g.get_normed_vectors(), atol=1e-6)


# -- queries with bad or no input --------------------------------------------------------------


def test_queries_reject_bad_input():
    kv = embedrs.KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="no input"):
        kv.most_similar([])
    with pytest.raises(ValueError, match="topn"):
        kv.most_similar("a", topn=0)
    assert len(kv.most_similar("a", topn=100)) == 1
    with pytest.raises(TypeError, match="integers"):
        kv.lookup(np.array([0.0, 1.0]))


def test_empty_queries_are_value_errors():
    kv = KeyedVectors(["w1", "w2"], np.eye(2, dtype=np.float32))
    cases = [
        (lambda: kv.n_similarity([], ["w1"]), "at least one of the word lists is empty"),
        (lambda: kv.n_similarity(["w1"], []), "at least one of the word lists is empty"),
        (lambda: kv.doesnt_match([]), "cannot select a word from an empty list"),
        (lambda: kv.doesnt_match(["unknown"]), "cannot select a word from an empty list"),
        (lambda: kv.get_mean_vector([]), "cannot compute the mean of no keys"),
        (lambda: kv.get_mean_vector(["unknown"]), "none of the keys is in the vocabulary"),
        (
            lambda: kv.most_similar_cosmul(),
            "cannot compute similarity with no input: give positive or negative",
        ),
        (
            lambda: kv.most_similar(positive=[], negative=[]),
            "cannot compute similarity with no input",
        ),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()


# -- batched search, lookup, pooling, pickle ---------------------------------------------------


def test_most_similar_batch_matches_single_queries(pair):
    kv, _ = pair
    words = [f"w{i}" for i in range(0, 400, 7)]
    idx, scores = kv.most_similar_batch(words, topn=10)
    assert idx.shape == (len(words), 10)
    for w, row, sc in zip(words, idx, scores, strict=True):
        single = kv.most_similar(w, topn=10)
        assert [kv.index_to_key[i] for i in row] == names(single)
        np.testing.assert_allclose(sc, [s for _, s in single], rtol=1e-5, atol=1e-6)
    vidx, _ = kv.most_similar_batch(kv[words])
    assert (vidx[:, 0] == [kv.get_index(w) for w in words]).all()  # a vector finds itself
    with pytest.raises(OutOfVocabularyError, match="nope"):
        kv.most_similar_batch(["w1", "nope"])
    with pytest.raises(embedrs.DimensionError):
        kv.most_similar_batch(np.zeros((2, 3), np.float32))


def test_lookup_shapes_and_errors(kv):
    out = kv.lookup([[0, 2], [1, 2]])
    assert out.shape == (2, 2, 16)
    np.testing.assert_array_equal(out[0, 1], kv.vectors[2])
    np.testing.assert_array_equal(out[1, 0], kv.vectors[1])
    assert kv.lookup(np.zeros((0,), dtype=np.int64)).shape == (0, 16)
    assert kv.lookup(np.ones((2, 3, 4), dtype=np.int32)).shape == (2, 3, 4, 16)
    with pytest.raises(IndexError, match="id 300 is out of range for 300"):
        kv.lookup([1, 300])
    with pytest.raises(IndexError, match="id -1"):
        kv.lookup([-1])
    with pytest.raises(TypeError, match="integers"):
        kv.lookup([0.5])


def test_lookup_padding_and_mask(pair):
    kv, _ = pair
    out, mask = kv.lookup([[3, -1], [-1, 4]], padding_idx=-1, return_mask=True)
    assert out.shape == (2, 2, 20)
    assert mask.tolist() == [[True, False], [False, True]]
    assert not out[0, 1].any()
    np.testing.assert_array_equal(out[1, 1], kv.vectors[4])
    with pytest.raises(IndexError, match="id 400"):
        kv.lookup([400], padding_idx=0)


def test_pooling_modes_and_weights():
    kv = KeyedVectors(["a", "b"], np.array([[1, 0], [0, 2]], np.float32), counts=[3, 1])
    docs = [["a", "b"], "b zz", ["zz"]]
    np.testing.assert_allclose(kv.transform(docs), [[0.5, 1], [0, 2], [0, 0]])
    np.testing.assert_allclose(kv.transform(docs, pooling="sum"), [[1, 2], [0, 2], [0, 0]])
    np.testing.assert_allclose(kv.transform(docs, pooling="max"), [[1, 2], [0, 2], [0, 0]])
    sif = kv.transform(docs, weighting="sif", sif_a=0.25)
    wa, wb = 0.25 / (0.25 + 0.75), 0.25 / (0.25 + 0.25)
    np.testing.assert_allclose(sif[0], [wa / (wa + wb), 2 * wb / (wa + wb)], rtol=1e-6)
    with pytest.raises(ValueError, match="pooling"):
        kv.transform(docs, pooling="median")


def test_pickle(kv):
    back = pickle.loads(pickle.dumps(kv))
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    assert back.index_to_key == kv.index_to_key


# -- on trained vectors: evaluation and batched search against gensim --------------------------


@pytest.fixture(scope="module")
def trained_pair():
    small = SHARED / "corpora" / "embedrs-corpus-small.txt"
    if not small.exists():
        pytest.skip("../shared corpora not available")
    lines = small.read_text().splitlines()[:20000]
    # One thread: the same vectors on every run (two Hogwild threads differ run to run).
    m = Word2Vec(vector_size=50, min_count=5, epochs=2, n_jobs=1, random_state=1, sg=1).fit(
        [line.split() for line in lines]
    )
    g = pytest.importorskip("gensim.models").KeyedVectors(50)
    g.add_vectors(m.wv_.index_to_key, m.wv_.vectors.copy())
    return m.wv_, g


def test_evaluation_agrees_with_gensim(trained_pair):
    kv, g = trained_pair
    ev = SHARED / "eval"
    for restrict in (30000, 300000):
        ours, sections = kv.evaluate_word_analogies(
            ev / "questions-words.txt", restrict_vocab=restrict
        )
        theirs, gsections = g.evaluate_word_analogies(
            str(ev / "questions-words.txt"), restrict_vocab=restrict
        )
        assert ours == pytest.approx(theirs, abs=1e-4)
        assert len(sections[-1]["correct"]) == len(gsections[-1]["correct"])
    for f in ("wordsim353.tsv", "simlex999.txt"):
        (p, _), (s, _), oov = kv.evaluate_word_pairs(ev / f)
        (gp, _), (gs, _), goov = g.evaluate_word_pairs(str(ev / f))
        assert p == pytest.approx(gp, abs=1e-4)
        # Spearman works on ranks: cosines that gensim and embedrs round one float32 ulp
        # apart can order two nearly equal pairs differently (seen: up to 1e-4 on SimLex).
        assert s == pytest.approx(gs, abs=1e-3)
        assert oov == pytest.approx(goov, abs=1e-6)


def test_most_similar_batch_matches_gensim_top10(trained_pair):
    kv, g = trained_pair
    words = kv.index_to_key[100:300]
    idx, _ = kv.most_similar_batch(words, topn=10)
    agree = 0
    for w, row in zip(words, idx, strict=True):
        ours = [kv.index_to_key[i] for i in row]
        theirs = [x for x, _ in g.most_similar(w, topn=10)]
        agree += ours == theirs
    assert agree >= 0.98 * len(words)  # ties in float32 may swap a pair
