"""embedrs.compat.gensim: gensim 4's Word2Vec, KeyedVectors, LineSentence and
PathLineSentences on the embedrs core. Signatures and defaults against gensim's, the same
vocabulary, counts and reports, the two-step build_vocab/train, online updates, gensim's errors,
callbacks and loss, the corpus readers (and that the core reads their files), save/load, and
the refusals of what embedrs cannot honour. gensim is only a test dependency."""

from __future__ import annotations

import bz2
import gzip
import inspect
import logging
import lzma
import pickle
from pathlib import Path

import numpy as np
import pytest

import embedrs
from embedrs import UnsupportedParameterError
from embedrs.compat.gensim import (
    RULE_DISCARD,
    CallbackAny2Vec,
    CythonLineSentence,
    KeyedVectors,
    LineSentence,
    PathLineSentences,
    Word2Vec,
    pseudorandom_weak_vector,
)
from embedrs.compat.gensim import keyedvectors as compat_kv

from conftest import planted_corpus

gensim_models = pytest.importorskip("gensim.models")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gensim")

COMMON = [
    ["human", "interface", "computer"],
    ["survey", "user", "computer", "system", "response", "time"],
    ["eps", "user", "interface", "system"],
    ["system", "human", "system", "eps"],
    ["user", "response", "time"],
    ["trees"],
    ["graph", "trees"],
    ["graph", "minors", "trees"],
    ["graph", "minors", "survey"],
]
NEW = [
    ["computer", "artificial", "intelligence"],
    ["artificial", "trees"],
    ["human", "intelligence"],
    ["artificial", "graph"],
    ["intelligence"],
    ["artificial", "intelligence", "system"],
]


def counts(kv):
    return {w: int(kv.get_vecattr(w, "count")) for w in kv.index_to_key}


# -- signatures and defaults -------------------------------------------------------------------


def _params(fn):
    return {
        name: p.default
        for name, p in inspect.signature(fn).parameters.items()
        if name != "self" and p.kind is not p.VAR_KEYWORD
    }


def test_word2vec_has_gensims_parameters_and_defaults():
    ours, theirs = _params(Word2Vec.__init__), _params(gensim_models.Word2Vec.__init__)
    assert list(ours)[: len(theirs)] == list(theirs)  # same names, same positions
    assert {k: v for k, v in ours.items() if k in theirs} == theirs
    assert set(ours) - set(theirs) == {"shared_negatives"}
    for method in ("build_vocab", "train", "build_vocab_from_freq", "predict_output_word",
                   "scan_vocab", "prepare_vocab", "reset_from", "estimate_memory"):
        mine = _params(getattr(Word2Vec, method))
        assert mine == _params(getattr(gensim_models.Word2Vec, method)), method


@pytest.mark.parametrize(
    "method",
    ["most_similar", "most_similar_cosmul", "similar_by_word", "similar_by_vector",
     "similarity", "distance", "distances", "n_similarity", "get_mean_vector", "closer_than",
     "rank", "most_similar_to_given", "relative_cosine_similarity", "vectors_for_all",
     "add_vector", "add_vectors", "get_vecattr", "set_vecattr", "get_vector", "get_index",
     "evaluate_word_analogies", "evaluate_word_pairs", "save_word2vec_format",
     "load_word2vec_format", "unit_normalize_all", "fill_norms", "rank_by_centrality",
     "doesnt_match", "wmdistance", "sort_by_descending_frequency"],
)
def test_keyed_vectors_methods_have_gensims_parameters(method):
    ours = _params(getattr(KeyedVectors, method))
    theirs = _params(getattr(gensim_models.KeyedVectors, method))
    ours.pop("allow_nonfinite", None)  # embedrs's addition (the readers refuse NaN otherwise)
    assert ours == theirs


# -- the same vocabulary, counts and reports as gensim -----------------------------------------


