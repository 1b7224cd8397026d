"""Tests for the §3.2.2 stacked LSTM language model (llm_tf.lstm_stack)."""

import keras
import numpy as np
import pytest

from llm_tf.lstm_lm import build_lstm_lm, lstm_lm_param_counts
from llm_tf.lstm_stack import StackedLSTMLM, stacked_lstm_param_counts
from tests.layer_testing import run_layer_test

V, E, U = 20, 8, 12


def _ids(b=2, t=7, seed=0):
    return np.random.default_rng(seed).integers(1, V, size=(b, t)).astype("int32")


@pytest.mark.parametrize("num_layers,tied,weights", [(1, False, 6), (2, True, 9)])
def test_model_contract(num_layers, tied, weights):
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
        _ids(),
        (2, 7, V),
        expected_num_trainable_weights=weights,
        target=_ids(seed=1),
        loss="sparse_categorical_crossentropy",
    )
    counts = stacked_lstm_param_counts(V, E, U, num_layers, tied)
    assert model.count_params() == counts["total"]


def test_one_layer_counts_are_the_listings():
    assert stacked_lstm_param_counts(10_000, 256, 128) == lstm_lm_param_counts(10_000, 256, 128)


def test_tied_without_projection_when_widths_match():
    keras.utils.set_random_seed(0)
    model = StackedLSTMLM(V, embedding_dim=U, units=U, num_layers=2, tie_embeddings=True)
    model.build((None, None))
    assert model.projection is None
    assert model.count_params() == stacked_lstm_param_counts(V, U, U, 2, True)["total"]


def test_from_listing_gives_the_listings_probabilities():
    """With one layer, no dropout and no tying the stack is the §5 model."""
    keras.utils.set_random_seed(0)
    listing = build_lstm_lm(V, E, U)
    ids = _ids()
    stacked = StackedLSTMLM.from_listing(listing)
    np.testing.assert_allclose(np.asarray(stacked(ids)), np.asarray(listing(ids)), atol=1e-6)


def test_dropout_is_seeded_and_training_only():
    keras.utils.set_random_seed(0)
    model = StackedLSTMLM(V, embedding_dim=E, units=U, num_layers=2, dropout=0.5, seed=3)
    ids = _ids()
    a = np.asarray(model(ids))
    np.testing.assert_array_equal(a, np.asarray(model(ids)))
    assert not np.allclose(np.asarray(model(ids, training=True)), a)
