"""§4.4: the encoder and decoder are defined by themselves, and the "fixed-length"
hidden state contradicts the decoder's ``encoder_outputs`` (docs/errata.md)."""

import re

import numpy as np
import pytest

from llm_tf.models import AnswerGenerator
from llm_tf.text.qa_data import QA_SPECIALS
from tests.errata.article import formulas, section

SMALL = {"embedding_dim": 8, "units": 6, "attention_units": 8, "dropout": 0.0, "seed": 1}


def test_errata_44_each_definition_calls_the_function_it_defines():
    for formula in formulas("4.4"):
        left, right = (side.strip() for side in formula.split("=", 1))
        name = re.match(r"\\text\{(\w+)\}", left).group(1)  # Encoder, Decoder
        assert right.startswith(f"\\text{{{name}}}(")  # the right side is the same function

    # written as code, the printed definition never reaches anything else
    def encoder(x, hidden_size=None):
        return encoder(x, hidden_size)  # Encoder(X) = Encoder(X, hidden_size)

    with pytest.raises(RecursionError):
        encoder(np.zeros(3))


def test_errata_44_encoder_outputs_grow_with_the_input_only_the_start_state_is_fixed():
    assert "编码为固定长度的隐藏状态" in section("4.4")  # "a fixed-length hidden state"
    assert "encoder_outputs" in formulas("4.4")[1]  # yet the decoder reads the outputs
    model = AnswerGenerator(vocabulary=[*QA_SPECIALS, "中", "国", "首", "都"], **SMALL)
    for length in (5, 9):
        source = np.full((2, length), len(QA_SPECIALS), "int32")
        outputs, h0, c0, _ = model.encode(source)
        # one state per input token (bidirectional: 2u wide), which attention reads ...
        assert tuple(outputs.shape) == (2, length, 2 * SMALL["units"])
        # ... and only the decoder's initial state has a fixed length
        assert tuple(h0.shape) == tuple(c0.shape) == (2, SMALL["units"])
