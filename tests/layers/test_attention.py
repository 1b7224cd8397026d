"""Tests for the §4.2.3 multi-head causal self-attention layer (llm_tf.layers.attention)."""

import re

import keras
import numpy as np
import pytest

from llm_tf.layers.attention import CausalSelfAttention, causal_mask
from tests.layer_testing import run_layer_test

B, T, D, H, K = 2, 5, 8, 2, 4


def _x(seed=0, t=T):
    return np.random.default_rng(seed).normal(size=(B, t, D)).astype("float32")


def _layer(seed=0, **kw):
    keras.utils.set_random_seed(seed)
    layer = CausalSelfAttention(num_heads=H, key_dim=K, **kw)
    layer.build((None, None, D))
    # non-zero biases so that every weight takes part in the comparisons
    for w in (
        layer.query_dense.bias,
        layer.key_dense.bias,
        layer.value_dense.bias,
        layer.output_dense.bias,
    ):
        w.assign(np.random.default_rng(seed + 1).normal(size=w.shape).astype("float32"))
    return layer


def numpy_attention(layer, x):
    """The §4.2.3 formula, softmax(Q K^T / sqrt(d_k)) V per head with a causal mask, in numpy."""

    def proj(dense, x):
        return x @ np.asarray(dense.kernel) + np.asarray(dense.bias)

    q, k, v = (
        proj(d, x).reshape(B, -1, H, K).transpose(0, 2, 1, 3)
        for d in (layer.query_dense, layer.key_dense, layer.value_dense)
    )
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(K)  # (B, H, T, T)
    t = x.shape[1]
    scores = np.where(np.tril(np.ones((t, t), bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    heads = (w @ v).transpose(0, 2, 1, 3).reshape(B, t, H * K)
    return proj(layer.output_dense, heads)


def test_layer_contract():
    run_layer_test(
        CausalSelfAttention,
        {"num_heads": H, "key_dim": K, "dropout": 0.1, "seed": 3},
        _x(),
        (B, T, D),
        expected_num_trainable_weights=8,
    )


def test_equals_the_formula_in_numpy():
    layer, x = _layer(), _x()
    np.testing.assert_allclose(np.asarray(layer(x)), numpy_attention(layer, x), atol=1e-5)


def test_equals_keras_multi_head_attention_with_the_same_weights():
    layer, x = _layer(), _x()
    mha = keras.layers.MultiHeadAttention(num_heads=H, key_dim=K)
    mha(x, x)  # build
    for ours, theirs in (
        (layer.query_dense, mha.query_dense),
        (layer.key_dense, mha.key_dense),
        (layer.value_dense, mha.value_dense),
    ):
        theirs.kernel.assign(np.asarray(ours.kernel).reshape(D, H, K))
        theirs.bias.assign(np.asarray(ours.bias).reshape(H, K))
    mha.output_dense.kernel.assign(np.asarray(layer.output_dense.kernel).reshape(H, K, D))
    mha.output_dense.bias.assign(np.asarray(layer.output_dense.bias))
    expected = np.asarray(mha(x, x, use_causal_mask=True))
    np.testing.assert_allclose(np.asarray(layer(x)), expected, atol=1e-5)


def test_future_tokens_are_ignored():
    layer, x = _layer(), _x()
    x2 = x.copy()
    x2[:, 3:] = np.random.default_rng(9).normal(size=x2[:, 3:].shape)
    y, y2 = np.asarray(layer(x)), np.asarray(layer(x2))
    np.testing.assert_allclose(y[:, :3], y2[:, :3], atol=1e-6)
    assert not np.allclose(y[:, 3:], y2[:, 3:])


def test_attention_weights_are_causal_rows_summing_to_one():
    layer, x = _layer(), _x()
    _, w = layer(x, return_attention_scores=True)
    w = np.asarray(w)  # (B, H, T, T)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-6)
    assert np.all(w[..., ~np.tril(np.ones((T, T), bool))] == 0.0)


def test_cached_call_equals_full_call():
    layer, x = _layer(), _x(t=7)
    full = np.asarray(layer(x))
    L = 10
    ck = cv = np.zeros((B, H, L, K), "float32")
    y, ck, cv = layer.call_cached(x[:, :4], ck, cv, 0)  # a 4-token prompt, then one at a time
    outs = [np.asarray(y)]
    for t in range(4, 7):
        y, ck, cv = layer.call_cached(x[:, t : t + 1], ck, cv, t)
        outs.append(np.asarray(y))
    np.testing.assert_allclose(np.concatenate(outs, 1), full, atol=1e-5)


def test_shared_keys_and_values():
    """project_kv=False (Brandon et al. 2024): queries of one layer, keys/values of another."""
    owner, x = _layer(), _x()
    keras.utils.set_random_seed(1)
    sharer = CausalSelfAttention(num_heads=H, key_dim=K, project_kv=False)
    sharer.build((None, None, D))
    assert sharer.key_dense is None and sharer.value_dense is None
    assert len(sharer.trainable_weights) == 4  # query and output kernels and biases
    # the sharer with the owner's keys and values == a full layer with the owner's K/V
    # projections and the sharer's query/output projections
    full = CausalSelfAttention(num_heads=H, key_dim=K)
    full.build((None, None, D))
    for mine, src in (
        (full.query_dense, sharer.query_dense),
        (full.key_dense, owner.key_dense),
        (full.value_dense, owner.value_dense),
        (full.output_dense, sharer.output_dense),
    ):
        mine.set_weights(src.get_weights())
    y = np.asarray(sharer(x, key_value=owner.key_value(x)))
    np.testing.assert_allclose(y, numpy_attention(full, x), atol=1e-5)
    # cached: the owner writes the cache, the sharer reads it unchanged
    L = 10
    ck = cv = np.zeros((B, H, L, K), "float32")
    outs = []
    for s, e in ((0, 3), (3, 4), (4, 5)):
        _, ck, cv = owner.call_cached(x[:, s:e], ck, cv, s)
        y_s, ck2, cv2 = sharer.call_cached(x[:, s:e], ck, cv, s)
        assert ck2 is ck and cv2 is cv
        outs.append(np.asarray(y_s))
    np.testing.assert_allclose(np.concatenate(outs, 1), y, atol=1e-5)
    with pytest.raises(ValueError, match="key_value"):
        sharer(x)


def test_sharing_layer_config_round_trip():
    """A sharing layer cannot run alone (it needs key_value=); its blocks go through
    run_layer_test in tests/layers/test_transformer_block.py and the models'."""
    layer = CausalSelfAttention(num_heads=H, key_dim=K, project_kv=False)
    config = layer.get_config()
    assert config["project_kv"] is False
    assert CausalSelfAttention.from_config(config).get_config() == config
    assert CausalSelfAttention(num_heads=H, key_dim=K).get_config()["project_kv"] is True


def test_causal_mask_with_offset():
    m = np.asarray(causal_mask(2, 5, offset=2))
    np.testing.assert_array_equal(m, [[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_heads": 0, "key_dim": 4}, "num_heads and key_dim must be >= 1, got 0, 4"),
        ({"num_heads": 2, "key_dim": 4, "dropout": 1.0}, "dropout must be in [0, 1), got 1.0"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        CausalSelfAttention(**kwargs)
