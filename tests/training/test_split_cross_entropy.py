"""The output loss split between TensorFlow's matmuls and an XLA softmax equals the plain
loss and its gradients (float32, 1e-5), and stays close in bfloat16."""

import numpy as np
import pytest
import tensorflow as tf

from llm_tf.layers.chunked_cross_entropy import chunked_cross_entropy_sum
from llm_tf.training.split_cross_entropy import split_cross_entropy_sum
from tests.layers.test_chunked_cross_entropy import _case
from tests.layers.test_chunked_cross_entropy import _plain as _plain_per_token


def _plain(h, w, b, y, tied):
    return tf.reduce_sum(_plain_per_token(h, w, b, y, tied))




def _loss_and_grads(fn, params):
    @tf.function  # a graph, as the trainer runs it (no jit_compile around it)
    def run():
        with tf.GradientTape() as tape:
            loss = fn() * 0.37  # an upstream factor, as the batch mean gives
        return loss, tape.gradient(loss, params)

    loss, grads = run()
    return float(loss), [np.asarray(g) for g in grads]


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("rows", [5, 16, 37, None])  # uneven last chunk, one chunk, default
@pytest.mark.parametrize("with_bias", [True, False])
def test_float32_equals_the_plain_loss_and_its_gradients(tied, rows, with_bias):
    h, w, b, y, _ = _case(tied, seed=3)
    b = b if with_bias else None
    params = [h, w] + ([b] if with_bias else [])
    got, got_g = _loss_and_grads(
        lambda: split_cross_entropy_sum(h, w, y, b, tied=tied, rows=rows), params)
    want, want_g = _loss_and_grads(lambda: _plain(h, w, b, y, tied), params)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    for g, r in zip(got_g, want_g, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


def test_float32_equals_the_xla_form():
    h, w, b, y, _ = _case(False, seed=5)
    split, split_g = _loss_and_grads(lambda: split_cross_entropy_sum(h, w, y, b, rows=10),
                                     [h, w, b])
    xla, xla_g = _loss_and_grads(lambda: chunked_cross_entropy_sum(h, w, y, b, rows=10),
                                 [h, w, b])
    np.testing.assert_allclose(split, xla, rtol=1e-5)
    for g, r in zip(split_g, xla_g, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("tied", [False, True])
def test_bfloat16_matmuls_stay_close(tied):
    h, w, b, y, _ = _case(tied, n=64, d=32, v=2001, seed=6)
    got, got_g = _loss_and_grads(
        lambda: split_cross_entropy_sum(h, w, y, b, tied=tied, rows=20, dtype="bfloat16"),
        [h, w, b])
    want, want_g = _loss_and_grads(lambda: _plain(h, w, b, y, tied), [h, w, b])
    np.testing.assert_allclose(got, want, rtol=2e-3)  # bf16 logits: ~3 significant digits
    for g, r in zip(got_g, want_g, strict=True):
        err = np.abs(g - r).max() / np.abs(r).max()
        assert err < 2e-2, err
    # and it is not float32 in disguise: bf16 rounding shows at 1e-5
    f32, _ = _loss_and_grads(lambda: split_cross_entropy_sum(h, w, y, b, tied=tied, rows=20),
                             [h, w, b])
    assert abs(got - f32) > 1e-5 * abs(f32)


def test_large_logits_stay_finite():
    h, w, b, y, _ = _case(True, seed=2)
    big = tf.function(lambda: split_cross_entropy_sum(h * 300.0, w, y, b, tied=True, rows=8))()
    np.testing.assert_allclose(float(big), float(_plain(h * 300.0, w, b, y, True)), rtol=1e-5)


def test_bad_arguments():
    h, w, b, y, _ = _case(False)
    with pytest.raises(ValueError, match="dtype must be one of"):
        split_cross_entropy_sum(h, w, y, b, dtype="float16")
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        split_cross_entropy_sum(h, w, y, b, rows=0)
