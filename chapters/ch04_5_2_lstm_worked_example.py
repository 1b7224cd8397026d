"""§4.5.2 LSTM的举例说明: the worked LSTM example, every number computed and checked.

What the article prints
    For "我爱中国" with word vectors v_1, v_2, v_3: start from h_0 = 0, c_0 = 0;
    at each step compute i_t, f_t, g_t, o_t, then c_t = f_t * c_{t-1} + i_t * g_t and
    h_t = o_t * tanh(c_t); "the final hidden state: h_T = h_T". No numbers are given,
    o_t is written with h_t instead of h_{t-1}, and the gate formulas' parentheses do
    not close (docs/errata.md).

What this script shows
    The example with actual numbers: 3-dimensional word vectors, a 2-unit LSTM with
    seeded weights, each gate at each step computed by hand in numpy and printed,
    beside ``keras.layers.LSTMCell`` run on the same vectors. h_T is the hidden state
    after the last token (h_3), which is the ``state_h`` ``keras.layers.LSTM`` returns
    (and what the §5 listing's ``return_state=True`` hands back).

Run
    python chapters/ch04_5_2_lstm_worked_example.py [--quick] [--seed N] [--units U]
"""

from __future__ import annotations

import argparse
import sys

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import keras  # noqa: E402
import numpy as np  # noqa: E402


def fmt(v) -> str:
    return "[" + ", ".join(f"{x:+.4f}" for x in v.ravel()) + "]"


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---- the sentence and its word vectors v_1, v_2, v_3
def word_vectors(rng: np.random.Generator, D: int) -> tuple[list[str], np.ndarray]:
    words = ["我", "爱", "中国"]
    v = rng.uniform(-1, 1, size=(len(words), D)).astype("float32")  # (3, D)
    for w, vec in zip(words, v, strict=True):
        print(f"v({w}) = {fmt(vec)}")
    return words, v


# ---- the weights: W_*x (D, U), W_*h (U, U), b_* (U,) for the gates i, f, g, o
def gate_weights(rng: np.random.Generator, D: int, U: int):
    """Returns (Wx, Wh, b), each a dict over the gates "ifgo", and a LSTMCell holding them."""
    Wx = {k: rng.uniform(-1, 1, (D, U)).astype("float32") for k in "ifgo"}
    Wh = {k: rng.uniform(-1, 1, (U, U)).astype("float32") for k in "ifgo"}
    b = {k: rng.uniform(-0.5, 0.5, U).astype("float32") for k in "ifgo"}
    cell = keras.layers.LSTMCell(U)
    cell.build((None, D))
    cell.set_weights(
        [
            np.concatenate([Wx[k] for k in "ifgo"], 1),  # Keras: gates side by side
            np.concatenate([Wh[k] for k in "ifgo"], 1),
            np.concatenate([b[k] for k in "ifgo"]),
        ]
    )
    return Wx, Wh, b, cell


# ---- step 1: h_0 = 0, c_0 = 0
def step1_initial_state(U: int) -> tuple[np.ndarray, np.ndarray]:
    h = c = np.zeros(U)
    print(f"\nh_0 = {fmt(h)}, c_0 = {fmt(c)}")
    return h, c


# ---- step 2: each time step, by hand and by Keras
def step2_time_steps(words, v, Wx, Wh, b, cell, h, c) -> np.ndarray:
    """Returns h_T, the hidden state after the last word."""
    U = h.shape[-1]
    h_k = c_k = np.zeros((1, U), "float32")
    for t, (w, x) in enumerate(zip(words, v, strict=True), start=1):
        i = sigmoid(x @ Wx["i"] + h @ Wh["i"] + b["i"])  # input gate
        f = sigmoid(x @ Wx["f"] + h @ Wh["f"] + b["f"])  # forget gate
        g = np.tanh(x @ Wx["g"] + h @ Wh["g"] + b["g"])  # candidate values
        o = sigmoid(x @ Wx["o"] + h @ Wh["o"] + b["o"])  # output gate: h_{t-1}, not h_t
        c = f * c + i * g
        h = o * np.tanh(c)
        _, (h_k, c_k) = cell(x[None], [h_k, c_k])
        print(f"\nt = {t} ({w}):  i = {fmt(i)}  f = {fmt(f)}  g = {fmt(g)}  o = {fmt(o)}")
        print(f"   c_{t} = f*c_{t - 1} + i*g = {fmt(c)}   keras: {fmt(np.asarray(c_k))}")
        print(f"   h_{t} = o*tanh(c_{t})   = {fmt(h)}   keras: {fmt(np.asarray(h_k))}")
        assert np.allclose(h, np.asarray(h_k)[0], atol=1e-5)
        assert np.allclose(c, np.asarray(c_k)[0], atol=1e-5)
    return h


# ---- step 3: h_T is the hidden state after the last word
def step3_final_state(cell, v: np.ndarray, h: np.ndarray) -> None:
    U, D = h.shape[-1], v.shape[-1]
    lstm = keras.layers.LSTM(U, return_state=True)
    lstm.build((None, None, D))
    lstm.set_weights(cell.get_weights())
    _, state_h, state_c = lstm(v[None])  # (1, U) each
    print(
        f"\nh_T = h_3 = {fmt(h)} = keras.layers.LSTM(..., return_state=True)'s state_h "
        f"{fmt(np.asarray(state_h))}"
    )
    assert np.allclose(h, np.asarray(state_h)[0], atol=1e-5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§4.5.2: the LSTM worked example with numbers")
    p.add_argument("--units", type=int, default=2, help="LSTM units (2 keeps it readable)")
    p.add_argument("--dim", type=int, default=3, help="word-vector size")
    p.add_argument("--quick", action="store_true", help="same run (it takes a second)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    set_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    U, D = args.units, args.dim

    words, v = word_vectors(rng, D)
    Wx, Wh, b, cell = gate_weights(rng, D, U)
    h, c = step1_initial_state(U)
    h = step2_time_steps(words, v, Wx, Wh, b, cell, h, c)
    step3_final_state(cell, v, h)
    return 0


if __name__ == "__main__":
    sys.exit(main())
