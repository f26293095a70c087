"""Data shipped with the package (embedrs.datasets)."""

from __future__ import annotations

import gzip

import embedrs


def test_sample_corpus_is_shipped():
    p = embedrs.sample_corpus_path()
    assert p.exists()
    assert p.stat().st_size < 2_000_000
    with gzip.open(p, "rt") as f:
        assert sum(1 for _ in f) > 10000
