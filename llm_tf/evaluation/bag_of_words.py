"""Tf-idf + softmax regression: the bag-of-words baseline of text classification (§6.4, §3.3).

A neural document classifier (the hierarchical one of §3.3, with attention across
the word and sentence levels) is only worth its cost if it beats this: count each
token (and each pair of neighbouring tokens), weight by tf-idf, and fit a linear
softmax classifier. Written with numpy only; ~1,000 short documents fit in seconds.

Features. Documents are token lists, or strings tokenized with
:mod:`llm_tf.text.tokenizers` (``auto``: NLTK words for English, characters for
Chinese; whitespace tokens dropped; word-level text is cut into sentences first by
:mod:`llm_tf.text.sentences`). With ``ngrams=2`` a feature is a token or two
neighbouring tokens joined by a space. Only features in at least ``min_count``
training documents are kept, the ``max_features`` most frequent of them. For
document ``d`` and feature ``t`` (``N`` training documents, ``df`` documents
holding ``t``)::

    tf(t, d)  = 1 + ln count(t, d)   (sublinear_tf; else the raw count)
    idf(t)    = ln((1 + N) / (1 + df(t))) + 1
    x(d)      = tf * idf / ||tf * idf||_2

Model. ``P(y | d) = softmax(x(d) W + b)``, fit by minimising the mean
cross-entropy plus ``l2 / 2 * ||W||^2`` (the bias is not penalised) with
Nesterov's accelerated full-batch gradient descent and adaptive restart
(O'Donoghue & Candès 2015). The step is ``1 / L`` with ``L = lambda_max(A^T A) /
(2 N) + l2``, ``A = [X, 1]``, a bound on the curvature of the loss (the Hessian of
log-sum-exp is at most 1/2); ``lambda_max`` comes from power iteration started at
a seeded random vector. The objective is strictly convex in ``W``, so the result
does not depend on the seed beyond rounding; iteration stops when every gradient
entry is below ``tol``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.text.sentences import split_sentences
from llm_tf.text.tokenizers import Tokenizer, get_tokenizer

__all__ = ["BagOfWordsClassifier"]

Document = str | Sequence[str]


class BagOfWordsClassifier:
    """Tf-idf features and an L2-regularised softmax regression, numpy only.

    Args:
        tokenizer: ``"auto"``, ``"word"``, ``"char"``, ``"space"`` or a
            :class:`~llm_tf.text.tokenizers.Tokenizer`; used for string documents.
        lower: lower-case string documents before tokenizing.
        ngrams: 1 for single tokens, 2 to add pairs of neighbouring tokens, ...
        min_count: keep features found in at least this many training documents.
        max_features: keep at most this many features (the most frequent).
        sublinear_tf: ``1 + ln(count)`` instead of the raw count.
        l2: the weight of ``||W||^2 / 2`` in the objective.
        max_iter: the most gradient steps.
        tol: stop when every entry of the gradient is below this.
        seed: seeds the power iteration that sets the step size.

    Example:
        >>> clf = BagOfWordsClassifier().fit(["good film", "bad film"], [1, 0])
        >>> clf.predict(["a good one"]).tolist()
        [1]
    """

    def __init__(self, tokenizer: str | Tokenizer = "auto", lower: bool = True, ngrams: int = 2,
                 min_count: int = 1, max_features: int | None = 20_000,
                 sublinear_tf: bool = True, l2: float = 1e-3, max_iter: int = 1000,
                 tol: float = 1e-5, seed: int = 0):
        for name, value, low in (("ngrams", ngrams, 1), ("min_count", min_count, 1),
                                 ("max_iter", max_iter, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise UserInputError(f"{name} must be an integer >= {low}, got {value!r}")
        if max_features is not None and (isinstance(max_features, bool)
                                         or not isinstance(max_features, int) or max_features < 1):
            raise UserInputError(f"max_features must be a positive integer or None, "
                                 f"got {max_features!r}")
        if not isinstance(l2, (int, float)) or isinstance(l2, bool) or not l2 >= 0:
            raise UserInputError(f"l2 must be a number >= 0, got {l2!r}")
        if not isinstance(tol, (int, float)) or isinstance(tol, bool) or not tol > 0:
            raise UserInputError(f"tol must be a number > 0, got {tol!r}")
        if not isinstance(tokenizer, Tokenizer) and tokenizer not in ("auto", "word", "char",
                                                                      "space"):
            raise UserInputError(f"tokenizer must be auto, word, char, space or a Tokenizer, "
                                 f"got {tokenizer!r}")
        self.tokenizer = tokenizer
        self.lower = lower
        self.ngrams = ngrams
        self.min_count = min_count
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.l2 = float(l2)
        self.max_iter = max_iter
        self.tol = float(tol)
        self.seed = seed
        # set by fit()
        self.tokenizer_: Tokenizer | None = None
        self.vocabulary_: dict[str, int] = {}
        self.features_: list[str] = []
        self.idf_: np.ndarray | None = None  # (F,)
        self.coef_: np.ndarray | None = None  # (F, C)
        self.intercept_: np.ndarray | None = None  # (C,)
        self.n_iter_ = 0
        self.converged_ = False
        self.loss_ = math.nan

    # ------------------------------------------------------------ features
    def _tokens(self, doc: Document) -> list[str]:
        if isinstance(doc, str):
            if self.tokenizer_ is None:
                raise RuntimeError("no tokenizer: fit() first")
            # NLTK's word rules split off a period only at the end of the text: go sentence
            # by sentence so that "air." in "warm air. Then" becomes "air" "."
            parts = split_sentences(doc) if self.tokenizer_.kind == "word" else [doc]
            return [t for part in parts for t in self.tokenizer_.tokenize(part) if t.strip()]
        if not all(isinstance(t, str) for t in doc):
            raise UserInputError("a document must be a string or a sequence of string tokens")
        return list(doc)

    def _features(self, tokens: list[str]) -> list[str]:
        out = list(tokens)
        for n in range(2, self.ngrams + 1):
            out += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return out

    def _counts(self, docs: Sequence[Document]) -> list[Counter]:
        if isinstance(docs, np.ndarray):
            docs = docs.tolist()
        if isinstance(docs, str) or not isinstance(docs, Sequence):
            raise UserInputError("docs must be a list of documents (strings or token lists), "
                                 f"got {type(docs).__name__}")
        return [Counter(self._features(self._tokens(d))) for d in docs]

    def _matrix(self, counts: list[Counter]) -> _SparseRows:
        rows, cols, vals = [], [], []
        for row, c in enumerate(counts):
            for feature, k in c.items():
                col = self.vocabulary_.get(feature)
                if col is not None:
                    rows.append(row)
                    cols.append(col)
                    vals.append(1.0 + math.log(k) if self.sublinear_tf else float(k))
        x = _SparseRows(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                        np.array(vals, dtype=np.float64), (len(counts), len(self.features_)))
        x.vals *= self.idf_[x.cols]
        norms = np.sqrt(np.bincount(x.rows, weights=x.vals ** 2, minlength=x.shape[0]))
        x.vals /= norms[x.rows]  # a row with an entry has a norm > 0
        return x

    def transform(self, docs: Sequence[Document]) -> np.ndarray:
        """(N, F) dense tf-idf rows of unit length (zeros for a document of unseen features)."""
        self._require_fit()
        return self._matrix(self._counts(docs)).dense()

    # ------------------------------------------------------------ training
    def fit(self, docs: Sequence[Document], labels: Sequence[int] | np.ndarray,
            num_classes: int | None = None) -> BagOfWordsClassifier:
        """Learn the features and weights from documents and integer labels; returns ``self``."""
        y = np.asarray(labels)
        if y.ndim != 1 or len(y) != len(docs) or len(y) == 0:
            raise UserInputError(f"need one label per document, got {len(y)} labels for "
                                 f"{len(docs)} documents")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise UserInputError("labels must be integers >= 0")
        c = int(num_classes) if num_classes is not None else int(y.max()) + 1
        if c < 2 or y.max() >= c:
            raise UserInputError(f"need labels in [0, num_classes) with num_classes >= 2, got "
                                 f"num_classes={c} and max label {int(y.max())}")
        if isinstance(self.tokenizer, Tokenizer):
            self.tokenizer_ = self.tokenizer
        else:
            sample = " ".join(d for d in docs[:200] if isinstance(d, str))
            self.tokenizer_ = get_tokenizer(self.tokenizer, lower=self.lower, sample=sample)
        counts = self._counts(docs)
        df: Counter = Counter()
        for cnt in counts:
            df.update(cnt.keys())
        kept = sorted((f for f, k in df.items() if k >= self.min_count),
                      key=lambda f: (-df[f], f))[:self.max_features]
        if not kept:
            raise UserInputError(f"no feature is in {self.min_count} or more training documents")
        self.features_ = kept
        self.vocabulary_ = {f: i for i, f in enumerate(kept)}
        n = len(docs)
        self.idf_ = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept])
        x = self._matrix(counts)
        self._optimise(x, np.eye(c)[y])
        return self

    def _loss_grad(self, x: _SparseRows, onehot, w, b):
        n = x.shape[0]
        logits = x.matmul(w) + b  # (N, C)
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        p = np.exp(log_p)
        loss = -(onehot * log_p).sum() / n + 0.5 * self.l2 * float((w * w).sum())
        err = (p - onehot) / n  # (N, C)
        return loss, x.rmatmul(err) + self.l2 * w, err.sum(axis=0)

    def _step_size(self, x: _SparseRows) -> float:
        """1 / L, L = lambda_max([X 1]^T [X 1]) / (2 N) + l2 (power iteration)."""
        rng = np.random.default_rng(self.seed)
        v = rng.standard_normal(x.shape[1] + 1)
        lam = lam_new = 0.0
        for _ in range(100):
            av = x.matmul(v[:-1, None])[:, 0] + v[-1]  # (N,)
            u = np.append(x.rmatmul(av[:, None])[:, 0], av.sum())
            lam_new = float(np.linalg.norm(u))
            v = u / lam_new
            if abs(lam_new - lam) <= 1e-6 * lam_new:
                break
            lam = lam_new
        lam = 1.02 * lam_new  # power iteration approaches from below
        return 1.0 / (lam / (2 * x.shape[0]) + self.l2)

    def _optimise(self, x: _SparseRows, onehot: np.ndarray) -> None:
        f, c = x.shape[1], onehot.shape[1]
        step = self._step_size(x)
        w, b = np.zeros((f, c)), np.zeros(c)
        zw, zb, t = w, b, 1.0
        self.converged_, self.n_iter_ = False, 0
        while self.n_iter_ < self.max_iter:
            self.n_iter_ += 1
            _, gw, gb = self._loss_grad(x, onehot, zw, zb)
            if max(np.abs(gw).max(), np.abs(gb).max()) < self.tol:
                w, b, self.converged_ = zw, zb, True
                break
            w_new, b_new = zw - step * gw, zb - step * gb
            # adaptive restart: drop the momentum when it points uphill
            if float((gw * (w_new - w)).sum() + (gb * (b_new - b)).sum()) > 0:
                t = 1.0
            t_new = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
            beta = (t - 1.0) / t_new
            zw, zb = w_new + beta * (w_new - w), b_new + beta * (b_new - b)
            w, b, t = w_new, b_new, t_new
        self.coef_, self.intercept_ = w, b
        self.loss_ = float(self._loss_grad(x, onehot, w, b)[0])

    # ------------------------------------------------------------ prediction
    def _require_fit(self) -> None:
        if self.coef_ is None:
            raise RuntimeError("BagOfWordsClassifier is not fitted: call fit(docs, labels) first")

    def decision_function(self, docs: Sequence[Document]) -> np.ndarray:
        """(N, C) logits."""
        self._require_fit()
        return self._matrix(self._counts(docs)).matmul(self.coef_) + self.intercept_

    def predict_proba(self, docs: Sequence[Document]) -> np.ndarray:
        """(N, C) class probabilities; rows sum to 1."""
        z = self.decision_function(docs)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, docs: Sequence[Document]) -> np.ndarray:
        """(N,) the most probable label of each document."""
        return self.decision_function(docs).argmax(axis=1)

    def score(self, docs: Sequence[Document], labels: Sequence[int] | np.ndarray) -> float:
        """Accuracy on ``docs``."""
        return float(np.mean(self.predict(docs) == np.asarray(labels)))

    def top_features(self, k: int = 10) -> list[list[str]]:
        """For each class, the ``k`` features with the largest weights."""
        self._require_fit()
        order = np.argsort(-self.coef_, axis=0, kind="stable")[:k]  # (k, C)
        return [[self.features_[i] for i in order[:, j]] for j in range(self.coef_.shape[1])]


class _SparseRows:
    """A sparse (N, F) matrix as (row, column, value) triples: ``X @ W`` and ``X^T @ E``."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                 shape: tuple[int, int]):
        self.rows, self.cols, self.vals, self.shape = rows, cols, vals, shape

    def matmul(self, w: np.ndarray) -> np.ndarray:
        """(N, F) @ (F, C) -> (N, C)."""
        return np.stack([np.bincount(self.rows, weights=self.vals * w[self.cols, k],
                                     minlength=self.shape[0]) for k in range(w.shape[1])], 1)

    def rmatmul(self, e: np.ndarray) -> np.ndarray:
        """(N, F)^T @ (N, C) -> (F, C)."""
        return np.stack([np.bincount(self.cols, weights=self.vals * e[self.rows, k],
                                     minlength=self.shape[1]) for k in range(e.shape[1])], 1)

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape)
        out[self.rows, self.cols] = self.vals
        return out
