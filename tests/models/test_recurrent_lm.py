"""Tests for the §3.2.1 recurrent language models (llm_tf.rnn_lm)."""

import keras
import numpy as np
import pytest

from llm_tf.rnn_lm import RecurrentLM, SimpleRNNLM
from tests.layer_testing import run_layer_test

V, E, U = 20, 8, 12


def _ids(b=2, t=9, seed=0):
    return np.random.default_rng(seed).integers(1, V, size=(b, t)).astype("int32")


def rnn_param_count(num_layers, tied):
    rnn = E * U + U * U + U + (num_layers - 1) * (2 * U * U + U)
    head = V + (U * E if U != E else 0) if tied else U * V + V
    return V * E + rnn + head


@pytest.mark.parametrize("num_layers,tied,weights", [(1, False, 6), (2, True, 9)])
def test_model_contract(num_layers, tied, weights):
    model = run_layer_test(
        SimpleRNNLM,
        {
            "vocab_size": V,
            "embedding_dim": E,
            "units": U,
            "num_layers": num_layers,
            "dropout": 0.1,
            "tie_embeddings": tied,
            "seed": 0,
        },
        _ids(),
        (2, 9, V),
        expected_num_trainable_weights=weights,
        target=_ids(seed=1),
        loss="sparse_categorical_crossentropy",
    )
    assert model.count_params() == rnn_param_count(num_layers, tied)
    assert "cell" not in model.get_config()


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_state_carry_equals_one_pass(cell):
    """Running a sequence in chunks, carrying the state, gives the full pass's logits."""
    keras.utils.set_random_seed(0)
    model = RecurrentLM(V, cell=cell, embedding_dim=E, units=U, num_layers=2, dropout=0.3)
    model.build((None, None))
    ids = _ids()
    full = np.asarray(model.logits(ids))
    logits, state = model.step(ids[:, :4], model.init_state(2))
    outs = [np.asarray(logits)]
    for t in range(4, 9):
        logits, state = model.step(ids[:, t : t + 1], state)
        outs.append(np.asarray(logits))
    np.testing.assert_allclose(np.concatenate(outs, 1), full, atol=1e-5)
    assert len(state) == 2 * model.state_per_layer


def test_probabilities_sum_to_one():
    keras.utils.set_random_seed(0)
    p = np.asarray(SimpleRNNLM(V, embedding_dim=E, units=U)(_ids()))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"cell": "gru"}, {"num_layers": 0}, {"dropout": 1.5}])
def test_bad_arguments_name_the_value(kwargs):
    with pytest.raises(ValueError, match="got"):
        RecurrentLM(V, **kwargs)
