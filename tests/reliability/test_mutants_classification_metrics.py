"""Classification metrics: the gaps a mutation run (docs/mutation.md) found in the first tests.

Each test pins one observable fact the older tests left open: the exact wording of the
input errors (the CLI prints them as its one-line message), the report's columns and
its rows for classes that only ``label_names`` names, and what the confusion-matrix
figure draws (cell numbers and their colours, axis names, title, colour scale), read
back from the matplotlib figure rather than from the PNG bytes.
"""

import re
from pathlib import Path

import numpy as np
import pytest

import llm_tf.evaluation.classification_metrics as cm_module
from llm_tf.errors import UserInputError
from llm_tf.evaluation.classification_metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    plot_confusion_matrix,
    precision_recall_f1,
)


def test_a_2d_y_true_is_rejected_even_when_y_pred_is_1d():
    """Catches ``or`` turned ``and`` in the shape check: (2, 2) against (2,) must not
    broadcast into a score."""
    with pytest.raises(UserInputError, match=re.escape(
            "y_true and y_pred must be 1-D and of equal length, got shapes (2, 2) and (2,)")):
        accuracy([[0, 1], [1, 0]], [0, 1])


def test_error_messages_are_exact():
    """Catches a changed message or a changed preview length (the first 5 labels)."""
    with pytest.raises(UserInputError, match=r"^y_true and y_pred are empty$"):
        accuracy([], [])
    with pytest.raises(UserInputError, match=re.escape(
            "y_true must hold integer labels >= 0, got [0, 1, 2, 3, 4]...")):
        accuracy([0, 1, 2, 3, 4, -1, 5], [0] * 7)


def test_per_class_scores_are_float64():
    """Catches a lost ``float64``: 1/3 must not be rounded to another precision."""
    s = precision_recall_f1([0, 0, 0, 1], [0, 1, 1, 1])  # matrix [[1, 2], [0, 1]]
    assert s["precision"].dtype == np.float64 and s["recall"].dtype == np.float64
    assert s["precision"][1] == 1 / 3 and s["recall"][0] == 1 / 3


# true 0 0 1, pred 0 1 1, three names: class "c" is never seen but still gets a row.
# precision = diag / column totals (1, 2, 0) = 1, 0.5, 0; recall = diag / row totals
# (2, 1, 0) = 0.5, 1, 0; f1 = 2/3, 2/3, 0; accuracy 2/3; macro 0.5, 0.5, 4/9.
SHORT_REPORT = [
    "             precision    recall        f1   support",
    "a                1.000     0.500     0.667         2",
    "b                0.500     1.000     0.667         1",
    "c                0.000     0.000     0.000         0",
    "accuracy                             0.667         3",
    "macro avg        0.500     0.500     0.444         3",
]


def test_report_is_exact_and_has_a_row_for_every_named_class():
    """Catches dropping ``num_classes=len(label_names)`` (an unseen class would lose its
    row) and a changed first-column width (12 characters for short names)."""
    assert classification_report([0, 0, 1], [0, 1, 1], ["a", "b", "c"]).splitlines() == \
        SHORT_REPORT
    plain = classification_report([0, 0, 1], [0, 1, 1]).splitlines()
    assert plain[0] == SHORT_REPORT[0] and plain[1] == "0" + SHORT_REPORT[1][1:]
    assert len(plain) == 5  # classes 0 and 1 only, then accuracy and macro avg


def test_report_first_column_is_the_longest_name_plus_two():
    """Catches a changed margin after a long class name (len + 2)."""
    name = "a_very_long_name"  # 16 characters: the first column is 18 wide
    lines = classification_report([0, 1], [0, 1], [name, "b"]).splitlines()
    assert lines[0] == " " * 18 + " precision    recall        f1   support"
    assert lines[1] == name + "       1.000     1.000     1.000         1"
    assert lines[2] == "b" + " " * 17 + "     1.000     1.000     1.000         1"
    assert lines[3] == "accuracy" + " " * 10 + " " * 25 + "1.000         2"


@pytest.fixture
def drawn(monkeypatch):
    """Run plot_confusion_matrix and keep the figure it would save, to read it back
    (writing the PNG is left to tests/evaluation/test_classification_metrics.py)."""
    figures = []

    def keep(fig, path):
        figures.append(fig)
        return Path(path)

    monkeypatch.setattr(cm_module, "save_figure", keep)

    def draw(*args, **kwargs):
        out = plot_confusion_matrix(*args, **kwargs)
        assert len(figures) == 1
        ax = figures[0].axes[0]
        return out, figures.pop(), ax

    return draw


