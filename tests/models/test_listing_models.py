"""Tests for the §3.2 listing-shaped RNN / LSTM / Transformer classes (llm_tf.models.listing_models)."""

import re

import keras
import numpy as np
import pytest

from llm_tf.generation import Decoder
from llm_tf.models import stepping_view
from llm_tf.models.listing_models import LSTM, RNN, Transformer
from llm_tf.text.vocab import EOS_ID, UNK_ID
from tests.layer_testing import run_layer_test

CLASSES = [RNN, LSTM, Transformer]
EMBEDDING_SIZE, VOCAB_SIZE = 16, 12


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_the_listing_runs_as_printed(cls, tmp_path):
    keras.utils.set_random_seed(0)
    # the listing, verbatim apart from the sizes
    sequence = ["我", "爱", "中国"]
    model = cls(input_shape=(1, EMBEDDING_SIZE), output_shape=(VOCAB_SIZE,))
    model.fit(sequence, epochs=30)
    output_distribution = model.predict(sequence)

    assert output_distribution.shape == (3, VOCAB_SIZE)  # one distribution per position
    np.testing.assert_allclose(output_distribution.sum(-1), 1.0, atol=1e-5)
    # it learned the sequence: 我 -> 爱 -> 中国 -> <eos>
    assert output_distribution.argmax(-1).tolist() == [
        model.encode(["爱"])[0],
        model.encode(["中国"])[0],
        EOS_ID,
    ]
    # .keras round trip keeps the weights and the vocabulary
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    assert reloaded.tokens == model.tokens
    np.testing.assert_allclose(reloaded.predict(sequence), output_distribution, atol=1e-6)
    # and it generates with the shared decoder
    out = Decoder(stepping_view(reloaded), jit_compile=False).generate(
        [EOS_ID] + model.encode(["我"]), max_tokens=5, temperature=0, stop_ids=(EOS_ID,)
    )
    assert out == model.encode(["爱", "中国"]) + [EOS_ID]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_layer_contract(cls):
    ids = np.random.default_rng(0).integers(1, VOCAB_SIZE, size=(2, 5)).astype("int32")
    run_layer_test(
        cls,
        {"input_shape": [1, 8], "output_shape": [VOCAB_SIZE], "tokens": None},
        ids,
        (2, 5, VOCAB_SIZE),
        target=ids,
        loss="sparse_categorical_crossentropy",
    )


def test_vocabulary_fills_up_then_maps_to_unk():
    model = RNN(input_shape=(1, 4), output_shape=(6,))
    assert model.encode(list("abc"), grow=True) == [4, 5, UNK_ID]
    assert model.encode([5, "a", "zzz"]) == [5, 4, UNK_ID]
    with pytest.raises(ValueError, match="outside"):
        model.encode([6])


def test_long_sequences_are_cut_into_windows():
    model = Transformer(input_shape=(1, 8), output_shape=(20,), max_len=4)
    xs, ys = model.training_windows(list(range(4, 13)), seq_len=50)  # 11 ids: windows of 4
    np.testing.assert_array_equal(xs[:, 0], [EOS_ID, 7, 9])  # the last window overlaps
    np.testing.assert_array_equal(ys[:, :-1], xs[:, 1:])
    assert xs.shape == (3, 4) and ys[-1, -1] == EOS_ID


@pytest.mark.parametrize(
    ("shapes", "got"),
    [
        (((1,), (5,)), "got (1,), (5,)"),
        (((1, 8), (3,)), "vocab_size > 4, got 8, 3"),
        (((1, 8), (10, 2)), "got (1, 8), (10, 2)"),
    ],
)
def test_bad_shapes_name_the_values(shapes, got):
    with pytest.raises(ValueError, match=f"{re.escape(got)}$"):
        LSTM(input_shape=shapes[0], output_shape=shapes[1])
