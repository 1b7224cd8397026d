"""§4.3 跨层次注意力机制的数学模型: §4.3's formula with numbers, and what it leaves out.

What the article prints
    §3.3  attention = CrossLayerAttention(embedding_size)
          text_attention = attention(text_sequence)
          word_attention = attention(word_sequence)
    §4.3  Attention_hl(h_l, h_{l+1}) = softmax(scale . dot(h_l, h_{l+1}^T))
          "h_l and h_{l+1} are the hidden states of different levels"

What this script shows, on word-level states for 我 爱 中国 (h_{l+1}, 3 x 4) and
one text-level state (h_l, their mean, 1 x 4)
    1. the scores scale . h_l h_{l+1}^T with scale = 1/sqrt(d) (the article leaves
       scale undefined) and their softmax: how much the text level draws on each word.
    2. the formula stops at the weights, a 1 x 3 matrix: it fuses nothing. The
       values (here h_{l+1} itself) make the fused text vector, weights @ h_{l+1}.
       In the other direction (words as queries, the single text state as key) every
       weight is exactly 1, whatever the states: there only the values carry anything.
    3. :class:`llm_tf.layers.CrossLayerAttention` without projections gives these
       numbers (to 1e-6); called with one input, as the listing does, it is
       self-attention within one level (3 x 3 weights).
    4. scale: a larger scale sharpens the weights (softmax(2 s) is softmax(s)
       squared and renormalised; the entropy falls).
    5. padding: a padded word slot gets exactly zero weight through context_mask,
       and the output is the unpadded one.
    6. a random batch with 2 heads and learned projections equals the formula written
       in numpy with the layer's weights.
Every printed number is asserted.

Run
    python chapters/ch04_3_cross_layer_math.py [--quick] [--seed N]
"""

from __future__ import annotations

import argparse
import sys

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402

from llm_tf.layers import CrossLayerAttention  # noqa: E402

WORDS = ["我", "爱", "中国"]
WORD_STATES = np.array(  # h_{l+1}: one state per word, d = 4 (chosen by hand)
    [[1, 0, 1, 0], [0, 2, 0, 1], [1, 1, 0, 2]], dtype="float32"
)
TEXT_STATE = WORD_STATES.mean(0, keepdims=True)  # h_l: the text level, (1, 4)
D = WORD_STATES.shape[1]
# the hand computation of steps 1-2 (scale = 1/sqrt(4) = 0.5), to 4 decimals
HAND_SCORES = [0.5, 1.5, 1.8333]  # 0.5 * (1, 3, 11/3)
HAND_WEIGHTS = [0.1331, 0.3619, 0.5050]  # e^s / (e^0.5 + e^1.5 + e^1.8333)
HAND_FUSED = [0.6381, 1.2287, 0.1331, 1.3719]  # 0.1331 我 + 0.3619 爱 + 0.5050 中国
# step 4: scale -> (weights, entropy in nats), the same computation with scale 1/4 and 1
HAND_SCALES = {
    0.25: ([0.2176, 0.3587, 0.4237], 1.0634),
    0.5: (HAND_WEIGHTS, 0.9813),
    1.0: ([0.0439, 0.3244, 0.6318], 0.7926),
}


def softmax(s):
    s = np.asarray(s, "float64")
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def article_formula(h_l, h_next, scale):
    """§4.3 as printed: softmax(scale . dot(h_l, h_{l+1}^T)), (Tq, Tk)."""
    return softmax(scale * (h_l.astype("float64") @ h_next.T.astype("float64")))


def fmt(v):
    return "[" + "  ".join(f"{x:7.4f}" for x in np.ravel(v)) + "]"


def labelled(v):
    return "  ".join(f"{w} {x:.4f}" for w, x in zip(WORDS, np.ravel(v), strict=True))


def entropy(p):
    return float(-(p * np.log(p)).sum())