def test_build_vocab_gives_gensims_words_counts_and_totals():
    for kw in ({"min_count": 1}, {"min_count": 2}, {"min_count": 1, "max_final_vocab": 4},
               {"min_count": 1, "trim_rule": lambda w, c, m: RULE_DISCARD if w == "human" else 0}):
        ours, theirs = Word2Vec(vector_size=8, **kw), gensim_models.Word2Vec(vector_size=8, **kw)
        ours.build_vocab(COMMON)
        theirs.build_vocab(COMMON)
        assert counts(ours.wv) == counts(theirs.wv), kw
        assert (ours.corpus_count, ours.corpus_total_words) == (9, 29)
        assert ours.effective_min_count == theirs.effective_min_count
        assert ours.wv.vectors.shape == theirs.wv.vectors.shape
        assert ours.syn1neg.shape == theirs.syn1neg.shape
        assert not ours.syn1neg.any()
        # Order: by count; equal counts by word here (gensim: the last seen first).
        c = [int(ours.wv.get_vecattr(w, "count")) for w in ours.wv.index_to_key]
        assert c == sorted(c, reverse=True)


def test_scan_and_prepare_report_as_gensim():
    for min_count in (4, 2, 1):
        ours = Word2Vec(vector_size=10, max_final_vocab=4, min_count=min_count, sample=0)
        theirs = gensim_models.Word2Vec(vector_size=10, max_final_vocab=4, min_count=min_count,
                                        sample=0)
        assert ours.scan_vocab(COMMON) == theirs.scan_vocab(COMMON)
        got, want = ours.prepare_vocab(), theirs.prepare_vocab()
        assert got == want
        assert ours.effective_min_count == theirs.effective_min_count
    ours, theirs = Word2Vec(sample=1e-2, min_count=1), gensim_models.Word2Vec(sample=1e-2,
                                                                              min_count=1)
    ours.scan_vocab(COMMON * 30)
    theirs.scan_vocab(COMMON * 30)
    assert ours.prepare_vocab(dry_run=True) == theirs.prepare_vocab(dry_run=True)


def test_online_update_adds_counts_and_judges_new_words_on_the_new_text():
    ours = Word2Vec(COMMON, vector_size=10, min_count=2, seed=42)
    theirs = gensim_models.Word2Vec(COMMON, vector_size=10, min_count=2, seed=42)
    before, old_keys = ours.wv.vectors.copy(), ours.wv.index_to_key
    ours.build_vocab(NEW, update=True)
    theirs.build_vocab(NEW, update=True)
    assert counts(ours.wv) == counts(theirs.wv)
    assert ours.wv.index_to_key[: len(before)] == old_keys  # new words are appended
    np.testing.assert_array_equal(ours.wv.vectors[: len(before)], before)  # rows kept
    assert not ours.syn1neg[len(before):].any()
    assert {"artificial", "intelligence"} <= set(ours.wv.index_to_key[len(before):])
    ours.train(NEW, total_examples=ours.corpus_count, epochs=ours.epochs)
    assert not np.array_equal(ours.wv.vectors[: len(before)], before)
    with pytest.raises(RuntimeError, match="online vocabulary-update of a model which has no"):
        Word2Vec(min_count=1).build_vocab(COMMON, update=True)


def test_build_vocab_from_freq():
    freq = {"minors": 2, "graph": 3, "system": 4, "trees": 3}
    m = Word2Vec(vector_size=10, min_count=0, seed=42)
    m.build_vocab_from_freq(freq)
    assert counts(m.wv) == freq
    m.build_vocab_from_freq({"graph": 1, "artificial": 4}, update=True)
    assert counts(m.wv)["graph"] == 4
    assert len(m.wv) == 5


# -- training ----------------------------------------------------------------------------------


def test_two_steps_equal_the_constructor_and_small_corpora_are_deterministic():
    # gensim cannot split a corpus of fewer words than batch_words between its 3 workers, so
    # a small corpus trains the same every time; embedrs uses no more threads than jobs.
    one = Word2Vec(COMMON * 20, vector_size=8, min_count=1, seed=3)
    two = Word2Vec(vector_size=8, min_count=1, seed=3)
    two.build_vocab(COMMON * 20)
    two.train(COMMON * 20, total_examples=two.corpus_count, epochs=two.epochs)
    np.testing.assert_array_equal(one.wv.vectors, two.wv.vectors)
    np.testing.assert_array_equal(one.syn1neg, two.syn1neg)


