"""Training on a Dask cluster in synchronous rounds: every worker keeps a replica of the
model (the core's ``Replica``), trains its next slice, and returns the rows it changed; the
driver sums the changes and sends the sum back, so every replica holds the same weights after
every round."""

from __future__ import annotations

import logging
import math
import numbers
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
from distributed import KilledWorker

from .. import _embedrs
from .._callbacks import Dispatcher, EpochStats, Progress
from .._corpus import add_batches
from .._params import at_least, config_kwargs, physical_memory, seed_of
from ..device import resolve_device
from ..estimator import Word2Vec
from ..exceptions import InvalidParameterError
from ..keyed_vectors import KeyedVectors
from ._cluster import as_bag, dist, resolve_client
from ._counting import count_words

__all__ = ["fit"]

logger = logging.getLogger("embedrs.distributed")

_AUTO_SYNCS_PER_EPOCH = 16  # measured in docs/distributed.md: 16 syncs/epoch ~ single-process
_AUTO_MAX_TOKENS_PER_REPLICA = 1_000_000  # about 1 s of one Rust thread per round
_POLL_SECONDS = 0.5  # how often the driver checks that the workers running a round are alive

Sentence = str | Sequence[str]
Delta = tuple[npt.NDArray[np.uint32], npt.NDArray[np.float32], npt.NDArray[np.float32]]


# -- the worker side --------------------------------------------------------------------------
class _ReplicaLost(RuntimeError):
    """The replica a round needs is not on the worker running the round (or is stale)."""


@dataclass
class _Replica:
    native: Any  # the core's Replica: vocabulary, slices, weights
    cfg: dict[str, Any]  # TrainConfig keywords shared by every round
    version: int
    dirty: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_REPLICAS: dict[tuple[str, int], _Replica] = {}  # per worker process: (job, replica) -> state


def _forget_replicas_after_fork() -> None:
    """A process forked from a worker is not that worker: its copies of the replicas (whose
    locks a round may have held at fork time) are dropped, never waited for."""
    _REPLICAS.clear()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_forget_replicas_after_fork)


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
    """Build replica ``r`` on this worker: its shard cut into ``n_rounds`` slices of about
    equal token counts (by the core, between sentences) and the weights, from the seed
    (``init=None``) or from the driver's copy."""
    builder = _embedrs.CorpusBuilder(None, cfg["max_sentence_length"], track_sentences=True)
    for part in partitions:
        add_batches(builder, part)
    if init is None:
        init = _embedrs.init_weights(vocab, cfg["vector_size"], cfg["seed"])
    native = _embedrs.Replica(vocab, builder, n_rounds, *init)
    shared = {k: v for k, v in cfg.items() if k not in ("seed", "combine")}
    _REPLICAS[(job, r)] = _Replica(native, shared, version)
    return {"address": dist.get_worker().address, "tokens": native.raw_words}


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
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float32], npt.NDArray[np.float32], Any, str]:
    """One round of replica ``r``: bring it to global version ``version`` (applying the summed
    ``delta`` of the previous round), train one slice, return the rows it changed, the
    round's statistics and the SIMD kernel used.

    The result depends only on (weights at ``version``, slice, seed), so a rerun gives the
    same deltas (with ``n_threads=1``)."""
    rep = _REPLICAS.get((job, r))
    if rep is None:
        raise _ReplicaLost(f"replica {r} of job {job} is not on this worker")
    with rep.lock:
        if rep.version == version - 1 and delta is not None:
            rep.native.apply(*delta)
            rep.version = version
        elif rep.version == version:
            if rep.dirty:  # a rerun of this round: restore the weights of the version
                d = rep.cfg["vector_size"]
                empty = np.zeros((0, d), dtype=np.float32)
                rep.native.apply(np.zeros(0, dtype=np.uint32), empty, empty)
        else:
            raise _ReplicaLost(f"replica {r} is at round {rep.version}, not {version}")
        rep.dirty = False
        config = _embedrs.TrainConfig(
            **{**rep.cfg, "alpha": alpha, "min_alpha": min_alpha, "epochs": 1},
            seed=seed,
            n_jobs=n_threads,
        )
        stats, kernel = rep.native.train_round(slice_index, config)
        rep.dirty = True
        rows, d0, d1 = rep.native.delta()
    return rows, d0, d1, stats, kernel


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


