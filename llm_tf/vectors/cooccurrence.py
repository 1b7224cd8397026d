"""Sparse word co-occurrence counts for GloVe (§3.1.2, §4.1.2).

GloVe (Pennington et al., 2014) factorises ``X``, where ``X[i, j]`` sums ``1/d``
over every occurrence of word ``j`` at distance ``d <= window`` from word ``i``
(both sides: the matrix is symmetric). :func:`count_cooccurrences` builds it in
one streaming pass over an encoded corpus (:mod:`llm_tf.text.id_stream`), a chunk
at a time with numpy, and keeps only the nonzero cells as sorted COO arrays
(``key = i * V + j``), merging partial counts as they grow. Memory is the number
of distinct pairs, not the corpus length. Windows never cross a line end, as in
GloVe's ``cooccur.c``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.files import atomic_path


@dataclass
class Cooccurrence:
    """A sparse (V, V) matrix: ``values[k]`` at ``(rows[k], cols[k])``, sorted by (row, col)."""

    rows: np.ndarray  # (nnz,) int32
    cols: np.ndarray  # (nnz,) int32
    values: np.ndarray  # (nnz,) float64
    vocab_size: int

    @property
    def nnz(self) -> int:
        return len(self.values)

    @classmethod
    def from_dense(cls, matrix) -> Cooccurrence:
        """The nonzero cells of a square array (e.g. the §3.1.2 listing's 3x3 matrix)."""
        m = np.asarray(matrix, dtype=np.float64)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise UserInputError(f"a co-occurrence matrix must be square, got shape {m.shape}")
        if (m < 0).any():
            raise UserInputError("co-occurrence counts must be >= 0")
        r, c = np.nonzero(m)
        if len(r) == 0:
            raise UserInputError("the co-occurrence matrix is all zeros")
        return cls(r.astype(np.int32), c.astype(np.int32), m[r, c], m.shape[0])

    def to_dense(self) -> np.ndarray:
        out = np.zeros((self.vocab_size, self.vocab_size))
        out[self.rows, self.cols] = self.values
        return out

    def save(self, path: str | os.PathLike) -> None:
        """As a compressed ``.npz`` (numpy adds the extension when missing), atomically."""
        path = str(path) if str(path).endswith(".npz") else f"{path}.npz"
        with atomic_path(path, ".npz") as tmp:
            np.savez_compressed(
                tmp, rows=self.rows, cols=self.cols, values=self.values,
                vocab_size=self.vocab_size
            )

    @classmethod
    def load(cls, path: str | os.PathLike) -> Cooccurrence:
        try:
            with np.load(path) as z:
                return cls(z["rows"], z["cols"], z["values"], int(z["vocab_size"]))
        except (OSError, KeyError, ValueError) as e:
            raise UserInputError(f"cannot read co-occurrences from {str(path)!r}: {e}") from None


def _merge(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.concatenate([k for k, _ in parts])
    vals = np.concatenate([v for _, v in parts])
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=vals, minlength=len(uniq))


def chunk_pairs(chunk: np.ndarray, window: int, distance_weighting: bool = True):
    """Every pair of one chunk at distance 1..window within a line, left word first.

    ``chunk`` holds ids with ``-1`` after each line. Returns ``(left, right, weight)``
    with weight ``1/d`` (or 1).
    """
    is_tok = chunk >= 0
    ids = chunk[is_tok]
    line = np.cumsum(~is_tok)[is_tok]
    lefts, rights, weights = [], [], []
    for d in range(1, window + 1):
        same = line[d:] == line[:-d]
        lefts.append(ids[:-d][same])
        rights.append(ids[d:][same])
        weights.append(np.full(int(same.sum()), 1.0 / d if distance_weighting else 1.0))
    return np.concatenate(lefts), np.concatenate(rights), np.concatenate(weights)


def count_cooccurrences(
    chunks,
    vocab_size: int,
    window: int = 10,
    symmetric: bool = True,
    distance_weighting: bool = True,
    merge_every: int = 1 << 24,
) -> Cooccurrence:
    """Count co-occurrences over an iterable of id chunks (``EncodedCorpus.chunks()``).

    Args:
        chunks: int arrays of ids with ``-1`` at line ends; no line spans two chunks.
        vocab_size: V; ids are < V.
        window: largest distance counted.
        symmetric: count the left context too (GloVe's default).
        distance_weighting: add ``1/d`` per pair (GloVe) instead of 1.
        merge_every: merge partial counts once this many pairs are pending.
    """
    if window < 1:
        raise UserInputError(f"window must be >= 1, got {window}")
    total: tuple[np.ndarray, np.ndarray] | None = None
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    n_pending = 0
    v = np.int64(vocab_size)
    for chunk in chunks:
        left, right, w = chunk_pairs(np.asarray(chunk), window, distance_weighting)
        keys = left.astype(np.int64) * v + right
        if symmetric:
            keys = np.concatenate([keys, right.astype(np.int64) * v + left])
            w = np.concatenate([w, w])
        pending.append(_merge([(keys, w)]))
        n_pending += len(keys)
        if n_pending >= merge_every:
            total = _merge(([total] if total is not None else []) + pending)
            pending, n_pending = [], 0
    if pending or total is None:
        parts = ([total] if total is not None else []) + pending
        total = _merge(parts) if parts else (np.zeros(0, np.int64), np.zeros(0))
    keys, vals = total
    if len(keys) == 0:
        raise UserInputError("no co-occurring pair in the corpus (lines of one token?)")
    return Cooccurrence(
        (keys // v).astype(np.int32),
        (keys % v).astype(np.int32),
        vals.astype(np.float64),
        vocab_size,
    )
