"""Hierarchical softmax (``hs=1``): training alone and with negative sampling, the fitted
``syn1_`` matrix, persistence, continued training, and the parameters around it."""

from __future__ import annotations

import itertools
import pickle
import random

import numpy as np
import pytest

import embedrs
from embedrs import InvalidParameterError, Word2Vec
from embedrs.cli import main

from conftest import planted_corpus, topic_purity, train_args


def small(**kw):
    params = dict(
        vector_size=24,
        window=3,
        min_count=1,
        epochs=5,
        sample=0,
        n_jobs=1,
        random_state=1,
        hs=1,
        negative=0,
    )
    params.update(kw)
    return Word2Vec(**params)


def phrases(n_sentences: int = 2000, seed: int = 0) -> list[list[str]]:
    """Sentences made of fixed phrases: a context word nearly determines its neighbours,
    so the loss can keep falling over the epochs (unlike uniform topic words)."""
    rng = random.Random(seed)
    table = [[f"p{p}w{i}" for i in range(6)] for p in range(30)]
    return [
        [w for _ in range(rng.randint(1, 3)) for w in rng.choice(table)] for _ in range(n_sentences)
    ]


@pytest.mark.parametrize("sg", [0, 1])
@pytest.mark.parametrize("negative", [0, 5])
def test_planted_topics_are_recovered(planted, sg, negative):
    model = small(sg=sg, negative=negative, n_jobs=2).fit(planted)
    assert topic_purity(model.wv_) > 0.9
    n, d = len(model.wv_), model.vector_size
    assert model.syn1_ is not None
    assert model.syn1_.shape == (n, d)
    assert model.syn1_.dtype == np.float32
    # Rows 0..n-2 are the inner nodes (the root first, trained by every word); the last is
    # unused, as in gensim.
    assert np.abs(model.syn1_[0]).sum() > 0
    assert not model.syn1_[-1].any()
    # Negative sampling's matrix is trained only when it is on.
    assert model.syn1neg_.any() == (negative > 0)


def test_untrained_hs_vectors_fail_the_purity_check(planted):
    # Guards the test above.
    model = small(alpha=1e-6, min_alpha=1e-6, epochs=1).fit(planted)
    assert topic_purity(model.wv_) < 0.6


@pytest.mark.parametrize("sg", [0, 1])
def test_loss_is_finite_and_falls(sg):
    model = small(sg=sg, epochs=6, negative=0).fit(phrases())
    means = [e.loss / e.predictions for e in model.epoch_stats_]
    assert all(np.isfinite(model.training_loss_))
    # A zero syn1 starts every decision at ln 2.
    assert means[0] < np.log(2)
    assert means[-1] < 0.8 * means[0], means
    assert all(b < a * 1.01 for a, b in itertools.pairwise(means)), means
    with_negatives = small(sg=sg, epochs=2, negative=5).fit(phrases())
    hs_only = small(sg=sg, epochs=2, negative=0).fit(phrases())
    # The loss reports both objectives: more predictions with negatives too.
    assert with_negatives.epoch_stats_[0].predictions > hs_only.epoch_stats_[0].predictions


@pytest.mark.parametrize("sg", [0, 1])
@pytest.mark.parametrize("negative", [0, 3])
def test_one_thread_is_deterministic_for_a_seed(planted, sg, negative):
    a = small(sg=sg, negative=negative, epochs=2, random_state=7).fit(planted)
    b = small(sg=sg, negative=negative, epochs=2, random_state=7).fit(planted)
    np.testing.assert_array_equal(a.wv_.vectors, b.wv_.vectors)
    np.testing.assert_array_equal(a.syn1_, b.syn1_)
    assert a.training_loss_ == b.training_loss_
    c = small(sg=sg, negative=negative, epochs=2, random_state=8).fit(planted)
    assert not np.array_equal(a.wv_.vectors, c.wv_.vectors)


def test_hs_changes_the_vectors_and_hs0_has_no_syn1(planted):
    plain = small(hs=0, negative=5, epochs=1).fit(planted)
    both = small(hs=1, negative=5, epochs=1).fit(planted)
    assert plain.syn1_ is None
    assert not np.array_equal(plain.wv_.vectors, both.wv_.vectors)
    assert Word2Vec().get_params()["hs"] == 0


