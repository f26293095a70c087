"""Parameter validation (embedrs._params and the core's TrainConfig): one check per
parameter, upper bounds that fail before any work, random_state, topn, and learning rates or
ns_exponent values that overflow or diverge. Every bad value is an InvalidParameterError naming
the parameter."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from embedrs import InvalidParameterError, KeyedVectors, _embedrs

from conftest import planted_corpus, small

# -- upper bounds of window, negative, n_jobs and max_sentence_length --------------------------


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"window": 10**9},
            r"invalid parameter window: 1000000000 is larger than max_sentence_length=10000: "
            r"sentences are cut into pieces of at most max_sentence_length words, so no window "
            r"could ever be that wide",
        ),
        ({"window": 11, "max_sentence_length": 10}, r"invalid parameter window: 11 is larger"),
        (
            {"negative": 10**9},
            r"invalid parameter negative: must be <= 10000 \(each positive example costs "
            r"negative \+ 1 updates; word2vec uses 5 to 20\), got 1000000000",
        ),
        ({"n_jobs": 10**6}, r"invalid parameter n_jobs: must be <= 1024 threads, got 1000000"),
        (
            {"max_sentence_length": 2**32},
            r"invalid parameter max_sentence_length: must be <= 4294967295 ",
        ),
    ],
)
def test_upper_bounds_fail_before_any_work(params, match):
    t = time.perf_counter()
    with pytest.raises(InvalidParameterError, match=match):
        small(**params).fit(iter_that_must_not_be_read())
    assert time.perf_counter() - t < 5


def iter_that_must_not_be_read():
    raise AssertionError("the corpus was read before the parameters were checked")
    yield  # pragma: no cover


def test_window_buffers_beyond_a_gib_are_refused_by_the_trainer():
    """window <= max_sentence_length, but 2 * window * vector_size floats per thread: the
    Rust check refuses it before allocating anything."""
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid parameter window: window=100000000, vector_size=16 and negative=5 need "
        r"[\d.]+ GiB of buffers per thread \(at most 1 GiB\)",
    ):
        small(window=10**8, max_sentence_length=10**8).fit([["a", "b", "a"]] * 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": 10**9, "max_sentence_length": 10**9}, "invalid parameter window"),
        ({"negative": 10**9}, "invalid parameter negative: must be <= 10000"),
        ({"n_jobs": 10**6}, "invalid parameter n_jobs: must be <= 1024 threads"),
        ({"alpha": 1e30}, r"invalid parameter alpha: must be <= 10.0, got 1e\+30"),
        ({"max_sentence_length": 2**40}, "invalid parameter max_sentence_length"),
        ({"vector_size": -3}, r"invalid parameter vector_size: must be an integer >= 1, got -3"),
    ],
)
def test_one_check_per_parameter_for_the_core_and_the_estimator(kwargs, match):
    """The core's configuration is the one check: the estimator reports exactly its error."""
    base = {"vector_size": 16, "window": 3, "min_count": 1, "epochs": 2, "n_jobs": 2}
    with pytest.raises(InvalidParameterError, match=match) as direct:
        _embedrs.TrainConfig(**{**base, **kwargs})
    with pytest.raises(InvalidParameterError) as via_estimator:
        small(**kwargs).fit(iter_that_must_not_be_read())
    assert str(via_estimator.value) == str(direct.value)


# -- topn is checked the same way everywhere ---------------------------------------------------


def _topn_calls(kv, topn):
    return [
        lambda: kv.most_similar("a", topn=topn),
        lambda: kv.most_similar_cosmul("a", topn=topn),
        lambda: kv.most_similar_batch(["a"], topn=topn),
        lambda: kv.to_device("cpu").most_similar_batch(["a"], topn=topn),
    ]


@pytest.mark.parametrize("topn", [2.5, True, np.bool_(True), "3", 1.0])
def test_bad_topn_is_the_same_error_everywhere(topn):
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    msg = re.escape("invalid parameter topn: must be an integer") + r".*" + re.escape(repr(topn))
    for call in _topn_calls(kv, topn):
        with pytest.raises(InvalidParameterError, match=msg):
            call()


