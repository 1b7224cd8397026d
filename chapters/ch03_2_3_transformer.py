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
       positions, tied embeddings) trained on ``data/corpus.zh.txt``.
    4. Generation with the key/value cache (:class:`llm_tf.generation.Decoder`): the
       cached logits equal a full pass, and a new token costs far less than
       recomputing the prefix.

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

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from llm_tf.generation import Decoder  # noqa: E402
from llm_tf.models import Transformer, TransformerLM, compile_lm, stepping_view  # noqa: E402
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
    model.fit(sequence, epochs=10 if args.quick else 40)
    output_distribution = model.predict(sequence)  # (3, 10)
    guesses = [model.tokens[i] for i in output_distribution.argmax(-1)]
    print(f"1. the listing: next tokens after 我 / 我爱 / 我爱中国 -> {guesses}")
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
    print(
        f"   swapping the last two tokens changes the first two positions' outputs by "
        f"{np.max(np.abs(p1[:, :2] - p2[:, :2])):.1e}"
    )


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
    compile_lm(lm, learning_rate=1e-3, jit_compile=not args.quick)
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
    return lm, before, after


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
    out = decoder.generate(prompt, max_tokens=n, temperature=0.8, top_p=0.9, seed=args.seed)
    print("   top-p .9: " + tok.detokenize(vocab.decode(prompt + out)).replace("<eos>", " / "))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.2.3: the Transformer listing, for real")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    set_seed(args.seed)

    model, sequence = step1_listing(args)
    step2_causal_attention(model, sequence)
    train_ids, val_ids, vocab, tok = corpus_ids(args.lang, 300 if args.quick else None)
    lm, before, after = step3_train_lm(args, train_ids, val_ids, vocab)
    step4_kv_cache(args, lm, val_ids, vocab, tok)
    assert after < before, "training did not lower the validation perplexity"
    return 0


if __name__ == "__main__":
    sys.exit(main())
