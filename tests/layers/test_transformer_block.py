"""§3.2.3: the pre-norm Transformer block (llm_tf.layers.transformer_block)."""

import numpy as np

from llm_tf.layers import TransformerBlock
from tests.layer_testing import run_layer_test

V, D, H, M = 30, 8, 2, 24  # vocab, width, heads, MLP width


def test_block_contract():
    x = np.random.default_rng(0).normal(size=(2, 5, D)).astype("float32")
    run_layer_test(
        TransformerBlock,
        {"num_heads": H, "key_dim": D // H, "mlp_dim": M, "dropout": 0.1, "seed": 1},
        x,
        (2, 5, D),
        expected_num_trainable_weights=16,
    )
