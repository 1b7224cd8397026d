"""§3.2.3 变压器模型（Transformer）: the listing's Transformer, as a decoder-only language model.

What the listing claims
    ``model = Transformer(input_shape=(1, embedding_size), output_shape=(vocab_size,))``
    with the same ``fit`` / ``predict`` lines as §3.2.1; "self-attention attends to
    every element of the sequence at once".

What this script shows
    1. The listing verbatim with :class:`llm_tf.models.Transformer`.
    2. Self-attention as a language model needs it: causal. The attention weights of
       one head are lower-triangular, each row sums to 1 (§4.2.3, scaled inside the
       softmax; see docs/errata.md), and changing a later token changes nothing before it.
    3. :class:`llm_tf.models.TransformerLM` (pre-norm blocks, learned
       positions, tied embeddings) trained on ``data/corpus.zh.txt``: validation
       perplexity (checked against numpy) well below the uniform guess; then its last
       block's attention over an example sentence, recomputed in numpy from the
       layer's projections and drawn as one heatmap per head
       (``--out``/transformer_attention.png).
    4. Generation with the key/value cache (:class:`llm_tf.generation.Decoder`): the
       cached logits equal a full pass, and a new token costs far less than
       recomputing the prefix.

Run
    python chapters/ch03_2_3_transformer.py            # Chinese, 3 epochs (~2 min, 2 cores)
    python chapters/ch03_2_3_transformer.py --lang en  # English, word level
    python chapters/ch03_2_3_transformer.py --quick    # seconds (used by the tests)
    (pictures go to --out, default llm-tf-out/ch03_2_3_transformer/)
Every printed number is checked, except the timings of step 4 (measurements).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from llm_tf.generation import Decoder  # noqa: E402
from llm_tf.models import Transformer, TransformerLM, compile_lm, stepping_view  # noqa: E402
from llm_tf.plotting import check_png, cjk_figure, save_figure  # noqa: E402
from llm_tf.text.lm_data import small_corpus_ids, xy_windows  # noqa: E402
from llm_tf.text.tokenizers import get_tokenizer  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"


def corpus_ids(lang: str, max_lines: int | None):
    """data/corpus.<lang>.txt as train/validation id streams (90/10), with its tokenizer."""
    tok = get_tokenizer("char" if lang == "zh" else "word", lower=lang == "en")
    return (*small_corpus_ids(DATA / f"corpus.{lang}.txt", tok, max_lines), tok)


# ---- 1. the listing, verbatim (sizes made small)
def step1_listing(args) -> tuple[Transformer, list[str]]:
    sequence = ["我", "爱", "中国"]
    model = Transformer(input_shape=(1, 16), output_shape=(10,))
    model.fit(sequence, epochs=30 if args.quick else 40)  # 30 one-batch epochs: seconds
    output_distribution = model.predict(sequence)  # (3, 10)
    guesses = [model.tokens[i] for i in output_distribution.argmax(-1)]
    print(f"1. the listing: next tokens after 我 / 我爱 / 我爱中国 -> {guesses}")
    np.testing.assert_allclose(output_distribution.sum(-1), 1.0, atol=1e-5)
    assert guesses == ["爱", "中国", "<eos>"], guesses
    print("   check: rows sum to 1; it learned 我 -> 爱 -> 中国 -> <eos> ok")
    return model, sequence


# ---- 2. causal self-attention: lower-triangular weights, rows summing to 1
def step2_causal_attention(model: Transformer, sequence: list[str]) -> None:
    ids = np.asarray([[3] + model.encode(sequence)], "int32")  # (1, 4): <eos> 我 爱 中国
    x = model.token_embedding(ids) + model.position_embedding(np.arange(4))[None]  # (1, 4, 16)
    block = model.blocks[0]
    _, weights = block.attention(block.attention_norm(x), return_attention_scores=True)
    w = np.asarray(weights)[0, 0]  # head 0: (4, 4)
    print("\n2. attention weights of head 0 (rows: <eos> 我 爱 中国 attending to columns):")
    for row in w:
        print("   " + "  ".join(f"{v:.2f}" for v in row))
    assert np.allclose(w.sum(-1), 1.0, atol=1e-5) and np.all(np.triu(w, 1) == 0)
    p1 = np.asarray(model(ids))
    p2 = np.asarray(model(np.concatenate([ids[:, :2], ids[:, 3:], ids[:, 2:3]], 1)))  # swap 2, 3
    before, after = np.max(np.abs(p1[:, :2] - p2[:, :2])), np.max(np.abs(p1[:, 2:] - p2[:, 2:]))
    print(
        f"   swapping the last two tokens changes the first two positions' outputs by "
        f"{before:.1e} (and the last two by {after:.1e})"
    )
    assert before < 1e-6, before  # a later token changes nothing before it
    assert after > 1e-3, after  # ... and does change what comes after it
    print("   check: rows sum to 1, nothing above the diagonal, the past blind to the future ok")


# ---- 3. a TransformerLM on the corpus
def step3_train_lm(args, train_ids, val_ids, vocab) -> tuple[TransformerLM, float, float]:
    """Returns the trained model and the validation perplexity before and after."""
    seq_len = 32
    x_train, y_train = xy_windows(train_ids, seq_len)  # (N, 32)
    x_val, y_val = xy_windows(val_ids, seq_len)
    D, layers = (16, 1) if args.quick else (128, 3)
    lm = TransformerLM(
        len(vocab),
        max_len=256,
        embedding_dim=D,
        num_layers=layers,
        num_heads=4,
        dropout=0.0 if args.quick else 0.1,
        tie_embeddings=True,
        seed=args.seed,
    )
    # --quick: small batches and a larger step, so that one epoch of ~120 windows learns
    compile_lm(lm, learning_rate=1e-2 if args.quick else 1e-3, jit_compile=not args.quick)
    before = math.exp(lm.evaluate(x_val, y_val, verbose=0))
    lm.fit(
        x_train,
        y_train,
        batch_size=8 if args.quick else 32,
        epochs=1 if args.quick else args.epochs,
        verbose=0 if args.quick else 2,
    )
    after = math.exp(lm.evaluate(x_val, y_val, verbose=0))
    print(
        f"\n3. TransformerLM ({layers} blocks x {D}, {lm.count_params():,} parameters) on "
        f"corpus.{args.lang}.txt: validation perplexity {before:.1f} -> {after:.1f} "
        f"(uniform: {len(vocab)})"
    )
    probs = np.asarray(lm(x_val))  # (N, 32, V), one eager pass
    by_hand = math.exp(-np.mean(np.log(np.take_along_axis(probs, y_val[..., None], -1))))
    assert abs(by_hand - after) < 1e-3 * after, (by_hand, after)
    assert abs(before - len(vocab)) < 0.1 * len(vocab), before  # untrained: about uniform
    limit = (0.6 if args.quick else 0.25) * len(vocab)
    assert after < limit, f"validation perplexity {after:.1f} not below {limit:.0f}"
    print(f"   check: exp(mean -log p) by numpy = {by_hand:.1f}; before ~ uniform; after < "
          f"{limit:.0f} ok")
    return lm, before, after


# ---- 3b. what the trained model attends to: its last block's heads over a sentence
def step3b_attention_map(args, lm: TransformerLM, vocab, tok, out: Path) -> Path:
    sentence = "中国的首都是北京。" if args.lang == "zh" else "the capital of china is beijing ."
    tokens = ["<eos>"] + tok.tokenize(sentence)
    ids = np.asarray([vocab.encode(tokens)], "int32")  # (1, T)
    t = ids.shape[1]
    x = lm.token_embedding(ids) + lm.position_embedding(np.arange(t))[None]  # (1, T, D)
    for block in lm.blocks[:-1]:
        x = block(x)
    block = lm.blocks[-1]
    h = np.asarray(block.attention_norm(x))  # (1, T, D): what the attention reads
    _, weights = block.attention(h, return_attention_scores=True)
    weights = np.asarray(weights)[0]  # (H, T, T)
    # the same weights in numpy from the layer's own projections
    att = block.attention
    n_heads, d_k = att.num_heads, att.key_dim

    def heads(dense):  # (H, T, d_k)
        kernel, bias = (np.asarray(w) for w in dense.get_weights())
        return (h[0] @ kernel + bias).reshape(t, n_heads, d_k).transpose(1, 0, 2)

    q, k = heads(att.query_dense), heads(att.key_dense)
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d_k)  # (H, T, T)
    scores = np.where(np.tril(np.ones((t, t), bool)), scores, -np.inf)
    by_hand = np.exp(scores - scores.max(-1, keepdims=True))
    by_hand /= by_hand.sum(-1, keepdims=True)
    err = np.abs(by_hand - weights).max()
    print(f"\n3b. attention of the last block's {n_heads} heads over {''.join(tokens[1:])!r}: "
          f"numpy softmax(QK^T/sqrt(d_k)) vs the layer: max |difference| {err:.1e}")
    np.testing.assert_allclose(by_hand, weights, atol=1e-5)
    assert np.all(np.triu(weights, 1) == 0) and np.allclose(weights.sum(-1), 1.0, atol=1e-5)
    labels = tokens
    with cjk_figure(figsize=(3.2 * n_heads + 0.6, 4.0)) as fig:
        *axes, bar = fig.subplots(1, n_heads + 1, width_ratios=[1] * n_heads + [0.06])
        for head, ax in enumerate(axes):
            image = ax.imshow(weights[head], cmap="viridis", vmin=0.0, vmax=1.0)
            ax.set_xticks(range(t), labels, rotation=90, fontsize=8)
            ax.set_yticks(range(t), labels, fontsize=8)
            ax.set_title(f"head {head}")
            ax.set_xlabel("key (attended to)")
        axes[0].set_ylabel("query (attending)")
        fig.colorbar(image, cax=bar)
        fig.suptitle("causal self-attention weights, last block (rows sum to 1)")
        png = save_figure(fig, out / "transformer_attention.png")
    print(f"   the heatmap: {png}")
    check_png(png)
    return png


# ---- 4. the key/value cache: same logits as a full pass, much cheaper per token
def step4_kv_cache(args, lm: TransformerLM, val_ids, vocab, tok) -> None:
    seq = val_ids[None, :64]  # (1, 64)
    full = np.asarray(lm.logits(seq))  # (1, 64, V)
    state = lm.init_state(1)
    logits, state = lm.step(seq[:, :32], state, 0)  # prefill 32 tokens
    cached = [np.asarray(logits)]
    for t in range(32, 64):  # then one token at a time
        logits, state = lm.step(seq[:, t : t + 1], state, t)
        cached.append(np.asarray(logits))
    err = np.max(np.abs(np.concatenate(cached, 1) - full))
    print(f"\n4. cached decoding vs full pass: max |logit difference| = {err:.1e}")
    assert err < 1e-4
    print("   check: cached logits = full pass ok")
    decoder = Decoder(stepping_view(lm), jit_compile=not args.quick)
    prompt = vocab.encode(tok.tokenize("中国的" if args.lang == "zh" else "the capital"))
    n = 8 if args.quick else 64
    decoder.generate(prompt, max_tokens=n, temperature=0)  # compile
    t0 = time.perf_counter()
    out = decoder.generate(prompt, max_tokens=n, temperature=0)
    cached_ms = 1e3 * (time.perf_counter() - t0) / n
    full_pass = tf.function(lambda i: lm.logits(i)[:, -1])
    ctx = np.asarray([prompt + out], "int32")
    full_pass(ctx)  # compile
    t0 = time.perf_counter()
    for _ in range(5):
        full_pass(ctx)
    recompute_ms = 1e3 * (time.perf_counter() - t0) / 5
    print(
        f"   per token: {cached_ms:.2f} ms with the cache (incl. prefill) vs "
        f"{recompute_ms:.2f} ms recomputing a {ctx.shape[1]}-token prefix"
    )
    print("   greedy:   " + tok.detokenize(vocab.decode(prompt + out)).replace("<eos>", " / "))
    p = np.asarray(lm(ctx))[0, len(prompt) - 1 : -1]  # (n, V): each generated token's step
    np.testing.assert_allclose(p[np.arange(n), out], p.max(-1), atol=1e-5)
    print("   check: greedy with the cache = argmax of a full pass, token by token ok "
          "(the timings are measurements, not checked)")
    out = decoder.generate(prompt, max_tokens=n, temperature=0.8, top_p=0.9, seed=args.seed)
    print("   top-p .9: " + tok.detokenize(vocab.decode(prompt + out)).replace("<eos>", " / "))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.2.3: the Transformer listing, for real")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, default=Path("llm-tf-out") / Path(__file__).stem,
                   help="folder of the pictures (default: llm-tf-out/ch03_2_3_transformer)")
    args = p.parse_args(argv)
    set_seed(args.seed)

    model, sequence = step1_listing(args)
    step2_causal_attention(model, sequence)
    train_ids, val_ids, vocab, tok = corpus_ids(args.lang, 300 if args.quick else None)
    lm, before, after = step3_train_lm(args, train_ids, val_ids, vocab)
    step3b_attention_map(args, lm, vocab, tok, args.out)
    step4_kv_cache(args, lm, val_ids, vocab, tok)
    assert after < before, "training did not lower the validation perplexity"
    return 0


if __name__ == "__main__":
    sys.exit(main())