def _positive_or(name: str, value: Any, other: str) -> int:
    """``value`` as an int >= 1 (numpy integers included), for a parameter that may also be
    ``other`` (named in the message)."""
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Integral)
        or not 1 <= int(value) < 2**63
    ):
        raise InvalidParameterError(
            f"invalid parameter {name}: must be an integer >= 1 or {other}, got {value!r}"
        )
    return int(value)


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
        self.syn0, self.syn1 = _embedrs.init_weights(vocab, cfg["vector_size"], cfg["seed"])
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
                    dist.wait(
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
    ) -> tuple[Delta, list[Any], str]:
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
        return (rows, d0, d1), [res[3] for res in ordered], ordered[0][4]

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


def fit(
    corpus: Any,
    *,
    vocab: Any = None,
    client: Any = None,
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
        Sentences: str (split on ASCII whitespace) or lists of str. Partition ``p`` goes to replica
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
    seed = seed_of(est.random_state)
    config = est._config(seed)  # every parameter checked here, before any work
    if config.hs:
        raise InvalidParameterError(
            "invalid parameter hs: hierarchical softmax (hs=1) is not supported by the "
            "distributed trainer (its replicas exchange the rows of negative sampling's "
            "matrices only); use hs=0, or embedrs.Word2Vec on one machine"
        )
    settings = config_kwargs(est.get_params())  # the same values, as Python numbers
    device = resolve_device(est.device)
    if combine not in ("sum", "mean"):
        raise InvalidParameterError(f"invalid parameter combine: 'sum' or 'mean', got {combine!r}")
    sync_tokens = (
        None
        if isinstance(sync_every_tokens, str) and sync_every_tokens == "auto"
        else _positive_or("sync_every_tokens", sync_every_tokens, "'auto'")
    )
    replicas = None if n_replicas is None else _positive_or("n_replicas", n_replicas, "None")
    restarts = at_least("max_restarts", max_restarts, 0, allow_none=True)
    client = resolve_client(client, required=True)
    assert client is not None
    bag = as_bag(corpus)

    t0 = time.perf_counter()
    rare = _embedrs.WordCounts()  # unknown when the caller brings its own vocabulary
    if vocab is None:
        counts = count_words(
            bag,
            max_vocab_size=settings["max_vocab_size"],
            max_sentence_length=settings["max_sentence_length"],
            client=client,
        )
        vocab = counts.build_vocab(settings["min_count"], settings["max_final_vocab"])
        rare = counts.without(vocab)
        del counts
    vocab_time = time.perf_counter() - t0
    memory = physical_memory()
    need = 2 * len(vocab) * config.vector_size * 4
    if memory is not None and need > memory:
        raise MemoryError(
            f"training needs {need / 2**30:.1f} GiB for the two {len(vocab)} x "
            f"{config.vector_size} float32 matrices, but this machine has {memory / 2**30:.1f} "
            "GiB; lower vector_size or raise min_count"
        )

    n_workers = len(_worker_info(client))
    if n_workers == 0:
        client.wait_for_workers(1)
        n_workers = len(_worker_info(client))
    R = replicas if replicas is not None else n_workers
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
    if sync_tokens is None:
        sync = max(
            1, min(math.ceil(total / _AUTO_SYNCS_PER_EPOCH), _AUTO_MAX_TOKENS_PER_REPLICA * R)
        )
    else:
        sync = sync_tokens
    n_rounds = max(1, math.ceil(total / sync))
    # The training settings every round of every replica uses (the learning rate, the seed
    # and the threads are the round's).
    per_round = ("alpha", "min_alpha", "epochs", "n_jobs", "min_count", "max_final_vocab",
                 "max_vocab_size")
    cfg = {k: v for k, v in settings.items() if k not in per_round}
    cfg.update(seed=seed, combine=combine)
    logger.info(
        "distributed training: %d words x %d dims, %d replicas, %d rounds per epoch "
        "(%d tokens per round), combine=%s",
        len(vocab),
        config.vector_size,
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
        settings["n_jobs"],
        4 * R + 4 if restarts is None else restarts,
    )
    epochs = config.epochs
    words_total = total * epochs
    dispatcher = Dispatcher(est, callbacks or (), bool(est.verbose))
    alpha0, alpha1 = float(config.alpha), float(config.min_alpha)
    epoch_stats: list[EpochStats] = []
    kernel = ""
    stopped = False
    words_done = 0
    t1 = time.perf_counter()
    try:
        driver.create(range(R), from_driver=False)
        dispatcher.on_train_begin(words_total)
        steps = epochs * n_rounds
        for epoch in range(epochs):
            if not dispatcher.on_epoch_begin(epoch):
                stopped = True
                break
            te = time.perf_counter()
            acc = {"loss": 0.0, "predictions": 0, "raw_words": 0, "effective_words": 0}
            for k in range(n_rounds):
                g = epoch * n_rounds + k
                a_start = alpha0 - (alpha0 - alpha1) * g / steps
                a_end = alpha0 - (alpha0 - alpha1) * (g + 1) / steps
                delta, stats, kernel = driver.round(k, a_start, a_end)
                for s in stats:
                    for key in acc:
                        acc[key] += getattr(s, key)
                words_done += sum(s.raw_words for s in stats)
                last = epoch == epochs - 1 and k == n_rounds - 1
                elapsed = time.perf_counter() - t1
                progress = Progress(
                    epoch=epoch,
                    epochs=epochs,
                    words_done=words_done,
                    words_total=words_total,
                    alpha=a_end,
                    epoch_loss=acc["loss"],
                    words_per_sec=words_done / max(elapsed, 1e-9),
                    elapsed=elapsed,
                )
                if not dispatcher.on_progress(progress):
                    stopped = True
                if stopped or last:
                    break
                driver.publish(delta)
            epoch_stats.append(
                EpochStats(
                    epoch=epoch,
                    loss=float(acc["loss"]),
                    predictions=int(acc["predictions"]),
                    raw_words=int(acc["raw_words"]),
                    effective_words=int(acc["effective_words"]),
                    seconds=time.perf_counter() - te,
                )
            )
            if not dispatcher.on_epoch_end(epoch_stats[-1]):
                stopped = True
            if stopped:
                logger.info("training stopped early by a callback")
                break
    finally:
        dispatcher.close()
        driver.close()
    train_time = time.perf_counter() - t1

    # The word vectors as the core's pipeline returns them (see ``output_weight``).
    weight = float(config.output_weight)
    vectors = (
        driver.syn0 if weight == 0 else _embedrs.word_vectors(driver.syn0, driver.syn1, weight)
    )
    est._set_fitted(
        wv=KeyedVectors._from_native(_embedrs.KeyedVectors.from_vocab(vocab, vectors)),
        syn0=None if weight == 0 else driver.syn0,
        syn1neg=driver.syn1,
        rare_counts=rare,
        epoch_stats=epoch_stats,
        corpus_total_words=total,
        corpus_sentences=int(vocab.corpus_sentences),
        random_state=seed,
        vocab_time=vocab_time,
        train_time=train_time,
        stopped_early=stopped,
        simd_kernel=kernel,
        device=device,
        output_weight=weight,
    )
    driver.syn0 = driver.syn1 = None  # type: ignore[assignment]
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


