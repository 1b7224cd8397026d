"""§3.2.2 长短时记忆网络（LSTM）: the listing's LSTM, then the LSTM LM grown the usual ways.

What the listing claims
    ``model = LSTM(input_shape=(1, embedding_size), output_shape=(vocab_size,))``,
    ``model.fit(sequence, epochs=10)``, ``model.predict(sequence)`` -- the same three
    lines as §3.2.1 with ``RNN`` renamed; "gates give LSTM its long-term memory".

What this script shows
    1. The listing verbatim with :class:`llm_tf.models.LSTM`.
    2. The §5 model *is* a one-layer :class:`llm_tf.models.StackedLSTMLM`
       (:mod:`llm_tf.models.recurrent_lm`): weights copied from ``build_listing_lm``
       give the same probabilities.
    3. On ``data/corpus.en.txt`` (word level): the §5 shape (1 layer) against two
       layers with dropout and tied input/output embeddings, same epochs, with
       parameter counts and validation perplexities.
    4. Generation from the better model with the state carried: greedy, top-k, and
       beam search (width 4), stopping at the end of a line.

Run
    python chapters/ch03_2_2_lstm.py             # 4 epochs each (~2 minutes on 2 cores)
    python chapters/ch03_2_2_lstm.py --lang zh   # Chinese, character level
    python chapters/ch03_2_2_lstm.py --quick     # seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from llm_tf.generation import Decoder  # noqa: E402
from llm_tf.models import (  # noqa: E402
    LSTM,
    StackedLSTMLM,
    build_listing_lm,
    compile_lm,
    stacked_lstm_param_counts,
    stepping_view,
)
from llm_tf.text.lm_data import small_corpus_ids, xy_windows  # noqa: E402
from llm_tf.text.tokenizers import get_tokenizer  # noqa: E402
from llm_tf.text.vocab import EOS_ID  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"


def corpus_ids(lang: str, max_lines: int | None):
    """data/corpus.<lang>.txt as train/validation id streams (90/10), with its tokenizer."""
    tok = get_tokenizer("char" if lang == "zh" else "word", lower=lang == "en")
    return (*small_corpus_ids(DATA / f"corpus.{lang}.txt", tok, max_lines), tok)


# ---- 1. the listing, verbatim (sizes made small)
def step1_listing(args) -> None:
    sequence = ["我", "爱", "中国"]
    model = LSTM(input_shape=(1, 16), output_shape=(10,))
    model.fit(sequence, epochs=30 if args.quick else 40)  # 30 one-batch epochs: seconds
    output_distribution = model.predict(sequence)  # (3, 10)
    guesses = [model.tokens[i] for i in output_distribution.argmax(-1)]
    print(f"1. the listing: next tokens after 我 / 我爱 / 我爱中国 -> {guesses}")
    np.testing.assert_allclose(output_distribution.sum(-1), 1.0, atol=1e-5)
    assert guesses == ["爱", "中国", "<eos>"], guesses
    print("   check: rows sum to 1; it learned 我 -> 爱 -> 中国 -> <eos> ok")


# ---- 2. the §5 model is a one-layer StackedLSTMLM
def step2_listing_is_stacked(args) -> None:
    listing = build_listing_lm(50, 16, 24)
    ids = np.random.default_rng(args.seed).integers(4, 50, size=(2, 7)).astype("int32")
    stacked = StackedLSTMLM.from_listing(listing)
    diff = np.max(np.abs(np.asarray(stacked(ids)) - np.asarray(listing(ids))))
    print(f"\n2. §5 model vs StackedLSTMLM.from_listing: max |p difference| = {diff:.1e}")
    assert diff < 1e-6


# ---- 3. one layer (§5's shape) vs two layers + dropout + tied embeddings
def step3_compare(args, train_ids, val_ids, vocab) -> dict[str, tuple[float, StackedLSTMLM]]:
    """Train both shapes; returns {name: (validation perplexity, model)}."""
    seq_len = 32
    x_train, y_train = xy_windows(train_ids, seq_len)  # (N, 32)
    x_val, y_val = xy_windows(val_ids, seq_len)
    E, U = (16, 16) if args.quick else (128, 128)
    configs = {
        "§5 shape: 1 layer": dict(num_layers=1),
        "2 layers, dropout 0.3, tied": dict(num_layers=2, dropout=0.3, tie_embeddings=True),
    }
    epochs = 1 if args.quick else args.epochs
    # --quick: small batches and a larger step, so that one epoch of ~80 windows learns
    batch_size, learning_rate = (8, 1e-2) if args.quick else (32, 3e-3)
    print(
        f"\n3. corpus.{args.lang}.txt: {len(train_ids):,} training tokens, vocabulary "
        f"{len(vocab):,}; embedding {E}, {U} units, {epochs} epoch(s) each"
    )
    results = {}
    for name, kw in configs.items():
        set_seed(args.seed)
        lm = StackedLSTMLM(len(vocab), embedding_dim=E, units=U, seed=args.seed, **kw)
        compile_lm(lm, learning_rate=learning_rate, jit_compile=not args.quick)
        lm.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0)
        ppl = math.exp(lm.evaluate(x_val, y_val, verbose=0))
        counts = stacked_lstm_param_counts(
            len(vocab), E, U, kw["num_layers"], kw.get("tie_embeddings", False)
        )
        assert lm.count_params() == counts["total"]
        results[name] = (ppl, lm)
        print(f"   {name:30} {counts['total']:>9,} parameters   validation perplexity {ppl:7.1f}")
        probs = np.asarray(lm(x_val))  # (N, 32, V), one eager pass
        by_hand = math.exp(-np.mean(np.log(np.take_along_axis(probs, y_val[..., None], -1))))
        assert abs(by_hand - ppl) < 1e-3 * ppl, (by_hand, ppl)
        limit = (0.6 if args.quick else 0.25) * len(vocab)
        assert ppl < limit, f"{name}: validation perplexity {ppl:.1f} not below {limit:.0f}"
    print(f"   check: parameters = closed form; perplexity = exp(mean -log p) by numpy; both "
          f"well below the uniform {len(vocab)} (< {limit:.0f}) ok")
    return results


# ---- 4. generation: greedy, top-k, beam search; stop at the end of a line
def step4_generate(args, results, vocab, tok) -> None:
    best = min(results, key=lambda k: results[k][0])
    decoder = Decoder(stepping_view(results[best][1]))
    prompt = tok.tokenize("中国" if args.lang == "zh" else "the")
    n = 8 if args.quick else 30
    print(f"\n4. generated by '{best}' from {prompt!r} (state carried, stop at <eos>):")
    for name, kw in (
        ("greedy", dict(temperature=0)),
        ("top-k 20", dict(temperature=0.8, top_k=20, seed=args.seed)),
        ("beam 4", dict(beam_size=4)),
    ):
        out = decoder.generate([EOS_ID] + vocab.encode(prompt), max_tokens=n,
                               stop_ids=(EOS_ID,), **kw)
        print(f"   {name:9} {tok.detokenize(prompt + vocab.decode(out)).replace('<eos>', '')}")
        assert 1 <= len(out) <= n and EOS_ID not in out[:-1]  # stops at the first <eos>
        if name == "greedy":  # each token is the full pass's likeliest after its prefix
            ids = [EOS_ID] + vocab.encode(prompt)
            p = np.asarray(results[best][1](np.asarray([ids + out], "int32")))[0]
            p = p[len(ids) - 1 : -1]  # (len(out), V): the distribution each token was drawn from
            np.testing.assert_allclose(p[np.arange(len(out)), out], p.max(-1), atol=1e-5)
    print("   check: greedy with the state carried = argmax of a full pass; generation stops "
          "at <eos> ok")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.2.2: the LSTM listing and the stacked LSTM LM")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    tf.get_logger().setLevel("ERROR")  # Keras retraces fit() once per model built below
    set_seed(args.seed)

    step1_listing(args)
    step2_listing_is_stacked(args)
    train_ids, val_ids, vocab, tok = corpus_ids(args.lang, 300 if args.quick else None)
    results = step3_compare(args, train_ids, val_ids, vocab)
    step4_generate(args, results, vocab, tok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