def test_save_and_load_round_trip(tmp_path, planted):
    model = small(epochs=2, negative=2).fit(planted)
    path = tmp_path / "m.embedrs"
    model.save(path)
    for loaded in (Word2Vec.load(path), embedrs.load(path, mmap=False), Word2Vec.load(path, True)):
        assert isinstance(loaded, Word2Vec)
        assert loaded.get_params() == model.get_params()
        np.testing.assert_array_equal(loaded.wv_.vectors, model.wv_.vectors)
        np.testing.assert_array_equal(loaded.syn1neg_, model.syn1neg_)
        np.testing.assert_array_equal(loaded.syn1_, model.syn1_)
        assert loaded.training_loss_ == model.training_loss_
    # The file says so in its flags (bit 2); a model without hs writes none of it.
    flags = int.from_bytes(path.read_bytes()[12:16], "little")
    assert flags & 4
    plain_path = tmp_path / "plain.embedrs"
    plain = small(hs=0, negative=5, epochs=1).fit(planted)
    plain.save(plain_path)
    assert not int.from_bytes(plain_path.read_bytes()[12:16], "little") & 4
    assert Word2Vec.load(plain_path).syn1_ is None
    # The matrix is appended after syn1neg, and nothing else changes: the same model without
    # it writes the bytes it wrote before hs existed.
    without = pickle.loads(pickle.dumps(model))
    without.syn1_ = None
    without.save(tmp_path / "without.embedrs")
    expected = bytearray(path.read_bytes()[: -len(model.wv_) * model.vector_size * 4])
    expected[12] &= ~4
    assert (tmp_path / "without.embedrs").read_bytes() == bytes(expected)


def test_pickle_round_trip_and_training_goes_on(planted):
    model = small(epochs=1).fit(planted)
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.syn1_, model.syn1_)
    np.testing.assert_array_equal(back.wv_.vectors, model.wv_.vectors)
    back.partial_fit(planted[:300], epochs=1)
    assert not np.array_equal(back.syn1_, model.syn1_)


def test_continued_training_grows_syn1_and_learns_new_words(planted):
    model = small(sg=1, epochs=3, n_jobs=2).fit(planted)
    n_old = len(model.wv_)
    new = planted_corpus(n_topics=2, words_per_topic=8, n_sentences=1500, seed=5)
    new = [[w.replace("t", "n") for w in s] for s in new]  # topics n0, n1: new words
    model.partial_fit(new, epochs=5)
    assert len(model.wv_) == n_old + 16
    assert model.syn1_.shape == (n_old + 16, model.vector_size)
    assert np.isfinite(model.syn1_).all()
    assert not model.syn1_[-1].any()
    good = total = 0
    for w in [f"n{t}w{i}" for t in range(2) for i in range(8)]:
        for other, _ in model.wv_.most_similar(w, topn=5):
            total += 1
            good += other.split("w")[0] == w.split("w")[0]
    assert good / total > 0.9
    assert len(model.epoch_stats_) == 8


def test_continued_training_with_the_same_words_keeps_the_tree(planted):
    # No new word: the tree is the same, so syn1 keeps its meaning and only moves a little
    # at a small learning rate.
    model = small(epochs=2).fit(planted)
    before = model.syn1_.copy()
    model.partial_fit(planted[:200], epochs=1, alpha=1e-4, min_alpha=1e-4)
    assert model.syn1_.shape == before.shape
    assert 0 < np.abs(model.syn1_ - before).max() < 0.05


def test_bad_parameters_name_themselves(planted):
    with pytest.raises(InvalidParameterError, match=r"negative.*hs=1"):
        Word2Vec(negative=0).fit(planted)
    with pytest.raises(InvalidParameterError, match=r"negative.*hs=1"):
        small(hs=0, negative=0).fit(planted)
    with pytest.raises(InvalidParameterError, match="negative"):
        small(negative=-1).fit(planted)
    with pytest.raises(InvalidParameterError, match="hs"):
        small(hs=2).fit(planted)
    with pytest.raises(InvalidParameterError, match="hs"):
        small(hs="yes").fit(planted)


def test_the_distributed_trainer_refuses_hs():
    distributed = pytest.importorskip("embedrs.distributed")
    with pytest.raises(InvalidParameterError, match=r"invalid parameter hs.*distributed"):
        distributed.fit(object(), hs=1, negative=0)


def test_cli_flag(tmp_path, planted, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted) + "\n")
    out = tmp_path / "m.embedrs"
    argv = train_args(corpus, out, "--hs", "--negative", "0")
    assert main(argv) == 0
    model = Word2Vec.load(out)
    assert (model.hs, model.negative) == (1, 0)
    assert model.syn1_ is not None
    assert model.syn1_.shape == (len(model.wv_), 16)
    assert topic_purity(model.wv_) > 0.8
    with pytest.raises(SystemExit) as e:
        main([*argv[:-3], "--negative", "0"])  # hs off and no negatives
    assert e.value.code == 2
    assert "argument --negative: invalid parameter negative" in capsys.readouterr().err
