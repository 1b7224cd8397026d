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
    (and what the §5 listing's ``return_state=True`` hands back). Every printed number
    is checked; the gates and states of each step are drawn as heatmaps
    (``--out``/lstm_gates.png, default ``llm-tf-out/ch04_5_2_lstm_worked_example/``).

Run
    python chapters/ch04_5_2_lstm_worked_example.py [--quick] [--seed N] [--units U] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from llm_tf.plotting import check_png, cjk_figure, save_figure  # noqa: E402


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
def step2_time_steps(words, v, Wx, Wh, b, cell, h, c) -> tuple[np.ndarray, dict]:
    """Returns h_T, the hidden state after the last word, and every step's gates and states."""
    U = h.shape[-1]
    h_k = c_k = np.zeros((1, U), "float32")
    trace = {k: [] for k in "ifgoch"}  # name -> one (U,) row per time step
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
        for name, value in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            trace[name].append(value)
        # the ranges the gate formulas promise
        assert np.all((0 < i) & (i < 1) & (0 < f) & (f < 1) & (0 < o) & (o < 1))
        assert np.all(np.abs(g) < 1) and np.all(np.abs(h) < 1)
    print("\n   check: numpy = keras.layers.LSTMCell at every step (c_t and h_t); the gates "
          "i, f, o in (0, 1), g and h in (-1, 1) ok")
    return h, {k: np.stack(rows, axis=1) for k, rows in trace.items()}  # (U, T) each


# ---- the gates and states drawn: one heatmap per quantity, time steps across
def draw_gates(words: list[str], trace: dict, out: Path) -> Path:
    titles = {
        "i": "input gate i_t", "f": "forget gate f_t", "g": "candidate g_t",
        "o": "output gate o_t", "c": "cell state c_t", "h": "hidden state h_t",
    }
    with cjk_figure(figsize=(10, 4.8)) as fig:
        axes = fig.subplots(2, 3)
        for ax, name in zip(axes.ravel(), "ifgoch", strict=True):
            values = trace[name]  # (U, T)
            signed = name in "gch"  # tanh ranges (-1, 1); the gates (0, 1)
            image = ax.imshow(values, cmap="coolwarm" if signed else "viridis",
                              vmin=-1.0 if signed else 0.0, vmax=1.0, aspect="auto")
            for (u, t), x in np.ndenumerate(values):
                ax.text(t, u, f"{x:+.2f}", ha="center", va="center", fontsize=8,
                        color="black" if signed or x > 0.5 else "white")
            ax.set_xticks(range(len(words)), words)
            ax.set_yticks(range(values.shape[0]), [f"unit {u + 1}" for u in range(values.shape[0])])
            ax.set_title(titles[name], fontsize=10)
            fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        fig.suptitle("§4.5.2 the LSTM on 我 爱 中国, step by step")
        png = save_figure(fig, out / "lstm_gates.png")
    print(f"\nthe gates drawn: {png}")
    check_png(png)
    return png


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
    p.add_argument("--out", type=Path, default=Path("llm-tf-out") / Path(__file__).stem,
                   help="folder of the picture (default: llm-tf-out/ch04_5_2_lstm_worked_example)")
    args = p.parse_args(argv)
    set_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    U, D = args.units, args.dim

    words, v = word_vectors(rng, D)
    Wx, Wh, b, cell = gate_weights(rng, D, U)
    h, c = step1_initial_state(U)
    h, trace = step2_time_steps(words, v, Wx, Wh, b, cell, h, c)
    step3_final_state(cell, v, h)
    draw_gates(words, trace, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
