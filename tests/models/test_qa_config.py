"""QAConfig validates itself and round-trips through JSON."""

import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import QAConfig


def test_round_trip_and_tiny():
    cfg = QAConfig.tiny(copy=False)
    assert QAConfig.from_dict(cfg.to_dict()) == cfg and cfg.units < QAConfig().units
    assert QAConfig.from_dict({**cfg.to_dict(), "from_the_future": 1}) == cfg
    assert cfg.model_kwargs()["copy"] is False


@pytest.mark.parametrize("changes, message", [
    ({"units": 0}, "units"), ({"dropout": 1.0}, "dropout"), ({"learning_rate": 0}, "learning_rate"),
    ({"max_answer_len": 1}, "max_answer_len"), ({"copy": "yes"}, "copy"),
])
def test_bad_values_name_the_field(changes, message):
    with pytest.raises(UserInputError, match=message):
        QAConfig(**changes)