@pytest.mark.parametrize("topn", [0, -1, np.uint8(0), np.int64(-5)])
def test_topn_below_one_is_an_empty_result_everywhere(topn):
    # gensim's rule (most_similar(topn=0) == []), the same for the batched paths.
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    for call in _topn_calls(kv, topn):
        out = call()
        assert (len(out) if isinstance(out, list) else out[0].shape) in (0, (1, 0))


@pytest.mark.parametrize("topn", [2**40, 2**70, np.uint64(2**63)])
def test_huge_topn_means_every_candidate(topn):
    # Was an OverflowError from the core's usize conversion.
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    for call in _topn_calls(kv, topn):
        out = call()
        if isinstance(out, list):
            assert len(out) == 2
        else:  # the batched paths pad the excluded query word's slot with -1
            assert out[0].shape == (1, 3)
            assert (out[0] == -1).sum() == 1


def test_good_topn_still_works():
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert len(kv.most_similar_cosmul("a", topn=1)) == 1
    assert len(kv.most_similar_cosmul("a", topn=np.int64(5))) == 2
    assert kv.most_similar("a", topn=None).shape == (3,)  # gensim: every similarity


# -- random_state ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed", [-1, 2**32, 2**64, float("nan"), 1.5, "7", True, np.random.default_rng(0)]
)
def test_bad_random_state_is_named(seed):
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid parameter random_state: must be None, a numpy RandomState or an "
        r"integer in \[0, 2\*\*32 - 1\], got ",
    ):
        small(random_state=seed).fit(iter_that_must_not_be_read())


@pytest.mark.parametrize("seed", [0, 2**32 - 1, np.int64(5), np.random.RandomState(3), None])
def test_good_random_state_is_accepted(seed):
    assert small(random_state=seed, epochs=1).fit([["a", "b"]] * 5).wv_.vector_size == 16


# -- ns_exponent and alpha that overflow or diverge --------------------------------------------


@pytest.mark.parametrize(
    ("exponent", "why"),
    [
        (1e6, r"the word count \d+ gets the weight \d+\^1000000 = inf"),
        (-1e6, r"the weights count\^-1000000 sum to 0"),
    ],
)
def test_ns_exponent_that_overflows_is_named(exponent, why):
    with pytest.raises(
        InvalidParameterError,
        match=rf"invalid parameter ns_exponent: -?1000000 cannot weight the negative samples: "
        rf"{why}, which is not a finite positive number",
    ):
        small(ns_exponent=exponent).fit([["a", "b", "a", "b", "c", "c"]] * 3)


def test_huge_alpha_is_refused():
    with pytest.raises(
        InvalidParameterError, match=r"invalid parameter alpha: must be <= 10.0, got 1e\+30"
    ):
        small(alpha=1e30).fit(iter_that_must_not_be_read())


@pytest.mark.parametrize("sg", [0, 1])
def test_a_learning_rate_that_diverges_is_named(sg):
    """alpha=10 is allowed, but blows the vectors up to NaN in the first epoch."""
    model = small(n_jobs=1, sg=sg).fit(planted_corpus(n_sentences=300))
    before = model.wv_.vectors.copy()
    with pytest.raises(
        InvalidParameterError,
        match=r"^invalid parameter alpha: training diverged in epoch 0: \d+ of the 1536 weights "
        r"are NaN or infinite \(alpha=10.0\); lower alpha$",
    ):
        model.set_params(alpha=10.0, min_alpha=10.0).fit(planted_corpus(n_sentences=2000))
    np.testing.assert_array_equal(model.wv_.vectors, before)


def test_diverged_training_is_an_error_not_nan_vectors():
    builder = _embedrs.CorpusBuilder(track_sentences=True)
    builder.add_batch(planted_corpus(n_sentences=200))
    vocab = builder.word_counts().build_vocab(1)
    syn0, syn1 = _embedrs.init_weights(vocab, 8, 1)
    syn0[2, 3] = np.nan  # what a learning rate that blows up leaves behind
    replica = _embedrs.Replica(vocab, builder, 1, syn0, syn1)
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid parameter alpha: training diverged in epoch 0: \d+ of the \d+ weights "
        r"are NaN or infinite \(alpha=0.025\); lower alpha",
    ):
        replica.train_round(0, _embedrs.TrainConfig(vector_size=8))
