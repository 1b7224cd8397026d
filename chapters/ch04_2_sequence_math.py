"""§4.2 神经网络结构的数学模型: the RNN, LSTM and attention equations in numpy, checked against Keras.

What the article prints
    §4.2.1  h_t = sigma(W_h . [h_{t-1}, x_t] + b_h)
    §4.2.2  i_t, f_t, g_t, o_t gate equations, with o_t computed from h_t (and none
            of the four opening parentheses closed)
    §4.2.3  Attention(Q, K, V) = softmax(scale . dot(Q, K^T)) / d_k . V

What this script shows
    1. The RNN recurrence written in numpy equals ``keras.layers.SimpleRNN`` given
       the same weights (W_h is Keras's [recurrent_kernel; kernel] stacked), for
       sigma = tanh (Keras's default) and sigma = the logistic sigmoid.
    2. The LSTM gates in numpy equal ``keras.layers.LSTM`` step by step when o_t
       uses h_{t-1}; the printed o_t (from h_t) can only be solved as a fixed point
       and gives different states (docs/errata.md).
    3. The attention formula softmax(Q K^T / sqrt(d_k)) V equals
       :class:`llm_tf.layers.CausalSelfAttention` and ``keras.layers.MultiHeadAttention``;
       the printed form divides the softmax by d_k, so its rows sum to 1/d_k and its
       output is the correct one divided by d_k.

Run
    python chapters/ch04_2_sequence_math.py [--quick] [--seed N]
"""

from __future__ import annotations

import argparse
import sys

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from llm_tf.layers import CausalSelfAttention  # noqa: E402


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(s, mask=None):
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# ---- 1. §4.2.1: h_t = sigma(W_h [h_{t-1}, x_t] + b_h)
def step1_rnn(x: np.ndarray, U: int) -> None:
    _, T, D = x.shape
    print(f"1. RNN, T = {T}, input {D}, hidden {U}")
    for activation, sigma in (("tanh", np.tanh), ("sigmoid", sigmoid)):
        layer = keras.layers.SimpleRNN(U, activation=activation, return_sequences=True)
        ys = np.asarray(layer(x))  # (1, T, U); builds the weights
        kernel, recurrent, bias = layer.get_weights()  # (D, U), (U, U), (U,)
        W_h = np.concatenate([recurrent.T, kernel.T], axis=1)  # (U, U + D)
        h = np.zeros((1, U))
        for t in range(T):
            h = sigma(np.concatenate([h, x[:, t]], 1) @ W_h.T + bias)  # (1, U)
            assert np.allclose(h, ys[:, t], atol=1e-5)
        print(
            f"   sigma = {activation:7}: numpy == keras.layers.SimpleRNN at every step "
            f"(last |h| = {np.linalg.norm(h):.4f}, keras {np.linalg.norm(ys[:, -1]):.4f})"
        )
        assert abs(np.linalg.norm(h) - np.linalg.norm(ys[:, -1])) < 1e-5


# ---- 2. §4.2.2: the gates, and the printed o_t
def step2_lstm(x: np.ndarray, U: int) -> None:
    T = x.shape[1]
    lstm = keras.layers.LSTM(U, return_sequences=True, return_state=True)
    seq, h_T, c_T = lstm(x)  # (1, T, U), (1, U), (1, U)
    kernel, recurrent, bias = lstm.get_weights()  # (D, 4U), (U, 4U), (4U,): gates i, f, g, o
    Wx, Wh, b = (
        dict(zip("ifgo", np.split(w, 4, -1), strict=True)) for w in (kernel, recurrent, bias)
    )
    h = c = h_printed = c_printed = np.zeros((1, U))
    gaps = []
    print("\n2. LSTM: numpy gates vs keras.layers.LSTM, and the printed o_t (uses h_t)")
    for t in range(T):
        xt = x[:, t]
        gate = {k: xt @ Wx[k] + h @ Wh[k] + b[k] for k in "ifgo"}  # pre-activations
        i, f, o = sigmoid(gate["i"]), sigmoid(gate["f"]), sigmoid(gate["o"])
        g = np.tanh(gate["g"])
        c = f * c + i * g  # c_t = f_t * c_{t-1} + i_t * g_t
        h = o * np.tanh(c)  # h_t = o_t * tanh(c_t)
        assert np.allclose(h, np.asarray(seq)[:, t], atol=1e-5)
        # printed: o_t = sigma(W_ox x_t + W_oh h_t + b_o) -> solve h_t = o_t(h_t) tanh(c_t)
        pre = {k: xt @ Wx[k] + h_printed @ Wh[k] + b[k] for k in "ifg"}
        c_printed = sigmoid(pre["f"]) * c_printed + sigmoid(pre["i"]) * np.tanh(pre["g"])
        hp = h_printed
        for _ in range(200):  # fixed-point iteration
            hp = sigmoid(xt @ Wx["o"] + hp @ Wh["o"] + b["o"]) * np.tanh(c_printed)
        h_printed = hp
        # it is a fixed point: o_t computed from this h_t gives this h_t back
        o_fixed = sigmoid(xt @ Wx["o"] + h_printed @ Wh["o"] + b["o"])
        assert np.allclose(o_fixed * np.tanh(c_printed), h_printed, atol=1e-9)
        gaps.append(np.max(np.abs(h_printed - np.asarray(seq)[:, t])))
        print(
            f"   t={t + 1}: |h_t - keras| = {np.max(np.abs(h - np.asarray(seq)[:, t])):.1e}"
            f"   |h_t(printed o_t) - keras| = "
            f"{np.max(np.abs(h_printed - np.asarray(seq)[:, t])):.3f}"
        )
    assert np.allclose(h, np.asarray(h_T), atol=1e-5) and np.allclose(c, c_T, atol=1e-5)
    assert max(gaps) > 1e-3, gaps  # the printed o_t gives other states than Keras's LSTM
    print("   check: numpy = keras at every step; the printed o_t is a true fixed point and "
          "its states differ from keras's ok")


