"""Large corpora on a Dask cluster: vocabulary counting, training and batch transform.

Requires the ``distributed`` extra (``pip install embedrs[distributed]``); ``import embedrs``
never imports dask, only ``import embedrs.distributed`` does.

- :func:`count_vocab` counts words with a Rust counter per partition and merges the counts
  in a tree; the result is exactly the single-process count.
- :func:`fit` trains word2vec in synchronous rounds: every worker keeps a resident replica of
  the model, trains its slice of the corpus with the Rust Hogwild core, and returns the rows
  it changed; the driver sums the changes and sends the sum to every replica (experimental).
- :func:`transform` computes document vectors partition by partition, with the model sent
  once per worker.

The building blocks :func:`count_partition` and :func:`transform_partition` are pure
functions, so other engines can reuse them. See ``docs/distributed.md``.

Examples
--------
>>> from dask.distributed import Client, LocalCluster  # doctest: +SKIP
>>> from embedrs import distributed as ed  # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
>>> corpus = ed.read_text("data/*.txt.gz")  # doctest: +SKIP
>>> vocab = ed.count_vocab(corpus, min_count=5, client=client)  # doctest: +SKIP
>>> model = ed.fit(corpus, vocab=vocab, vector_size=300, epochs=5, client=client)  # doctest: +SKIP
>>> vectors = ed.transform(model, corpus, client=client)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

try:
    import dask
    import dask.array
    import dask.bag
    import distributed
    from dask.base import normalize_token
    from distributed import Client, KilledWorker
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "embedrs.distributed needs dask.distributed: pip install 'embedrs[distributed]'"
    ) from exc

from . import _embedrs
from ._callbacks import EpochStats, _Dispatcher
from .estimator import Word2Vec, _add_batches, simd_from_env
from .exceptions import InvalidParameterError
from .gpu import resolve_device
from .keyed_vectors import KeyedVectors

__all__ = [
    "count_partition",
    "count_vocab",
    "count_words",
    "fit",
    "read_text",
    "transform",
    "transform_partition",
]

logger = logging.getLogger(__name__)

# dask and distributed are only partly typed: they are called through these untyped aliases,
# so that mypy --strict checks embedrs' own code without flagging every dask call.
_dask: Any = dask
_da: Any = dask.array
_db: Any = dask.bag
_dist: Any = distributed
_normalize_token: Any = normalize_token
Bag = dask.bag.Bag

_BATCH = 4096  # sentences handed to the Rust counter per call
_AUTO_SYNCS_PER_EPOCH = 16  # measured in docs/distributed.md: 16 syncs/epoch ~ single-process
_AUTO_MAX_TOKENS_PER_REPLICA = 1_000_000  # about 1 s of one Rust thread per round
_POLL_SECONDS = 0.5  # how often the driver checks that the workers running a round are alive

Sentence = str | Sequence[str]
Delta = tuple[npt.NDArray[np.uint32], npt.NDArray[np.float32], npt.NDArray[np.float32]]


# -- corpus ----------------------------------------------------------------------------------
def _strip_line(line: str) -> str:
    return line.rstrip("\r\n")


def _strip_lower(line: str) -> str:
    return line.rstrip("\r\n").lower()


def read_text(
    urlpath: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    blocksize: int | str | None = None,
    compression: str | None = "infer",
    encoding: str = "utf-8",
    lowercase: bool = False,
    files_per_partition: int | None = None,
    storage_options: dict[str, Any] | None = None,
) -> Bag:
    """A bag of corpus lines (one sentence per line, tokens split on whitespace).

    A thin wrapper over :func:`dask.bag.read_text` (local paths, globs, or any fsspec URL such
    as ``s3://``; ``.gz`` and other compressions are inferred) that strips line ends.

    Parameters
    ----------
    urlpath : str, path or list of them
        Files or glob patterns.
    blocksize : int or str, optional
        Split uncompressed files into blocks of this size (for example ``"128MiB"``); by
        default one partition per file. Compressed files cannot be split.
    compression : str, default="infer"
    encoding : str, default="utf-8"
    lowercase : bool, default=False
        Lowercase every line.
    files_per_partition : int, optional
        Group small files into partitions of this many files.
    storage_options : dict, optional
        Passed to fsspec (credentials and so on).

    Returns
    -------
    dask.bag.Bag of str

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> from embedrs import distributed as ed
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with gzip.open(os.path.join(d, "a.txt.gz"), "wt") as f:
    ...         _ = f.write("the cat sat\\nthe dog ran\\n")
    ...     ed.read_text(os.path.join(d, "*.txt.gz")).compute(scheduler="sync")
    ['the cat sat', 'the dog ran']
    """
    bag: Any = _db.read_text(
        urlpath if isinstance(urlpath, (str, list)) else _fspaths(urlpath),
        blocksize=blocksize,
        compression=compression,
        encoding=encoding,
        files_per_partition=files_per_partition,
        storage_options=storage_options,
    )
    lines: Bag = bag.map(_strip_lower if lowercase else _strip_line)
    return lines


def _fspaths(p: Any) -> Any:
    if isinstance(p, os.PathLike):
        return os.fspath(p)
    return [os.fspath(x) for x in p]


def _as_bag(corpus: Any) -> Any:
    if isinstance(corpus, Bag):
        return corpus
    if hasattr(corpus, "to_bag") and hasattr(corpus, "map_partitions"):  # a dask Series
        return corpus.to_bag()
    raise TypeError(
        f"corpus must be a dask.bag.Bag of sentences (str or token lists), got "
        f"{type(corpus).__name__}; use embedrs.distributed.read_text or dask.bag.from_sequence"
    )


def _resolve_client(client: Client | None, required: bool) -> Any:
    if client is not None:
        return client
    try:
        return _dist.default_client()
    except ValueError:
        if required:
            raise ValueError(
                "no dask.distributed Client: pass client= or create one first"
            ) from None
        return None


def _compute(obj: Any, client: Any) -> Any:
    if client is None:
        return _dask.compute(obj)[0]
    return client.compute(obj).result()


# -- counting --------------------------------------------------------------------------------
def count_partition(
    sentences: Iterable[Sentence],
    max_vocab_size: int | None = None,
    max_sentence_length: int = 10000,
) -> _embedrs.WordCounts:
    """Word counts of one partition (a pure function: any engine can map it).

    Parameters
    ----------
    sentences : iterable of str or of lists of str
        A str is split on whitespace.
    max_vocab_size : int, optional
        Prune rare words while counting (word2vec.c style). Pruning is per partition, so
        the merged counts are then approximate; leave None for exact counts.
    max_sentence_length : int, default=10000

    Returns
    -------
    WordCounts
        Merge with ``WordCounts.merge``; ``build_vocab`` applies ``min_count``.

    Examples
    --------
    >>> from embedrs.distributed import count_partition
    >>> a = count_partition(["the cat", "the dog"])
    >>> b = count_partition([["the", "end"]])
    >>> sorted(a.merge(b).items())[:2], a.merge(b).total_words
    ([('cat', 1), ('dog', 1)], 6)
    """
    builder = _embedrs.CorpusBuilder(max_vocab_size, max_sentence_length)
    _add_batches(builder, sentences)
    return builder.word_counts()


def _merge_counts(parts: Iterable[_embedrs.WordCounts]) -> _embedrs.WordCounts:
    total = _embedrs.WordCounts()
    for p in parts:
        total = total.merge(p)
    return total


def count_words(
    corpus: Any,
    *,
    max_vocab_size: int | None = None,
    max_sentence_length: int = 10000,
    split_every: int = 8,
    client: Client | None = None,
) -> _embedrs.WordCounts:
    """Exact word counts of a distributed corpus (before any ``min_count`` pruning).

    A :func:`count_partition` per partition, merged in a tree of fan-in ``split_every``.
    Without a client (and no default one) dask's current scheduler runs it.

    Parameters
    ----------
    corpus : dask.bag.Bag or dask Series
        Sentences: str (split on whitespace) or lists of str.
    max_vocab_size, max_sentence_length
        See :func:`count_partition`.
    split_every : int, default=8
        Fan-in of the merge tree.
    client : dask.distributed.Client, optional

    Returns
    -------
    WordCounts

    Examples
    --------
    >>> import dask.bag as db
    >>> from embedrs import distributed as ed
    >>> bag = db.from_sequence(["a b", "a c", "a"], npartitions=3)
    >>> counts = ed.count_words(bag)
    >>> sorted(counts.items()), counts.total_words, counts.sentences
    ([('a', 3), ('b', 1), ('c', 1)], 5, 3)
    """
    bag = _as_bag(corpus)
    counter = functools.partial(
        count_partition, max_vocab_size=max_vocab_size, max_sentence_length=max_sentence_length
    )
    merged = bag.reduction(counter, _merge_counts, split_every=split_every)
    counts: _embedrs.WordCounts = _compute(merged, _resolve_client(client, required=False))
    return counts


def count_vocab(
    corpus: Any,
    *,
    min_count: int = 5,
    max_final_vocab: int | None = None,
    max_vocab_size: int | None = None,
    max_sentence_length: int = 10000,
    split_every: int = 8,
    client: Client | None = None,
) -> _embedrs.Vocab:
    """The vocabulary of a distributed corpus, equal to the single-process one.

    Counts are merged first (:func:`count_words`); ``min_count`` and ``max_final_vocab``
    are applied after the merge, so the result does not depend on the partitioning.

    Parameters
    ----------
    corpus : dask.bag.Bag or dask Series
        Sentences: str (split on whitespace) or lists of str.
    min_count : int, default=5
    max_final_vocab : int, optional
        Raise ``min_count`` until at most this many words remain.
    max_vocab_size, max_sentence_length, split_every, client
        See :func:`count_words`.

    Returns
    -------
    embedrs Vocab
        ``vocab.words()`` most frequent first, ``vocab.counts()``, ``vocab.corpus_words``.

    Examples
    --------
    >>> import dask.bag as db
    >>> from embedrs import distributed as ed
    >>> bag = db.from_sequence(["a b", "a c", "a b"], npartitions=2)
    >>> vocab = ed.count_vocab(bag, min_count=2)
    >>> dict(zip(vocab.words(), vocab.counts().tolist())), vocab.corpus_words
    ({'a': 3, 'b': 2}, 6)
    """
    counts = count_words(
        corpus,
        max_vocab_size=max_vocab_size,
        max_sentence_length=max_sentence_length,
        split_every=split_every,
        client=client,
    )
    return counts.build_vocab(min_count, max_final_vocab)


# -- training: the worker side -----------------------------------------------------------------
class _ReplicaLost(RuntimeError):
    """The replica a round needs is not on the worker running the round (or is stale)."""


@dataclass
class _Replica:
    vocab: Any
    cfg: dict[str, Any]
    slices: list[Any]
    weights: Any
    version: int
    dirty: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_REPLICAS: dict[tuple[str, int], _Replica] = {}  # per worker process: (job, replica) -> state


def _token_count(s: Sentence) -> int:
    return len(s.split()) if isinstance(s, str) else len(s)


def _create_replica(
    job: str,
    r: int,
    vocab: Any,
    cfg: dict[str, Any],
    n_rounds: int,
    version: int,
    init: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None,
    *partitions: Iterable[Sentence],
) -> dict[str, Any]:
    """Build replica ``r`` on this worker: its shard cut into ``n_rounds`` slices (as Rust
    id corpora) and the weights, from the seed (``init=None``) or from the driver's copy."""
    sentences = [s for part in partitions for s in part]
    lengths = np.fromiter((_token_count(s) for s in sentences), dtype=np.int64, count=-1)
    cum = np.cumsum(lengths)
    total = int(cum[-1]) if len(cum) else 0
    targets = [total * k / n_rounds for k in range(1, n_rounds)]
    bounds = [0, *np.searchsorted(cum, targets, side="left").tolist(), len(sentences)]
    slices = []
    for k in range(n_rounds):
        builder = _embedrs.CorpusBuilder(None, cfg["max_sentence_length"])
        chunk = sentences[bounds[k] : bounds[k + 1]]
        for i in range(0, len(chunk), _BATCH):
            builder.add_batch(chunk[i : i + _BATCH])
        slices.append(builder.finish_with(vocab))
    del sentences
    if init is None:
        weights = _embedrs.init_weights(vocab, cfg["vector_size"], cfg["seed"])
    else:
        weights = _embedrs.Weights.from_arrays(*init)
    weights.snapshot()
    _REPLICAS[(job, r)] = _Replica(vocab, cfg, slices, weights, version)
    return {"address": _dist.get_worker().address, "tokens": total, "sentences": len(lengths)}


def _train_round(
    job: str,
    r: int,
    version: int,
    delta: Delta | None,
    slice_index: int,
    alpha: float,
    min_alpha: float,
    seed: int,
    n_threads: int,
) -> tuple[
    npt.NDArray[np.uint32], npt.NDArray[np.float32], npt.NDArray[np.float32], dict[str, Any]
]:
    """One round of replica ``r``: bring it to global version ``version`` (applying the summed
    ``delta`` of the previous round), train one slice, return the rows it changed.

    The result depends only on (weights at ``version``, slice, seed), so a rerun gives the
    same deltas (with ``n_threads=1``)."""
    rep = _REPLICAS.get((job, r))
    if rep is None:
        raise _ReplicaLost(f"replica {r} of job {job} is not on this worker")
    with rep.lock:
        if rep.version == version - 1 and delta is not None:
            rep.weights.apply_round(*delta)
            rep.version = version
        elif rep.version == version:
            if rep.dirty:  # a rerun of this round: restore the weights of the version
                d = rep.cfg["vector_size"]
                empty = np.zeros((0, d), dtype=np.float32)
                rep.weights.apply_round(np.zeros(0, dtype=np.uint32), empty, empty)
        else:
            raise _ReplicaLost(f"replica {r} is at round {rep.version}, not {version}")
        rep.dirty = False
        cfg = rep.cfg
        report = _embedrs.train_model(
            rep.vocab,
            rep.slices[slice_index],
            rep.weights,
            vector_size=cfg["vector_size"],
            window=cfg["window"],
            sg=cfg["sg"],
            negative=cfg["negative"],
            ns_exponent=cfg["ns_exponent"],
            cbow_mean=cfg["cbow_mean"],
            alpha=alpha,
            min_alpha=min_alpha,
            epochs=1,
            sample=cfg["sample"],
            shrink_windows=cfg["shrink_windows"],
            n_threads=n_threads,
            seed=seed,
            max_sentence_length=cfg["max_sentence_length"],
            kernel=simd_from_env(),
            shared_negatives=cfg["shared_negatives"],
            alpha_schedule=cfg["alpha_schedule"],
        )
        rep.dirty = True
        rows, d0, d1 = rep.weights.delta()
    stats = dict(report["epochs"][0])
    stats["kernel"] = report["kernel"]
    return rows, d0, d1, stats


def _drop_job(job: str) -> int:
    dropped = [k for k in _REPLICAS if k[0] == job]
    for k in dropped:
        del _REPLICAS[k]
    return len(dropped)


# -- training: the driver side -------------------------------------------------------------------
def _combine(
    deltas: Sequence[tuple[Any, ...]], dim: int, combine: str
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Sum (or average) sparse row deltas; replicas are added in index order (deterministic)."""
    rows = np.unique(np.concatenate([d[0] for d in deltas])).astype(np.uint32)
    acc0 = np.zeros((len(rows), dim), dtype=np.float32)
    acc1 = np.zeros((len(rows), dim), dtype=np.float32)
    for d_rows, d0, d1, *_ in deltas:
        idx = np.searchsorted(rows, d_rows)
        acc0[idx] += d0
        acc1[idx] += d1
    if combine == "mean":
        acc0 /= np.float32(len(deltas))
        acc1 /= np.float32(len(deltas))
    return rows, acc0, acc1


def _round_seed(seed: int, global_round: int, replica: int) -> int:
    state = np.random.SeedSequence([seed, global_round, replica]).generate_state(1, np.uint32)
    return int(state[0] >> 1)


_RECOVERABLE = (_ReplicaLost, KilledWorker, OSError)


class _Driver:
    """The client-side loop: places replicas, runs rounds, recovers lost replicas.

    Keeps the global weights (``syn0``, ``syn1``) so a replica lost with its worker is
    rebuilt from them at the current round and the round is rerun."""

    def __init__(
        self,
        client: Any,
        bag: Any,
        vocab: Any,
        cfg: dict[str, Any],
        n_replicas: int,
        n_rounds: int,
        n_jobs: int,
        max_restarts: int,
    ) -> None:
        self.client = client
        self.vocab = vocab
        self.cfg = cfg
        self.R = n_replicas
        self.n_rounds = n_rounds
        self.n_jobs = n_jobs
        self.max_restarts = max_restarts
        self.restarts = 0
        self.job = uuid.uuid4().hex
        self.parts = bag.to_delayed(optimize_graph=True)
        self.version = 0
        self.dead: set[str] = set()
        self._nthreads: dict[str, int] = {}
        weights = _embedrs.init_weights(vocab, cfg["vector_size"], cfg["seed"])
        self.syn0, self.syn1 = weights.to_arrays()
        del weights
        workers = self._workers()
        order = sorted(workers)
        self.placement = {r: order[r % len(order)] for r in range(self.R)}
        self._vocab_on: dict[str, Any] = {}  # host -> the vocabulary, scattered there
        self._delta_on: dict[str, Any] = {}  # host -> the last combined delta

    # -- cluster state
    def _workers(self) -> dict[str, dict[str, Any]]:
        info = _worker_info(self.client)
        alive = {a: w for a, w in info.items() if a not in self.dead}
        self._nthreads = {a: int(w.get("nthreads") or 1) for a, w in alive.items()}
        return alive

    def _pick_worker(self, r: int) -> str:
        deadline = time.monotonic() + 60
        while True:
            workers = self._workers()
            if workers:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("no dask worker left to host a replica")
            time.sleep(0.2)
        load = {a: 0 for a in workers}
        for other, a in self.placement.items():
            if other != r and a in load:
                load[a] += 1
        return min(sorted(load), key=lambda a: load[a])

    def threads(self, r: int) -> int:
        if self.n_jobs != -1:
            return self.n_jobs
        addr = self.placement[r]
        nthreads = self._nthreads.get(addr, 1)
        sharing = sum(1 for a in self.placement.values() if a == addr)
        return max(1, nthreads // max(1, sharing))

    def _put(self, obj: Any, host: str) -> Any:
        # One scatter per host, never broadcast=True: a broadcast whose target dies is
        # retried by the scheduler for ever, while a plain scatter fails and is handled.
        return self.client.scatter([obj], workers=[host], hash=False)[0]

    def _vocab_ref(self, host: str) -> Any:
        fut = self._vocab_on.get(host)
        if fut is None or fut.status != "finished":
            fut = self._vocab_on[host] = self._put(self.vocab, host)
        return fut

    # -- running tasks pinned to workers, with recovery
    def _collect(
        self, rs: Iterable[int], submit: Callable[[int], Any], rebuild: bool
    ) -> dict[int, Any]:
        """Run ``submit(r)`` for every replica and gather the results. A task whose worker
        died, or whose replica is gone, is moved: the replica is rebuilt on a live worker
        from the driver's weights (``rebuild=True``) and the task is submitted again."""
        futures: dict[int, Any] = {}
        results: dict[int, Any] = {}
        queue = list(rs)
        while queue or futures:
            for r in queue:
                try:
                    futures[r] = submit(r)
                except Exception as exc:  # e.g. a scatter to a worker that just died
                    if self.placement[r] in self._workers():
                        raise
                    self._move(r, f"{type(exc).__name__}: {exc}", rebuild)
                    queue.append(r)
            queue = []
            try:
                with self.client.as_current():
                    _dist.wait(
                        list(futures.values()), timeout=_POLL_SECONDS, return_when="FIRST_COMPLETED"
                    )
            except (TimeoutError, CancelledError):
                pass  # cancelled futures (lost dependencies) are handled below
            alive: set[str] | None = None
            for r, fut in list(futures.items()):
                reason: str | None = None
                if fut.status == "finished":
                    results[r] = fut.result()
                    del futures[r]
                    continue
                if fut.status == "error":
                    error = fut.exception()
                    if not isinstance(error, _RECOVERABLE):
                        raise error
                    reason = f"{type(error).__name__}: {error}"
                elif fut.status in ("cancelled", "lost"):
                    reason = f"task {fut.status}"
                else:
                    if alive is None:
                        alive = set(self._workers())
                    if self.placement[r] not in alive:
                        reason = f"worker {self.placement[r]} left the cluster"
                if reason is not None:
                    fut.cancel()
                    del futures[r]
                    self._move(r, reason, rebuild)
                    queue.append(r)
        return results

    def _move(self, r: int, reason: str, rebuild: bool) -> None:
        """Place replica ``r`` on another live worker (rebuilding it there if ``rebuild``)."""
        old = self.placement[r]
        if old not in self._workers():
            self.dead.add(old)
        self.restarts += 1
        if self.restarts > self.max_restarts:
            raise RuntimeError(f"replica {r} lost ({reason}) after {self.max_restarts} restarts")
        self.placement[r] = self._pick_worker(r)
        logger.warning(
            "replica %d lost at round %d (%s); rebuilding it on %s from the driver's weights",
            r,
            self.version,
            reason,
            self.placement[r],
        )
        if rebuild:
            self.create([r], from_driver=True)

    def create(self, rs: Iterable[int], from_driver: bool) -> None:
        """(Re)build replicas: their shard is computed next to them, their weights come
        from the seed or from the driver's copy at the current round."""

        def submit(r: int) -> Any:
            addr = self.placement[r]
            shard = self.parts[r :: self.R]
            parts = self.client.compute(shard, workers=[addr], allow_other_workers=True)
            init = None
            if from_driver:
                init = (self._put(self.syn0, addr), self._put(self.syn1, addr))
            return self.client.submit(
                _create_replica,
                self.job,
                r,
                self._vocab_ref(addr),
                self.cfg,
                self.n_rounds,
                self.version,
                init,
                *parts,
                key=f"embedrs-replica-{self.job}-{r}-{uuid.uuid4().hex[:8]}",
                workers=[addr],
                allow_other_workers=False,
                pure=False,
            )

        for r, info in self._collect(list(rs), submit, rebuild=False).items():
            self.placement[r] = info["address"]
            logger.debug("replica %d on %s: %d tokens", r, info["address"], info["tokens"])

    def round(
        self, slice_index: int, alpha: float, min_alpha: float
    ) -> tuple[Delta, list[dict[str, Any]]]:
        """Run one synchronous round on all replicas; returns the combined delta (already
        applied to the driver's weights) and the replicas' statistics."""
        g = self.version

        def submit(r: int) -> Any:
            # A replica rebuilt at this round needs no delta (it has none on a new host).
            return self.client.submit(
                _train_round,
                self.job,
                r,
                g,
                self._delta_on.get(self.placement[r]),
                slice_index,
                alpha,
                min_alpha,
                _round_seed(self.cfg["seed"], g, r),
                self.threads(r),
                key=f"embedrs-round-{self.job}-{g}-{r}-{uuid.uuid4().hex[:8]}",
                workers=[self.placement[r]],
                allow_other_workers=False,
                pure=False,
            )

        results = self._collect(range(self.R), submit, rebuild=True)
        ordered = [results[r] for r in range(self.R)]
        rows, d0, d1 = _combine(ordered, self.cfg["vector_size"], self.cfg["combine"])
        self.syn0[rows] += d0
        self.syn1[rows] += d1
        self.version += 1
        return (rows, d0, d1), [res[3] for res in ordered]

    def publish(self, delta: Delta) -> None:
        """Send the combined delta of the last round to every replica's worker, once per
        worker. A worker that fails here is dying: its replicas are rebuilt next round."""
        self._delta_on = {}
        for host in sorted(set(self.placement.values())):
            try:
                self._delta_on[host] = self._put(delta, host)
            except Exception as exc:
                logger.warning("could not send the round delta to %s: %s", host, exc)

    def close(self) -> None:
        self._delta_on = {}
        self._vocab_on = {}
        try:
            self.client.run(_drop_job, self.job, on_error="ignore")
        except Exception as exc:  # pragma: no cover - cluster already gone
            logger.debug("could not drop the replicas of job %s: %s", self.job, exc)


def _worker_info(client: Any) -> dict[str, dict[str, Any]]:
    """Address -> info of every worker (all of them: some versions default to 5)."""
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # distributed before n_workers existed listed every worker
        info = client.scheduler_info()
    workers: dict[str, dict[str, Any]] = info["workers"]
    return workers


def _seed_of(random_state: Any) -> int:
    from sklearn.utils import check_random_state

    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        seed = int(random_state)
    else:
        seed = int(check_random_state(random_state).randint(0, 2**31 - 1))
    if seed < 0:
        raise InvalidParameterError(f"invalid parameter random_state: {seed} is negative")
    return seed


def fit(
    corpus: Any,
    *,
    vocab: Any = None,
    client: Client | None = None,
    n_replicas: int | None = None,
    sync_every_tokens: int | Literal["auto"] = "auto",
    combine: Literal["sum", "mean"] = "sum",
    max_restarts: int | None = None,
    callbacks: Sequence[Any] | None = None,
    **params: Any,
) -> Word2Vec:
    """Train word2vec on a Dask cluster; returns an ordinary fitted :class:`embedrs.Word2Vec`.

    Experimental. Synchronous rounds: every replica (one per worker by default) keeps the
    model resident, trains its next slice of the corpus with the Rust Hogwild core at the
    learning rate of the global progress, and returns the rows it changed. The driver sums
    the changes of all replicas and sends the sum back, so after every round all replicas
    hold the same weights. Summing keeps the per-example step size of single-process
    training; averaging does not (see ``combine``).

    Parameters
    ----------
    corpus : dask.bag.Bag or dask Series
        Sentences: str (split on whitespace) or lists of str. Partition ``p`` goes to replica
        ``p % n_replicas``, so use at least as many partitions as replicas.
    vocab : embedrs Vocab, optional
        From :func:`count_vocab` over the same corpus; counted here if omitted (with
        ``min_count``, ``max_final_vocab`` and ``max_vocab_size`` from ``params``).
    client : dask.distributed.Client, optional
        Defaults to the current client.
    n_replicas : int, optional
        Model replicas; default one per worker. Each holds the whole model.
    sync_every_tokens : int or "auto", default="auto"
        Corpus tokens processed between two synchronisations, by all replicas together
        (each replica trains about ``sync_every_tokens / n_replicas`` per round). "auto":
        1/16 of an epoch, at most 1 M tokens per replica. Smaller rounds mean less stale
        replicas (better vectors) and more communication.
    combine : {"sum", "mean"}, default="sum"
        How replica deltas are combined. "mean" divides the sum by the number of replicas,
        which is the same as dividing the learning rate by it: worse vectors, kept only
        for comparison.
    max_restarts : int, optional
        Replica rebuilds allowed (after worker losses) before giving up; default
        ``4 * n_replicas + 4``.
    callbacks : sequence, optional
        As for :meth:`Word2Vec.fit`; ``on_progress`` is called after every round and
        raising :class:`embedrs.StopTraining` stops after the current round.
    **params
        :class:`embedrs.Word2Vec` parameters (``vector_size``, ``window``, ``sg``,
        ``epochs``, ``alpha``, ``random_state``, ...). ``n_jobs`` is the number of Rust
        threads per replica; the default -1 uses the worker's thread count divided by the
        replicas it hosts, so Rust threads never oversubscribe the worker. Only ``n_jobs=1``
        makes the result reproducible (and a rerun round after a worker loss identical).

    Returns
    -------
    Word2Vec
        Fitted, with the usual attributes plus ``n_replicas_``, ``n_rounds_`` (per epoch),
        ``sync_every_tokens_`` and ``replica_restarts_``.

    Examples
    --------
    >>> import dask.bag as db  # doctest: +SKIP
    >>> from embedrs import distributed as ed  # doctest: +SKIP
    >>> corpus = db.from_sequence(sentences, npartitions=8)  # doctest: +SKIP
    >>> model = ed.fit(corpus, vector_size=100, min_count=5, epochs=5,  # doctest: +SKIP
    ...                random_state=0, client=client)
    >>> model.wv_.most_similar("king", topn=3)  # doctest: +SKIP
    """
    est = Word2Vec(**params)
    est._check_params()
    device = resolve_device(est.device)
    seed = _seed_of(est.random_state)
    if combine not in ("sum", "mean"):
        raise InvalidParameterError(f"invalid parameter combine: 'sum' or 'mean', got {combine!r}")
    if sync_every_tokens != "auto" and (
        isinstance(sync_every_tokens, bool)
        or not isinstance(sync_every_tokens, (int, np.integer))
        or sync_every_tokens < 1
    ):
        raise InvalidParameterError(
            f"invalid parameter sync_every_tokens: a positive int or 'auto', got "
            f"{sync_every_tokens!r}"
        )
    if n_replicas is not None and (
        isinstance(n_replicas, bool)
        or not isinstance(n_replicas, (int, np.integer))
        or n_replicas < 1
    ):
        raise InvalidParameterError(
            f"invalid parameter n_replicas: a positive int or None, got {n_replicas!r}"
        )
    client = _resolve_client(client, required=True)
    assert client is not None
    bag = _as_bag(corpus)

    t0 = time.perf_counter()
    rare = _embedrs.WordCounts()  # unknown when the caller brings its own vocabulary
    if vocab is None:
        counts = count_words(
            bag,
            max_vocab_size=est.max_vocab_size,
            max_sentence_length=est.max_sentence_length,
            client=client,
        )
        vocab = counts.build_vocab(est.min_count, est.max_final_vocab)
        rare = counts.without(vocab)
        del counts
    vocab_time = time.perf_counter() - t0
    est._check_memory(len(vocab))

    n_workers = len(_worker_info(client))
    if n_workers == 0:
        client.wait_for_workers(1)
        n_workers = len(_worker_info(client))
    R = int(n_replicas) if n_replicas is not None else n_workers
    if bag.npartitions < R:
        logger.warning(
            "%d replicas but only %d partitions: using %d replicas (repartition the corpus "
            "to use more)",
            R,
            bag.npartitions,
            bag.npartitions,
        )
        R = bag.npartitions
    total = int(vocab.corpus_words)
    if sync_every_tokens == "auto":
        sync = max(
            1, min(math.ceil(total / _AUTO_SYNCS_PER_EPOCH), _AUTO_MAX_TOKENS_PER_REPLICA * R)
        )
    else:
        sync = int(sync_every_tokens)
    n_rounds = max(1, math.ceil(total / sync))
    cfg = {
        "vector_size": est.vector_size,
        "window": est.window,
        "sg": bool(est.sg),
        "negative": est.negative,
        "ns_exponent": float(est.ns_exponent),
        "cbow_mean": bool(est.cbow_mean),
        "sample": float(est.sample),
        "shrink_windows": bool(est.shrink_windows),
        "shared_negatives": bool(est.shared_negatives),
        "alpha_schedule": str(est.alpha_schedule),
        "max_sentence_length": est.max_sentence_length,
        "seed": seed,
        "combine": combine,
    }
    logger.info(
        "distributed training: %d words x %d dims, %d replicas, %d rounds per epoch "
        "(%d tokens per round), combine=%s",
        len(vocab),
        est.vector_size,
        R,
        n_rounds,
        sync,
        combine,
    )
    driver = _Driver(
        client,
        bag,
        vocab,
        cfg,
        R,
        n_rounds,
        int(est.n_jobs),
        4 * R + 4 if max_restarts is None else int(max_restarts),
    )
    epochs = est.epochs
    words_total = total * epochs
    dispatcher = _Dispatcher(est, callbacks or (), bool(est.verbose), words_total)
    alpha0, alpha1 = float(est.alpha), float(est.min_alpha)
    epoch_stats: list[EpochStats] = []
    kernel = ""
    stopped = False
    words_done = 0
    t1 = time.perf_counter()
    try:
        driver.create(range(R), from_driver=False)
        steps = epochs * n_rounds
        for epoch in range(epochs):
            if not dispatcher("epoch_begin", (epoch,)):
                stopped = True
                break
            te = time.perf_counter()
            acc = {"loss": 0.0, "predictions": 0, "raw_words": 0, "effective_words": 0}
            for k in range(n_rounds):
                g = epoch * n_rounds + k
                a_start = alpha0 - (alpha0 - alpha1) * g / steps
                a_end = alpha0 - (alpha0 - alpha1) * (g + 1) / steps
                delta, stats = driver.round(k, a_start, a_end)
                for s in stats:
                    for key in acc:
                        acc[key] += s[key]
                kernel = stats[0]["kernel"]
                words_done += sum(s["raw_words"] for s in stats)
                last = epoch == epochs - 1 and k == n_rounds - 1
                elapsed = time.perf_counter() - t1
                progress = (
                    epoch,
                    epochs,
                    words_done,
                    words_total,
                    a_end,
                    acc["loss"],
                    words_done / max(elapsed, 1e-9),
                    elapsed,
                )
                if not dispatcher("progress", progress):
                    stopped = True
                if stopped or last:
                    break
                driver.publish(delta)
            stats_e = (
                epoch,
                acc["loss"],
                acc["predictions"],
                acc["raw_words"],
                acc["effective_words"],
                time.perf_counter() - te,
            )
            epoch_stats.append(
                EpochStats(
                    epoch=epoch,
                    loss=acc["loss"],
                    predictions=int(acc["predictions"]),
                    raw_words=int(acc["raw_words"]),
                    effective_words=int(acc["effective_words"]),
                    seconds=stats_e[-1],
                )
            )
            if not dispatcher("epoch_end", stats_e):
                stopped = True
            if stopped:
                logger.info("training stopped early by a callback")
                break
    finally:
        dispatcher.close()
        driver.close()
    train_time = time.perf_counter() - t1

    weights = _embedrs.Weights.from_arrays(driver.syn0, driver.syn1)
    driver.syn0 = driver.syn1 = None  # type: ignore[assignment]
    est.wv_ = KeyedVectors._from_native(_embedrs.KeyedVectors.from_weights(vocab, weights))
    est.syn1neg_ = weights.take_syn1neg()
    est.rare_counts_ = rare
    est.device_ = device
    est._wv_device = None
    est.epoch_stats_ = epoch_stats
    est.training_loss_ = [e.loss for e in epoch_stats]
    est.corpus_total_words_ = total
    est.corpus_sentences_ = int(vocab.corpus_sentences)
    est.n_words_seen_ = sum(e.raw_words for e in epoch_stats)
    est.effective_words_ = sum(e.effective_words for e in epoch_stats)
    est.random_state_ = seed
    est.vocab_time_ = vocab_time
    est.train_time_ = train_time
    est.stopped_early_ = stopped
    est.simd_kernel_ = kernel
    est.n_features_out_ = est.vector_size
    est.n_replicas_ = R
    est.n_rounds_ = n_rounds
    est.sync_every_tokens_ = sync
    est.replica_restarts_ = driver.restarts
    logger.info(
        "trained %d raw words in %.1fs on %d replicas (%d rounds, %d replica restarts)",
        est.n_words_seen_,
        train_time,
        R,
        driver.version,
        driver.restarts,
    )
    return est


# -- transform -------------------------------------------------------------------------------
Pooling = Literal["mean", "sum", "max"]


def transform_partition(
    kv: KeyedVectors,
    docs: Iterable[Any],
    pooling: Pooling = "mean",
    weighting: Literal["sif", "idf"] | None = None,
    sif_a: float = 1e-3,
) -> npt.NDArray[np.float32]:
    """Pooled document vectors of one partition (a pure function: any engine can map it).

    :meth:`KeyedVectors.transform` on one partition: documents are str (split on
    whitespace) or token lists; a document without a known word, or a missing value
    (None, NaN), gets a zero row. With the defaults it equals :meth:`Word2Vec.transform`.

    Parameters
    ----------
    kv : KeyedVectors
    docs : iterable of str or of lists of str
    pooling, weighting, sif_a
        See :meth:`KeyedVectors.transform`.

    Returns
    -------
    ndarray of shape (n_docs, vector_size), float32

    Examples
    --------
    >>> import numpy as np
    >>> from embedrs import KeyedVectors
    >>> from embedrs.distributed import transform_partition
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> transform_partition(kv, ["a b", ["b"], None]).tolist()
    [[0.5, 0.5], [0.0, 1.0], [0.0, 0.0]]
    """
    clean = [d if isinstance(d, str) or _is_tokens(d) else "" for d in docs]
    return kv.transform(clean, pooling=pooling, weighting=weighting, sif_a=sif_a)


def _is_tokens(d: Any) -> bool:
    return isinstance(d, (list, tuple)) or (isinstance(d, np.ndarray) and d.dtype == object)


_PATH_CACHE: dict[tuple[str, int, int], KeyedVectors] = {}
_PATH_LOCK = threading.Lock()


def _load_cached(path: str) -> KeyedVectors:
    """The vectors of a native file, memory-mapped once per process (and so shared by the
    worker processes of one machine through the page cache)."""
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    with _PATH_LOCK:
        kv = _PATH_CACHE.get(key)
        if kv is None:
            _PATH_CACHE.clear()
            kv = _PATH_CACHE[key] = KeyedVectors.load(path, mmap=True)
    return kv


def _pool_partition(
    docs: Iterable[Any], kv: KeyedVectors | str, options: dict[str, Any]
) -> npt.NDArray[np.float32]:
    if isinstance(kv, str):
        kv = _load_cached(kv)
    return transform_partition(kv, docs, **options)


def _pool_series(
    series: Any, kv: KeyedVectors | str, options: dict[str, Any], columns: list[str]
) -> Any:
    import pandas as pd

    out = _pool_partition(series.tolist(), kv, options)
    return pd.DataFrame(out, index=series.index, columns=columns)


def transform(
    model: Word2Vec | KeyedVectors | str | os.PathLike[str],
    docs: Any,
    *,
    client: Client | None = None,
    pooling: Pooling = "mean",
    weighting: Literal["sif", "idf"] | None = None,
    sif_a: float = 1e-3,
) -> Any:
    """Document vectors of a distributed collection, lazily, in the input order.

    The vectors go to each worker once (scattered with ``broadcast=True``), or, given a
    path, each worker process memory-maps the file once; they never enter the task graph.
    With the default pooling the result equals ``model.transform`` on the same documents.

    Parameters
    ----------
    model : Word2Vec, KeyedVectors, or path
        A fitted model, its ``wv_``, or a native file (``model.save`` / ``kv.save``) that
        every worker can read.
    docs : dask.bag.Bag or dask Series
        Documents: str (split on whitespace) or lists of str.
    client : dask.distributed.Client, optional
        Defaults to the current client; without any, the vectors are put in the graph
        once (for dask's local schedulers).
    pooling, weighting, sif_a
        See :meth:`KeyedVectors.transform`.

    Returns
    -------
    dask.array.Array or dask.dataframe.DataFrame
        For a bag, a float32 array of shape ``(n_docs, vector_size)``, one chunk per
        partition (chunk sizes unknown until computed). For a Series, a DataFrame with
        columns ``word2vec0, ...`` and the Series' index.

    Examples
    --------
    >>> import numpy as np, dask.bag as db
    >>> from embedrs import KeyedVectors
    >>> from embedrs import distributed as ed
    >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> docs = db.from_sequence(["a", "a b", "b"], npartitions=2)
    >>> ed.transform(kv, docs).compute(scheduler="sync").tolist()
    [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
    """
    options = {"pooling": pooling, "weighting": weighting, "sif_a": sif_a}
    ref: Any
    if isinstance(model, (str, os.PathLike)):
        ref = os.fspath(model)
        dim = _load_cached(ref).vector_size
    else:
        kv = model.wv_ if isinstance(model, Word2Vec) else model
        if not isinstance(kv, KeyedVectors):
            raise TypeError(
                f"model must be a fitted Word2Vec, KeyedVectors or a path, got "
                f"{type(model).__name__}"
            )
        dim = kv.vector_size
        client = _resolve_client(client, required=False)
        if client is not None:
            ref = client.scatter(kv, broadcast=True, hash=False)
        else:
            ref = _dask.delayed(kv, name=f"embedrs-kv-{uuid.uuid4().hex}")
    if isinstance(docs, Bag):
        pool = _dask.delayed(_pool_partition, pure=True)
        chunks = [
            _da.from_delayed(pool(part, ref, options), shape=(math.nan, dim), dtype=np.float32)
            for part in _as_bag(docs).to_delayed(optimize_graph=True)
        ]
        return _da.concatenate(chunks, axis=0)
    if hasattr(docs, "map_partitions") and hasattr(docs, "to_bag") and docs.ndim == 1:
        import pandas as pd

        columns = [f"word2vec{i}" for i in range(dim)]
        meta = pd.DataFrame(
            {c: pd.Series([], dtype=np.float32) for c in columns},
            index=docs._meta.index,
        )
        return docs.map_partitions(_pool_series, ref, options, columns, meta=meta)
    raise TypeError(
        f"docs must be a dask.bag.Bag or a dask Series of documents, got {type(docs).__name__}"
    )


# -- cheap, deterministic dask tokens for embedrs objects ---------------------------------------
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


_normalize_token.register(_embedrs.Vocab, _tokenize_vocab)
_normalize_token.register(_embedrs.WordCounts, _tokenize_counts)
_normalize_token.register(KeyedVectors, _tokenize_kv)