# ---- 1. scores and weights: the text level queries the word level
def step1_scores_and_weights() -> np.ndarray:
    scale = 1 / np.sqrt(D)
    scores = scale * (TEXT_STATE.astype("float64") @ WORD_STATES.T)  # (1, 3)
    weights = article_formula(TEXT_STATE, WORD_STATES, scale)  # (1, 3)
    print(f"1. h_l = text state {fmt(TEXT_STATE)} (mean of the words), d = {D}")
    for w, h in zip(WORDS, WORD_STATES, strict=True):
        print(f"   h_(l+1) {w:4} {fmt(h)}")
    print(f"   scale = 1/sqrt({D}) = {scale}")
    print(f"   scores  scale . h_l h_(l+1)^T: {labelled(scores)}")
    print(f"   weights softmax(scores):       {labelled(weights)}   (sum {weights.sum():.4f})")
    assert np.allclose(scores, HAND_SCORES, atol=1e-4)
    assert np.allclose(weights, HAND_WEIGHTS, atol=1e-4)
    assert abs(weights.sum() - 1.0) < 1e-12
    return weights


# ---- 2. the formula gives weights only; the values make the fusion
def step2_values(weights: np.ndarray) -> np.ndarray:
    fused = weights @ WORD_STATES  # (1, 3) @ (3, 4) -> (1, 4)
    print("\n2. §4.3 stops at the weights, shape (1, 3): a distribution over the words, no vector")
    print(f"   with values V = h_(l+1): fused text vector = weights @ V = {fmt(fused)}")
    back = article_formula(WORD_STATES, TEXT_STATE, 1 / np.sqrt(D))  # (3, 1)
    print(f"   words -> text (the one text state is the only key): weights {fmt(back)}")
    print("   always 1 whatever the states: each word simply receives the text state")
    assert np.allclose(fused, HAND_FUSED, atol=1e-4)
    assert np.all(back == 1.0)
    return fused


# ---- 3. the layer, without projections, is the formula plus the values
def step3_layer(weights: np.ndarray, fused: np.ndarray) -> None:
    layer = CrossLayerAttention(D)  # the listing's CrossLayerAttention(embedding_size)
    y, w = layer(TEXT_STATE[None], WORD_STATES[None], return_attention_scores=True)
    y, w = np.asarray(y)[0], np.asarray(w)[0, 0]  # (1, 4), (1, 3)
    err_w, err_y = np.max(np.abs(w - weights)), np.max(np.abs(y - fused))
    print(f"\n3. CrossLayerAttention({D})(h_l, h_(l+1)): weights {fmt(w)}, output {fmt(y)}")
    print(f"   |layer - numpy|: weights {err_w:.1e}, output {err_y:.1e}")
    assert err_w < 1e-6 and err_y < 1e-6
    ys, ws = layer(WORD_STATES[None], return_attention_scores=True)  # the listing's one input
    ws = np.asarray(ws)[0, 0]  # (3, 3)
    expected = article_formula(WORD_STATES, WORD_STATES, 1 / np.sqrt(D))
    print("   one input, attention(word_sequence): self-attention, weights (rows: queries)")
    for word, row in zip(WORDS, ws, strict=True):
        print(f"     {word:4} {fmt(row)}   sum {row.sum():.4f}")
    assert np.max(np.abs(ws - expected)) < 1e-6
    assert np.allclose(ws.sum(-1), 1.0, atol=1e-6)
    assert np.max(np.abs(np.asarray(ys)[0] - expected @ WORD_STATES)) < 1e-6


# ---- 4. the scale, which the article leaves undefined
def step4_scale() -> None:
    print("\n4. scale (undefined in the article): larger scale, sharper weights")
    rows = {}
    for scale in (0.25, 0.5, 1.0):
        _, w = CrossLayerAttention(scale=scale)(
            TEXT_STATE[None], WORD_STATES[None], return_attention_scores=True
        )
        rows[scale] = np.asarray(w)[0, 0, 0]
        assert np.max(np.abs(rows[scale] - article_formula(TEXT_STATE, WORD_STATES, scale))) < 1e-6
        print(
            f"   scale {scale:4}: {labelled(rows[scale])}   entropy {entropy(rows[scale]):.4f} nats"
        )
        hand_w, hand_h = HAND_SCALES[scale]
        assert (
            np.allclose(rows[scale], hand_w, atol=1e-4)
            and abs(entropy(rows[scale]) - hand_h) < 1e-4
        )
    assert entropy(rows[0.25]) > entropy(rows[0.5]) > entropy(rows[1.0])
    squared = rows[0.5].astype("float64") ** 2
    assert np.allclose(rows[1.0], squared / squared.sum(), atol=1e-6)
    print("   softmax(1.0 s) == softmax(0.5 s)^2 / sum: True")


