"""Classification metrics against hand-computed values, and the confusion-matrix PNG."""

import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.evaluation.classification_metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    macro_f1,
    plot_confusion_matrix,
    precision_recall_f1,
)

# true 0 0 0 1 1 2
# pred 0 0 1 1 2 2
Y_TRUE = [0, 0, 0, 1, 1, 2]
Y_PRED = [0, 0, 1, 1, 2, 2]


def test_confusion_matrix_rows_are_true_columns_predicted():
    cm = confusion_matrix(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(cm, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(confusion_matrix([1], [1], num_classes=3),
                                  [[0, 0, 0], [0, 1, 0], [0, 0, 0]])


def test_scores_by_hand():
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(4 / 6)
    s = precision_recall_f1(Y_TRUE, Y_PRED)
    # precision = diagonal / column totals (2, 2, 2); recall = diagonal / row totals (3, 2, 1)
    np.testing.assert_allclose(s["precision"], [1.0, 0.5, 0.5])
    np.testing.assert_allclose(s["recall"], [2 / 3, 0.5, 1.0])
    # f1 = 2PR / (P + R): 2*(2/3)/(5/3) = 0.8, 0.5, 2*0.5/1.5 = 2/3
    np.testing.assert_allclose(s["f1"], [0.8, 0.5, 2 / 3])
    np.testing.assert_array_equal(s["support"], [3, 2, 1])
    assert macro_f1(Y_TRUE, Y_PRED) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_classes_never_predicted_or_absent_score_zero():
    s = precision_recall_f1([0, 1], [0, 0], num_classes=3)
    np.testing.assert_allclose(s["precision"], [0.5, 0.0, 0.0])
    np.testing.assert_allclose(s["recall"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(s["f1"], [2 / 3, 0.0, 0.0])
    assert macro_f1([0, 1], [0, 0], num_classes=3) == pytest.approx(2 / 9)
    assert macro_f1([0, 1], [0, 0]) == pytest.approx(1 / 3)  # classes seen: 0 and 1


def test_perfect_and_all_wrong():
    assert accuracy([2, 0, 1], [2, 0, 1]) == 1.0 and macro_f1([2, 0, 1], [2, 0, 1]) == 1.0
    assert accuracy([0, 1], [1, 0]) == 0.0 and macro_f1([0, 1], [1, 0]) == 0.0


def test_report_lists_every_class_and_the_averages():
    report = classification_report(Y_TRUE, Y_PRED, ["体育", "weather", "food"])
    lines = report.splitlines()
    assert lines[0].split() == ["precision", "recall", "f1", "support"]
    assert lines[1].split() == ["体育", "1.000", "0.667", "0.800", "3"]
    assert lines[-2].split() == ["accuracy", "0.667", "6"]
    assert lines[-1].split() == ["macro", "avg", "0.667", "0.722", "0.656", "6"]
    assert classification_report([0, 1], [0, 1]).splitlines()[1].split()[0] == "0"


@pytest.mark.parametrize("y_true, y_pred, match", [
    ([0, 1], [0], "equal length"),
    ([], [], "empty"),
    ([0, -1], [0, 1], "y_true must hold integer labels >= 0"),
    ([0, 1], [0.0, 1.0], "y_pred must hold integer labels"),
    ([[0, 1]], [[0, 1]], "1-D"),
])
def test_bad_labels(y_true, y_pred, match):
    with pytest.raises(UserInputError, match=match):
        accuracy(y_true, y_pred)


def test_num_classes_too_small():
    with pytest.raises(UserInputError, match="num_classes=2 but the labels go up to 2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)


@pytest.mark.parametrize("normalize", [False, True])
def test_plot_confusion_matrix_writes_a_png_with_chinese_labels(tmp_path, normalize):
    cm = confusion_matrix(Y_TRUE, Y_PRED)
    out = plot_confusion_matrix(cm, ["地理", "体育", "天气"], tmp_path / "sub" / "cm.png",
                                title="混淆矩阵", normalize=normalize)
    assert out == tmp_path / "sub" / "cm.png"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 1000


def test_plot_rejects_a_shape_mismatch(tmp_path):
    with pytest.raises(UserInputError, match="one row per label name"):
        plot_confusion_matrix(np.zeros((2, 2)), ["a", "b", "c"], tmp_path / "x.png")