def test_word_vectors_are_the_input_vectors_as_in_gensim():
    # The estimator's CBOW default adds half the output vectors (output_weight); gensim's
    # wv is the input matrix, which later train() calls continue from.
    facade = Word2Vec(COMMON * 20, vector_size=8, min_count=1, seed=3)
    same = embedrs.Word2Vec(
        vector_size=8, min_count=1, random_state=3, n_jobs=1, alpha=0.025,
        cbow_gradient="word2vec", output_weight=0,
    ).fit(COMMON * 20)
    np.testing.assert_array_equal(facade.wv.vectors, same.wv_.vectors)
    np.testing.assert_array_equal(facade.syn1neg, same.syn1neg_)


def test_train_refuses_what_gensim_refuses():
    m = Word2Vec(vector_size=4, min_count=1)
    with pytest.raises(RuntimeError, match="you must first build vocabulary"):
        m.train(COMMON, total_examples=9, epochs=1)
    m.build_vocab(COMMON)
    with pytest.raises(ValueError, match="total_examples or total_words"):
        m.train(COMMON, epochs=1)
    with pytest.raises(ValueError, match="explicit epochs count"):
        m.train(COMMON, total_examples=9)
    assert m.epochs is None  # gensim sets it before checking
    with pytest.raises(TypeError, match="Either one of corpus_file or corpus_iterable"):
        m.train(total_examples=9, epochs=1)
    with pytest.raises(TypeError, match="can't support 5 passes"):
        m.train((s for s in COMMON), total_examples=9, epochs=5)
    with pytest.raises(TypeError, match="corpus_file must be a valid path"):
        m.train(corpus_file="/no/such/file", total_words=29, epochs=1)
    with pytest.raises(ValueError, match="either 'hs' or 'negative'"):
        Word2Vec(COMMON, min_count=1, negative=0)
    with pytest.raises(RuntimeError, match="you must first build vocabulary"):
        Word2Vec([["a"]], min_count=2)
    with pytest.raises(TypeError):
        Word2Vec([None, "x.bz2"])  # a sentence that is None


def test_what_embedrs_cannot_honour_raises_naming_it():
    for kw, name in (({"hashfxn": lambda w: 1}, "hashfxn"),
                     ({"sorted_vocab": 0}, "sorted_vocab")):
        with pytest.raises(UnsupportedParameterError, match=f"invalid parameter {name}"):
            Word2Vec(**kw)
    assert issubclass(UnsupportedParameterError, NotImplementedError)
    m = Word2Vec(COMMON, min_count=1, vector_size=4)
    with pytest.raises(UnsupportedParameterError, match="word_count"):
        m.train(COMMON, total_examples=9, epochs=1, word_count=5)
    with pytest.raises(UnsupportedParameterError, match="vectors_lockf"):
        m.wv.vectors_lockf = np.zeros(len(m.wv), np.float32)
    with pytest.raises(embedrs.InvalidParameterError, match="vector_size"):
        Word2Vec(vector_size=0)


def test_vectors_lockf_edited_in_place_is_refused_by_train():
    # gensim scripts lock rows by editing the array in place after assigning ones; the edit
    # must not be silently ignored (the row would train although the script locked it).
    m = Word2Vec(vector_size=4, min_count=1)
    m.build_vocab(COMMON)
    m.wv.vectors_lockf = np.ones(len(m.wv), np.float32)  # ones: accepted, as in gensim
    assert m.wv.vectors_lockf.shape == (len(m.wv),)
    m.wv.vectors_lockf[0] = 0.0
    before = m.wv.vectors.copy()
    with pytest.raises(UnsupportedParameterError, match="vectors_lockf"):
        m.train(COMMON, total_examples=len(COMMON), epochs=1)
    np.testing.assert_array_equal(m.wv.vectors, before)  # refused before training anything
    m.wv.vectors_lockf[0] = 1.0
    m.train(COMMON, total_examples=len(COMMON), epochs=1)
    assert np.all(m.wv.vectors_lockf == 1.0)


