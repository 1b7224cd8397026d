"""§3.3, §4.3: cross-level attention (llm_tf.layers.cross_layer_attention)."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.layers import CrossLayerAttention
from tests.layer_testing import run_layer_test

B, TQ, TK, D, H = 2, 3, 5, 8, 2  # batch, query / context lengths, width, heads


def _states(seed=0, t=TQ, d=D, b=B):
    return np.random.default_rng(seed).normal(size=(b, t, d)).astype("float32")


def softmax(s, keep=None):
    if keep is not None:
        s = np.where(keep, s, -np.inf)
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def article_weights(h_l, h_next, scale):
    """§4.3 as printed, in numpy: softmax(scale * dot(h_l, h_{l+1}^T)), (B, Tq, Tk)."""
    return softmax(scale * np.einsum("bqd,bkd->bqk", h_l.astype("float64"), h_next))


def _projected(seed=0, **kw):
    keras.utils.set_random_seed(seed)
    layer = CrossLayerAttention(num_heads=H, use_projections=True, **kw)
    layer.build((None, None, D), (None, None, D - 2))
    for dense in (layer.query_dense, layer.key_dense, layer.value_dense, layer.output_dense):
        dense.bias.assign(np.random.default_rng(seed + 1).normal(size=dense.bias.shape))
    return layer


# ---- the layer contract (config, .keras reload, fit, mixed precision)
def test_contract_the_formula_on_raw_states():
    run_layer_test(
        CrossLayerAttention,
        {"key_dim": D},
        (_states(0), _states(1, t=TK)),
        (B, TQ, D),
        expected_num_trainable_weights=0,
        run_training_check=False,  # no weights to train
    )


def test_contract_projections_heads_dropout():
    run_layer_test(
        CrossLayerAttention,
        {
            "num_heads": H,
            "use_projections": True,
            "key_dim": 3,
            "value_dim": 4,
            "output_dim": 5,
            "scale": 0.25,
            "dropout": 0.1,
            "seed": 7,
        },
        (_states(0), _states(1, t=TK, d=D - 2)),  # widths may differ with projections
        (B, TQ, 5),
        expected_num_trainable_weights=8,
    )


def test_contract_one_input_is_self_attention_with_heads():
    run_layer_test(
        CrossLayerAttention,
        {"num_heads": H},
        _states(0),
        (B, TQ, D),
        expected_num_trainable_weights=0,
        run_training_check=False,
    )


# ---- numbers: §4.3 in numpy
def test_equals_the_article_formula_in_numpy():
    h_l, h_next = _states(0), _states(1, t=TK)
    layer = CrossLayerAttention(D)  # the listing's CrossLayerAttention(embedding_size)
    y, w = layer(h_l, h_next, return_attention_scores=True)
    expected = article_weights(h_l, h_next, 1 / np.sqrt(D))
    assert w.shape == (B, 1, TQ, TK)
    np.testing.assert_allclose(np.asarray(w)[:, 0], expected, atol=1e-6, rtol=0)
    # the formula stops at the weights; the layer's output is weights @ h_{l+1}
    np.testing.assert_allclose(np.asarray(y), expected @ h_next, atol=1e-6, rtol=0)


def test_errata_43_the_formula_gives_weights_the_layer_adds_the_values():
    """docs/errata.md §3.3/§4.3: the printed formula is a weight matrix, not a fusion."""
    words = _states(1, t=TK)  # h_{l+1}: word level
    texts = [_states(s, t=1) for s in (0, 2)]  # h_l: two different text-level states
    layer = CrossLayerAttention()
    for text in texts:
        printed = article_weights(text, words, 1 / np.sqrt(D))  # (B, 1, Tk): weights only
        assert printed.shape == (B, 1, TK) and np.allclose(printed.sum(-1), 1.0)
        np.testing.assert_allclose(np.asarray(layer(text, words)), printed @ words, atol=1e-6)
    # words -> text with one text state: the printed weights are 1 whatever the states,
    # so the formula carries nothing; the values (the text states) make the outputs differ
    back = [article_weights(words, text, 1 / np.sqrt(D)) for text in texts]  # (B, Tk, 1)
    assert all(np.all(w == 1.0) for w in back)
    y0, y1 = (np.asarray(layer(words, text)) for text in texts)
    np.testing.assert_allclose(y0, np.repeat(texts[0], TK, axis=1), atol=1e-6)
    assert not np.allclose(y0, y1)


def test_heads_without_projections_split_the_features():
    h_l, h_next = _states(0), _states(1, t=TK)
    y, w = CrossLayerAttention(num_heads=H)(h_l, h_next, return_attention_scores=True)
    d = D // H
    for i in range(H):
        part = slice(i * d, (i + 1) * d)
        w_i = article_weights(h_l[..., part], h_next[..., part], 1 / np.sqrt(d))
        np.testing.assert_allclose(np.asarray(w)[:, i], w_i, atol=1e-6, rtol=0)
        np.testing.assert_allclose(np.asarray(y)[..., part], w_i @ h_next[..., part], atol=1e-6)


def test_projections_equal_keras_multi_head_attention():
    layer, h_l, h_next = _projected(), _states(0), _states(1, t=TK, d=D - 2)
    k = layer._key_dim
    mha = keras.layers.MultiHeadAttention(num_heads=H, key_dim=k)
    mha(h_l, h_next)  # build
    for ours, theirs, d_in in (
        (layer.query_dense, mha.query_dense, D),
        (layer.key_dense, mha.key_dense, D - 2),
        (layer.value_dense, mha.value_dense, D - 2),
    ):
        theirs.kernel.assign(np.asarray(ours.kernel).reshape(d_in, H, k))
        theirs.bias.assign(np.asarray(ours.bias).reshape(H, k))
    mha.output_dense.kernel.assign(np.asarray(layer.output_dense.kernel).reshape(H, k, D))
    mha.output_dense.bias.assign(np.asarray(layer.output_dense.bias))
    y, w = layer(h_l, h_next, return_attention_scores=True)
    y_mha, w_mha = mha(h_l, h_next, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(y), np.asarray(y_mha), atol=1e-5)
    np.testing.assert_allclose(np.asarray(w), np.asarray(w_mha), atol=1e-6)


def test_scale_changes_the_weights_as_the_formula_says():
    h_l, h_next = _states(0), _states(1, t=TK)
    weights = {}
    for scale in (None, 1.0, 2.0):
        _, w = CrossLayerAttention(scale=scale)(h_l, h_next, return_attention_scores=True)
        weights[scale] = np.asarray(w)[:, 0]
        expected = article_weights(h_l, h_next, 1 / np.sqrt(D) if scale is None else scale)
        np.testing.assert_allclose(weights[scale], expected, atol=1e-6, rtol=0)
    # softmax(2 s) is softmax(s) squared and renormalised: a larger scale sharpens
    squared = weights[1.0] ** 2
    np.testing.assert_allclose(weights[2.0], squared / squared.sum(-1, keepdims=True), atol=1e-6)
    assert not np.allclose(weights[None], weights[1.0])


# ---- padding masks
@pytest.mark.parametrize("use_projections", [False, True])
def test_masked_keys_get_zero_weight_and_padded_queries_give_zeros(use_projections):
    h_l, h_next = _states(0), _states(1, t=TK, d=D - 2 if use_projections else D)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)  # (B, Tq): the last query of row 0 is padding
    k_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)  # (B, Tk)
    layer = _projected() if use_projections else CrossLayerAttention(num_heads=H)
    y, w = layer(h_l, h_next, query_mask=q_mask, context_mask=k_mask, return_attention_scores=True)
    y, w = np.asarray(y), np.asarray(w)  # (B, Tq, D_out), (B, H, Tq, Tk)
    assert np.all(w[0, :, :, 3:] == 0.0)  # masked keys: exactly zero weight
    assert np.all(w[0, :, 2] == 0.0) and np.all(y[0, 2] == 0.0)  # padded query
    np.testing.assert_allclose(w[0, :, :2].sum(-1), 1.0, atol=1e-6)  # real queries
    np.testing.assert_allclose(w[1].sum(-1), 1.0, atol=1e-6)
    # the real queries of row 0 see exactly the unpadded context
    y0, w0 = layer(h_l[:1, :2], h_next[:1, :3], return_attention_scores=True)
    np.testing.assert_allclose(y[0, :2], np.asarray(y0)[0], atol=1e-6)
    np.testing.assert_allclose(w[0, :, :2, :3], np.asarray(w0)[0], atol=1e-6)


def test_one_input_attends_to_itself_with_its_mask():
    x = _states(0, t=4)
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    layer = CrossLayerAttention(num_heads=H)
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(layer(x, x)), atol=0)
    y, w = layer(x, query_mask=mask, return_attention_scores=True)
    y2, w2 = layer(x, x, query_mask=mask, context_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(y), np.asarray(y2), atol=0)
    np.testing.assert_allclose(np.asarray(w), np.asarray(w2), atol=0)
    _, w1 = CrossLayerAttention()(x, return_attention_scores=True)
    np.testing.assert_allclose(
        np.asarray(w1)[:, 0], article_weights(x, x, 1 / np.sqrt(D)), atol=1e-6
    )


# ---- gradients and dropout
@pytest.mark.parametrize("use_projections", [False, True])
def test_gradients_reach_both_inputs(use_projections):
    layer = _projected() if use_projections else CrossLayerAttention()
    h_l = tf.constant(_states(0))
    h_next = tf.constant(_states(1, t=TK, d=D - 2 if use_projections else D))
    with tf.GradientTape() as tape:
        tape.watch([h_l, h_next])
        loss = tf.reduce_sum(layer(h_l, h_next) ** 2)
    g_l, g_next = tape.gradient(loss, [h_l, h_next])
    for g in (g_l, g_next):
        assert g is not None and np.all(np.isfinite(g)) and np.max(np.abs(g)) > 1e-3


def test_dropout_is_seeded_and_off_at_inference():
    h_l, h_next = _states(0), _states(1, t=TK)
    plain = np.asarray(CrossLayerAttention()(h_l, h_next))
    a = CrossLayerAttention(dropout=0.5, seed=3)
    b = CrossLayerAttention(dropout=0.5, seed=3)
    np.testing.assert_allclose(np.asarray(a(h_l, h_next)), plain, atol=0)  # training=None
    ya, wa = a(h_l, h_next, training=True, return_attention_scores=True)
    yb = b(h_l, h_next, training=True)
    np.testing.assert_allclose(np.asarray(ya), np.asarray(yb), atol=0)
    assert not np.allclose(np.asarray(ya), plain)
    np.testing.assert_allclose(np.asarray(wa).sum(-1), 1.0, atol=1e-6)  # weights before dropout


# ---- user errors name what was received
@pytest.mark.parametrize(
    "kwargs, shapes, message",
    [
        ({}, [(2, 3, 8), (2, 5, 6)], r"same feature size.*\(2, 3, 8\) and \(2, 5, 6\)"),
        ({}, [(2, 3, 8), (3, 5, 8)], r"same batch size.*\(2, 3, 8\) and \(3, 5, 8\)"),
        ({"use_projections": True}, [(2, 3, 8), (3, 5, 6)], r"\(2, 3, 8\) and \(3, 5, 6\)"),
        ({}, [(3, 8), (5, 8)], r"\(batch, length, features\), got \(3, 8\)"),
        ({"num_heads": 3}, [(2, 3, 8), (2, 5, 8)], r"num_heads=3.*\(2, 3, 8\)"),
        ({"key_dim": 4}, [(2, 3, 8), (2, 5, 8)], r"key_dim=4.*\(2, 3, 8\)"),
    ],
)
def test_mismatched_shapes_raise_naming_them(kwargs, shapes, message):
    layer = CrossLayerAttention(**kwargs)
    with pytest.raises(ValueError, match=message):
        layer(*(np.zeros(s, "float32") for s in shapes))


def test_a_mask_of_the_wrong_shape_is_named():
    layer = CrossLayerAttention()
    with pytest.raises(ValueError, match=r"context_mask.*\(2, 5\).*got \(2, 4\)"):
        layer(_states(0), _states(1, t=TK), context_mask=np.ones((2, 4), bool))


def test_a_built_layer_rejects_other_widths():
    layer = CrossLayerAttention(use_projections=True)
    layer(_states(0), _states(1, t=TK))
    with pytest.raises(ValueError, match=r"built for feature sizes \(8, 8\).*\(2, 5, 6\)"):
        layer(_states(0), _states(1, t=TK, d=6))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_heads": 0}, "num_heads must be >= 1, got 0"),
        ({"dropout": 1.0}, "dropout must be in [0, 1), got 1.0"),
        ({"scale": 0.0}, "scale must be a positive number or None, got 0.0"),
        ({"scale": float("nan")}, "scale must be a positive number or None, got nan"),
        ({"key_dim": 0}, "key_dim must be >= 1 or None, got 0"),
        ({"value_dim": 4}, "need use_projections=True .*got value_dim=4, output_dim=None"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    if ".*" not in message:
        message = re.escape(message)
    with pytest.raises(ValueError, match=f"{message}$"):
        CrossLayerAttention(**kwargs)
