"""Answers through the project's decoder: greedy equals the model's own, beam search works,
and the retrieval-decided <unknown> replies stay."""

import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.retrieval import UNKNOWN
from llm_tf.training.qa_trainer import decode_answers, evaluate_qa
from tests.models.test_answer_generator import _toy, trained  # noqa: F401  (fixture)


def test_greedy_through_the_decoder_equals_predict(trained):  # noqa: F811
    m, kb, qs, ans = trained
    kb2, qs2, _ = _toy(6, seed=99)  # unseen entities and values: copied from the facts
    for k, questions in ((kb, qs[::5]), (kb2, qs2)):
        got = decode_answers(m, questions, k, beam_size=1)
        assert [d["answer"] for d in got] == m.predict(questions, knowledge_base=k)


def test_beam_search_answers_and_keeps_the_unknown_rule(trained):  # noqa: F811
    m, kb, qs, ans = trained
    got = decode_answers(m, qs[:24] + ["What is the code of Atlantis?"], kb, beam_size=3)
    assert all(d["beam_size"] == 3 for d in got)
    assert got[-1]["answer"] == UNKNOWN and got[-1]["decided_by"] == "retrieval"
    hits = [d["answer"] == a for d, a in zip(got[:24], ans[:24], strict=True)]
    assert np.mean(hits) >= 0.9
    for d, a in zip(got[:24], ans[:24], strict=True):
        if a == UNKNOWN:
            assert d["decided_by"] == "retrieval" and d["tokens"] == []
    rows = [{"question": q, "answer": a} for q, a in zip(qs[:24], ans[:24], strict=True)]
    assert evaluate_qa(m, kb, rows, beam_size=3)["exact_match"] == pytest.approx(
        np.mean(hits))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_beam_size_must_be_a_positive_integer(trained, bad):  # noqa: F811
    m, kb, qs, _ = trained
    with pytest.raises(UserInputError, match="beam_size"):
        decode_answers(m, qs[:1], kb, beam_size=bad)
