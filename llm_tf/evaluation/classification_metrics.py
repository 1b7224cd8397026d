"""Classification metrics (§6.4 自然语言理解): accuracy, precision / recall / F1, confusion matrix.

Written with numpy, for integer labels ``0 .. num_classes - 1``. The confusion
matrix has the true label in the row and the prediction in the column. For class
``k``, with ``tp`` the diagonal entry::

    precision_k = tp / (column k total)     recall_k = tp / (row k total)
    f1_k        = 2 precision_k recall_k / (precision_k + recall_k)

and 0 wherever a denominator is 0 (a class never predicted has precision 0, as in
scikit-learn with ``zero_division=0``). Macro-F1 is the plain mean of ``f1_k`` over
all ``num_classes`` classes (by default the classes seen in either array), so a
rare class counts as much as a frequent one.

:func:`plot_confusion_matrix` draws the matrix as a PNG with matplotlib's Agg
backend; Chinese label names need a CJK font (e.g. Debian's ``fonts-noto-cjk``),
picked from the installed ones as ``llm_tf.vectors.evaluation`` does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.plotting import cjk_figure, save_figure

__all__ = [
    "accuracy",
    "classification_report",
    "confusion_matrix",
    "macro_f1",
    "plot_confusion_matrix",
    "precision_recall_f1",
]

# Same list as llm_tf.vectors.evaluation (the layering rules keep the two sides apart).
def _check(y_true, y_pred, num_classes: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.ndim != 1 or p.ndim != 1 or len(t) != len(p):
        raise UserInputError(f"y_true and y_pred must be 1-D and of equal length, got shapes "
                             f"{t.shape} and {p.shape}")
    if len(t) == 0:
        raise UserInputError("y_true and y_pred are empty")
    for name, a in (("y_true", t), ("y_pred", p)):
        if not np.issubdtype(a.dtype, np.integer) or a.min() < 0:
            raise UserInputError(f"{name} must hold integer labels >= 0, got {a[:5].tolist()}...")
    k = int(max(t.max(), p.max())) + 1
    if num_classes is not None:
        if int(num_classes) < k:
            raise UserInputError(f"num_classes={num_classes} but the labels go up to {k - 1}")
        k = int(num_classes)
    return t.astype(np.int64), p.astype(np.int64), k


def accuracy(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    """The fraction of predictions equal to the true label."""
    t, p, _ = _check(y_true, y_pred, None)
    return float(np.mean(t == p))


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int],
                     num_classes: int | None = None) -> np.ndarray:
    """(K, K) int64 counts: entry ``[i, j]`` is the number of class-``i`` items predicted ``j``."""
    t, p, k = _check(y_true, y_pred, num_classes)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _safe_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(a.shape, dtype=np.float64), where=b > 0)


def precision_recall_f1(y_true: Sequence[int], y_pred: Sequence[int],
                        num_classes: int | None = None) -> dict[str, np.ndarray]:
    """Per-class ``precision``, ``recall``, ``f1`` (float arrays) and ``support`` (true counts)."""
    cm = confusion_matrix(y_true, y_pred, num_classes).astype(np.float64)
    tp = np.diag(cm)
    precision = _safe_divide(tp, cm.sum(axis=0))
    recall = _safe_divide(tp, cm.sum(axis=1))
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1,
            "support": cm.sum(axis=1).astype(np.int64)}


def macro_f1(y_true: Sequence[int], y_pred: Sequence[int], num_classes: int | None = None) -> float:
    """The unweighted mean of the per-class F1 scores."""
    return float(precision_recall_f1(y_true, y_pred, num_classes)["f1"].mean())


def classification_report(y_true: Sequence[int], y_pred: Sequence[int],
                          label_names: Sequence[str] | None = None) -> str:
    """A text table: precision, recall, F1 and support per class, then accuracy and macro-F1."""
    k = len(label_names) if label_names is not None else None
    scores = precision_recall_f1(y_true, y_pred, k)
    names = list(label_names) if label_names is not None else [
        str(i) for i in range(len(scores["f1"]))]
    width = max(12, *(len(n) + 2 for n in names))
    lines = [f"{'':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for i, name in enumerate(names):
        lines.append(f"{name:<{width}}{scores['precision'][i]:>10.3f}{scores['recall'][i]:>10.3f}"
                     f"{scores['f1'][i]:>10.3f}{scores['support'][i]:>10d}")
    n = int(scores["support"].sum())
    lines.append(f"{'accuracy':<{width}}{'':>20}{accuracy(y_true, y_pred):>10.3f}{n:>10d}")
    lines.append(f"{'macro avg':<{width}}{scores['precision'].mean():>10.3f}"
                 f"{scores['recall'].mean():>10.3f}{scores['f1'].mean():>10.3f}{n:>10d}")
    return "\n".join(lines)


def plot_confusion_matrix(cm: np.ndarray, label_names: Sequence[str], path: str | os.PathLike,
                          title: str = "", normalize: bool = False) -> Path:
    """Draw a confusion matrix (rows true, columns predicted) as a PNG; returns the path.

    Args:
        cm: (K, K) counts, as from :func:`confusion_matrix`.
        label_names: K names for the axes (Chinese needs a CJK font installed,
            otherwise matplotlib draws boxes and its missing-glyph warning is silenced).
        path: where to write the PNG (parent folders are created).
        title: the figure title.
        normalize: colour and label each row by its fraction of the true class.
    """
    cm = np.asarray(cm)
    names = [str(n) for n in label_names]
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] != len(names):
        raise UserInputError(f"cm must be a square matrix with one row per label name, got "
                             f"shape {cm.shape} for {len(names)} names")
    values = _safe_divide(cm.astype(np.float64), cm.sum(axis=1, keepdims=True).astype(
        np.float64)) if normalize else cm
    k = len(names)
    size = 2.5 + 0.6 * k
    with cjk_figure(figsize=(size, size * 0.9)) as fig:
        ax = fig.subplots()
        image = ax.imshow(values, cmap="Blues", vmin=0)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ax.set_xticks(range(k), names, rotation=45, ha="right")
        ax.set_yticks(range(k), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title or "confusion matrix")
        top = float(values.max()) if values.size else 0.0
        for i in range(k):
            for j in range(k):
                text = f"{values[i, j]:.2f}" if normalize else f"{int(values[i, j])}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if top and values[i, j] > top / 2 else "black")
        return save_figure(fig, path)
