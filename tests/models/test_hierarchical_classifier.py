"""§3.3, §6.4: the hierarchical classifier with cross-level attention (llm_tf.models)."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.models import HierarchicalClassifier
from llm_tf.models.hierarchical_classifier import (
    AttentionPooling,
    masked_softmax,
    sinusoidal_positions,
)
from tests.layer_testing import run_layer_test

V, C, D, H, M = 40, 3, 16, 2, 24  # vocabulary, labels, width, heads, MLP width
TINY = dict(vocab_size=V, num_classes=C, embedding_dim=D, num_heads=H, mlp_dim=M)


def _ids(b=2, s=3, w=5, seed=0):
    """(B, S, W) ids with padding: row 0 has 2 sentences, the second of 3 words."""
    ids = np.random.default_rng(seed).integers(1, V, size=(b, s, w)).astype("int32")
    ids[0, 2:] = 0
    ids[0, 1, 3:] = 0
    return ids


def _model(seed=0, **kw):
    keras.utils.set_random_seed(seed)
    model = HierarchicalClassifier(**{**TINY, **kw})
    model(_ids())
    return model


def param_count(cross: bool, word_layers=1, text_layers=1) -> int:
    dense = D * D + D
    block = 2 * 2 * D + 4 * dense + (D * M + M) + (M * D + D)  # 2 norms, attention, MLP
    pool = dense + D  # tanh projection and context vector
    count = V * D + (word_layers + text_layers) * block + 2 * pool + 2 * 2 * D + D * C + C
    return count + (2 * 2 * D + 2 * 4 * dense if cross else 0)  # 2 norms, 2 attentions


# ---- the Keras contract (config, .keras reload, fit, mixed precision)
@pytest.mark.parametrize("cross", [True, False])
def test_model_contract(cross):
    model = run_layer_test(
        HierarchicalClassifier,
        {**TINY, "dropout": 0.1, "cross_level": cross, "seed": 3},
        _ids(),
        (2, C),
        expected_num_trainable_weights=45 + 20 * cross,
        target=np.array([0, 2]),
        loss="sparse_categorical_crossentropy",
    )
    assert model.count_params() == param_count(cross)


def test_deeper_encoders_count_their_weights():
    model = _model(word_layers=2, text_layers=2)
    assert model.count_params() == param_count(True, 2, 2)
    assert len(model.trainable_weights) == 65 + 2 * 16  # a block: 2 norms, 4 + 2 Dense


def test_outputs_are_probabilities():
    p = np.asarray(_model()(_ids()))
    assert p.shape == (2, C) and np.all(p > 0)
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-6)


# ---- padding: more padded sentences or words change nothing
@pytest.mark.parametrize("cross", [True, False])
def test_padding_does_not_change_the_prediction(cross):
    model, ids = _model(cross_level=cross), _ids()
    p = np.asarray(model(ids))
    padded = np.zeros((2, 6, 9), "int32")  # 3 more sentences, 4 more words, all padding
    padded[:, :3, :5] = ids
    np.testing.assert_allclose(np.asarray(model(padded)), p, atol=1e-5)
    # a document alone equals the document in a batch padded for a longer one
    alone = np.asarray(model(ids[:1, :2, :5]))
    np.testing.assert_allclose(alone, p[:1], atol=1e-5)
    # what sits behind a mask is never read: padded slots are 0 by definition, and a
    # document's prediction does not depend on the other documents of the batch
    other = ids.copy()
    other[1] = _ids(seed=5)[1]
    np.testing.assert_allclose(np.asarray(model(other))[0], p[0], atol=1e-6)


def test_changing_a_real_word_changes_the_prediction():
    model, ids = _model(), _ids()
    changed = ids.copy()
    changed[0, 1, 0] = (ids[0, 1, 0] % (V - 1)) + 1
    assert not np.allclose(np.asarray(model(changed))[0], np.asarray(model(ids))[0])


# ---- the attention weights of one document
def test_attention_weights_shapes_sums_and_zeros():
    model, ids = _model(), _ids(s=4, w=6)
    a = model.attention_weights(ids[0])  # 2 real sentences (5 and 3 words), 2 padded
    s, w = 4, 6
    assert a["word"].shape == (s, w) and a["text"].shape == (s,)
    assert a["text_to_words"].shape == (H, s, s, w) and a["words_to_text"].shape == (H, s, w, s)
    np.testing.assert_allclose(a["word"][:2].sum(-1), 1.0, atol=1e-6)
    assert np.all(a["word"][2:] == 0) and np.all(a["word"][1, 3:] == 0)
    np.testing.assert_allclose(a["text"].sum(), 1.0, atol=1e-6)
    assert np.all(a["text"][2:] == 0)
    # text -> words: each real sentence's weights over every real word of the document
    t2w = a["text_to_words"]
    np.testing.assert_allclose(t2w[:, :2].sum(axis=(-1, -2)), 1.0, atol=1e-6)
    assert np.all(t2w[:, 2:] == 0) and np.all(t2w[:, :, 2:] == 0) and np.all(t2w[:, :, 1, 3:] == 0)
    # words -> text: each real word's weights over the real sentences
    w2t = a["words_to_text"]
    np.testing.assert_allclose(w2t[:, 0, :5].sum(-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(w2t[:, 1, :3].sum(-1), 1.0, atol=1e-6)
    assert np.all(w2t[:, 1, 3:] == 0) and np.all(w2t[:, 2:] == 0) and np.all(w2t[..., 2:] == 0)
    np.testing.assert_allclose(a["probabilities"], np.asarray(model(ids[:1]))[0], atol=1e-6)


def test_attention_weights_of_the_ablation_have_no_cross_level():
    a = _model(cross_level=False).attention_weights(_ids()[:1])
    assert set(a) == {"word", "text", "probabilities"}


def test_attention_weights_take_one_document():
    with pytest.raises(ValueError, match=r"one document.*\(2, 3, 5\)"):
        _model().attention_weights(_ids())


# ---- the ablation is the same encoder without the cross-level terms
def test_zero_cross_level_outputs_give_the_ablation():
    cross, ablation = _model(seed=1), _model(seed=2, cross_level=False)
    n = len(ablation.weights)
    ablation.set_weights(cross.get_weights()[:n])  # the cross-level weights come last
    for layer in (cross.text_to_words, cross.words_to_text):
        dense = layer.output_dense
        dense.kernel.assign(np.zeros(dense.kernel.shape, "float32"))
        dense.bias.assign(np.zeros(dense.bias.shape, "float32"))
    ids = _ids()
    np.testing.assert_allclose(np.asarray(cross(ids)), np.asarray(ablation(ids)), atol=1e-6)


def test_every_weight_gets_a_gradient():
    model, ids = _model(), _ids()
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(np.array([0, 2]), model(ids))
    grads = tape.gradient(loss, model.trainable_weights)
    missing = [w.path for w, g in zip(model.trainable_weights, grads, strict=True)
               if g is None or not np.any(np.asarray(g))]
    assert missing == []


# ---- the pieces, in numpy
def test_attention_pooling_is_the_formula():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, D)).astype("float32")
    mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
    pool = AttentionPooling(8)
    y, a = pool(x, mask)
    u = np.tanh(x @ np.asarray(pool.projection.kernel) + np.asarray(pool.projection.bias))
    s = (u @ np.asarray(pool.context.kernel))[..., 0]
    e = np.where(mask, np.exp(s - np.where(mask, s, -np.inf).max(-1, keepdims=True)), 0)
    expected = e / e.sum(-1, keepdims=True)
    np.testing.assert_allclose(np.asarray(a), expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(y), (expected[..., None] * x).sum(1), atol=1e-5)


def test_masked_softmax_of_an_empty_row_is_zero():
    w = np.asarray(masked_softmax(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"),
                                  np.array([[True, False], [False, False]])))
    assert w.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_sinusoidal_positions_are_vaswanis():
    enc = np.asarray(sinusoidal_positions(5, 6))
    pos, i = np.arange(5)[:, None], np.arange(3)[None]
    angle = pos / 10_000 ** (2 * i / 6)
    np.testing.assert_allclose(enc[:, 0::2], np.sin(angle), atol=1e-6)
    np.testing.assert_allclose(enc[:, 1::2], np.cos(angle), atol=1e-6)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"embedding_dim": 10, "num_heads": 3}, "embedding_dim (10) must be divisible by num_heads (3)"),
    ({"num_classes": 1}, "num_classes must be an integer >= 2, got 1"),
    ({"dropout": 1.0}, "dropout must be in [0, 1), got 1.0"),
    ({"word_layers": 0}, "word_layers must be an integer >= 1, got 0")])
def test_bad_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        HierarchicalClassifier(**{**TINY, **kwargs})
