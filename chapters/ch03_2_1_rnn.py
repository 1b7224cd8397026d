"""§3.2.1 循环神经网络（RNN）: the listing's RNN, made a working language model.

What the listing claims
    ``model = RNN(input_shape=(1, embedding_size), output_shape=(vocab_size,))``,
    ``model.fit(sequence, epochs=10)`` on ``sequence = ["我", "爱", "中国"]`` and
    ``model.predict(sequence)`` give "the output sequence's probability distribution".
    ``RNN`` is not defined anywhere, and a list of three strings cannot be fitted.

What this script shows
    1. The listing verbatim, with :class:`llm_tf.models.RNN`: the model keeps
       its own vocabulary, trains on ``<eos> 我 爱 中国`` -> ``我 爱 中国 <eos>`` and
       predicts one next-token distribution per position.
    2. Inside the RNN: one step of §4.2.1, ``h_t = tanh(W_h [h_{t-1}, x_t] + b_h)``,
       computed by hand beside ``keras.layers.SimpleRNN`` with the same weights.
    3. A SimpleRNN language model (:class:`llm_tf.models.SimpleRNNLM`) trained on
       ``data/corpus.zh.txt`` character by character: validation perplexity against
       the uniform guess, then text generated with the hidden state carried
       (greedy and nucleus sampling, one compiled loop: :class:`llm_tf.generation.Decoder`).

Run
    python chapters/ch03_2_1_rnn.py              # Chinese, 3 epochs (~1 minute on 2 cores)
    python chapters/ch03_2_1_rnn.py --lang en    # English, word level
    python chapters/ch03_2_1_rnn.py --quick      # seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402

from llm_tf.generation import Decoder  # noqa: E402
from llm_tf.models import RNN, SimpleRNNLM, compile_lm, stepping_view  # noqa: E402
from llm_tf.text.lm_data import small_corpus_ids, xy_windows  # noqa: E402
from llm_tf.text.tokenizers import get_tokenizer  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"


def corpus_ids(lang: str, max_lines: int | None):
    """data/corpus.<lang>.txt as train/validation id streams (90/10), with its tokenizer."""
    tok = get_tokenizer("char" if lang == "zh" else "word", lower=lang == "en")
    return (*small_corpus_ids(DATA / f"corpus.{lang}.txt", tok, max_lines), tok)


# ---- 1. the listing, verbatim (sizes made small)
def step1_listing(args) -> RNN:
    embedding_size, vocab_size = 16, 10
    sequence = ["我", "爱", "中国"]
    model = RNN(input_shape=(1, embedding_size), output_shape=(vocab_size,))
    model.fit(sequence, epochs=30 if args.quick else 40)  # 30 one-batch epochs: seconds
    output_distribution = model.predict(sequence)  # (3, vocab_size): one row per position
    print("1. the listing: vocabulary", model.tokens)
    for t, row in enumerate(output_distribution):
        best = int(np.argmax(row))
        print(
            f"   after {''.join(sequence[: t + 1])!r:10} next = {model.tokens[best]!r} "
            f"(p = {row[best]:.2f}; the row sums to {row.sum():.3f})"
        )
    assert output_distribution.shape == (3, vocab_size)
    np.testing.assert_allclose(output_distribution.sum(-1), 1.0, atol=1e-5)
    guesses = [model.tokens[i] for i in output_distribution.argmax(-1)]
    assert guesses == ["爱", "中国", "<eos>"], guesses  # it learned the sequence
    print("   check: rows sum to 1; it learned 我 -> 爱 -> 中国 -> <eos> ok")
    return model


# ---- 2. one step of §4.2.1 by hand: h_t = tanh(W_h [h_{t-1}, x_t] + b_h)
def step2_rnn_by_hand(model: RNN) -> None:
    rnn = model.recurrent_layers[0]
    kernel, recurrent, bias = (np.asarray(w) for w in rnn.get_weights())  # (E, U) (U, U) (U,)
    x = np.asarray(model.embedding(np.asarray([[model.encode(["我"])[0]]])))  # (1, 1, E)
    h0 = np.zeros((1, rnn.units), "float32")
    W_h = np.concatenate([recurrent.T, kernel.T], axis=1)  # (U, U + E)
    h1 = np.tanh(np.concatenate([h0, x[:, 0]], axis=1) @ W_h.T + bias)  # (1, U)
    keras_h1 = np.asarray(rnn(x)[0])[:, 0]
    print(
        f"\n2. h_1 by hand vs keras SimpleRNN: max |difference| = "
        f"{np.max(np.abs(h1 - keras_h1)):.1e}"
    )
    assert np.allclose(h1, keras_h1, atol=1e-5)


# ---- 3. a SimpleRNN language model on the corpus, then generation with the state carried
def step3_rnn_lm(args) -> None:
    train_ids, val_ids, vocab, tok = corpus_ids(args.lang, 300 if args.quick else None)
    seq_len = 32
    x_train, y_train = xy_windows(train_ids, seq_len)  # (N, 32) each
    x_val, y_val = xy_windows(val_ids, seq_len)
    lm = SimpleRNNLM(
        len(vocab),
        embedding_dim=32 if args.quick else 128,
        units=32 if args.quick else 256,
        num_layers=1 if args.quick else 2,
        dropout=0.0 if args.quick else 0.1,
        seed=args.seed,
    )
    # --quick: small batches and a larger step, so that one epoch of ~120 windows learns
    compile_lm(lm, learning_rate=1e-2 if args.quick else 3e-3, jit_compile=not args.quick)
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
        f"\n3. SimpleRNN LM on corpus.{args.lang}.txt ({len(train_ids):,} training tokens, "
        f"{lm.count_params():,} parameters): validation perplexity {before:.1f} -> "
        f"{after:.1f} (uniform: {len(vocab)})"
    )
    probs = np.asarray(lm(x_val))  # (N, 32, V), one eager pass
    by_hand = math.exp(-np.mean(np.log(np.take_along_axis(probs, y_val[..., None], -1))))
    assert abs(by_hand - after) < 1e-3 * after, (by_hand, after)
    # untrained: close to the uniform guess; trained: well below it
    assert abs(before - len(vocab)) < 0.1 * len(vocab), before
    limit = (0.6 if args.quick else 0.25) * len(vocab)
    assert after < limit, f"validation perplexity {after:.1f} not below {limit:.0f}"
    print(f"   check: exp(mean -log p) by numpy = {by_hand:.1f}; before ~ uniform; after < "
          f"{limit:.0f} ok")
    decoder = Decoder(stepping_view(lm))
    prompt = ["<eos>"] + tok.tokenize("中国" if args.lang == "zh" else "the")
    n = 10 if args.quick else 40
    for name, kw in (
        ("greedy", dict(temperature=0)),
        ("top-p 0.9", dict(temperature=0.8, top_p=0.9, seed=args.seed)),
    ):
        out = decoder.generate(vocab.encode(prompt), max_tokens=n, **kw)
        text = tok.detokenize(vocab.decode(vocab.encode(prompt[1:]) + out)).replace("<eos>", " / ")
        print(f"   {name:10} {text}")
        assert len(out) == n
        if name == "greedy":  # each token is the full pass's likeliest after its prefix
            p = np.asarray(lm(np.asarray([vocab.encode(prompt) + out], "int32")))[0]
            chosen = p[len(prompt) - 1 : -1][np.arange(n), out]
            np.testing.assert_allclose(chosen, p[len(prompt) - 1 : -1].max(-1), atol=1e-5)
    print("   check: greedy with the state carried = argmax of a full pass, token by token ok")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.2.1: the RNN listing, for real")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    set_seed(args.seed)

    model = step1_listing(args)
    step2_rnn_by_hand(model)
    step3_rnn_lm(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
