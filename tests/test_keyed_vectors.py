"""KeyedVectors: access, queries, lookup, word2vec formats and gensim interoperability."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedrs import FormatError, KeyedVectors, OutOfVocabularyError, Word2Vec


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


def test_pickle(kv):
    back = pickle.loads(pickle.dumps(kv))
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    assert back.index_to_key == kv.index_to_key


@pytest.mark.parametrize("binary", [True, False])
def test_word2vec_round_trip(tmp_path, kv, binary):
    p = tmp_path / "v.w2v"
    kv.save_word2vec_format(p, binary=binary)
    back = KeyedVectors.load_word2vec_format(p, binary=binary)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)  # shortest repr round-trips f32


def test_failed_save_leaves_old_file(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("previous")
    bad = KeyedVectors(["has space"], np.ones((1, 2), np.float32))
    with pytest.raises(FormatError, match="whitespace"):
        bad.save_word2vec_format(p, binary=False)
    assert p.read_text() == "previous"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["v.txt"]


def test_truncated_file_names_where(tmp_path, kv):
    p = tmp_path / "v.bin"
    kv.save_word2vec_format(p)
    p.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(FormatError, match=r"byte \d+"):
        KeyedVectors.load_word2vec_format(p)
    t = tmp_path / "v.txt"
    t.write_text("2 3\na 1 2 3\nb 1 2\n")
    with pytest.raises(FormatError, match="line 3: expected 3 numbers"):
        KeyedVectors.load_word2vec_format(t, binary=False)


@pytest.mark.parametrize("binary", [True, False])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, binary):
    gensim_kv = pytest.importorskip("gensim.models").KeyedVectors
    corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran"]] * 30
    m = Word2Vec(vector_size=12, min_count=1, epochs=2, n_jobs=1, random_state=3).fit(corpus)
    ours = tmp_path / "ours.w2v"
    m.wv_.save_word2vec_format(ours, binary=binary)
    g = gensim_kv.load_word2vec_format(str(ours), binary=binary)
    assert list(g.index_to_key) == m.wv_.index_to_key
    np.testing.assert_array_equal(g.vectors, m.wv_.vectors)
    theirs = tmp_path / "theirs.w2v"
    g.save_word2vec_format(str(theirs), binary=binary)
    back = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert back.index_to_key == m.wv_.index_to_key
    if binary:
        np.testing.assert_array_equal(back.vectors, m.wv_.vectors)
    else:  # gensim prints repr() of float32 values: exact too
        np.testing.assert_allclose(back.vectors, m.wv_.vectors, rtol=1e-6)
