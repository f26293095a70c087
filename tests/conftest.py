"""Shared fixtures: small synthetic corpora with a known structure."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def planted_corpus(
    n_topics: int = 4, words_per_topic: int = 12, n_sentences: int = 3000, seed: int = 0
) -> list[list[str]]:
    """Sentences whose words all come from one topic: topic-mates should be neighbours."""
    rng = random.Random(seed)
    out = []
    for s in range(n_sentences):
        t = s % n_topics
        out.append([f"t{t}w{rng.randrange(words_per_topic)}" for _ in range(rng.randint(6, 14))])
    return out


def topic_purity(kv, topn: int = 5) -> float:
    good = total = 0
    for w in kv.index_to_key:
        for other, _ in kv.most_similar(w, topn=topn):
            total += 1
            good += other.split("w")[0] == w.split("w")[0]
    return good / total


@pytest.fixture(scope="session")
def planted() -> list[list[str]]:
    return planted_corpus()


@pytest.fixture
def planted_file(tmp_path: Path, planted: list[list[str]]) -> Path:
    p = tmp_path / "planted.txt"
    p.write_text("\n".join(" ".join(s) for s in planted) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpora" / "embedrs-corpus-small.txt").exists():
        pytest.skip("../shared corpora not available")
    return SHARED
