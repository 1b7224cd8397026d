"""§4.4 答案生成网络的数学模型: the encoder-decoder's equations on a toy batch, with shapes.

What the article writes
    Encoder(X) = Encoder(X, hidden_size); Decoder(Y) = Decoder(Y, hidden_size,
    encoder_outputs), and: the encoder turns the input into a *fixed-length* hidden
    state that the decoder uses to generate the output.

What this script shows, with :class:`~llm_tf.models.AnswerGenerator` (untrained, fixed
seed) on a toy batch of 2 sources of up to 6 tokens, one of them a word outside the
vocabulary, and 3 answer steps
    1. Encoder(X): one state per source token, (B, S, 2u) for a bidirectional LSTM: the
       length follows the input (S = 6 and S = 9), it is not fixed; only the decoder's
       initial state h0 (B, u) is fixed-length;
    2. Decoder(Y, encoder_outputs): the additive attention
       e_ti = v^T tanh(W_h h_i + W_s s_t), a_t = softmax(e_t) (padding masked), the
       context c_t = sum_i a_ti h_i, recomputed in numpy from the layer's weights and
       equal to the model's to 1e-5;
    3. the pointer-generator: P(w) = p_gen P_vocab(w) + (1 - p_gen) sum_{i: x_i = w} a_ti
       over the extended vocabulary (V + S): every row sums to 1, and the word outside
       the vocabulary gets exactly (1 - p_gen) times its attention.
Every printed number is asserted.

Run
    python chapters/ch04_4_encoder_decoder.py [--quick] [--seed N]   (seconds; --quick is the same)
"""

from __future__ import annotations

import argparse
import sys

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402

from llm_tf.models import AnswerGenerator  # noqa: E402
from llm_tf.text.qa_data import QA_SPECIALS, encode_sources, encode_targets  # noqa: E402

WORDS = ["中", "国", "的", "首", "都", "是", "北", "京", "|", ":"]
SOURCES = [list("中国的首都") + ["|", "Oz"], list("北京是")]  # "Oz": not in the vocabulary
ANSWERS = [["Oz"], ["北", "京"]]


def build(seed: int) -> AnswerGenerator:
    set_seed(seed)
    return AnswerGenerator(vocabulary=[*QA_SPECIALS, *WORDS], embedding_dim=8, units=6,
                           attention_units=5, dropout=0.0, seed=seed)


# ---- 1. Encoder(X): one state per token
def step1_encoder(model: AnswerGenerator) -> dict:
    print("1. Encoder(X): a bidirectional LSTM keeps one state per source token")
    index = {t: i for i, t in enumerate(model.vocabulary)}
    src, ext = encode_sources(SOURCES, index, max_len=16)  # (B, S)
    x_in, _ = encode_targets(ANSWERS, SOURCES, index, max_len=4)  # (B, T)
    enc, h0, c0, keys = model.encode(src)
    print(f"   source ids {src.shape}, encoder states {tuple(enc.shape)}, decoder h0 "
          f"{tuple(h0.shape)}, keys W_h h {tuple(keys.shape)}")
    assert src.shape == (2, 7) and tuple(enc.shape) == (2, 7, 12) and tuple(h0.shape) == (2, 6)
    longer, _ = encode_sources([SOURCES[0] + list("是北京")], index, max_len=16)
    enc9 = model.encode(longer)[0]
    print(f"   a longer source: {tuple(enc9.shape)}: the encoding grows with the input, "
          "it is not fixed-length")
    assert tuple(enc9.shape) == (1, 10, 12)
    v = len(model.vocabulary)
    print(f"   'Oz' is not in the vocabulary (V = {v}): read as <unk>, extended id "
          f"{ext[0, 6]} = V + its position 6")
    assert src[0, 6] == 1 and ext[0, 6] == v + 6
    return {"src": src, "ext": ext, "x_in": x_in, "enc": np.asarray(enc),
            "h0": h0, "c0": c0, "keys": keys}


# ---- 2. Decoder(Y, encoder_outputs): additive attention over every encoder state
def step2_attention(model: AnswerGenerator, b: dict) -> dict:
    print("2. Decoder: e_ti = v^T tanh(W_h h_i + W_s s_t), a_t = softmax(e_t), "
          "c_t = sum_i a_ti h_i")
    final, p_gen, attn = (np.asarray(t) for t in model.decode(
        b["enc"], b["h0"], b["c0"], b["keys"], b["src"], b["ext"], b["x_in"]))
    # the decoder states s_t, from the model's own layers
    v = len(model.vocabulary)
    y = np.asarray(model.embedding(np.where(b["x_in"] < v, b["x_in"], 1)))
    where = (b["ext"][:, None, :] == b["x_in"][:, :, None]) & (b["src"] != 0)[:, None, :]
    where = where / np.maximum(where.sum(-1, keepdims=True), 1)
    y = np.concatenate([y, where @ b["enc"]], axis=-1)
    s = np.asarray(model.decoder(y, initial_state=[b["h0"], b["c0"]]))  # (B, T, u)
    w_h, = model.w_h.get_weights()
    w_s, b_s = model.w_s.get_weights()
    v_w, = model.v.get_weights()
    e = np.tanh((b["enc"] @ w_h)[:, None] + (s @ w_s + b_s)[:, :, None]) @ v_w  # (B,T,S,1)
    e = np.where((b["src"] != 0)[:, None, :], e[..., 0], -np.inf)
    a = np.exp(e - e.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    context = a @ b["enc"]  # (B, T, 2u)
    print(f"   s_t {s.shape}, e/a_t {a.shape}, c_t {context.shape}; numpy vs model: max "
          f"|a - a_model| = {np.abs(a - attn).max():.1e}")
    assert s.shape == (2, 3, 6) and a.shape == (2, 3, 7) and context.shape == (2, 3, 12)
    np.testing.assert_allclose(a, attn, atol=1e-5)
    print(f"   the padded source positions get weight {attn[1, :, 3:].max():.1f}; each a_t "
          f"sums to {attn.sum(-1).min():.4f}..{attn.sum(-1).max():.4f}")
    assert attn[1, :, 3:].max() == 0.0 and np.allclose(attn.sum(-1), 1.0, atol=1e-5)
    return {"final": final, "p_gen": p_gen, "attn": attn}


# ---- 3. the pointer-generator
def step3_copy(model: AnswerGenerator, b: dict, d: dict) -> None:
    print("3. P(w) = p_gen P_vocab(w) + (1 - p_gen) sum_{i: x_i = w} a_ti over V + S")
    v = len(model.vocabulary)
    final, p_gen, attn = d["final"], d["p_gen"][..., 0], d["attn"]
    sums = final.sum(-1)
    print(f"   P {final.shape} (V + S = {v} + 7): rows sum to {sums.min():.5f}..{sums.max():.5f}")
    assert final.shape == (2, 3, v + 7) and np.allclose(sums, 1.0, atol=1e-5)
    oz = (1 - p_gen[0]) * attn[0, :, 6]
    fmt = " ".join
    print(f"   P('Oz') at the 3 steps: {fmt(f'{x:.5f}' for x in final[0, :, v + 6])} = "
          f"(1 - p_gen) x a_i: {fmt(f'{x:.5f}' for x in oz)}")
    np.testing.assert_allclose(final[0, :, v + 6], oz, atol=1e-6)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the same (it takes seconds)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    model = build(args.seed)
    batch = step1_encoder(model)
    dec = step2_attention(model, batch)
    step3_copy(model, batch, dec)
    print("all numbers checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
