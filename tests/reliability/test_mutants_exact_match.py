"""Exact match: the gaps a mutation run (docs/mutation.md) found in the first tests.

Each test pins one observable fact the older tests left open: the wording of the two
input errors (the CLI prints them as its one-line message), the ``questions`` count of
the report, and the ``<unknown>`` share of a one-question report.
"""

import pytest

from llm_tf.errors import UserInputError
from llm_tf.evaluation.exact_match import exact_match, exact_match_report


def test_errors_say_what_is_wrong():
    with pytest.raises(UserInputError, match=r"^2 predictions for 1 references$"):
        exact_match(["a", "b"], ["a"])
    with pytest.raises(UserInputError, match=r"^no questions to score$"):
        exact_match([], [])


def test_report_counts_the_questions():
    r = exact_match_report(["a", "b", "c"], ["a", "x", "c"], ["en", "en", "zh"])
    assert r["questions"] == 3
    assert r["exact_match"] == pytest.approx(2 / 3)


def test_one_unknown_reply_of_one_question_is_all_of_them():
    r = exact_match_report(["<unknown>"], ["巴黎"], ["zh"])
    assert r["unknown_replies"] == 1.0  # 1 / 1, not 1 / 2
    assert r["exact_match"] == 0.0 and r["questions"] == 1
