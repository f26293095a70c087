"""The one tokenizer (``rust/text.rs``): every path that splits text splits it the same way,
on ASCII whitespace only, so U+00A0, U+2003 and the vertical tab stay inside tokens."""

from __future__ import annotations

import array_api_strict
import numpy as np
import pytest

import embedrs
from embedrs import KeyedVectors, Phrases, _embedrs
from embedrs.distributed import count_partition, transform_partition

DOCS = [
    "new\u00a0york is\x0bbig",
    "the\u2003city  never\tsleeps\r\n",
    "new\u00a0york new\u00a0york",
    "",
]
TOKENS = [
    ["new\u00a0york", "is\x0bbig"],
    ["the\u2003city", "never", "sleeps"],
    ["new\u00a0york", "new\u00a0york"],
    [],
]


def test_the_tokenizer_splits_on_ascii_whitespace_only():
    assert [_embedrs.tokenize(d) for d in DOCS] == TOKENS
    python_split = str.split("new\u00a0york")
    assert python_split == ["new", "york"] != _embedrs.tokenize("new\u00a0york")


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    words = sorted({t for doc in TOKENS for t in doc} | {"new", "york", "is", "big"})
    rng = np.random.default_rng(0)
    return KeyedVectors(words, rng.standard_normal((len(words), 4)).astype(np.float32))


def test_pooling_reads_str_documents_the_same_on_every_path(kv):
    want = kv.transform(TOKENS)
    np.testing.assert_array_equal(kv.transform(DOCS), want)
    np.testing.assert_allclose(kv.to_device("cpu").transform(DOCS), want, rtol=1e-6)
    strict = kv.to_device(array_api_strict).transform(DOCS)
    np.testing.assert_allclose(np.asarray(strict), want, rtol=1e-6)
    np.testing.assert_array_equal(transform_partition(kv, DOCS), want)
    ids, ends = kv.doc_ids(DOCS)
    assert ends.tolist() == [2, 5, 7, 7]
    assert [kv.index_to_key[i] for i in ids[:2]] == TOKENS[0]


def test_training_and_counting_read_str_sentences_as_files_do(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    params = dict(vector_size=4, min_count=1, epochs=1, n_jobs=1, random_state=1)
    from_file = embedrs.Word2Vec(**params).fit(path)
    from_str = embedrs.Word2Vec(**params).fit(DOCS)
    from_tokens = embedrs.Word2Vec(**params).fit(TOKENS)
    assert from_file.wv_.index_to_key == from_str.wv_.index_to_key
    assert from_str.wv_.index_to_key == from_tokens.wv_.index_to_key
    assert "new\u00a0york" in from_file.wv_
    np.testing.assert_array_equal(from_str.wv_.vectors, from_tokens.wv_.vectors)
    counted = count_partition(DOCS)
    assert sorted(counted.items()) == sorted(count_partition(TOKENS).items())


def test_phrases_read_str_sentences_as_token_lists():
    a = Phrases(min_count=1, threshold=0.1).fit(DOCS * 10)
    b = Phrases(min_count=1, threshold=0.1).fit(TOKENS * 10)
    assert a.export_phrases() == b.export_phrases()
    assert a.transform(DOCS[:1]) == b.transform(TOKENS[:1])
