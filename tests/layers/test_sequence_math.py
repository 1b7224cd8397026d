"""§4.2 and §4.5.2 in numpy, against the Keras layers with the same weights.

The article's equations are written out by hand here, one time step at a time;
the misprinted forms (LSTM output gate, attention scaling) are computed too and
shown to differ (docs/errata.md names these tests).
"""

import keras
import numpy as np
import pytest

from llm_tf.layers.attention import CausalSelfAttention

RNG = np.random.default_rng(0)
T, D, U = 3, 4, 5  # §4.5.2: three tokens, "我" "爱" "中国"


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------- §4.2.1 RNN
@pytest.mark.parametrize("activation,sigma", [("tanh", np.tanh), ("sigmoid", sigmoid)])
def test_rnn_recurrence_matches_keras_simple_rnn(activation, sigma):
    """h_t = sigma(W_h [h_{t-1}, x_t] + b_h), step by step, against keras.layers.SimpleRNN."""
    x = RNG.normal(size=(2, T, D)).astype("float32")
    layer = keras.layers.SimpleRNN(U, activation=activation, return_sequences=True)
    layer.build((None, T, D))
    kernel, recurrent, bias = (
        RNG.normal(size=w.shape).astype("float32") * 0.5 for w in layer.weights
    )
    layer.set_weights([kernel, recurrent, bias])
    W_h = np.concatenate([recurrent.T, kernel.T], axis=1)  # (U, U + D): acts on [h_{t-1}; x_t]
    h = np.zeros((2, U))
    hs = []
    for t in range(T):
        h = sigma(np.concatenate([h, x[:, t]], axis=1) @ W_h.T + bias)
        hs.append(h)
    np.testing.assert_allclose(np.asarray(layer(x)), np.stack(hs, 1), atol=1e-5)


# ---------------------------------------------------------------- §4.2.2 / §4.5.2 LSTM
def _lstm_weights():
    layer = keras.layers.LSTM(U, return_sequences=True, return_state=True)
    layer.build((None, T, D))
    kernel = RNG.normal(size=(D, 4 * U)).astype("float32") * 0.5
    recurrent = RNG.normal(size=(U, 4 * U)).astype("float32") * 0.5
    bias = RNG.normal(size=(4 * U,)).astype("float32") * 0.5
    layer.set_weights([kernel, recurrent, bias])
    # Keras stores the four gates side by side in the order i, f, g (c), o.
    split = lambda w: dict(zip("ifgo", np.split(w, 4, axis=-1), strict=True))  # noqa: E731
    return layer, split(kernel), split(recurrent), split(bias)


def lstm_step(x_t, h_prev, c_prev, Wx, Wh, b):
    """§4.5.2 with o_t computed from h_{t-1} (the correct form)."""
    i = sigmoid(x_t @ Wx["i"] + h_prev @ Wh["i"] + b["i"])
    f = sigmoid(x_t @ Wx["f"] + h_prev @ Wh["f"] + b["f"])
    g = np.tanh(x_t @ Wx["g"] + h_prev @ Wh["g"] + b["g"])
    o = sigmoid(x_t @ Wx["o"] + h_prev @ Wh["o"] + b["o"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def article_lstm_step(x_t, h_prev, c_prev, Wx, Wh, b, iterations=200):
    """§4.5.2 as printed: o_t = sigma(W_ox x_t + W_oh h_t + b_o), h_t = o_t tanh(c_t).

    h_t appears on both sides; the only way to compute it is as a fixed point.
    """
    _, c = lstm_step(x_t, h_prev, c_prev, Wx, Wh, b)
    h = h_prev
    for _ in range(iterations):
        h = sigmoid(x_t @ Wx["o"] + h @ Wh["o"] + b["o"]) * np.tanh(c)
    residual = sigmoid(x_t @ Wx["o"] + h @ Wh["o"] + b["o"]) * np.tanh(c) - h
    assert np.max(np.abs(residual)) < 1e-9, "the fixed point did not converge"
    return h, c


def test_lstm_gates_step_by_step_match_keras():
    """§4.5.2's worked example: h_0 = c_0 = 0, three tokens, h_t and c_t at every step."""
    layer, Wx, Wh, b = _lstm_weights()
    x = RNG.normal(size=(1, T, D)).astype("float32")  # v_1, v_2, v_3
    h = c = np.zeros((1, U))
    cell = layer.cell
    h_k = c_k = np.zeros((1, U), "float32")
    for t in range(T):
        h, c = lstm_step(x[:, t], h, c, Wx, Wh, b)
        h_k, (h_k, c_k) = cell(x[:, t], [h_k, c_k])
        np.testing.assert_allclose(np.asarray(h_k), h, atol=1e-5)
        np.testing.assert_allclose(np.asarray(c_k), c, atol=1e-5)
    seq, h_T, c_T = layer(x)
    np.testing.assert_allclose(np.asarray(seq)[:, -1], h, atol=1e-5)
    np.testing.assert_allclose(np.asarray(h_T), h, atol=1e-5)  # "h_T": the last hidden state
    np.testing.assert_allclose(np.asarray(c_T), c, atol=1e-5)


def test_article_output_gate_with_h_t_differs_from_keras():
    """Erratum: the printed o_t uses h_t; the LSTM (and Keras) uses h_{t-1}."""
    layer, Wx, Wh, b = _lstm_weights()
    x = RNG.normal(size=(1, T, D)).astype("float32")
    h = c = h_a = c_a = np.zeros((1, U))
    for t in range(T):
        h, c = lstm_step(x[:, t], h, c, Wx, Wh, b)
        h_a, c_a = article_lstm_step(x[:, t], h_a, c_a, Wx, Wh, b)
    keras_h = np.asarray(layer(x)[1])
    np.testing.assert_allclose(keras_h, h, atol=1e-5)  # the correct form is Keras's
    assert np.max(np.abs(h_a - keras_h)) > 1e-2  # the printed form is not


# ---------------------------------------------------------------- §4.2.3 attention
def test_article_attention_scaling_differs():
    """Erratum: softmax(scale Q K^T) / d_k V (printed) vs softmax(Q K^T / sqrt(d_k)) V."""
    d_k, heads = 4, 1
    x = RNG.normal(size=(1, T, D)).astype("float32")
    layer = CausalSelfAttention(num_heads=heads, key_dim=d_k)
    layer.build((None, T, D))
    q, k, v = (
        np.asarray(dense(x))[0] for dense in (layer.query_dense, layer.key_dense, layer.value_dense)
    )  # (T, d_k)
    mask = np.tril(np.ones((T, T), bool))

    def softmax(s):
        s = np.where(mask, s, -np.inf)
        e = np.exp(s - s.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    correct_w = softmax(q @ k.T / np.sqrt(d_k))
    printed_w = softmax((1 / np.sqrt(d_k)) * (q @ k.T)) / d_k  # scale read as 1/sqrt(d_k)
    np.testing.assert_allclose(correct_w.sum(-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(printed_w.sum(-1), 1.0 / d_k, atol=1e-6)  # not a distribution
    _, keras_w = layer(x, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(keras_w)[0, 0], correct_w, atol=1e-5)
    assert np.max(np.abs(np.asarray(keras_w)[0, 0] - printed_w)) > 0.1
    np.testing.assert_allclose(printed_w @ v, (correct_w @ v) / d_k, atol=1e-5)
