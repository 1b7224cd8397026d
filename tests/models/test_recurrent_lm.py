"""Tests for the §3.2.1 / §3.2.2 recurrent language models (llm_tf.models.recurrent_lm)."""

import re

import keras
import numpy as np
import pytest

from llm_tf.models.listing_lm import build_listing_lm, listing_lm_param_counts
from llm_tf.models.recurrent_lm import (
    RecurrentLM,
    SimpleRNNLM,
    StackedLSTMLM,
    stacked_lstm_param_counts,
)
from tests.layer_testing import check_seeded_dropout, run_layer_test

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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cell": "gru"}, "cell must be one of ['lstm', 'rnn'], got 'gru'"),
        ({"num_layers": 0}, "num_layers must be >= 1, got 0"),
        ({"dropout": 1.5}, "dropout must be in [0, 1), got 1.5"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        RecurrentLM(V, **kwargs)


# ---- §3.2.2: the stacked LSTM, and the §5 listing as its one-layer case
@pytest.mark.parametrize("num_layers,tied,weights", [(1, False, 6), (2, True, 9)])
def test_lstm_model_contract(num_layers, tied, weights):
    model = run_layer_test(
        StackedLSTMLM,
        {
            "vocab_size": V,
            "embedding_dim": E,
            "units": U,
            "num_layers": num_layers,
            "dropout": 0.2,
            "tie_embeddings": tied,
            "seed": 0,
        },
        _ids(t=7),
        (2, 7, V),
        expected_num_trainable_weights=weights,
        target=_ids(t=7, seed=1),
        loss="sparse_categorical_crossentropy",
    )
    counts = stacked_lstm_param_counts(V, E, U, num_layers, tied)
    assert model.count_params() == counts["total"]


def test_one_layer_counts_are_the_listings():
    assert stacked_lstm_param_counts(10_000, 256, 128) == listing_lm_param_counts(10_000, 256, 128)


def test_tied_without_projection_when_widths_match():
    keras.utils.set_random_seed(0)
    model = StackedLSTMLM(V, embedding_dim=U, units=U, num_layers=2, tie_embeddings=True)
    model.build((None, None))
    assert model.projection is None
    assert model.count_params() == stacked_lstm_param_counts(V, U, U, 2, True)["total"]


def test_from_listing_gives_the_listings_probabilities():
    """With one layer, no dropout and no tying the stack is the §5 model."""
    keras.utils.set_random_seed(0)
    listing = build_listing_lm(V, E, U)
    ids = _ids(t=7)
    stacked = StackedLSTMLM.from_listing(listing)
    np.testing.assert_allclose(np.asarray(stacked(ids)), np.asarray(listing(ids)), atol=1e-6)


def test_dropout_is_seeded_and_training_only():
    def make(dropout_seed):
        keras.utils.set_random_seed(0)  # the same weights for every dropout seed
        model = StackedLSTMLM(
            V, embedding_dim=E, units=U, num_layers=2, dropout=0.5, seed=dropout_seed
        )
        model.build((None, None))
        return model

    check_seeded_dropout(make, _ids(t=7), seeds=(3, 4))