def test_str_sentences_are_split_with_gensims_warning(caplog):
    with caplog.at_level(logging.WARNING):
        m = Word2Vec(min_count=1, vector_size=4)
        m.build_vocab(["human machine", "human"])
    assert "Each 'sentences' item should be a list of words" in caplog.text
    assert counts(m.wv) == {"human": 2, "machine": 1}


def test_both_objectives_log_gensims_warning_and_train(caplog):
    sentences = [["human", "machine", "interface"], ["graph", "trees", "minors"]] * 20
    with caplog.at_level(logging.WARNING):
        both = Word2Vec(sentences, min_count=1, vector_size=8, hs=1, negative=5, seed=1)
    assert "Both hierarchical softmax and negative sampling are activated" in caplog.text
    assert both.syn1.shape == both.syn1neg.shape == (len(both.wv), 8)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        Word2Vec(sentences, min_count=1, vector_size=8, hs=1, negative=0, seed=1)
        Word2Vec(sentences, min_count=1, vector_size=8, seed=1)
    assert "Both hierarchical softmax" not in caplog.text


def test_raising_alpha_between_calls_logs_gensims_warning(caplog):
    m = Word2Vec(min_count=1, vector_size=4)
    m.build_vocab(COMMON)
    m.train(COMMON, total_examples=9, epochs=1)
    assert "Effective 'alpha' higher" not in caplog.text
    with caplog.at_level(logging.WARNING):
        m.train(COMMON, total_examples=9, epochs=1)
    assert "Effective 'alpha' higher than previous training cycles" in caplog.text


def test_callbacks_see_each_epochs_vectors_and_loss():
    class Recorder(CallbackAny2Vec):
        def __init__(self):
            self.events, self.vectors, self.losses = [], [], []

        def on_train_begin(self, model):
            self.events.append("train_begin")

        def on_epoch_begin(self, model):
            self.events.append("epoch_begin")

        def on_epoch_end(self, model):
            self.events.append("epoch_end")
            self.vectors.append(model.wv.vectors.copy())
            self.losses.append(model.get_latest_training_loss())

        def on_train_end(self, model):
            self.events.append("train_end")

    rec = Recorder()
    m = Word2Vec(planted_corpus(n_sentences=300), vector_size=8, min_count=1, epochs=3,
                 compute_loss=True, callbacks=[rec], workers=1)
    assert rec.events == ["train_begin"] + ["epoch_begin", "epoch_end"] * 3 + ["train_end"]
    assert not np.array_equal(rec.vectors[0], rec.vectors[1])
    np.testing.assert_array_equal(rec.vectors[-1], m.wv.vectors)
    assert 0 < rec.losses[0] < rec.losses[1] < rec.losses[2] == m.get_latest_training_loss()
    m.train(planted_corpus(n_sentences=30), total_examples=30, epochs=1)
    assert m.get_latest_training_loss() == 0.0  # compute_loss is per train() call, as in gensim


def purity(kv):
    """Share of each word's 5 nearest neighbours from its own planted topic."""
    top = [kv.most_similar(w, topn=5) for w in kv.index_to_key]
    return np.mean(
        [[o[:2] == w[:2] for o, _ in t] for w, t in zip(kv.index_to_key, top, strict=True)]
    )


def test_quality_matches_gensim_on_a_planted_corpus():
    corpus = planted_corpus(n_sentences=2000)
    kw = dict(vector_size=16, min_count=1, epochs=5, seed=1, workers=2, window=4)
    ours, theirs = Word2Vec(corpus, **kw), gensim_models.Word2Vec(corpus, **kw)

    assert purity(ours.wv) >= purity(theirs.wv) - 0.05
    assert purity(ours.wv) > 0.9