# ---- 5. a padded word slot
def step5_padding() -> None:
    pad = np.full((1, D), 9.0, "float32")  # a large state: unmasked, it would win
    padded = np.concatenate([WORD_STATES, pad])[None]  # (1, 4, 4)
    mask = np.array([[True, True, True, False]])  # (1, 4)
    layer = CrossLayerAttention()
    _, w_open = layer(TEXT_STATE[None], padded, return_attention_scores=True)
    y, w = layer(TEXT_STATE[None], padded, context_mask=mask, return_attention_scores=True)
    y_ref = layer(TEXT_STATE[None], WORD_STATES[None])
    w_open, w = np.asarray(w_open)[0, 0, 0], np.asarray(w)[0, 0, 0]
    err = np.max(np.abs(np.asarray(y) - np.asarray(y_ref)))
    print("\n5. the words padded to 4 slots with a pad state of 9s")
    print(f"   no mask:           {fmt(w_open)}   (the pad takes {w_open[3]:.4f})")
    print(f"   context_mask=1110: {fmt(w)}   sum {w.sum():.4f}; output vs unpadded {err:.1e}")
    assert w_open[3] > 0.99995 and np.all(w_open[:3] < 5e-5)  # prints as 1.0000 and 0.0000
    assert w[3] == 0.0 and abs(w.sum() - 1.0) < 1e-6
    assert np.allclose(w[:3], HAND_WEIGHTS, atol=1e-4) and err < 1e-6


# ---- 6. heads and learned projections, on a random batch
def step6_projections(rng: np.random.Generator, tk: int) -> None:
    b, tq, d, h = 2, 2, 8, 2
    h_l = rng.normal(size=(b, tq, d)).astype("float32")  # (B, Tq, D)
    h_next = rng.normal(size=(b, tk, d)).astype("float32")  # (B, Tk, D)
    layer = CrossLayerAttention(num_heads=h, use_projections=True)
    y = np.asarray(layer(h_l, h_next))  # (B, Tq, D)
    k = d // h

    def proj(dense, x, width):  # (B, H, T, width)
        z = x @ np.asarray(dense.kernel) + np.asarray(dense.bias)
        return z.reshape(b, -1, h, width).transpose(0, 2, 1, 3)

    q, kk, v = (
        proj(layer.query_dense, h_l, k),
        proj(layer.key_dense, h_next, k),
        proj(layer.value_dense, h_next, k),
    )
    w = softmax(q @ kk.transpose(0, 1, 3, 2) / np.sqrt(k))  # (B, H, Tq, Tk)
    heads = (w @ v).transpose(0, 2, 1, 3).reshape(b, tq, h * k)
    expected = heads @ np.asarray(layer.output_dense.kernel) + np.asarray(layer.output_dense.bias)
    err = np.max(np.abs(y - expected))
    print(
        f"\n6. {h} heads, learned projections, B={b}, Tq={tq}, Tk={tk}, D={d}: "
        f"|layer - numpy| = {err:.1e}"
    )
    assert err < 1e-5


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§4.3: cross-level attention with numbers")
    p.add_argument("--context", type=int, default=16, help="context length of step 6")
    p.add_argument("--quick", action="store_true", help="a shorter step 6 (used by the tests)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    set_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    weights = step1_scores_and_weights()
    fused = step2_values(weights)
    step3_layer(weights, fused)
    step4_scale()
    step5_padding()
    step6_projections(rng, 4 if args.quick else args.context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
