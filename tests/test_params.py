"""Parameter validation (embedrs._params and the core's TrainConfig): one check per
parameter, upper bounds that fail before any work, random_state, topn, and learning rates or
ns_exponent values that overflow or diverge. Every bad value is an InvalidParameterError naming
the parameter."""

from __future__ import annotations

import re
import subprocess
import sys
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
        r"are NaN or infinite \(alpha=0.025\); lower alpha",  # the rate given below
    ):
        replica.train_round(0, _embedrs.TrainConfig(vector_size=8, alpha=0.025))


# -- numpy numbers are Python numbers, at every entry point that takes numbers ------------------
# (Word2Vec: test_estimator.py; Phrases: test_phrases.py; evaluation: test_evaluation.py.)


@pytest.mark.parametrize(
    ("value", "low", "want"),
    [(np.int64(3), 1, 3), (np.uint8(0), 0, 0), (2**62, 1, 2**62), (True, 0, None), (1.0, 0, None)],
)
def test_at_least_takes_python_and_numpy_integers_only(value, low, want):
    from embedrs._params import at_least

    if want is None:
        with pytest.raises(InvalidParameterError, match="invalid parameter p: must be an integer"):
            at_least("p", value, low)
    else:
        assert at_least("p", value, low) == want
        assert type(at_least("p", value, low)) is int


def test_json_default_writes_numpy_scalars_as_python_numbers():
    import json

    from embedrs._params import json_default

    values = {"a": np.int64(5), "b": np.float32(0.5), "c": np.bool_(True), "d": np.uint64(2**63)}
    assert json.loads(json.dumps(values, default=json_default)) == {
        "a": 5,
        "b": 0.5,
        "c": True,
        "d": 2**63,
    }
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        json.dumps({"x": object()}, default=json_default)


# -- the weighting of transform ---------------------------------------------------------------


@pytest.mark.parametrize("a", [np.float64(0.01), np.float32(0.5), np.int64(1)])
def test_sif_a_numpy_numbers_weigh_as_python_numbers(a):
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32), counts=[50, 30, 20])
    docs = [["a", "b"], "c a"]
    want = kv.transform(docs, weighting="sif", sif_a=float(a))
    np.testing.assert_array_equal(kv.transform(docs, weighting="sif", sif_a=a), want)


@pytest.mark.parametrize(
    ("a", "match"),
    [
        (0, r"must be a finite number > 0, got 0"),
        (-1e-3, r"must be a finite number > 0, got -0.001"),
        (np.float64("nan"), r"must be a finite number > 0, got np.float64\(nan\)|got nan"),
        (float("inf"), r"must be a finite number > 0, got inf"),
        ("0.1", r"must be a number, got '0.1'"),
        (None, r"must be a number, got None"),
    ],
)
def test_bad_sif_a_is_named(a, match):
    kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(InvalidParameterError, match=r"invalid parameter sif_a: " + match):
        kv.transform([["a"]], weighting="sif", sif_a=a)


# -- the distributed entry points ---------------------------------------------------------------


@pytest.fixture
def sync_bag():
    dask = pytest.importorskip("dask")
    db = pytest.importorskip("dask.bag")
    with dask.config.set(scheduler="sync"):
        yield db.from_sequence([" ".join(s) for s in planted_corpus(n_sentences=120)], 3)


def test_distributed_counting_takes_numpy_numbers(sync_bag):
    from embedrs import distributed as ed

    py = ed.count_vocab(
        sync_bag,
        min_count=3,
        max_final_vocab=20,
        max_vocab_size=10_000,
        max_sentence_length=8,
        split_every=2,
    )
    npv = ed.count_vocab(
        sync_bag,
        min_count=np.int64(3),
        max_final_vocab=np.int32(20),
        max_vocab_size=np.uint64(10_000),
        max_sentence_length=np.int16(8),
        split_every=np.int64(2),
    )
    assert npv.words() == py.words()
    assert npv.counts().tolist() == py.counts().tolist()
    counts = ed.count_partition(
        ["a b a"], max_vocab_size=np.int64(5), max_sentence_length=np.int8(2)
    )
    assert sorted(counts.items()) == [("a", 2), ("b", 1)]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        ("count_vocab", {"min_count": -1}),
        ("count_vocab", {"min_count": np.float64(2.0)}),
        ("count_vocab", {"max_final_vocab": 0}),
        ("count_words", {"max_vocab_size": 2.5}),
        ("count_words", {"max_sentence_length": np.int64(0)}),
        ("count_words", {"split_every": 2.5}),
        ("count_partition", {"max_vocab_size": -1}),
        ("count_partition", {"max_sentence_length": "10"}),
    ],
)
def test_distributed_counting_bad_numbers_are_named(sync_bag, call, match):
    from embedrs import distributed as ed

    (name,) = match
    corpus = ["a b"] if call == "count_partition" else sync_bag
    with pytest.raises(InvalidParameterError, match=rf"invalid parameter {name}: must be "):
        getattr(ed, call)(corpus, **match)


def test_distributed_split_every_of_one_is_an_error_not_a_hang(tmp_path):
    """dask's tree reduction with a fan-in of 1 never ends: refused before it starts."""
    pytest.importorskip("dask.bag")
    script = (
        "import dask, dask.bag as db\n"
        "from embedrs import distributed as ed, InvalidParameterError\n"
        "bag = db.from_sequence(['a b'] * 4, npartitions=2)\n"
        "with dask.config.set(scheduler='sync'):\n"
        "    try:\n"
        "        ed.count_words(bag, split_every=1)\n"
        "    except InvalidParameterError as e:\n"
        "        print(e)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert r.stdout.strip() == "invalid parameter split_every: must be an integer >= 2, got 1"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_replicas": 0}, r"n_replicas: must be an integer >= 1 or None, got 0"),
        ({"n_replicas": 1.5}, r"n_replicas: must be an integer >= 1 or None, got 1.5"),
        ({"sync_every_tokens": np.int64(0)}, r"sync_every_tokens: must be an integer >= 1 or"),
        ({"sync_every_tokens": "often"}, r"sync_every_tokens: must be an integer >= 1 or 'auto'"),
        ({"max_restarts": -1}, r"max_restarts: must be None or an integer >= 0, got -1"),
        ({"max_restarts": 2.7}, r"max_restarts: must be None or an integer >= 0, got 2.7"),
        ({"vector_size": np.float64(8.0)}, r"vector_size: must be an integer"),
    ],
)
def test_distributed_fit_numbers_are_checked_before_any_work(kwargs, match):
    pytest.importorskip("distributed")
    from embedrs import distributed as ed

    with pytest.raises(InvalidParameterError, match=r"invalid parameter " + match):
        ed.fit(object(), client=object(), **kwargs)