@pytest.mark.parametrize("sg", [0, 1])
@pytest.mark.parametrize("negative", [0, 5])
def test_hierarchical_softmax_as_gensims(sg, negative):
    corpus = planted_corpus(n_sentences=2000)
    kw = dict(vector_size=16, min_count=1, epochs=5, seed=1, workers=2, window=4, sg=sg,
              hs=1, negative=negative)
    ours, theirs = Word2Vec(corpus, **kw), gensim_models.Word2Vec(corpus, **kw)

    assert purity(ours.wv) >= purity(theirs.wv) - 0.05
    assert purity(ours.wv) > 0.9
    # syn1 as gensim's: one row per word, the last unused; syn1neg is kept (zeros) with
    # negative=0, where gensim has none.
    assert ours.syn1.shape == theirs.syn1.shape == (len(ours.wv), 16)
    assert ours.syn1.any()
    assert not ours.syn1[-1].any()
    assert ours.syn1neg.any() == bool(negative)
    assert ours.estimate_memory()["syn1"] == theirs.estimate_memory()["syn1"]


def test_hierarchical_softmax_saves_loads_and_grows(tmp_path):
    m = Word2Vec(COMMON * 20, vector_size=8, min_count=1, seed=4, hs=1, negative=0,
                 compute_loss=True)
    assert m.get_latest_training_loss() > 0
    m.save(tmp_path / "m.w2v")
    back = Word2Vec.load(tmp_path / "m.w2v")
    np.testing.assert_array_equal(back.syn1, m.syn1)
    np.testing.assert_array_equal(back.wv.vectors, m.wv.vectors)
    assert (back.hs, back.negative) == (1, 0)
    before = back.syn1.copy()
    back.build_vocab(NEW * 20, update=True)
    assert back.syn1.shape == (len(back.wv), 8)
    np.testing.assert_array_equal(back.syn1[: len(before)], before)
    assert not back.syn1[len(before):].any()
    back.train(NEW * 20, total_examples=back.corpus_count, epochs=2)
    # The tree is rebuilt over the 14 words: 13 inner nodes, the last row unused.
    assert not np.array_equal(back.syn1[: len(before)], before)
    assert np.isfinite(back.syn1).all()
    assert not back.syn1[-1].any()
    plain = Word2Vec(COMMON, vector_size=8, min_count=1)
    assert not hasattr(plain, "syn1")  # as gensim: no hs, no syn1


def test_predict_output_word_is_gensims_softmax():
    m = Word2Vec(COMMON * 10, vector_size=8, min_count=1, seed=2)
    got = m.predict_output_word(["system", "human"], topn=5)
    rows = [m.wv.get_index("system"), m.wv.get_index("human")]
    logits = m.syn1neg @ m.wv.vectors[rows].mean(axis=0)
    p = np.exp(logits) / np.exp(logits).sum()
    want = np.argsort(-p)[:5]
    assert [w for w, _ in got] == [m.wv.index_to_key[i] for i in want]
    np.testing.assert_allclose([s for _, s in got], p[want], rtol=1e-5)
    assert m.predict_output_word([rows[0], "human"], topn=5) == got  # int keys are rows
    assert m.predict_output_word(["zzz"]) is None
    bare = Word2Vec()
    bare.wv = m.wv
    with pytest.raises(RuntimeError, match="Parameters required"):
        bare.predict_output_word(["system"])


def test_reset_from_and_str():
    m, other = Word2Vec(COMMON, min_count=1), Word2Vec(NEW, min_count=1)
    m.reset_from(other)
    assert m.wv.key_to_index == other.wv.key_to_index
    assert m.corpus_count == other.corpus_count
    assert str(m) == f"Word2Vec<vocab={len(m.wv)}, vector_size=100, alpha=0.025>"
    with pytest.raises(RuntimeError, match="hierarchical softmax"):
        m.score(COMMON)


# -- corpus readers ----------------------------------------------------------------------------


@pytest.fixture
def corpus_files(tmp_path):
    text = "the cat  sat\n\n  a dog ran far away\n" + " ".join(["w"] * 25) + "\n"
    files = {
        "plain": tmp_path / "c.txt",
        "gz": tmp_path / "c.txt.gz",
        "bz2": tmp_path / "c.txt.bz2",
        "xz": tmp_path / "c.txt.xz",
    }
    files["plain"].write_text(text)
    files["gz"].write_bytes(gzip.compress(text.encode()))
    files["bz2"].write_bytes(bz2.compress(text.encode()))
    files["xz"].write_bytes(lzma.compress(text.encode()))
    return files


