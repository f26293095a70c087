"""The systems ``bench_core.py`` measures and the trainer each runs in its own child process
(``python benches/core_trainers.py SPEC.json``): embedrs (file, in-memory, per-thread
schedule), gensim (corpus_file and iterable modes) and fastText, with identical
hyper-parameters; each writes its vectors, timings and peak memory for the parent to score.
A spec's optional ``hs`` (default 0) turns hierarchical softmax on for embedrs and gensim
(``bench_hs.py``).
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import resource
import sys
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("embedrs.benches.core_trainers")

SYSTEMS = ("embedrs", "embedrs-mem", "embedrs-pt", "gensim-file", "gensim-iter", "fasttext")
GENSIM_SYSTEMS = ("gensim-file", "gensim-iter")
#: embedrs with gensim corpus_file's learning-rate schedule (``alpha_schedule="per_thread"``:
#: each thread decays alpha by its own progress, so with n threads it ends near alpha / (n *
#: epochs)); identical to "embedrs" on one thread, so only run with 2 or more.
PER_THREAD_SYSTEM = "embedrs-pt"
CONFIGS = {"sg": 1, "cbow": 0}
FASTTEXT_MODELS = {1: "skipgram", 0: "cbow"}
#: fastText's end-of-line token: a vocabulary row of its own, dropped before evaluation.
FASTTEXT_EOS = "</s>"
#: Distributions that provide the ``fasttext`` module (the first one installed is reported).
FASTTEXT_DISTS = ("fasttext-wheel", "fasttext", "fasttext-numpy2-wheel", "fasttext-numpy2")
#: Exit status of a child that could not import its trainer.
EXIT_IMPORT_ERROR = 3


def _status_mib(field: str) -> float | None:
    """A ``/proc/self/status`` memory field (``VmHWM``, ``VmRSS``) in MiB, or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as fin:
            for line in fin:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _peak_rss_mib() -> float:
    """Peak resident set size of this process (VmHWM) in MiB; ru_maxrss as a fallback."""
    peak = _status_mib("VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _given(spec: dict[str, Any], *names: str) -> dict[str, Any]:
    """The settings among ``names`` that ``spec`` sets (not None): the others are left at the
    trainer's own defaults (``bench_quality.py`` compares every system at its defaults)."""
    return {n: spec[n] for n in names if spec.get(n) is not None}


def _train_embedrs(spec: dict[str, Any], in_memory: bool, schedule: str) -> dict[str, Any]:
    """Fit ``embedrs.Word2Vec`` on the corpus path (or an in-memory list of token lists)."""
    import embedrs

    import_rss = _status_mib("VmRSS")
    corpus: str | list[list[str]] = spec["corpus"]
    load_s = 0.0
    if in_memory:
        t0 = time.perf_counter()
        with open(spec["corpus"], encoding="utf-8") as fin:
            corpus = [line.split() for line in fin]
        load_s = time.perf_counter() - t0
    model = embedrs.Word2Vec(
        vector_size=spec["dim"],
        window=spec["window"],
        min_count=spec["min_count"],
        sg=spec["sg"],
        **({"hs": spec["hs"]} if spec.get("hs") else {}),
        epochs=spec["epochs"],
        n_jobs=spec["threads"],
        random_state=spec["seed"],
        alpha_schedule=schedule,
        **_given(spec, "negative", "sample", "alpha", "min_alpha"),
        **spec.get("extra", {}),
    )
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(corpus)
    total_s = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    peak = _peak_rss_mib()
    losses = [float(x) for x in getattr(model, "training_loss_", None) or []]
    return {
        "vocab_s": float(model.vocab_time_),
        "train_s": float(model.train_time_),
        "total_s": total_s,
        "cpu_s": cpu_s,
        "load_s": load_s,
        "trainer_corpus_words": int(model.corpus_total_words_),
        "training_loss": losses,
        "words": list(model.wv_.index_to_key),
        "vectors": model.wv_.vectors,
        "version": getattr(embedrs, "__version__", None),
        "import_rss_mib": import_rss,
        "peak_rss_mib": peak,
    }


def _train_gensim(spec: dict[str, Any], corpus_file: bool) -> dict[str, Any]:
    """Train gensim ``Word2Vec`` with build_vocab and train timed separately."""
    import gensim
    from gensim.models.word2vec import LineSentence, Word2Vec

    import_rss = _status_mib("VmRSS")
    path = spec["corpus"]
    t0 = time.perf_counter()
    model = Word2Vec(
        sg=spec["sg"],
        vector_size=spec["dim"],
        window=spec["window"],
        hs=spec.get("hs", 0),
        min_count=spec["min_count"],
        workers=spec["threads"],
        epochs=spec["epochs"],
        seed=spec["seed"],
        **_given(spec, "negative", "sample", "alpha", "min_alpha"),
    )
    if corpus_file:
        model.build_vocab(corpus_file=path)
    else:
        sentences = LineSentence(path)
        model.build_vocab(corpus_iterable=sentences)
    t1, c1 = time.perf_counter(), time.process_time()
    if corpus_file:
        trained, raw = model.train(
            corpus_file=path,
            total_examples=model.corpus_count,
            total_words=model.corpus_total_words,
            epochs=model.epochs,
        )
    else:
        trained, raw = model.train(
            corpus_iterable=sentences,
            total_examples=model.corpus_count,
            total_words=model.corpus_total_words,
            epochs=model.epochs,
        )
    t2, c2 = time.perf_counter(), time.process_time()
    peak = _peak_rss_mib()
    return {
        "vocab_s": t1 - t0,
        "train_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": c2 - c1,
        "load_s": 0.0,
        "trainer_corpus_words": int(model.corpus_total_words),
        "gensim_trained_words": int(trained),
        "gensim_raw_words": int(raw),
        "words": list(model.wv.index_to_key),
        "vectors": model.wv.vectors,
        "version": gensim.__version__,
        "import_rss_mib": import_rss,
        "peak_rss_mib": peak,
    }


def dist_version(name: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def fasttext_version() -> str | None:
    """Version of whichever installed distribution provides the ``fasttext`` module."""
    for dist in FASTTEXT_DISTS:
        version = dist_version(dist)
        if version is not None:
            return f"{dist} {version}"
    return None


def _train_fasttext(spec: dict[str, Any]) -> dict[str, Any]:
    """Train plain word2vec with fastText: ``minn=0, maxn=0`` (no subwords), ``loss="ns"``.

    fastText has no separate vocabulary step: ``train_unsupervised`` reads the file once to
    build the dictionary, then trains. The whole call is timed as ``train_s`` (and ``total_s``),
    so fastText's train s, and hence its raw words/s, include the vocabulary pass;
    ``vocab_s`` is None. Differences from the other systems that no setting removes: the
    learning rate decays linearly to 0 (there is no ``min_alpha``), it is updated every
    ``lrUpdateRate`` = 100 tokens, and every line end is a token ``</s>`` that is trained like
    a word (it is dropped from the saved vectors).
    """
    import fasttext
    import numpy as np

    import_rss = _status_mib("VmRSS")
    params: dict[str, Any] = {
        "input": spec["corpus"],
        "model": FASTTEXT_MODELS[spec["sg"]],
        "dim": spec["dim"],
        "ws": spec["window"],
        "neg": spec["negative"],
        "loss": "ns",
        "minCount": spec["min_count"],
        "t": spec["sample"],
        "epoch": spec["epochs"],
        "thread": spec["threads"],
        "lr": spec["alpha"],  # fastText's default is 0.05; use the others' alpha
        "minn": 0,
        "maxn": 0,
        "wordNgrams": 1,
        # With maxn=0 and wordNgrams=1 fastText forces bucket=0 anyway: the input matrix then
        # has exactly one row per vocabulary word.
        "bucket": 0,
        "verbose": 0,
    }
    seed_used: int | None = spec["seed"]
    try:
        t0 = time.perf_counter()
        model = fasttext.train_unsupervised(**params, seed=spec["seed"])
    except TypeError as exc:  # fasttext(-wheel) 0.9.2 rejects seed before doing any work
        if "seed" not in str(exc):
            raise
        seed_used = None  # fastText's default seed, 0
        t0 = time.perf_counter()
        model = fasttext.train_unsupervised(**params)
    train_s = time.perf_counter() - t0
    peak = _peak_rss_mib()
    words, freqs = model.get_words(include_freq=True)
    matrix = np.asarray(model.get_input_matrix())
    if matrix.shape[0] != len(words):
        raise RuntimeError(f"fastText input matrix has {matrix.shape[0]} rows, {len(words)} words")
    # With no subwords a word's vector is its input-matrix row: check a few of each end.
    for i in [*range(min(50, len(words))), *range(max(0, len(words) - 50), len(words))]:
        if not np.allclose(model.get_word_vector(words[i]), matrix[i]):
            raise RuntimeError(f"fastText vector of {words[i]!r} differs from its matrix row")
    keep = [i for i, w in enumerate(words) if w != FASTTEXT_EOS]
    eos_tokens = sum(int(f) for w, f in zip(words, freqs, strict=True) if w == FASTTEXT_EOS)
    return {
        "vocab_s": None,
        "train_s": train_s,
        "total_s": train_s,
        "load_s": 0.0,
        # fastText does not expose its raw token count (its dictionary only keeps the words
        # that passed minCount, plus one </s> per line): no cross-check.
        "trainer_corpus_words": None,
        "fasttext_kept_words": int(sum(int(freqs[i]) for i in keep)),
        "fasttext_eos_tokens": eos_tokens,
        "fasttext_seed": seed_used,
        "words": [words[i] for i in keep],
        "vectors": matrix[keep],
        "version": fasttext_version(),
        "import_rss_mib": import_rss,
        "peak_rss_mib": peak,
    }


def child_main(spec_path: str) -> int:
    """Entry point of a child process: read the spec, train, save vectors and a result.json."""
    import numpy as np

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    out_dir = Path(spec["out_dir"])
    system = spec["system"]
    try:
        if system in ("embedrs", "embedrs-mem", PER_THREAD_SYSTEM):
            schedule = "per_thread" if system == PER_THREAD_SYSTEM else "global"
            res = _train_embedrs(spec, in_memory=system == "embedrs-mem", schedule=schedule)
        elif system in GENSIM_SYSTEMS:
            res = _train_gensim(spec, corpus_file=system == "gensim-file")
        elif system == "fasttext":
            res = _train_fasttext(spec)
        else:
            raise ValueError(f"unknown system {system!r}")
    except ImportError as exc:
        (out_dir / "result.json").write_text(
            json.dumps({"error": f"ImportError: {exc}"}), encoding="utf-8"
        )
        return EXIT_IMPORT_ERROR
    words = res.pop("words")
    vectors = np.ascontiguousarray(res.pop("vectors"), dtype=np.float32)
    # Peak RSS as each trainer function read it right after training: building the result's
    # word list afterwards (embedrs' and fastText's are Python lists made on request) is
    # the benchmark's cost, not the trainer's.
    res["peak_rss_mib"] = res.get("peak_rss_mib") or _peak_rss_mib()
    res["vocab_size"] = len(words)
    np.save(out_dir / "vectors.npy", vectors)
    with open(out_dir / "words.txt", "w", encoding="utf-8") as fout:
        fout.writelines(w + "\n" for w in words)
    (out_dir / "result.json").write_text(json.dumps(res), encoding="utf-8")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
    sys.exit(child_main(sys.argv[1]))
