"""Exceptions raised by embedrs.

Every class derives from :class:`EmbedrsError` and from the builtin that fits, so existing
``except KeyError`` / ``except ValueError`` / ``except OSError`` code keeps working.

Examples
--------
>>> from embedrs.exceptions import OutOfVocabularyError
>>> issubclass(OutOfVocabularyError, KeyError)
True
"""

from __future__ import annotations

__all__ = [
    "DimensionError",
    "EmbedrsError",
    "EmbedrsFileNotFoundError",
    "EmbedrsIOError",
    "EmbedrsWarning",
    "EmptyVocabularyError",
    "FormatError",
    "InvalidParameterError",
    "OutOfVocabularyError",
    "StopTraining",
    "TrainingCancelledError",
    "TruncatedFileError",
    "UnsupportedParameterError",
]


class EmbedrsError(Exception):
    """Base class of every embedrs error."""


class EmbedrsIOError(EmbedrsError, OSError):
    """A file could not be read or written (the message names it)."""


class EmbedrsFileNotFoundError(EmbedrsIOError, FileNotFoundError):
    """A file does not exist (the message names it); also a :class:`FileNotFoundError`.

    >>> issubclass(EmbedrsFileNotFoundError, (EmbedrsIOError, FileNotFoundError))
    True
    """


class FormatError(EmbedrsError, ValueError):
    """A file's content does not follow its format (the message names the line or byte)."""


class TruncatedFileError(FormatError, EOFError):
    """A file ends before the entries its header announces; also an :class:`EOFError`, which
    is what gensim raises for a short word2vec file.

    >>> issubclass(TruncatedFileError, (FormatError, EOFError))
    True
    """


class InvalidParameterError(EmbedrsError, ValueError):
    """A parameter is outside its domain (the message names the parameter)."""


class UnsupportedParameterError(InvalidParameterError, NotImplementedError):
    """A parameter value that is valid elsewhere (in gensim) but that embedrs cannot honour
    (the message names it and says what to use instead); also a ``NotImplementedError``.

    >>> issubclass(UnsupportedParameterError, (ValueError, NotImplementedError))
    True
    """


class OutOfVocabularyError(EmbedrsError, KeyError):
    """A word is not in the vocabulary (the message names it)."""

    def __str__(self) -> str:
        # KeyError quotes its argument; keep the readable message instead.
        return str(self.args[0]) if self.args else ""


class EmptyVocabularyError(EmbedrsError, ValueError):
    """No word survived ``min_count`` (or the corpus is empty)."""


class DimensionError(EmbedrsError, ValueError):
    """Arrays whose shapes do not agree."""


class TrainingCancelledError(EmbedrsError, RuntimeError):
    """Training was cancelled."""


class StopTraining(Exception):
    """Raise from a callback to end training early, keeping the vectors learnt so far."""


class EmbedrsWarning(UserWarning):
    """Warnings about the data (for example documents with no known word)."""
