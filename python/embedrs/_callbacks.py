"""Training callbacks: the event objects, the dispatcher the Rust trainer calls, and the tqdm
progress bar used when ``verbose=True``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from . import _embedrs
from .exceptions import StopTraining

logger = logging.getLogger("embedrs")


#: A snapshot of a running training, passed to ``on_progress`` (defined in the core).
Progress = _embedrs.Progress
#: Statistics of a finished epoch, passed to ``on_epoch_end`` (defined in the core).
EpochStats = _embedrs.EpochStats


class Callback(Protocol):
    """What a callback may implement (every method is optional).

    Raise :class:`embedrs.StopTraining` from any method to end training early and keep the
    vectors learnt so far; any other exception aborts ``fit`` and is re-raised.

    Examples
    --------
    See :meth:`embedrs.Word2Vec.fit` (early stopping on the loss, saving every epoch).
    """

    def on_epoch_begin(self, model: Any, epoch: int) -> None: ...  # pragma: no cover

    def on_progress(self, model: Any, progress: Progress) -> None: ...  # pragma: no cover

    def on_epoch_end(self, model: Any, stats: EpochStats) -> None: ...  # pragma: no cover

    def on_epoch_vectors(self, model: Any, epoch: int, vectors: Any) -> None:  # pragma: no cover
        """Called after each epoch with a :class:`~embedrs.KeyedVectors` snapshot of the word
        vectors as ``wv_`` would hold them then (``output_weight`` applied; a copy made only
        when some callback defines this method), e.g. to save every epoch."""


class Dispatcher:
    """What the core's trainer calls back: turns its events into the callbacks' method calls,
    and drives the tqdm bar when ``verbose``. Each method returns False to stop training
    early (a callback raised :class:`~embedrs.StopTraining`)."""

    def __init__(
        self,
        model: Any,
        callbacks: Sequence[Any],
        verbose: bool,
        wrap_vectors: Callable[[Any], Any] | None = None,
    ) -> None:
        self.model = model
        self.callbacks = list(callbacks)
        self.verbose = verbose
        self.wrap_vectors = wrap_vectors
        self._bar: _TqdmBar | None = None

    @property
    def wants_snapshots(self) -> bool:
        """True if a callback asked for the vectors after each epoch."""
        return any(hasattr(cb, "on_epoch_vectors") for cb in self.callbacks)

    def _each(self, method: str, *args: Any) -> bool:
        try:
            for cb in self.callbacks:
                fn = getattr(cb, method, None)
                if fn is not None:
                    fn(self.model, *args)
        except StopTraining:
            logger.info("training stopped early by a callback")
            return False
        return True

    def on_train_begin(self, words_total: int) -> bool:
        if self.verbose and self._bar is None:
            self._bar = _TqdmBar(words_total)
            self.callbacks.append(self._bar)
        return True

    def on_epoch_begin(self, epoch: int) -> bool:
        return self._each("on_epoch_begin", epoch)

    def on_progress(self, progress: Progress) -> bool:
        return self._each("on_progress", progress)

    def on_epoch_vectors(self, epoch: int, native_kv: Any) -> bool:
        kv = self.wrap_vectors(native_kv) if self.wrap_vectors is not None else native_kv
        return self._each("on_epoch_vectors", epoch, kv)

    def on_epoch_end(self, stats: EpochStats) -> bool:
        logger.info(
            "epoch %d: loss %.4f per prediction, %d raw words in %.1fs",
            stats.epoch,
            stats.mean_loss,
            stats.raw_words,
            stats.seconds,
        )
        return self._each("on_epoch_end", stats)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run_with_callbacks(
    native_call: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    model: Any,
    callbacks: Sequence[Any],
    verbose: bool,
    wrap_vectors: Callable[[Any], Any] | None,
    **kwargs: Any,
) -> Any:
    """One call of the core's pipeline (``fit``, ``continue_training``, ``train_more``; the
    GIL is released while it trains) with ``callbacks`` and the progress bar behind one
    :class:`Dispatcher`; the bar is closed however the call ends."""
    dispatcher = Dispatcher(model, callbacks, verbose, wrap_vectors=wrap_vectors)
    try:
        return native_call(*args, callback=dispatcher, **kwargs)
    finally:
        dispatcher.close()


class _TqdmBar:
    """A tqdm bar over raw words with epoch, learning rate and loss."""

    def __init__(self, words_total: int) -> None:
        from tqdm.auto import tqdm

        self.bar: Any = tqdm(total=words_total, unit="w", unit_scale=True, desc="training")
        self.done = 0
        self.last_loss = "-"

    def on_epoch_end(self, model: Any, stats: EpochStats) -> None:
        if self.bar is not None:
            self.done += stats.raw_words
            self.bar.n = self.done
            self.last_loss = f"{stats.mean_loss:.4f}"
            self.bar.set_postfix(
                epoch=f"{stats.epoch + 1}/{getattr(model, 'epochs', '?')}", loss=self.last_loss
            )

    def on_progress(self, model: Any, p: Progress) -> None:
        if self.bar is None:
            return
        self.bar.n = p.words_done
        self.bar.set_postfix(
            epoch=f"{p.epoch + 1}/{p.epochs}",
            lr=f"{p.alpha:.5f}",
            loss=self.last_loss,  # mean per prediction of the last finished epoch
            refresh=False,
        )
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
