"""AnswerStepper: the answer generator behind the project's decoder, one token a step."""

import numpy as np
import pytest

from llm_tf.models import AnswerGenerator
from llm_tf.models.answer_stepper import AnswerStepper
from llm_tf.text.qa_data import QA_SPECIALS
from tests.models.test_answer_generator import SMALL, _inputs


@pytest.mark.parametrize("copy", [True, False])
def test_one_token_a_step_gives_the_full_pass_probabilities(copy):
    m = AnswerGenerator(vocabulary=[*QA_SPECIALS, "a", "b", "c", "|", ":"], copy=copy,
                        max_source_len=9, **SMALL)
    v = len(m.vocabulary)
    x = _inputs(v, s=7, t=5)
    full = np.asarray(m(x))  # (3, 5, V + 7), sources padded to the batch's 7
    stepper = AnswerStepper(m)
    assert stepper.vocab_size == v + 9
    for row in range(3):
        stepper.bind(x["source"][row:row + 1], x["source_ext"][row:row + 1])
        state = stepper.init_state(2)  # two identical rows, as beams start
        assert [tuple(t.shape) for t in state[2:]] == [(2, 9, 2 * SMALL["units"]),
                                                      (2, 9, SMALL["attention_units"]),
                                                      (2, 9), (2, 9)]
        steps = []
        for t in range(5):
            ids = np.repeat(x["target_in"][row:row + 1, t:t + 1], 2, axis=0)
            logits, state = stepper.step(ids, state)
            steps.append(np.asarray(logits)[:, 0])
        got = np.exp(np.stack(steps, axis=1))  # (2, 5, V + 9)
        np.testing.assert_allclose(got[0], got[1], atol=1e-6)
        np.testing.assert_allclose(got[0, :, :v + 7], full[row], atol=1e-5)
        np.testing.assert_allclose(got[0, :, v + 7:], 0.0, atol=1e-6)  # padding: never copied


def test_bind_checks_the_shape_and_length():
    m = AnswerGenerator(vocabulary=[*QA_SPECIALS, "a"], max_source_len=4, **SMALL)
    stepper = AnswerStepper(m)
    with pytest.raises(ValueError, match="bind"):
        stepper.init_state(1)
    with pytest.raises(ValueError, match="one question"):
        stepper.bind(np.ones((2, 3), "int32"), np.ones((2, 3), "int32"))
    with pytest.raises(ValueError, match="max_source_len"):
        stepper.bind(np.ones((1, 5), "int32"), np.ones((1, 5), "int32"))
