"""§3.2.2 长短时记忆网络（LSTM）: the listing's LSTM, then the LSTM LM grown the usual ways.

What the listing claims
    ``model = LSTM(input_shape=(1, embedding_size), output_shape=(vocab_size,))``,
    ``model.fit(sequence, epochs=10)``, ``model.predict(sequence)`` -- the same three
    lines as §3.2.1 with ``RNN`` renamed; "gates give LSTM its long-term memory".

What this script shows
    1. The listing verbatim with :class:`llm_tf.listing_models.LSTM`.
    2. The §5 model *is* a one-layer :class:`llm_tf.lstm_stack.StackedLSTMLM`:
       weights copied from ``build_lstm_lm`` give the same probabilities.
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
    p = argparse.ArgumentParser(description="§3.2.2: the LSTM listing and the stacked LSTM LM")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    quiet_tensorflow_import()
    import keras
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # Keras retraces fit() once per model built below

    keras.utils.set_random_seed(args.seed)

    # ---- 1. the listing, verbatim (sizes made small)
    from llm_tf.listing_models import LSTM

    sequence = ["我", "爱", "中国"]
    model = LSTM(input_shape=(1, 16), output_shape=(10,))
    model.fit(sequence, epochs=10 if args.quick else 40)
    output_distribution = model.predict(sequence)  # (3, 10)
    guesses = [model.tokens[i] for i in output_distribution.argmax(-1)]
    print(f"1. the listing: next tokens after 我 / 我爱 / 我爱中国 -> {guesses}")

    # ---- 2. the §5 model is a one-layer StackedLSTMLM
    from llm_tf.lstm_lm import build_lstm_lm, compile_lstm_lm
    from llm_tf.lstm_stack import StackedLSTMLM, stacked_lstm_param_counts

    listing = build_lstm_lm(50, 16, 24)
    ids = np.random.default_rng(args.seed).integers(4, 50, size=(2, 7)).astype("int32")
    stacked = StackedLSTMLM.from_listing(listing)
    diff = np.max(np.abs(np.asarray(stacked(ids)) - np.asarray(listing(ids))))
    print(f"\n2. §5 model vs StackedLSTMLM.from_listing: max |p difference| = {diff:.1e}")
    assert diff < 1e-6

    # ---- 3. one layer (§5's shape) vs two layers + dropout + tied embeddings
    train_ids, val_ids, vocab, tok = corpus_ids(args.lang, 300 if args.quick else None)
    seq_len = 32
    from llm_tf.lm_data import xy_windows

    x_train, y_train = xy_windows(train_ids, seq_len)  # (N, 32)
    x_val, y_val = xy_windows(val_ids, seq_len)
    E, U = (16, 16) if args.quick else (128, 128)
    configs = {
        "§5 shape: 1 layer": dict(num_layers=1),
        "2 layers, dropout 0.3, tied": dict(num_layers=2, dropout=0.3, tie_embeddings=True),
    }
    epochs = 1 if args.quick else args.epochs
    print(
        f"\n3. corpus.{args.lang}.txt: {len(train_ids):,} training tokens, vocabulary "
        f"{len(vocab):,}; embedding {E}, {U} units, {epochs} epoch(s) each"
    )
    results = {}
    for name, kw in configs.items():
        keras.utils.set_random_seed(args.seed)
        lm = StackedLSTMLM(len(vocab), embedding_dim=E, units=U, seed=args.seed, **kw)
        compile_lstm_lm(lm, learning_rate=3e-3, jit_compile=not args.quick)
        lm.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0)
        ppl = math.exp(lm.evaluate(x_val, y_val, verbose=0))
        counts = stacked_lstm_param_counts(
            len(vocab), E, U, kw["num_layers"], kw.get("tie_embeddings", False)
        )
        assert lm.count_params() == counts["total"]
        results[name] = (ppl, lm)
        print(f"   {name:30} {counts['total']:>9,} parameters   validation perplexity {ppl:7.1f}")

    # ---- 4. generation: greedy, top-k, beam search; stop at the end of a line
    from llm_tf.architectures import make_decoder
    from llm_tf.vocab import EOS_ID

    best = min(results, key=lambda k: results[k][0])
    decoder = make_decoder(results[best][1])
    prompt = tok.tokenize("中国" if args.lang == "zh" else "the")
    n = 8 if args.quick else 30
    print(f"\n4. generated by '{best}' from {prompt!r} (state carried, stop at <eos>):")
    for name, kw in (
        ("greedy", dict(temperature=0)),
        ("top-k 20", dict(temperature=0.8, top_k=20, seed=args.seed)),
        ("beam 4", dict(beam_size=4)),
    ):
        out = decoder.generate([EOS_ID] + vocab.encode(prompt), n, stop_ids=(EOS_ID,), **kw)
        print(f"   {name:9} {tok.detokenize(prompt + vocab.decode(out)).replace('<eos>', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
