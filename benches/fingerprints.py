"""Fingerprints of embedrs' deterministic outputs, to prove a refactor changes nothing.

Records sha256 digests of what a seeded one-thread run produces: the vectors and output
matrix of skip-gram (shared and per-pair negatives) and CBOW trained from a file and from an
iterable, ``fit`` followed by ``partial_fit``, the loss of every epoch, the bytes of saved
files (native KeyedVectors, word2vec text and binary, Phrases), document vectors on the CPU
and on the array-API device path, phrase scores, and a distributed fit with one thread per
replica. Everything runs on the corpus bundled with the package (no shared data needed).

Usage::

    python benches/fingerprints.py --out before.json          # before the change
    python benches/fingerprints.py --compare before.json      # after: exit 1 on any difference

The digests depend on the SIMD kernel (AVX-512, AVX2 and the scalar loops round
differently), so record and compare on the same machine; ``EMBEDRS_SIMD=scalar`` gives the
portable ones. ``--no-dask`` skips the distributed fingerprint (it starts a local cluster).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import embedrs

PARAMS: dict[str, Any] = {
    "vector_size": 50,  # not a multiple of 8 or 16: the kernels' tails are exercised
    "window": 5,
    "min_count": 5,
    "epochs": 2,
    "n_jobs": 1,
    "random_state": 7,
    # explicit: the defaults became per-architecture (issue 18), and the "defaults-"
    # configs below leave alpha and cbow_gradient to them
    "alpha": 0.025,
    "cbow_gradient": "word2vec",
    "negative": 5,
    "sample": 1e-3,
}
CONFIGS: dict[str, dict[str, Any]] = {
    "sg-shared": {"sg": 1},
    "sg-pairs": {"sg": 1, "shared_negatives": False},
    "cbow": {"sg": 0},
    "cbow-sum": {"sg": 0, "cbow_mean": False},
    "cbow-corrected": {"sg": 0, "cbow_gradient": "corrected", "alpha": 0.1},
    "cbow-sqrt": {"sg": 0, "cbow_gradient": "sqrt", "alpha": 0.1},
    "defaults-cbow": {"sg": 0, "alpha": None, "cbow_gradient": None},
    "defaults-sg": {"sg": 1, "alpha": None, "cbow_gradient": None},
    "sg-hs": {"sg": 1, "hs": 1, "negative": 0},
    "cbow-hs": {"sg": 0, "hs": 1, "negative": 0},
    "sg-hs-neg": {"sg": 1, "hs": 1},
    "cbow-hs-neg": {"sg": 0, "hs": 1},
}


def digest(*parts: Any) -> str:
    """sha256 of arrays (their bytes, dtype and shape), bytes and reprs."""
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, np.ndarray):
            a = np.ascontiguousarray(p)
            h.update(f"{a.dtype}{a.shape}".encode())
            h.update(a.tobytes())
        elif isinstance(p, (bytes, bytearray)):
            h.update(p)
        else:
            h.update(repr(p).encode())
    return h.hexdigest()[:32]


def model_print(m: embedrs.Word2Vec) -> dict[str, str]:
    return {
        "words": digest(m.wv_.index_to_key, m.wv_.counts),
        "vectors": digest(m.wv_.vectors),
        # The input matrix, when the word vectors mix in the output vectors (output_weight).
        "syn0": "the vectors" if m.syn0_ is None else digest(m.syn0_),
        "syn1neg": digest(m.syn1neg_),
        "loss": repr([float(x) for x in m.training_loss_]),
        "stats": digest([(e.raw_words, e.effective_words, e.predictions) for e in m.epoch_stats_]),
        "rare": digest(sorted(m.rare_counts_.items())),
    }


def sample_lines() -> list[str]:
    with gzip.open(embedrs.sample_corpus_path(), "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def run(no_dask: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"kernel": None}
    path = embedrs.sample_corpus_path()
    lines = sample_lines()
    half = len(lines) // 2
    tokens = [line.split() for line in lines]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        first = tmp / "first.txt"
        second = tmp / "second.txt"
        first.write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
        second.write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")
        for name, cfg in CONFIGS.items():
            params = {**PARAMS, **cfg}
            m = embedrs.Word2Vec(**params).fit(path)
            out["kernel"] = m.simd_kernel_
            out[f"{name}/file"] = model_print(m)
            out[f"{name}/iterable"] = model_print(embedrs.Word2Vec(**params).fit(tokens))
            out[f"{name}/strings"] = model_print(embedrs.Word2Vec(**params).fit(lines[:2000]))
            p = embedrs.Word2Vec(**params).fit(first).partial_fit(second)
            out[f"{name}/partial-file"] = model_print(p)
            p = embedrs.Word2Vec(**params).fit(tokens[:half]).partial_fit(tokens[half:], alpha=0.01)
            out[f"{name}/partial-iterable"] = model_print(p)
            # partial_fit after save/load
            m.save(tmp / "m.embedrs")
            loaded = embedrs.Word2Vec.load(tmp / "m.embedrs")
            out[f"{name}/loaded-partial"] = model_print(loaded.partial_fit(second, epochs=1))
        m = embedrs.Word2Vec(**PARAMS).fit(path)
        kv = m.wv_
        files: dict[str, Callable[[Path], None]] = {
            "kv-native": kv.save,
            "w2v-binary": lambda p: kv.save_word2vec_format(p, binary=True),
            "w2v-text": lambda p: kv.save_word2vec_format(p, binary=False),
        }
        for name, save in files.items():
            save(tmp / name)
            out[f"bytes/{name}"] = digest((tmp / name).read_bytes())
        docs = lines[:300] + [t[:7] for t in tokens[300:600]] + ["", "zzzz unknown"]
        out["transform/cpu"] = digest(m.transform(docs[:-2]))
        for pooling in ("mean", "sum", "max"):
            for weighting in (None, "sif", "idf"):
                out[f"kv-transform/{pooling}-{weighting}"] = digest(
                    kv.transform(docs, pooling=pooling, weighting=weighting)
                )
        dev = kv.to_device("cpu")
        for pooling in ("mean", "sum", "max"):
            out[f"device-transform/{pooling}"] = digest(dev.transform(docs, pooling=pooling))
        ids, scores = kv.most_similar_batch(kv.index_to_key[:50], topn=10)
        out["most_similar_batch"] = digest(ids, scores)
        out["most_similar"] = digest(kv.most_similar("god", topn=20))
        ph = embedrs.Phrases(min_count=5, threshold=5.0, n_jobs=1).fit(path)
        out["phrases/scores"] = digest(sorted(ph.export_phrases().items()))
        out["phrases/transform"] = digest(ph.transform(tokens[:2000]))
        ph_it = embedrs.Phrases(min_count=5, threshold=0.5, scoring="npmi").fit(tokens)
        out["phrases/npmi-iterable"] = digest(sorted(ph_it.export_phrases().items()))
        ph.save(tmp / "ph")
        out["bytes/phrases"] = digest((tmp / "ph").read_bytes())
    if not no_dask:
        out["distributed"] = distributed_print(lines)
    return out


def distributed_print(lines: list[str]) -> dict[str, str]:
    import dask.bag as db
    from distributed import Client, LocalCluster

    from embedrs import distributed as ed

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        bag = db.from_sequence(lines[:20000], npartitions=4)
        m = ed.fit(bag, client=client, **PARAMS)
        counts = ed.count_words(bag, client=client)
        docs = db.from_sequence(lines[:500], npartitions=3)
        return {
            **model_print(m),
            "counts": digest(sorted(counts.items()), counts.total_words),
            "transform": digest(ed.transform(m, docs, client=client).compute()),
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", type=Path, help="write the fingerprints here")
    g.add_argument("--compare", type=Path, help="compare with fingerprints written before")
    ap.add_argument("--no-dask", action="store_true", help="skip the distributed fingerprint")
    args = ap.parse_args(argv)
    got = json.loads(json.dumps(run(args.no_dask)))
    if args.out:
        args.out.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(
            f"{sum(len(v) if isinstance(v, dict) else 1 for v in got.values())} fingerprints "
            f"({got['kernel']} kernel) written to {args.out}"
        )
        return 0
    want = json.loads(args.compare.read_text())
    diffs = []
    for key in sorted(set(want) | set(got)):
        a, b = want.get(key), got.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            diffs += [f"{key}/{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            diffs.append(key)
    if args.no_dask:
        diffs = [d for d in diffs if not d.startswith("distributed")]
    for d in diffs:
        print(f"DIFFERENT: {d}")
    print(
        f"{'FAIL' if diffs else 'OK'}: {len(diffs)} of the fingerprints differ "
        f"({got['kernel']} kernel, {os.environ.get('EMBEDRS_SIMD', 'auto')})"
    )
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
