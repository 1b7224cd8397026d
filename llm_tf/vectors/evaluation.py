"""Evaluating and looking at word vectors (§3.1, §4.1).

- :func:`evaluate_similarity`: Spearman correlation between human scores and
  cosine similarities on a ``word1<TAB>word2<TAB>score`` file (WordSim-353,
  SimLex-999 style; lines starting with ``#`` are comments);
- :func:`evaluate_analogies`: 3CosAdd accuracy on a file in word2vec's
  ``questions-words.txt`` format (``: section`` headers, then ``a b c d`` lines);
- both report coverage: questions with an out-of-vocabulary word are skipped and
  counted, as gensim does, and the score is over the covered ones;
- :func:`plot_pca`: a 2-D PCA projection of chosen words, saved as a PNG.

Spearman's rho is computed here in numpy (average ranks for ties), without scipy.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.plotting import cjk_figure, save_figure
from llm_tf.vectors.word_vectors import WordVectors


def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their average rank (scipy's ``rankdata(method="average")``)."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), np.float64)
    sorted_x = x[order]
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    for s, e in zip(starts, ends, strict=True):
        ranks[order[s:e]] = (s + e + 1) / 2.0  # mean of ranks s+1..e
    return ranks


def spearman(x, y) -> float:
    """Spearman's rank correlation: Pearson's correlation of the ranks."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) != len(y) or len(x) < 2:
        raise UserInputError(
            f"spearman needs two equal-length lists of >= 2 values, got {len(x)}, {len(y)}"
        )
    rx, ry = rankdata(x) - (len(x) + 1) / 2.0, rankdata(y) - (len(y) + 1) / 2.0
    denom = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")


def _lookup(wv: WordVectors, lower: bool):
    if not lower:
        return wv.index.get
    # Case-insensitive: the most frequent (first) casing of each word wins.
    table: dict[str, int] = {}
    for i, w in enumerate(wv.words):
        table.setdefault(w.lower(), i)
    return lambda w: table.get(w.lower())


def _read_lines(path) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"evaluation file not found: {str(path)!r}")
    try:
        return p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise UserInputError(f"{str(path)!r} is not UTF-8 text ({e.reason})") from None


@dataclass(frozen=True)
class SimilarityResult:
    spearman: float  # rank correlation over the covered pairs
    pairs: int  # pairs in the file
    covered: int  # pairs with both words in the vocabulary
    skipped: int  # pairs skipped as out of vocabulary

    @property
    def coverage(self) -> float:
        return self.covered / self.pairs if self.pairs else 0.0


def evaluate_similarity(
    wv: WordVectors, path: str | os.PathLike, lower: bool = True
) -> SimilarityResult:
    """Spearman correlation of cosine similarity with the human scores in ``path``."""
    find = _lookup(wv, lower)
    gold, pred, n = [], [], 0
    for lineno, line in enumerate(_read_lines(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        try:
            w1, w2, score = parts[0], parts[1], float(parts[2])
        except (IndexError, ValueError):
            raise UserInputError(
                f"{str(path)!r} line {lineno}: expected 'word1<TAB>word2<TAB>score', got {line!r}"
            ) from None
        n += 1
        i, j = find(w1), find(w2)
        if i is None or j is None:
            continue
        gold.append(score)
        pred.append(float(wv.unit[i] @ wv.unit[j]))
    if n == 0:
        raise UserInputError(f"{str(path)!r} holds no word pairs")
    rho = spearman(gold, pred) if len(gold) >= 2 else float("nan")
    return SimilarityResult(spearman=rho, pairs=n, covered=len(gold), skipped=n - len(gold))


@dataclass(frozen=True)
class AnalogyResult:
    accuracy: float  # correct / covered
    questions: int  # questions in the file
    covered: int  # questions with all four words in the vocabulary
    correct: int
    sections: dict  # section name -> (correct, covered)

    @property
    def skipped(self) -> int:
        return self.questions - self.covered

    @property
    def coverage(self) -> float:
        return self.covered / self.questions if self.questions else 0.0


def evaluate_analogies(
    wv: WordVectors,
    path: str | os.PathLike,
    lower: bool = True,
    restrict_vocab: int | None = 300_000,
    batch: int = 1024,
) -> AnalogyResult:
    """3CosAdd accuracy on a ``questions-words.txt`` file.

    Like gensim's ``evaluate_word_analogies``, only the first ``restrict_vocab``
    words (the most frequent) are candidates and may appear in a question.
    """
    if restrict_vocab is not None and restrict_vocab < 1:
        raise UserInputError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
    limit = len(wv) if restrict_vocab is None else min(restrict_vocab, len(wv))
    find = _lookup(wv, lower)
    section, rows, names, n = "", [], [], 0
    for lineno, line in enumerate(_read_lines(path), 1):
        if not line.strip():
            continue
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        words = line.split()
        if len(words) != 4:
            raise UserInputError(f"{str(path)!r} line {lineno}: expected 4 words, got {line!r}")
        n += 1
        ids = [find(w) for w in words]
        if all(i is not None and i < limit for i in ids):
            rows.append(ids)
            names.append(section)
    if n == 0:
        raise UserInputError(f"{str(path)!r} holds no analogy questions")
    unit = wv.unit[:limit]
    q = np.asarray(rows, np.int64).reshape(-1, 4)
    hits = np.zeros(len(q), bool)
    for s in range(0, len(q), batch):
        a, b, c, d = q[s : s + batch].T
        target = unit[b] - unit[a] + unit[c]  # ranking is the same as for its unit vector
        scores = target @ unit.T  # (batch, limit)
        r = np.arange(len(a))
        scores[r, a] = scores[r, b] = scores[r, c] = -np.inf
        hits[s : s + batch] = scores.argmax(axis=1) == d
    sections: dict = {}
    for name, hit in zip(names, hits, strict=True):
        ok, tot = sections.get(name, (0, 0))
        sections[name] = (ok + int(hit), tot + 1)
    correct = int(hits.sum())
    acc = correct / len(q) if len(q) else float("nan")
    return AnalogyResult(acc, n, len(q), correct, sections)


# ---- a picture


def pca_2d(x: np.ndarray) -> np.ndarray:
    """Project rows of ``x`` onto their first two principal components (N, 2)."""
    x = np.asarray(x, np.float64)
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = centred @ vt[:2].T
    if out.shape[1] < 2:
        out = np.pad(out, ((0, 0), (0, 2 - out.shape[1])))
    return out


def plot_pca(
    wv: WordVectors, words: Sequence[str], path: str | os.PathLike, title: str = ""
) -> Path:
    """Scatter ``words`` on the first two principal components of their vectors; save a PNG.

    Chinese labels need a CJK font (e.g. Debian's ``fonts-noto-cjk``); without one
    matplotlib draws boxes, and its missing-glyph warning is silenced.
    """
    words = [w for w in words if w in wv]
    if len(words) < 2:
        raise UserInputError("plot_pca needs at least two words that are in the vocabulary")
    xy = pca_2d(np.stack([wv[w] for w in words]))
    with cjk_figure(figsize=(6, 5)) as fig:
        ax = fig.subplots()
        ax.scatter(xy[:, 0], xy[:, 1], s=12)
        for (x, y), w in zip(xy, words, strict=True):
            ax.annotate(w, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        ax.set_title(title or "word vectors, PCA")
        return save_figure(fig, path)
