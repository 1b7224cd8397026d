"""Exact match, SQuAD-style normalisation, per-language report."""

import pytest

from llm_tf.errors import UserInputError
from llm_tf.evaluation.exact_match import exact_match, exact_match_report, normalize_answer


def test_normalisation():
    assert normalize_answer("  The Eiffel  Tower. ") == "eiffel tower"
    assert normalize_answer("北京。") == "北京" and normalize_answer("ＡＢＣ") == "abc"


def test_exact_match_and_report():
    assert exact_match(["Paris", "rome", "x"], ["Paris", "Rome", "y"]) == pytest.approx(2 / 3)
    r = exact_match_report(["北京", "<unknown>", "Paris"], ["北京", "东京", "Paris"],
                           ["zh", "zh", "en"])
    assert r["exact_match"] == pytest.approx(2 / 3)
    assert r["by_language"] == {"en": {"questions": 1, "exact_match": 1.0},
                                "zh": {"questions": 2, "exact_match": 0.5}}
    assert r["unknown_replies"] == pytest.approx(1 / 3)
    with pytest.raises(UserInputError):
        exact_match(["a"], [])
