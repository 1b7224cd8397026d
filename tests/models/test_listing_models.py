"""Tests for the §3.2 listing-shaped RNN / LSTM / Transformer classes (llm_tf.models.listing_models)."""

import re

import keras
import numpy as np
import pytest

from llm_tf.generation import Decoder
from llm_tf.models import stepping_view
from llm_tf.models.listing_models import LSTM, RNN, NeuralNetwork, Transformer
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


# ---- §3.1.1's NeuralNetwork: skip-gram word2vec with the full softmax


def test_neural_network_listing_runs_and_learns():
    keras.utils.set_random_seed(0)
    # the listing, verbatim apart from the sizes
    sequence = ["我", "爱", "中国"]
    model = NeuralNetwork(input_shape=(1, EMBEDDING_SIZE), output_shape=(VOCAB_SIZE,))
    centres, contexts = model.training_pairs(sequence)  # what fit() trains on
    assert len(centres) == 6  # (我,爱) (爱,中国) (爱,我) (中国,爱) (我,中国) (中国,我)
    probs = np.asarray(model(centres))  # (6, V) before training
    j0 = -np.log(probs[np.arange(6), contexts]).sum()  # §4.1.1's J by hand
    history = model.fit(sequence, epochs=10)
    word_vectors = model.get_word_vectors()

    assert list(word_vectors) == sequence
    assert all(v.shape == (EMBEDDING_SIZE,) for v in word_vectors.values())
    loss = history.history["loss"]
    # one batch an epoch: the first loss is J / 6 at the initial weights
    np.testing.assert_allclose(loss[0], j0 / 6, rtol=1e-5)
    # window 2 over three words: each centre's two contexts are the other two words, so
    # the mean -log p(o | c) cannot go below log 2; it falls towards it
    assert loss[-1] < loss[0] and loss[-1] > np.log(2) - 1e-6
    ids = np.asarray(model.encode(sequence), "int32")
    p = np.asarray(model(ids))[:, ids]  # (3 centres, 3 words)
    assert np.all(np.diag(p) < p.min(axis=1, where=~np.eye(3, dtype=bool), initial=1.0))
    # the vectors are the input embedding's rows; p(o | c) = softmax(v_c W + b)
    kernel, bias = (np.asarray(w) for w in model.output_layer.get_weights())
    v = np.stack([word_vectors[w] for w in sequence])
    logits = v @ kernel + bias
    by_hand = np.exp(logits - logits.max(-1, keepdims=True))
    by_hand /= by_hand.sum(-1, keepdims=True)
    np.testing.assert_allclose(np.asarray(model(ids)), by_hand, atol=1e-6)
    assert model.get_config()["tokens"] == model.tokens  # the vocabulary is saved with it


def test_neural_network_reads_raw_text_line_by_line():
    model = NeuralNetwork(input_shape=(1, 4), output_shape=(20,), window=1)
    centres, contexts = model.training_pairs("我爱中国\n中国很大\n")
    assert model.tokens[4:] == ["我", "爱", "中", "国", "很", "大"]  # characters
    # 3 + 3 neighbouring pairs each way; none across the line break (国 -> 中 of line 2)
    assert len(centres) == 12
    pairs = set(zip(centres.tolist(), contexts.tolist(), strict=True))
    assert (model.encode(["国"])[0], model.encode(["中"])[0]) in pairs  # 中国 -> 国中 reversed
    english = NeuralNetwork(input_shape=(1, 4), output_shape=(20,))
    english.training_pairs("I love China")
    assert english.tokens[4:] == ["I", "love", "China"]  # words


def test_neural_network_layer_contract():
    ids = np.random.default_rng(0).integers(4, VOCAB_SIZE, size=(6,)).astype("int32")
    run_layer_test(
        NeuralNetwork,
        {"input_shape": [1, 8], "output_shape": [VOCAB_SIZE], "window": 3, "tokens": None},
        ids,
        (6, VOCAB_SIZE),
        expected_num_trainable_weights=3,  # embedding, output kernel and bias
        target=ids[::-1].copy(),
        loss="sparse_categorical_crossentropy",
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": 0}, "window must be >= 1, got 0"),
        ({"output_shape": (3,)}, "vocab_size > 4, got 8, 3"),
    ],
)
def test_neural_network_bad_arguments_name_the_values(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        NeuralNetwork(**{"input_shape": (1, 8), "output_shape": (10,), **kwargs})
    with pytest.raises(ValueError, match="at least two tokens"):
        NeuralNetwork(input_shape=(1, 8), output_shape=(10,)).fit(["我"])
