"""Training callbacks: the event objects, the dispatcher the Rust trainer calls, and the tqdm
progress bar used when ``verbose=True``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .exceptions import StopTraining

logger = logging.getLogger("embedrs")


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running training (passed to ``on_progress``).

    Attributes
    ----------
    epoch, epochs : int
        Current epoch (0-based) and number of epochs.
    words_done, words_total : int
        Raw corpus words processed so far and expected, over all epochs.
    alpha : float
        Current learning rate.
    epoch_loss : float
        Loss summed over the current epoch so far.
    words_per_sec : float
        Raw words per second since training started.
    elapsed : float
        Seconds since training started.

    Examples
    --------
    >>> class Printer:
    ...     def on_progress(self, model, progress):
    ...         print(f"{100 * progress.fraction:.0f}% at {progress.words_per_sec:,.0f} words/s")
    """

    epoch: int
    epochs: int
    words_done: int
    words_total: int
    alpha: float
    epoch_loss: float
    words_per_sec: float
    elapsed: float

    @property
    def fraction(self) -> float:
        """Share of the whole run done, in [0, 1]."""
        return min(1.0, self.words_done / max(1, self.words_total))


@dataclass(frozen=True)
class EpochStats:
    """Statistics of a finished epoch (passed to ``on_epoch_end``).

    Attributes
    ----------
    epoch : int
    loss : float
        Sum of the negative-sampling loss of every prediction of the epoch.
    predictions : int
        Number of (input, target) predictions made (positives and negatives).
    raw_words, effective_words : int
        Corpus words read, and words trained on after subsampling.
    seconds : float

    Examples
    --------
    >>> EpochStats(epoch=0, loss=50.0, predictions=100, raw_words=20, effective_words=15,
    ...            seconds=0.1).mean_loss
    0.5
    """

    epoch: int
    loss: float
    predictions: int
    raw_words: int
    effective_words: int
    seconds: float

    @property
    def mean_loss(self) -> float:
        """Loss per prediction."""
        return self.loss / max(1, self.predictions)


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
        """Called after each epoch with a :class:`~embedrs.KeyedVectors` snapshot (a copy
        made only when some callback defines this method), e.g. to save every epoch."""


class _Dispatcher:
    """Turns the trainer's ``(event, args)`` calls into callback method calls."""

    def __init__(
        self,
        model: Any,
        callbacks: Sequence[Any],
        verbose: bool,
        words_total: int = 0,
        vocab: Any = None,
    ) -> None:
        self.model = model
        self.callbacks = list(callbacks)
        self.vocab = vocab
        self._words: list[str] | None = None
        if verbose:
            self.callbacks.append(_TqdmBar(words_total))

    def __call__(self, event: str, args: tuple[Any, ...]) -> bool:
        try:
            if event == "progress":
                p = Progress(*args)
                for cb in self.callbacks:
                    if hasattr(cb, "on_progress"):
                        cb.on_progress(self.model, p)
            elif event == "epoch_begin":
                for cb in self.callbacks:
                    if hasattr(cb, "on_epoch_begin"):
                        cb.on_epoch_begin(self.model, args[0])
            elif event == "epoch_vectors":
                from .keyed_vectors import KeyedVectors

                if self._words is None:
                    self._words = self.vocab.words()
                kv = KeyedVectors(self._words, args[1], self.vocab.counts())
                for cb in self.callbacks:
                    if hasattr(cb, "on_epoch_vectors"):
                        cb.on_epoch_vectors(self.model, args[0], kv)
            elif event == "epoch_end":
                stats = EpochStats(*args)
                logger.info(
                    "epoch %d: loss %.4f per prediction, %d raw words in %.1fs",
                    stats.epoch,
                    stats.mean_loss,
                    stats.raw_words,
                    stats.seconds,
                )
                for cb in self.callbacks:
                    if hasattr(cb, "on_epoch_end"):
                        cb.on_epoch_end(self.model, stats)
        except StopTraining:
            logger.info("training stopped early by a callback")
            return False
        return True

    @property
    def wants_snapshots(self) -> bool:
        """True if a callback asked for the vectors after each epoch."""
        return any(hasattr(cb, "on_epoch_vectors") for cb in self.callbacks)

    def close(self) -> None:
        for cb in self.callbacks:
            if isinstance(cb, _TqdmBar):
                cb.close()


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
