"""Interpolated Kneser-Ney n-gram language model: the count-based baseline of §5 (evaluation).

``llm-tf evaluate`` reports its perplexity beside the LSTM LM's. The model works on a
flat stream of token ids (``<eos>`` = 3 ends each line) and conditions every token on
up to ``order - 1`` previous tokens of the stream, across line ends.

Formula (Chen & Goodman 1998, interpolated KN with one absolute discount ``D``). With
``h`` a context, ``h'`` the context without its oldest token and ``N1+`` "number of
distinct"::

    P_k(w | h) = max(c_k(h w) - D, 0) / c_k(h .)  +  gamma_k(h) * P_{k-1}(w | h')
    gamma_k(h) = D * N1+(h .) / c_k(h .)           N1+(h .) = #{w : c_k(h w) > 0}
    P_0(w)     = 1 / vocab_size

``c_k`` is the raw count at the highest order and the continuation count
``N1+(. h w)`` (number of distinct tokens seen before ``h w``) at every lower order,
including the unigram level (``c_1(w) = N1+(. w)``). A context never seen at its
level (``c_k(h .) = 0``) passes ``P_{k-1}`` through unchanged, so every level is a
distribution over all ``vocab_size`` ids and no id gets zero probability.

``nltk_compatible=True`` reproduces ``nltk.lm.KneserNeyInterpolated`` fitted on the
same stream as one unpadded sentence (``everygrams(stream, max_len=order)``): its
unigram level is ``N1+(. w) / N1+(. .)`` with no discount and no uniform floor (ids
never seen after another token get probability 0), and its lower-order ``gamma`` counts
``N1+(h .)`` from raw counts, which includes an n-gram seen only at the stream start
(then the level can sum to slightly more than 1). Where nltk would divide by zero (a
lower-order context seen only at the very start) this model backs off instead.

Counting is numpy: an n-gram is keyed ``id(prefix) * vocab_size + last`` and counted
with ``np.unique``; scoring is a vectorised ``searchsorted`` per level.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from llm_tf.errors import UserInputError

__all__ = ["KneserNeyLM"]


class KneserNeyLM:
    """Interpolated Kneser-Ney LM over integer ids ``0 .. vocab_size - 1``."""

    def __init__(self, order: int = 3, discount: float = 0.75, nltk_compatible: bool = False):
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
            raise UserInputError(f"order must be an integer >= 1, got {order!r}")
        if not isinstance(discount, (int, float, np.floating)) or not 0.0 < discount < 1.0:
            raise UserInputError(f"discount must be in the open interval (0, 1), got {discount!r}")
        self.order = int(order)
        self.discount = float(discount)
        self.nltk_compatible = bool(nltk_compatible)
        self.vocab_size: int | None = None

    # ------------------------------------------------------------------ input checks
    def _as_ids(self, ids: Iterable[int], vocab_size: int) -> np.ndarray:
        arr = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids))
        if arr.size == 0:
            raise UserInputError("ids is empty: need at least one token id")
        if arr.ndim != 1:
            raise UserInputError(f"ids must be a 1-D stream of token ids, got shape {arr.shape}")
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise UserInputError(f"ids must be integers, got dtype {arr.dtype}")
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= vocab_size:
            raise UserInputError(
                f"ids must lie in [0, {vocab_size}) (vocab_size={vocab_size}), got min {lo} max {hi}"
            )
        return arr.astype(np.int64)

    def _require_fit(self) -> int:
        if self.vocab_size is None:
            raise RuntimeError("KneserNeyLM is not fitted: call fit(ids, vocab_size) first")
        return self.vocab_size

    # ------------------------------------------------------------------ training
    def fit(self, ids: Iterable[int], vocab_size: int) -> KneserNeyLM:
        """Count n-grams of orders 1..order in the stream ``ids``; returns ``self``."""
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)):
            raise UserInputError(f"vocab_size must be an integer, got {vocab_size!r}")
        if vocab_size < 1:
            raise UserInputError(f"vocab_size must be >= 1, got {vocab_size}")
        V, n, D = int(vocab_size), self.order, self.discount
        x = self._as_ids(ids, V)
        # Level k (1..n) tables: keys[k] sorted n-gram keys (level 1: the ids themselves),
        # raw[k] raw counts, cont[k] continuation counts N1+(. g) per k-gram type g.
        keys: list[np.ndarray | None] = [None, np.arange(V, dtype=np.int64)]
        raw: list[np.ndarray] = [np.zeros(0), np.bincount(x, minlength=V).astype(np.float64)]
        cont: list[np.ndarray] = [np.zeros(0)] * (n + 1)
        pid = x  # pid[i] = type id of the (k-1)-gram starting at position i
        for k in range(2, n + 1):
            if len(keys[k - 1]) * V >= 2**63:
                raise UserInputError(f"vocab_size {V} too large to key {k}-grams in int64")
            m = max(len(x) - k + 1, 0)
            key = pid[:m] * V + x[k - 1 :]
            uniq, first, inv, cnt = np.unique(
                key, return_index=True, return_inverse=True, return_counts=True
            )
            # N1+(. g) for each (k-1)-gram g = number of k-gram types whose suffix is g.
            cont[k - 1] = np.bincount(pid[first + 1], minlength=len(keys[k - 1])).astype(float)
            keys.append(uniq)
            raw.append(cnt.astype(np.float64))
            pid = inv.reshape(-1).astype(np.int64)
        if n == 1:
            cont[1] = raw[1]
        # Per level: alpha numerators per n-gram type; 1/c(h .) and gamma per context.
        self._keys, self._alpha, self._inv_den, self._gamma, self._seen = keys, [], [], [], []
        for k in range(1, n + 1):
            num = raw[k] if k == n else cont[k]
            n_ctx = 1 if k == 1 else len(keys[k - 1])
            prefix = np.zeros(len(num), np.int64) if k == 1 else keys[k] // V
            # float even for a level with no n-grams (bincount of nothing gives int64 zeros)
            den = np.bincount(prefix, weights=num, minlength=n_ctx).astype(np.float64)
            if self.nltk_compatible and k < n:
                types = np.bincount(prefix, weights=raw[k] > 0, minlength=n_ctx)
            else:
                types = np.bincount(prefix, weights=num > 0, minlength=n_ctx)
            seen = den > 0
            inv_den = np.divide(1.0, den, out=np.zeros_like(den), where=seen)
            if self.nltk_compatible and k == 1 and n > 1:  # nltk: N1+(. w) / N1+(. .), no floor
                self._alpha.append(num)
                self._gamma.append(np.zeros_like(den))
            else:
                self._alpha.append(np.maximum(num - D, 0.0))
                self._gamma.append(D * types * inv_den)
            self._inv_den.append(inv_den)
            self._seen.append(seen)
        # a level with no n-grams (a stream shorter than the order) keeps one unused, unseen
        # entry, so that scoring can index every level (lookups there return -1 anyway)
        for level in (self._alpha, self._gamma, self._inv_den, self._seen):
            level[:] = [a if len(a) else np.zeros(1, a.dtype) for a in level]
        self.vocab_size = V
        return self

    # ------------------------------------------------------------------ scoring
    def _lookup(self, k: int, prefix_ids: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Type ids of k-grams given their (k-1)-gram prefix ids; -1 where unseen."""
        table = self._keys[k]
        key = prefix_ids * self.vocab_size + last
        pos = np.searchsorted(table, key)
        pos_c = np.minimum(pos, max(len(table) - 1, 0))
        found = (prefix_ids >= 0) & (pos < len(table))
        if len(table):
            found &= table[pos_c] == key
        return np.where(found, pos_c, -1)

    def score_stream(self, ids: Iterable[int]) -> np.ndarray:
        """Natural-log probability of each token given up to ``order - 1`` previous ones."""
        V = self._require_fit()
        x = self._as_ids(ids, V)
        T = len(x)
        p = np.full(T, 1.0 / V)
        ctx = np.zeros(T, np.int64)  # level-0 "n-gram" ids: the empty context
        for k in range(1, min(self.order, T) + 1):
            m = T - k + 1  # k-grams ending at positions k-1 .. T-1
            g = x[:m] if k == 1 else self._lookup(k, ctx[:m], x[k - 1 :])
            c = ctx[:m]
            c_ok = np.maximum(c, 0)
            a = np.where(g >= 0, self._alpha[k - 1][np.maximum(g, 0)], 0.0)
            new = a * self._inv_den[k - 1][c_ok] + self._gamma[k - 1][c_ok] * p[k - 1 :]
            p[k - 1 :] = np.where((c >= 0) & self._seen[k - 1][c_ok], new, p[k - 1 :])
            ctx = g
        with np.errstate(divide="ignore"):
            return np.log(p)

    def logprob(self, token: int, context: Sequence[int] = ()) -> float:
        """Natural log of ``p(token | context)``; only the last ``order - 1`` ids count."""
        self._require_fit()
        max_ctx = self.order - 1
        context = tuple(context)
        context = context[len(context) - max_ctx :] if 0 < max_ctx < len(context) else context
        if max_ctx == 0:
            context = ()
        return float(self.score_stream([*context, token])[-1])

    def perplexity(self, ids: Iterable[int]) -> float:
        """``exp(-mean(score_stream(ids)))``."""
        return float(np.exp(-np.mean(self.score_stream(ids))))
