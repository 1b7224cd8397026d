"""§3.2.3 变压器模型（Transformer）: the listing's Transformer, as a decoder-only language model.

What the listing claims
    ``model = Transformer(input_shape=(1, embedding_size), output_shape=(vocab_size,))``
    with the same ``fit`` / ``predict`` lines as §3.2.1; "self-attention attends to
    every element of the sequence at once".

What this script shows
    1. The listing verbatim with :class:`llm_tf.listing_models.Transformer`.
    2. Self-attention as a language model needs it: causal. The attention weights of
       one head are lower-triangular, each row sums to 1 (§4.2.3, scaled inside the
       softmax; see docs/errata.md), and changing a later token changes nothing before it.
    3. :class:`llm_tf.transformer_lm.TransformerLM` (pre-norm blocks, learned
       positions, tied embeddings) trained on ``data/corpus.zh.txt``.
    4. Generation with the key/value cache: the cached logits equal a full pass, and
       a new token costs far less than recomputing the prefix.

Run
    python chapters/ch03_2_3_transformer.py            # Chinese, 3 epochs (~2 min, 2 cores)
    python chapters/ch03_2_3_transformer.py --lang en  # English, word level
    python chapters/ch03_2_3_transformer.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llm_tf.cli import quiet_tensorflow_import  # noqa: E402


def corpus_ids(lang: str, max_lines: int | None):
    """data/corpus.<lang>.txt as train/validation id streams (90/10), with its tokenizer."""
    from llm_tf.lm_data import small_corpus_ids
    from llm_tf.tokenizers import get_tokenizer

    tok = get_tokenizer("char" if lang == "zh" else "word", lower=lang == "en")
    return (*small_corpus_ids(ROOT / "data" / f"corpus.{lang}.txt", tok, max_lines), tok)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.2.3: the Transformer listing, for real")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    quiet_tensorflow_import()
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)

    # ---- 1. the listing, verbatim (sizes made small)
    from llm_tf.listing_models import Transformer

    sequence = ["我", "爱", "中国"]
    model = Transformer(input_shape=(1, 16), output_shape=(10,))
    model.fit(sequence, epochs=10 if args.quick else 40)
    output_distribution = model.predict(sequence)  # (3, 10)
    guesses = [model.tokens[i] for i in output_distribution.argmax(-1)]
    print(f"1. the listing: next tokens after 我 / 我爱 / 我爱中国 -> {guesses}")

    # ---- 2. causal self-attention: lower-triangular weights, rows summing to 1
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
    print(
        f"   swapping the last two tokens changes the first two positions' outputs by "
        f"{np.max(np.abs(p1[:, :2] - p2[:, :2])):.1e}"
    )

    # ---- 3. a TransformerLM on the corpus
    from llm_tf.lstm_lm import compile_lstm_lm
    from llm_tf.transformer_lm import TransformerLM

    train_ids, val_ids, vocab, tok = corpus_ids(args.lang, 300 if args.quick else None)
    seq_len = 32
    from llm_tf.lm_data import xy_windows

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
    compile_lstm_lm(lm, learning_rate=1e-3, jit_compile=not args.quick)
    before = math.exp(lm.evaluate(x_val, y_val, verbose=0))
    lm.fit(
        x_train,
        y_train,
        batch_size=32,
        epochs=1 if args.quick else args.epochs,
        verbose=0 if args.quick else 2,
    )
    after = math.exp(lm.evaluate(x_val, y_val, verbose=0))
    print(
        f"\n3. TransformerLM ({layers} blocks x {D}, {lm.count_params():,} parameters) on "
        f"corpus.{args.lang}.txt: validation perplexity {before:.1f} -> {after:.1f}"
    )

    # ---- 4. the key/value cache: same logits as a full pass, much cheaper per token
    from llm_tf.architectures import make_decoder

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
    decoder = make_decoder(lm, jit_compile=not args.quick)
    prompt = vocab.encode(tok.tokenize("中国的" if args.lang == "zh" else "the capital"))
    n = 8 if args.quick else 64
    decoder.generate(prompt, n, temperature=0)  # compile
    t0 = time.perf_counter()
    out = decoder.generate(prompt, n, temperature=0)
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
    out = decoder.generate(prompt, n, temperature=0.8, top_p=0.9, seed=args.seed)
    print("   top-p .9: " + tok.detokenize(vocab.decode(prompt + out)).replace("<eos>", " / "))
    assert after < before, "training did not lower the validation perplexity"
    return 0


if __name__ == "__main__":
    sys.exit(main())
