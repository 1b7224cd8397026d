"""Tied input/output embeddings (llm_tf.layers.tied_output)."""

import numpy as np

from llm_tf.layers import TiedOutput
from tests.layer_testing import run_layer_test

V, D = 30, 8  # vocab, width


def test_tied_output_contract():
    h = np.random.default_rng(0).normal(size=(2, 3, D)).astype("float32")
    emb = np.random.default_rng(1).normal(size=(V, D)).astype("float32")
    layer = run_layer_test(
        TiedOutput,
        {"vocab_size": V},
        (h, emb),
        (2, 3, V),
        expected_num_trainable_weights=1,
        run_training_check=False,
    )
    np.testing.assert_allclose(np.asarray(layer(h, emb)), h @ emb.T, atol=1e-5)
