"""The gensim-compatible query API, evaluation, pooling and the native format."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

import embedrs
from embedrs import FormatError, KeyedVectors, OutOfVocabularyError, Word2Vec

from conftest import SHARED

gensim_models = pytest.importorskip("gensim.models")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gensim")


@pytest.fixture(scope="module")
def pair():
    """The same random vectors as an embedrs and a gensim KeyedVectors."""
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(400)]
    vecs = rng.standard_normal((400, 20)).astype(np.float32)
    g = gensim_models.KeyedVectors(20)
    g.add_vectors(words, vecs)
    return KeyedVectors(words, vecs), g


def names(res):
    return [w for w, _ in res]


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


@pytest.mark.parametrize("mmap", [True, False])
def test_native_round_trip(tmp_path, pair, mmap):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    kv.save(p)
    back = KeyedVectors.load(p, mmap=mmap)
    assert back.is_mapped == mmap
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    np.testing.assert_array_equal(back.counts, kv.counts)
    assert not back.vectors.flags.writeable
    assert isinstance(embedrs.load(p, mmap=mmap), KeyedVectors)


def test_damaged_native_files_are_format_errors(tmp_path, pair):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    kv.save(p)
    data = p.read_bytes()
    (tmp_path / "cut").write_bytes(data[:-4])
    with pytest.raises(FormatError, match="truncated"):
        KeyedVectors.load(tmp_path / "cut")
    wrong = bytearray(data)
    wrong[8] = 99
    (tmp_path / "ver").write_bytes(bytes(wrong))
    with pytest.raises(FormatError, match="version 99"):
        KeyedVectors.load(tmp_path / "ver")
    (tmp_path / "w2v").write_text("1 2\na 1 2\n")
    with pytest.raises(FormatError, match="not an embedrs native file"):
        KeyedVectors.load(tmp_path / "w2v")


def test_complete_model_save_load_and_pickle(tmp_path):
    corpus = [["a", "b", "c", "d"], ["b", "c", "d", "e"]] * 50
    m = Word2Vec(vector_size=8, min_count=1, epochs=2, n_jobs=1, random_state=3, sg=1).fit(corpus)
    p = tmp_path / "m.embedrs"
    m.save(p)
    for back in (Word2Vec.load(p), embedrs.load(p, mmap=False), pickle.loads(pickle.dumps(m))):
        assert isinstance(back, Word2Vec)
        assert back.get_params() == m.get_params()
        np.testing.assert_array_equal(back.wv_.vectors, m.wv_.vectors)
        np.testing.assert_array_equal(back.syn1neg_, m.syn1neg_)
        assert back.training_loss_ == m.training_loss_
        assert back.corpus_total_words_ == m.corpus_total_words_
        np.testing.assert_array_equal(back.transform([["a", "b"]]), m.transform([["a", "b"]]))
    m.wv_.save(tmp_path / "kv.embedrs")
    with pytest.raises(FormatError, match="vectors only"):
        Word2Vec.load(tmp_path / "kv.embedrs")


def test_save_is_atomic(tmp_path, pair, monkeypatch):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    p.write_bytes(b"previous")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "kv.embedrs").write_bytes(b"previous")
    os.chmod(ro, 0o500)
    try:
        if os.access(ro, os.W_OK):  # running as root: permissions are not enforced
            pytest.skip("permissions are not enforced for this user")
        with pytest.raises(OSError, match=r"kv\.embedrs"):
            kv.save(ro / "kv.embedrs")
        assert (ro / "kv.embedrs").read_bytes() == b"previous"
    finally:
        os.chmod(ro, 0o700)


@pytest.mark.parametrize(
    ("content", "kwargs", "match"),
    [
        (b"2 2\na 1 2\n", {}, "line 3: file ends after 1 of 2"),
        (b"1 2\na 1 inf\n", {}, "not finite"),
        (b"1 2\n\xffa 1 2\n", {}, "not valid UTF-8"),
        (b"1 2\na 1 2 3\n", {}, "expected 2 numbers"),
        (b"2 2\na 1 2\na 2 3\n", {}, "duplicate word"),
        (b"hello\n", {}, "expected a header"),
    ],
)
def test_malformed_word2vec_text(tmp_path, content, kwargs, match):
    p = tmp_path / "v.txt"
    p.write_bytes(content)
    with pytest.raises(FormatError, match=match):
        KeyedVectors.load_word2vec_format(p, binary=False, **kwargs)


def test_word2vec_reader_options(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 2\n\xffa 1 2\nb 1 nan\n")
    kv = KeyedVectors.load_word2vec_format(
        p, binary=False, unicode_errors="replace", allow_nonfinite=True
    )
    assert kv.index_to_key == ["\ufffda", "b"]
    assert np.isnan(kv["b"][1])
    assert KeyedVectors.load_word2vec_format(
        p, binary=False, unicode_errors="ignore", limit=1
    ).index_to_key == ["a"]
    q = tmp_path / "noheader.txt"
    q.write_text("a 1 2\nb 3 4\n")
    assert len(KeyedVectors.load_word2vec_format(q, binary=False, no_header=True)) == 2


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
    g = gensim_models.KeyedVectors(50)
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


def test_load_shares_memory_with_file(tmp_path: Path, pair):
    kv, _ = pair
    p = tmp_path / "kv.embedrs"
    kv.save(p)
    back = KeyedVectors.load(p, mmap=True)
    assert back.is_mapped
    # The view's memory lies inside the file's mapping: /proc/self/maps names the file there.
    addr = back.vectors.__array_interface__["data"][0]
    maps = Path("/proc/self/maps").read_text().splitlines()
    owner = [
        m
        for m in maps
        if int(m.split()[0].split("-")[0], 16) <= addr < int(m.split()[0].split("-")[1], 16)
    ]
    assert owner
    assert owner[0].endswith(str(p))
