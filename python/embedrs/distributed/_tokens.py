"""Cheap, deterministic dask tokens for embedrs objects (by content, without pickling
them)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from .. import _embedrs
from ..keyed_vectors import KeyedVectors
from ._cluster import normalize_token_


def _fingerprint(*chunks: bytes | memoryview) -> str:
    h = hashlib.blake2b(digest_size=16)
    for c in chunks:
        h.update(memoryview(c).nbytes.to_bytes(8, "little"))
        h.update(c)
    return h.hexdigest()


def _tokenize_vocab(v: Any) -> tuple[str, ...]:
    words = "\0".join(v.words()).encode()
    return ("embedrs.Vocab", _fingerprint(words, v.counts().tobytes()), str(v.corpus_words))


def _tokenize_counts(c: Any) -> tuple[str, ...]:
    items = sorted(c.items())
    words = "\0".join(w for w, _ in items).encode()
    counts = np.asarray([n for _, n in items], dtype=np.uint64).tobytes()
    return ("embedrs.WordCounts", _fingerprint(words, counts), str(c.total_words))


def _tokenize_kv(kv: KeyedVectors) -> tuple[str, ...]:
    words = "\0".join(kv.index_to_key).encode()
    return ("embedrs.KeyedVectors", _fingerprint(words, np.ascontiguousarray(kv.vectors).data))


normalize_token_.register(_embedrs.Vocab, _tokenize_vocab)
normalize_token_.register(_embedrs.WordCounts, _tokenize_counts)
normalize_token_.register(KeyedVectors, _tokenize_kv)

