"""Files of keyed vectors: the word2vec text and binary formats (gensim's and word2vec.c's,
with gensim's defaults and options) and the native ``.embedrs`` format."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from typing import IO, Any, TypeVar

import numpy as np
import numpy.typing as npt

from .. import _embedrs, _validation
from ..exceptions import (
    EmbedrsWarning,
    FormatError,
    InvalidParameterError,
    UnsupportedParameterError,
)
from .storage import VectorStore

__all__ = ["Files"]

_F = TypeVar("_F", bound="Files")

logger = logging.getLogger("embedrs")


def _check_utf8(encoding: str) -> None:
    if encoding.lower().replace("-", "").replace("_", "") != "utf8":
        raise InvalidParameterError(
            f"invalid parameter encoding: the word2vec readers decode UTF-8 only, got {encoding!r}"
        )


def _read_fvocab(path: str, unicode_errors: str) -> dict[str, int]:
    """``word count`` lines (word2vec.c's ``-save-vocab``, gensim's ``fvocab``)."""
    counts: dict[str, int] = {}
    # Through the core: a missing file, a directory or a pipe is an error naming the path.
    for lineno, raw in enumerate(_embedrs.read_file(path).split(b"\n"), 1):
        parts = raw.decode("utf-8", errors=unicode_errors).strip().split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[1].isdigit():
            raise FormatError(f"{path}: line {lineno}: expected 'word count', got {raw!r}")
        counts[parts[0]] = int(parts[1])
    return counts


def _descending_order(counts: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """Rows by decreasing value, equal values in row order (a stable sort)."""
    n = len(counts)
    return n - 1 - np.argsort(counts[::-1], kind="stable")[::-1]


class Files(VectorStore):
    """Files: see :class:`embedrs.KeyedVectors`."""

    def save_word2vec_format(
        self,
        fname: str | os.PathLike[str],
        fvocab: str | os.PathLike[str] | None = None,
        binary: bool = False,
        total_vec: int | None = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str | None = "count",
    ) -> None:
        """Write the word2vec format that gensim, word2vec.c and most tools read.

        Parameters
        ----------
        fname : path
        fvocab : path, optional
            Also write the counts, ``word count`` per line (word2vec.c's ``-save-vocab``).
        binary : bool, default=False
            The binary format (float32 little-endian), else text (gensim's default). Text
            values are written so that they read back to the same float32 numbers.
        total_vec : int, optional
            The count written in the header (default: the number of vectors written).
        write_header : bool
            Write the ``count dimension`` first line.
        prefix : str
            Put this before every word (in both files).
        append : bool
            Add to the end of existing files instead of replacing them.
        sort_attr : str or None, default="count"
            Write in decreasing order of this attribute (equal values in row order), as
            gensim does; None for row order.

        Without ``append``, the file is written to a temporary name and renamed, so a failed
        save leaves any previous file intact. Words that are empty or contain whitespace
        cannot be stored (the format could not be read back): :class:`FormatError`.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     kv.save_word2vec_format(os.path.join(d, "v.txt"))
        ...     KeyedVectors.load_word2vec_format(os.path.join(d, "v.txt")).index_to_key
        ['a', 'b']
        """
        path = os.fspath(fname)
        counts = self.counts
        words = self.index_to_key
        if sort_attr is None:
            order = None
        elif sort_attr == "count":
            order = _descending_order(counts)
        elif sort_attr in self._vecattrs:
            order = _descending_order(self._vecattrs[sort_attr])
        else:
            logger.warning(
                "attribute %s not present in %s; will store in internal index_to_key order",
                sort_attr,
                self,
            )
            order = None
        if order is not None and np.array_equal(order, np.arange(len(order))):
            order = None
        table = self._native
        if order is not None or prefix:
            rows = self.vectors if order is None else self.vectors[order]
            if order is not None:
                words = [words[i] for i in order]
                counts = counts[order]
            words = [prefix + w for w in words]
            table = _embedrs.KeyedVectors(words, np.ascontiguousarray(rows), counts.tolist())
        if fvocab is not None:
            lines = "".join(f"{w} {c}\n" for w, c in zip(words, counts.tolist(), strict=True))
            with open(os.fspath(fvocab), "a" if append else "w", encoding="utf-8") as f:
                f.write(lines)
        header = None
        if total_vec is not None:
            header = f"{_validation.integer('total_vec', total_vec)} {self.vector_size}\n"
        if not append and write_header and header is None:
            table.save_word2vec_format(path, binary)
            return
        # Written whole to a temporary file, then copied with the header wanted.
        with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(path))) as d:
            tmp = os.path.join(d, "vectors")
            table.save_word2vec_format(tmp, binary)
            with open(tmp, "rb") as src:
                first = src.readline()
                if not write_header:
                    first = b""
                elif header is not None:
                    first = header.encode("ascii")
                if append:
                    with open(path, "ab") as out:
                        out.write(first)
                        shutil.copyfileobj(src, out, 1 << 20)
                else:
                    final = os.path.join(d, "final")
                    with open(final, "wb") as out:
                        out.write(first)
                        shutil.copyfileobj(src, out, 1 << 20)
                    os.replace(final, path)

    @classmethod
    def load_word2vec_format(
        cls: type[_F],
        fname: str | os.PathLike[str],
        fvocab: str | os.PathLike[str] | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: Any = np.float32,
        no_header: bool = False,
        allow_nonfinite: bool = False,
    ) -> _F:
        """Read a word2vec text or binary file (gensim's, word2vec.c's, or fastText's
        ``.vec``), with gensim's parameters and defaults.

        Parameters
        ----------
        fname : path
        fvocab : path, optional
            Counts, ``word count`` per line (word2vec.c's ``-save-vocab``); read first,
            decoded with ``unicode_errors`` (``"strict"`` raises ``UnicodeDecodeError``).
            Without it, counts are ``n, n-1, ..., 1`` in file order, as gensim sets them.
        binary : bool, default=False
            The binary format; False reads text (gensim's default). A text file read as
            binary is refused (a :class:`FormatError` naming the byte offset), never
            returned as garbage.
        encoding : {"utf8"}
            The encoding of the words (the readers decode UTF-8 only).
        unicode_errors : {"strict", "replace", "ignore"}
            What to do with words that are not valid UTF-8.
        limit : int, optional
            Read only the first ``limit`` vectors.
        datatype : numpy float type, default=np.float32
            Only float32: embedrs keeps vectors as float32 (use
            ``kv.to_device("cpu", dtype="float16")`` for half-precision queries).
        no_header : bool
            Text files without the ``count dimension`` first line.
        allow_nonfinite : bool
            Accept NaN and infinite values (refused by default: they poison every query).

        Raises
        ------
        TruncatedFileError
            The file holds fewer vectors than its header says (also an ``EOFError``, as
            gensim raises).
        FormatError
            A malformed file (the line or byte offset is named).

        Examples
        --------
        >>> import tempfile, os
        >>> from pathlib import Path
        >>> from embedrs import KeyedVectors
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "v.txt")
        ...     _ = Path(p).write_text("2 2\\na 1 0\\nb 0 1\\n")
        ...     KeyedVectors.load_word2vec_format(p).index_to_key
        ['a', 'b']
        """
        _check_utf8(encoding)
        if np.dtype(datatype) != np.float32:
            raise UnsupportedParameterError(
                f"invalid parameter datatype: vectors are stored as float32, got "
                f"{np.dtype(datatype)} (for half-precision queries use "
                "kv.to_device('cpu', dtype='float16'))"
            )
        n = _validation.optional_positive("limit", limit)
        counts = None if fvocab is None else _read_fvocab(os.fspath(fvocab), unicode_errors)
        native = _embedrs.KeyedVectors.load_word2vec_format(
            os.fspath(fname),
            bool(binary),
            n,
            unicode_errors,
            bool(no_header),
            bool(allow_nonfinite),
        )
        if counts is not None:
            assert fvocab is not None
            words = native.words()
            missing = [w for w in words if w not in counts]
            if missing:
                warnings.warn(
                    f"the vocabulary file {os.fspath(fvocab)!r} lacks {len(missing)} of the "
                    f"{len(words)} words (first: {missing[0]!r}); their counts are 0",
                    EmbedrsWarning,
                    stacklevel=2,
                )
            native = _embedrs.KeyedVectors(words, native.vectors, [counts.get(w, 0) for w in words])
        out: _F = cls._from_native(native, allow_nonfinite=allow_nonfinite)
        return out

    def save(self, path: str | os.PathLike[str] | IO[bytes]) -> None:
        """Save in the native format (loads in O(1) with ``mmap=True``), atomically; an
        open binary file object receives the same bytes. Words, vectors and counts are
        saved; other attributes set with ``set_vecattr`` are not (pickle keeps them).

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     kv.save(os.path.join(d, "kv.embedrs"))
        ...     KeyedVectors.load(os.path.join(d, "kv.embedrs"), mmap=False).index_to_key
        ['a', 'b']
        """
        if not isinstance(path, (str, os.PathLike)):
            path.write(self._native.to_bytes())
            return
        self._native.save_native(os.fspath(path), None, "")

    @classmethod
    def load(cls: type[_F], path: str | os.PathLike[str] | IO[bytes], mmap: bool = False) -> _F:
        """Open a native file; with ``mmap=True`` the vectors are mapped read-only from the
        file (O(1), no copy), instead of read into memory. The first edit of a mapped table
        (``add_vectors``, ``kv[key] = v``, ``unit_normalize_all``, ...) copies it into
        memory; the file is never written.

        A mapped file must stay as it is while the vectors are in use: a save over it (an
        atomic rename) is safe, but truncating or rewriting it in place makes the vectors
        change or the process die of SIGBUS, as with any memory map. Mapping is off by
        default, as in gensim.

        Raises
        ------
        FormatError
            A truncated, corrupted or wrong-version file.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from embedrs import KeyedVectors
        >>> with tempfile.TemporaryDirectory() as d:
        ...     KeyedVectors(["a"], np.ones((1, 3), np.float32)).save(os.path.join(d, "kv"))
        ...     kv = KeyedVectors.load(os.path.join(d, "kv"), mmap=True)
        ...     kv.is_mapped, kv["a"].tolist()
        (True, [1.0, 1.0, 1.0])
        """
        if not isinstance(path, (str, os.PathLike)):
            native = _embedrs.KeyedVectors.from_bytes(path.read())
        else:
            native = _embedrs.KeyedVectors.load_native(os.fspath(path), bool(mmap))[0]
        out: _F = cls._from_native(native)
        return out