# ---- 3. §4.2.3: softmax(Q K^T / sqrt(d_k)) V vs the printed softmax(.) / d_k V
def step3_attention(rng: np.random.Generator, T: int) -> None:
    H, d_k, width = 2, 4, 8
    xa = rng.normal(size=(1, T, width)).astype("float32")
    attn = CausalSelfAttention(num_heads=H, key_dim=d_k)
    y = np.asarray(attn(xa))  # (1, T, width)
    mask = np.tril(np.ones((T, T), bool))

    def heads(dense):  # (H, T, d_k)
        return np.asarray(dense(xa))[0].reshape(T, H, d_k).transpose(1, 0, 2)

    q, k, v = heads(attn.query_dense), heads(attn.key_dense), heads(attn.value_dense)
    correct = softmax(q @ k.transpose(0, 2, 1) / np.sqrt(d_k), mask) @ v  # (H, T, d_k)
    printed_w = softmax((1 / np.sqrt(d_k)) * (q @ k.transpose(0, 2, 1)), mask) / d_k
    out = correct.transpose(1, 0, 2).reshape(1, T, H * d_k) @ np.asarray(
        attn.output_dense.kernel
    ) + np.asarray(attn.output_dense.bias)
    mha = keras.layers.MultiHeadAttention(num_heads=H, key_dim=d_k)
    mha(xa, xa)
    for ours, theirs in (
        (attn.query_dense, mha.query_dense),
        (attn.key_dense, mha.key_dense),
        (attn.value_dense, mha.value_dense),
    ):
        theirs.set_weights(
            [ours.get_weights()[0].reshape(width, H, d_k), ours.get_weights()[1].reshape(H, d_k)]
        )
    mha.output_dense.set_weights(
        [
            attn.output_dense.get_weights()[0].reshape(H, d_k, width),
            attn.output_dense.get_weights()[1],
        ]
    )
    y_mha = np.asarray(mha(xa, xa, use_causal_mask=True))
    print("\n3. attention, causal, 2 heads of d_k = 4")
    print(
        f"   formula (numpy) vs CausalSelfAttention: {np.max(np.abs(out - y)):.1e}; "
        f"vs keras MultiHeadAttention: {np.max(np.abs(y_mha - y)):.1e}"
    )
    print(
        f"   printed form: rows of its 'weights' sum to {printed_w.sum(-1).mean():.3f} "
        f"(= 1/d_k), output = correct / {d_k} (max deviation "
        f"{np.max(np.abs(printed_w @ v - correct / d_k)):.1e})"
    )
    assert np.allclose(out, y, atol=1e-5) and np.allclose(y_mha, y, atol=1e-5)
    assert np.allclose(printed_w.sum(-1), 1 / d_k, atol=1e-12)
    assert np.allclose(printed_w @ v, correct / d_k, atol=1e-12)
    print("   check: formula = both layers; printed rows sum to 1/d_k; printed output = "
          "correct / d_k ok")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§4.2: sequence-model equations vs Keras")
    p.add_argument("--steps", type=int, default=6, help="time steps T")
    p.add_argument("--quick", action="store_true", help="fewer steps (used by the tests)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    set_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    T, D, U = (3 if args.quick else args.steps), 4, 5
    x = rng.normal(size=(1, T, D)).astype("float32")  # (B=1, T, D)

    step1_rnn(x, U)
    step2_lstm(x, U)
    step3_attention(rng, T)
    return 0


if __name__ == "__main__":
    sys.exit(main())