def test_line_sentence_reads_as_gensims(corpus_files):
    g = gensim_models.word2vec
    want = list(g.LineSentence(str(corpus_files["plain"]), max_sentence_length=10))
    for path in corpus_files.values():
        ls = LineSentence(path, max_sentence_length=10)
        assert list(ls) == want
        assert list(ls) == want  # re-iterable
    assert list(LineSentence(corpus_files["plain"], limit=2)) == want[:1]
    with open(corpus_files["plain"], "rb") as f:
        assert list(LineSentence(f, max_sentence_length=10)) == want
    with bz2.BZ2File(corpus_files["bz2"]) as f:
        assert list(LineSentence(f, max_sentence_length=10)) == want
    assert [s for s in CythonLineSentence(corpus_files["plain"])] == [
        [w.encode() for w in s] for s in g.LineSentence(str(corpus_files["plain"]))
    ]


def test_path_line_sentences_reads_files_in_sorted_order(tmp_path, corpus_files):
    d = tmp_path / "dir"
    d.mkdir()
    (d / "2.txt.bz2").write_bytes(bz2.compress(b"second file\n"))
    (d / "1.txt").write_text("first file\n")
    (d / "sub").mkdir()
    assert list(PathLineSentences(d)) == [["first", "file"], ["second", "file"]]
    assert list(PathLineSentences(d / "1.txt")) == [["first", "file"]]
    with pytest.raises(ValueError, match="neither a file nor a path"):
        PathLineSentences(tmp_path / "nope")


def test_line_readers_as_the_corpus_are_read_by_the_core(monkeypatch, tmp_path):
    corpus = planted_corpus(n_sentences=500)
    p = tmp_path / "c.txt.gz"
    p.write_bytes(gzip.compress(("\n".join(" ".join(s) for s in corpus) + "\n").encode()))

    def no_python_iteration(self):
        raise AssertionError("the corpus was iterated in Python")

    monkeypatch.setattr(LineSentence, "__iter__", no_python_iteration)
    monkeypatch.setattr(PathLineSentences, "__iter__", no_python_iteration)
    kw = dict(vector_size=8, min_count=1, workers=1, seed=1)
    a = Word2Vec(LineSentence(p), **kw)
    b = Word2Vec(PathLineSentences(p), **kw)
    c = Word2Vec(corpus_file=str(p), **kw)
    d = Word2Vec(corpus, **kw)
    assert a.corpus_count == b.corpus_count == c.corpus_count == d.corpus_count == 500
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    assert counts(a.wv) == counts(d.wv)


# -- persistence -------------------------------------------------------------------------------


def test_save_load_and_continue(tmp_path):
    m = Word2Vec(COMMON, vector_size=8, min_count=1, seed=4, compute_loss=True, comment="c")
    m.save(tmp_path / "m.w2v")
    for mmap in (None, "r"):
        back = Word2Vec.load(tmp_path / "m.w2v", mmap=mmap)
        np.testing.assert_array_equal(back.wv.vectors, m.wv.vectors)
        np.testing.assert_array_equal(back.syn1neg, m.syn1neg)
        assert counts(back.wv) == counts(m.wv)
        assert (back.corpus_count, back.comment, back.seed) == (9, "c", 4)
        assert back.get_latest_training_loss() == m.get_latest_training_loss()
    back.build_vocab(NEW, update=True)
    back.train(NEW, total_examples=back.corpus_count, epochs=1)
    assert "artificial" in back.wv
    with pytest.raises(AttributeError, match="called on a class object"):
        Word2Vec().load(tmp_path / "m.w2v")
    m.wv.save(tmp_path / "kv")
    with pytest.raises(AttributeError, match="can't be loaded by Word2Vec"):
        Word2Vec.load(tmp_path / "kv")
    assert KeyedVectors.load(tmp_path / "kv").index_to_key == m.wv.index_to_key
    assert pickle.loads(pickle.dumps(m.wv)).index_to_key == m.wv.index_to_key


# -- KeyedVectors ------------------------------------------------------------------------------


