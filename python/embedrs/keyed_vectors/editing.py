"""Edits of keyed vectors (gensim's names): adding and replacing vectors, normalising them in
place, per-word attributes such as ``count``, and sub-tables.

Every edit leaves the core's table as it was and builds a new one when the rows are next
read (copy-on-write): views of ``vectors`` taken before an edit keep the old rows, and a
memory-mapped table is copied into memory by its first edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .. import _embedrs, _validation
from ..exceptions import InvalidParameterError
from .storage import VectorStore

__all__ = ["Editing"]

_Self = TypeVar("_Self", bound="Editing")


class Editing(VectorStore):
    """Edits: see :class:`embedrs.KeyedVectors`."""

    def add_vector(self, key: str, vector: npt.ArrayLike) -> int:
        """Add one vector (a key already present keeps its vector); returns its row.

        Adding many vectors one at a time is cheap: they are buffered and copied into the
        table once, when the rows are next read.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a"], np.ones((1, 2), np.float32))
        >>> kv.add_vector("b", [0.5, 0.5])
        1
        >>> kv["b"].tolist()
        [0.5, 0.5]
        """
        self.add_vectors([key], np.asarray(vector, np.float32).reshape(1, -1))
        return self.get_index(key)

    def add_vectors(
        self,
        keys: str | Sequence[str],
        weights: npt.ArrayLike,
        extras: dict[str, Sequence[Any]] | None = None,
        replace: bool = False,
    ) -> None:
        """Append vectors for new keys, in order; keys already present keep their vectors
        unless ``replace``.

        Parameters
        ----------
        keys : str or sequence of str
            One key (then ``weights`` is one vector) or several.
        weights : array_like of shape (len(keys), vector_size)
            The vectors (converted to float32); NaN and infinite values are refused unless the
            table was made with ``allow_nonfinite=True``.
        extras : dict, optional
            Per-key attributes to set: ``{"count": [3, 1]}`` (see :meth:`set_vecattr`).
        replace : bool
            Overwrite the vectors of keys already present.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a"], np.ones((1, 2), np.float32))
        >>> kv.add_vectors(["a", "b"], np.zeros((2, 2)), replace=True)
        >>> kv.index_to_key, kv["a"].tolist()
        (['a', 'b'], [0.0, 0.0])
        """
        if self._is_key(keys):
            keys = [keys]  # type: ignore[list-item]
            weights = np.asarray(weights, np.float32).reshape(1, -1)
        key_list = list(keys)
        rows = self._checked_rows(weights, len(key_list), "weights")
        replaced: dict[int, npt.NDArray[np.float32]] = {}
        for key, row in zip(key_list, rows, strict=True):
            i = self._row(key)
            if i is None:
                if not isinstance(key, str):
                    raise TypeError(f"keys must be str, got {type(key).__name__} {key!r}")
                self._append(key, row, 0)
            elif replace:
                replaced[i] = row
        if replaced:
            self._replace_rows(replaced)
        for attr, values in (extras or {}).items():
            for key, value in zip(key_list, values, strict=True):
                self.set_vecattr(key, attr, value)

    def __setitem__(self, keys: Any, weights: npt.ArrayLike) -> None:
        """``kv[key] = vector`` or ``kv[list_of_keys] = vectors``: replace the vectors of
        known keys, append the others (gensim's ``add_vectors(..., replace=True)``)."""
        if not isinstance(keys, list):
            keys = [keys]
            weights = np.asarray(weights, np.float32).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def _replace_rows(self, replaced: dict[int, npt.NDArray[np.float32]]) -> None:
        rows = self._rows().copy()
        for i, row in replaced.items():
            rows[i] = row
        self._rebuild(self.index_to_key, rows, self.counts)

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length, in place (zero vectors stay zero).

        The table is rebuilt: views of ``vectors`` taken before keep the old rows. Like
        gensim's, this cannot be undone, and continuing training afterwards makes little
        sense.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a"], np.array([[3, 4]], np.float32))
        >>> kv.unit_normalize_all()
        >>> kv["a"].tolist()
        [0.6000000238418579, 0.800000011920929]
        """
        self._rebuild(self.index_to_key, self.get_normed_vectors(), self.counts)

    def sort_by_descending_frequency(self) -> None:
        """Reorder the rows by count, most frequent first; equal counts put the later row
        first (gensim's order). Attributes set with :meth:`set_vecattr` follow their rows.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32), counts=[1, 5, 1])
        >>> kv.sort_by_descending_frequency()
        >>> kv.index_to_key
        ['b', 'c', 'a']
        """
        counts = self.counts
        order = np.lexsort((np.arange(len(counts)), counts))[::-1]
        words = self.index_to_key
        attrs = {name: values[order] for name, values in self._vecattrs.items()}
        self._rebuild([words[i] for i in order], self._rows()[order], counts[order])
        self._vecattrs = attrs

    def vectors_for_all(
        self: _Self,
        keys: Iterable[Any],
        allow_inference: bool = True,
        copy_vecattrs: bool = False,
    ) -> _Self:
        """A new table with the vectors of the known ``keys`` (unknown ones and repeats are
        left out), in the order given.

        Parameters
        ----------
        keys : iterable of str
        allow_inference : bool
            Accepted for gensim's signature: word2vec vectors cannot be inferred for unknown
            keys (gensim infers them only for FastText), so unknown keys are left out.
        copy_vecattrs : bool
            Copy the counts and other attributes; otherwise counts are ``n, n-1, ..., 1`` in
            the new order (as gensim does).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32), counts=[9, 5, 1])
        >>> sub = kv.vectors_for_all(["c", "zz", "a", "c"], copy_vecattrs=True)
        >>> sub.index_to_key, sub.get_vecattr("c", "count")
        (['c', 'a'], np.int64(1))
        """
        rows: list[int] = []
        for key in keys:
            i = self._row(key)
            if i is not None and i not in rows:
                rows.append(i)
        words = [self.index_to_key[i] for i in rows]
        counts = self.counts[rows] if copy_vecattrs else np.arange(len(rows), 0, -1)
        native = _embedrs.KeyedVectors(
            words,
            np.ascontiguousarray(self._rows()[rows]).reshape(len(rows), self.vector_size),
            np.asarray(counts, np.uint64).tolist(),
        )
        out: _Self = type(self)._from_native(native, allow_nonfinite=self._allow_nonfinite)
        if copy_vecattrs:
            out._vecattrs = {name: v[rows] for name, v in self._vecattrs.items()}
        return out

    # -- per-word attributes ------------------------------------------------------------------
    @property
    def expandos(self) -> dict[str, npt.NDArray[Any]]:
        """Every per-word attribute in row order (gensim's store): ``"count"`` (int64) and
        those set with :meth:`set_vecattr`. A snapshot: edit through :meth:`set_vecattr`."""
        out: dict[str, npt.NDArray[Any]] = {"count": self.counts.astype(np.int64)}
        out.update((name, values.copy()) for name, values in self._vecattrs.items())
        return out

    def get_vecattr(self, key: Any, attr: str) -> Any:
        """The attribute ``attr`` (e.g. ``"count"``) of ``key``.

        Raises
        ------
        OutOfVocabularyError
            An unknown key.
        KeyError
            An attribute that was never set.

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32), counts=[7, 3])
        >>> kv.get_vecattr("b", "count")
        np.int64(3)
        """
        i = self.get_index(key)
        if attr == "count":
            n = len(self._table)
            if i < n:
                return np.int64(self._table_counts()[i])
            assert self._appended is not None
            return np.int64(self._appended.counts[i - n])
        if attr not in self._vecattrs:
            raise KeyError(attr)
        return self._vecattrs[attr][i]

    def set_vecattr(self, key: Any, attr: str, val: Any) -> None:
        """Set the attribute ``attr`` of ``key``; ``"count"`` must be an integer >= 0 (the
        counts weight pooling and are saved with the table).

        Examples
        --------
        >>> import numpy as np
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv.set_vecattr("a", "count", 40)
        >>> kv.set_vecattr("a", "tag", "x")
        >>> int(kv.get_vecattr("a", "count")), kv.get_vecattr("a", "tag")
        (40, 'x')
        """
        i = self.get_index(key)
        if attr == "count":
            c = _validation.counts([val], 1)[0]
            n = len(self._table)
            if i < n:
                self._table_counts()[i] = c
                self._counts_edited = True
            else:
                assert self._appended is not None
                self._appended.counts[i - n] = c
            return
        self.allocate_vecattrs([attr], [type(val)])
        self._vecattrs[attr][i] = val

    def allocate_vecattrs(
        self, attrs: Sequence[str] | None = None, types: Sequence[type] | None = None
    ) -> None:
        """Make room for the attributes ``attrs`` (of the numpy types for ``types``: int ->
        int64, float -> float64, str -> object) for every row."""
        n = len(self)
        names = list(attrs) if attrs is not None else list(self._vecattrs)
        kinds = list(types) if types is not None else [None] * len(names)
        for name, kind in zip(names, kinds, strict=True):
            if name == "count":
                continue
            dtype = np.dtype(object if kind is str else (kind or np.float64))
            old = self._vecattrs.get(name)
            if old is None:
                self._vecattrs[name] = np.zeros(n, dtype)
                continue
            if kind is not None and not np.can_cast(dtype, old.dtype):
                raise InvalidParameterError(
                    f"invalid parameter {name}: values of type {dtype} do not fit the existing "
                    f"attribute of type {old.dtype}"
                )
            if len(old) < n:
                self._vecattrs[name] = np.concatenate([old, np.zeros(n - len(old), old.dtype)])
