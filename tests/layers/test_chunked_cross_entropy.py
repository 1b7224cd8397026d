"""The fused, chunked output layer + softmax cross-entropy equals the plain one, loss and
gradients, in float32 (1e-5)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.layers.chunked_cross_entropy import chunked_cross_entropy_sum, row_chunk_size


def _case(tied, n=37, d=16, v=1003, seed=0):
    rng = np.random.default_rng(seed)
    h = tf.Variable(rng.normal(size=(n, d)).astype("float32"))
    w = tf.Variable((rng.normal(size=(v, d) if tied else (d, v)) * 0.3).astype("float32"))
    b = tf.Variable(rng.normal(size=(v,)).astype("float32"))
    y = rng.integers(0, v, size=n).astype("int32")
    y[:3] = [0, v - 1, min(256, v - 2)]  # the first and last ids, one on a chunk boundary
    upstream = tf.constant(rng.uniform(0.5, 2.0, size=n).astype("float32"))
    return h, w, b, y, upstream


def _plain(h, w, b, y, tied):
    z = h @ (tf.transpose(w) if tied else w) + (0.0 if b is None else b)
    return keras.losses.sparse_categorical_crossentropy(y, z, from_logits=True)


def test_large_logits_do_not_overflow():
    h, w, b, y, _ = _case(True, seed=2)
    big = chunked_cross_entropy_sum(h * 300.0, w, y, b, tied=True, rows=8)
    assert np.isfinite(float(big))
    np.testing.assert_allclose(float(big), float(tf.reduce_sum(_plain(h * 300.0, w, b, y, True))),
                               rtol=1e-5)


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("rows", [5, 37, 100, None])
@pytest.mark.parametrize("with_bias", [True, False])
def test_the_sum_form_equals_the_plain_loss_and_its_gradients(tied, rows, with_bias):
    h, w, b, y, _ = _case(tied, seed=3)
    b = b if with_bias else None
    scale = tf.constant(0.37)  # an upstream factor, as the mean over a batch gives
    params = [h, w] + ([b] if with_bias else [])
    with tf.GradientTape() as tape:
        fused = chunked_cross_entropy_sum(h, w, y, b, tied=tied, rows=rows) * scale
    got = tape.gradient(fused, params)
    with tf.GradientTape() as tape:
        plain = tf.reduce_sum(_plain(h, w, b, y, tied)) * scale
    want = tape.gradient(plain, params)
    np.testing.assert_allclose(float(fused), float(plain), rtol=1e-5)
    for g, r in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(r), rtol=1e-5, atol=1e-6)


def test_the_sum_form_under_xla_and_its_chunk_rows():
    h, w, b, y, _ = _case(True, seed=4)

    @tf.function(jit_compile=True)
    def run():
        with tf.GradientTape() as tape:
            loss = chunked_cross_entropy_sum(h, w, y, b, tied=True, rows=8)
        return loss, tape.gradient(loss, [h, w, b])

    loss, grads = run()
    with tf.GradientTape() as tape:
        plain = tf.reduce_sum(_plain(h, w, b, y, True))
    want = tape.gradient(plain, [h, w, b])
    np.testing.assert_allclose(float(loss), float(plain), rtol=1e-5)
    for g, r in zip(grads, want, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(r), rtol=1e-5, atol=1e-6)
    # one (rows, V) chunk holds about 4M values whatever V: memory independent of V
    assert row_chunk_size(10_000) == 419 and row_chunk_size(50_000) == 83
    assert row_chunk_size(10_000) * 10_000 <= 1 << 22 < (row_chunk_size(10_000) + 1) * 10_000
    with pytest.raises(ValueError, match="rows"):
        chunked_cross_entropy_sum(h, w, y, b, tied=True, rows=0)