def test_keyed_vectors_as_gensims():
    kv = KeyedVectors(3)
    assert kv.vectors.shape == (0, 3)
    assert kv.vectors.dtype == np.float32
    kv.add_vectors("a", np.array([1.0, 0, 0]))
    kv[["b", "c"]] = [np.array([1.0, 1, 0]), np.array([0.0, 0, 1])]
    assert kv.index_to_key == ["a", "b", "c"]
    assert kv[1].tolist() == [1.0, 1.0, 0.0]
    assert 2 in kv
    assert 3 not in kv
    assert str(kv) == "KeyedVectors<vector_size=3, 3 keys>"
    assert kv.n_similarity(["a", "zz"], ["b"]) == pytest.approx(0.7071, abs=1e-4)
    assert kv.n_similarity(["zz"], ["b"]) == 0.0
    with pytest.raises(ZeroDivisionError):
        kv.n_similarity([], ["b"])
    assert kv.get_mean_vector(["zz"]).tolist() == [0.0, 0.0, 0.0]
    assert kv.most_similar([0, "c"], topn=1)[0][0] == "b"
    with pytest.raises(AttributeError, match="vocab attribute was removed"):
        _ = kv.vocab
    with pytest.raises(AttributeError, match="index_to_key"):
        _ = kv.index2word
    with pytest.warns(DeprecationWarning, match="init_sims"):
        kv.init_sims(replace=True)
    assert kv["b"] == pytest.approx([0.7071, 0.7071, 0], abs=1e-4)
    with pytest.raises(UnsupportedParameterError, match="dtype"):
        KeyedVectors(3, dtype=np.float64)


def test_module_helpers(tmp_path):
    v = pseudorandom_weak_vector(10, "seed", hashfxn=len)
    assert v.dtype == np.float32
    assert np.all(np.abs(v) <= 0.05)
    np.testing.assert_array_equal(v, pseudorandom_weak_vector(10, "seed", hashfxn=len))
    p = tmp_path / "v.bin"
    KeyedVectors.load_word2vec_format  # noqa: B018 - exists as gensim's
    p.write_bytes(b"2 2\nab " + np.array([1, 2], np.float32).tobytes()
                  + b"\ncd " + np.array([3, 4], np.float32).tobytes())
    kv = compat_kv._load_word2vec_format(KeyedVectors, str(p), binary=True, limit=1,
                                         binary_chunk_size=3)
    assert isinstance(kv, KeyedVectors)
    assert kv.index_to_key == ["ab"]
    assert Path(compat_kv.__file__).name == "keyedvectors.py"


def test_corpus_file_two_steps_and_online_update(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt.bz2"
    first.write_text("\n".join(" ".join(s) for s in COMMON * 10) + "\n")
    second.write_bytes(bz2.compress(("\n".join(" ".join(s) for s in NEW * 10) + "\n").encode()))
    m = Word2Vec(vector_size=8, min_count=1, seed=5)
    m.build_vocab(corpus_file=str(first))
    assert (m.corpus_count, m.corpus_total_words) == (90, 290)
    trained, raw = m.train(corpus_file=str(first), total_words=m.corpus_total_words,
                           epochs=m.epochs)
    assert raw == 5 * 290
    assert 0 < trained <= raw
    m.build_vocab(corpus_file=str(second), update=True)  # compressed: read by the core
    assert {"artificial", "intelligence"} <= set(m.wv.index_to_key)
    assert m.corpus_total_words == 130
    m.train(corpus_file=str(second), total_words=m.corpus_total_words, epochs=1)


def test_evaluate_word_analogies_similarity_function(tmp_path, caplog):
    m = Word2Vec(COMMON * 10, vector_size=8, min_count=1)
    q = tmp_path / "q.txt"
    q.write_text(": s\nhuman interface computer system\n")
    with caplog.at_level(logging.WARNING):
        got = m.wv.evaluate_word_analogies(q, similarity_function="most_similar_cosmul")
    assert got == m.wv.evaluate_word_analogies(q)  # as gensim 4.4: 3CosAdd either way
    assert "scores with 3CosAdd" in caplog.text
    with pytest.raises(embedrs.InvalidParameterError, match="similarity_function"):
        m.wv.evaluate_word_analogies(q, similarity_function="cosine")
