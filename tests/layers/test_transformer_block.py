"""§3.2.3 (§4.3): the pre-norm Transformer block (llm_tf.layers.transformer_block)."""

import keras
import numpy as np
import pytest

from llm_tf.layers import TransformerBlock
from tests.layer_testing import run_layer_test

V, D, H, M = 30, 8, 2, 24  # vocab, width, heads, MLP width
B, T = 2, 5
KW = {"num_heads": H, "key_dim": D // H, "mlp_dim": M}


def _x(seed=0, t=T):
    return np.random.default_rng(seed).normal(size=(B, t, D)).astype("float32")


def _cross_block(seed=0):
    keras.utils.set_random_seed(seed)
    block = TransformerBlock(**KW, cross_layer_attention=True)
    block.build((None, None, D))
    for w in block.cross_attention.weights:  # non-zero biases: every weight takes part
        if w.path.endswith("bias"):
            w.assign(np.random.default_rng(seed + 1).normal(size=w.shape).astype("float32"))
    return block


def test_block_contract():
    x = np.random.default_rng(0).normal(size=(2, 5, D)).astype("float32")
    run_layer_test(
        TransformerBlock,
        {**KW, "dropout": 0.1, "seed": 1},
        x,
        (2, 5, D),
        expected_num_trainable_weights=16,
    )


def test_cross_layer_block_contract():
    """Two inputs: the block's states and the previous layer's; 16 + 2 norms + 4 Dense."""
    run_layer_test(
        TransformerBlock,
        {**KW, "dropout": 0.1, "seed": 1, "cross_layer_attention": True},
        (_x(), _x(seed=1)),
        (B, T, D),
        expected_num_trainable_weights=28,
    )


def test_cross_layer_attention_is_crosslayerattention_with_a_causal_mask():
    """Each position t equals CrossLayerAttention.call on the context with positions <= t
    unmasked (its padding mask), inside the block's residual stream."""
    block, x, context = _cross_block(), _x(), _x(seed=1)
    x1 = x + np.asarray(block.attention(block.attention_norm(x)))
    q, c = block.cross_norm(x1), block.context_norm(context)
    rows = []
    for t in range(T):
        seen = np.broadcast_to(np.arange(T) <= t, (B, T))
        rows.append(np.asarray(block.cross_attention(q[:, t : t + 1], c, context_mask=seen)))
    x2 = x1 + np.concatenate(rows, axis=1)
    expected = x2 + np.asarray(block.mlp_out(block.mlp_in(block.mlp_norm(x2))))
    np.testing.assert_allclose(np.asarray(block(x, context)), expected, atol=1e-5)


def test_cross_layer_attention_ignores_future_context():
    block, x, context = _cross_block(), _x(), _x(seed=1)
    later = context.copy()
    later[:, 3:] = _x(seed=2)[:, 3:]
    y, y2 = np.asarray(block(x, context)), np.asarray(block(x, later))
    np.testing.assert_allclose(y[:, :3], y2[:, :3], atol=1e-6)
    assert not np.allclose(y[:, 3:], y2[:, 3:])


def test_cross_layer_cached_call_equals_full_call():
    block, x, context = _cross_block(), _x(t=7), _x(seed=1, t=7)
    full = np.asarray(block(x, context))
    L = 10
    zeros = np.zeros((B, H, L, D // H), "float32")
    k = v = zeros
    cross = (zeros, zeros)
    outs = []
    for s, e in ((0, 4), (4, 5), (5, 6), (6, 7)):  # a 4-token prompt, then one at a time
        y, k, v, cross = block.call_cached(x[:, s:e], k, v, s, context[:, s:e], cross)
        outs.append(np.asarray(y))
    np.testing.assert_allclose(np.concatenate(outs, 1), full, atol=1e-5)


def test_shared_keys_and_values():
    """A block without key/value projections uses another block's keys and values."""
    keras.utils.set_random_seed(0)
    owner = TransformerBlock(**KW)
    sharer = TransformerBlock(**KW, project_kv=False)
    owner.build((None, None, D))
    sharer.build((None, None, D))
    assert len(sharer.trainable_weights) == 16 - 4  # no key/value kernels and biases
    x, x2 = _x(), _x(seed=1)
    y, kv = owner(x, return_key_value=True)
    np.testing.assert_allclose(np.asarray(y), np.asarray(owner(x)), atol=1e-6)
    # the keys and values are those of the owner's normalised input
    np.testing.assert_allclose(
        np.asarray(kv[0]),
        np.asarray(owner.attention.key_value(owner.attention_norm(x))[0]),
        atol=1e-6,
    )
    _, kv2 = owner(x2, return_key_value=True)
    shared = np.asarray(sharer(x2, key_value=kv))  # queries from x2, keys/values from x
    assert not np.allclose(shared, np.asarray(sharer(x2, key_value=kv2)))
    with pytest.raises(ValueError, match="key_value"):
        sharer(x2)


@pytest.mark.parametrize("kwargs", [{"project_kv": False}, {"cross_layer_attention": True}])
def test_config_round_trip_of_the_options(kwargs):
    block = TransformerBlock(**KW, **kwargs)
    config = block.get_config()
    assert all(config[k] == v for k, v in kwargs.items())
    assert TransformerBlock.from_config(config).get_config() == config


def test_context_must_match_the_option():
    plain, cross = TransformerBlock(**KW), _cross_block()
    with pytest.raises(ValueError, match="context"):
        cross(_x())
    with pytest.raises(ValueError, match="context"):
        plain(_x(), _x())