def _cells(ax):
    return [(t.get_position(), t.get_text(), t.get_color()) for t in ax.texts]


# top 4, half of it 2: 4 and 3 are dark cells with white text; 2 (exactly half) and 1 black
COUNTS = np.array([[4, 2], [1, 3]])


def test_plot_draws_the_counts_with_readable_colours(drawn, tmp_path):
    """Catches wrong cell text, a changed white/black threshold (> top / 2), missing
    axis names, tick labels or default title, and a changed default ``normalize``."""
    out, fig, ax = drawn(COUNTS, ["甲", "乙"], tmp_path / "cm.png")
    assert out == tmp_path / "cm.png"
    assert _cells(ax) == [((0, 0), "4", "white"), ((1, 0), "2", "black"),
                          ((0, 1), "1", "black"), ((1, 1), "3", "white")]
    assert all(t.get_ha() == "center" and t.get_va() == "center" for t in ax.texts)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["甲", "乙"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["甲", "乙"]
    assert all(t.get_rotation() == 45 and t.get_ha() == "right" for t in ax.get_xticklabels())
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == \
        ("predicted", "true", "confusion matrix")
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), COUNTS)
    assert image.get_cmap().name == "Blues"
    assert image.get_clim() == (0, 4)  # the scale starts at 0, not at the smallest count
    assert len(fig.axes) == 2  # the plot and its colour bar, which shows this image's scale
    assert image.colorbar is not None and image.colorbar.ax is fig.axes[1]
    assert image.colorbar.ax.get_ylim() == (0, 4)


def test_plot_normalizes_each_row_and_keeps_the_title(drawn, tmp_path):
    """Catches normalizing by the total or by the columns instead of each true class."""
    _, _, ax = drawn(COUNTS, [0, 1], tmp_path / "n.png", title="T", normalize=True)
    # rows 4 2 / 1 3 -> 4/6 2/6 / 1/4 3/4; top 0.75, so 2/3 and 3/4 are white
    assert _cells(ax) == [((0, 0), "0.67", "white"), ((1, 0), "0.33", "black"),
                          ((0, 1), "0.25", "black"), ((1, 1), "0.75", "white")]
    np.testing.assert_allclose(ax.images[0].get_array(), [[4 / 6, 2 / 6], [1 / 4, 3 / 4]])
    assert ax.get_title() == "T"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]


def test_plot_of_all_zeros_has_black_text(drawn, tmp_path):
    """Catches the zero-maximum guard: with nothing counted no cell is 'dark'."""
    _, _, ax = drawn(np.zeros((2, 2), dtype=int), ["a", "b"], tmp_path / "z.png")
    assert [c[1:] for c in _cells(ax)] == [("0", "black")] * 4


@pytest.mark.filterwarnings("ignore:Attempting to set identical:UserWarning")  # 0-wide axes
def test_plot_of_an_empty_matrix_has_no_cells(drawn, tmp_path):
    """Catches the guard for an empty matrix (no classes): ``max`` of nothing fails."""
    _, _, ax = drawn(np.zeros((0, 0), dtype=int), [], tmp_path / "e.png")
    assert len(ax.texts) == 0 and ax.get_title() == "confusion matrix"


@pytest.mark.parametrize("cm, names, shape", [
    (np.zeros((2, 3)), ["a", "b"], "(2, 3)"),
    (np.zeros(2), ["a", "b"], "(2,)"),
    (np.zeros((3, 3)), ["a", "b"], "(3, 3)"),
])
def test_plot_rejects_a_matrix_that_is_not_square_or_not_one_row_per_name(
        cm, names, shape, tmp_path):
    """Catches a weakened shape check (a 2 x 3 or 1-D matrix must not be drawn)."""
    with pytest.raises(UserInputError, match=re.escape(
            f"cm must be a square matrix with one row per label name, got shape {shape} "
            f"for {len(names)} names")):
        plot_confusion_matrix(cm, names, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_confusion_matrix_counts_pairs():
    """A 2-class cross-check by a plain loop (entry [i, j]: true i predicted j)."""
    t, p = [1, 0, 1, 1, 0], [1, 1, 0, 1, 0]
    want = np.zeros((2, 2), dtype=np.int64)
    for a, b in zip(t, p, strict=True):
        want[a, b] += 1
    np.testing.assert_array_equal(confusion_matrix(t, p), want)
