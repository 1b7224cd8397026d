"""§5.2 源代码详细实现: the article's LSTM language model, run for real.

What the listing claims
    An Input -> Embedding(10000, 256) -> LSTM(128, return_sequences=True,
    return_state=True) -> Dense(10000, softmax) model, compiled with Adam and
    ``categorical_crossentropy``, is "a simple LLM". Training is left as
    ``# X_train, y_train = ...`` and ``model.fit(X_train, y_train, batch_size=32, epochs=10)``.

What this script shows
    1. The listing in Keras 3 (``import keras``; the article's ``tf.keras`` imports are
       the Keras 2 spelling) and its ``model.summary()``: 2,560,000 + 197,120 +
       1,290,000 = 4,047,120 parameters, each checked against its closed form.
    2. What the listing leaves out: where X_train / y_train come from (tokenize,
       build a vocabulary, cut the id stream into windows, shift by one token), and
       what its one-hot targets would cost: N x T x V floats.
    3. The same model trained for real on data/ with sparse integer targets,
       validation perplexity before and after, then text generated with the LSTM
       state carried forward.

Run
    python chapters/ch05_lstm_lm.py            # English corpus, 10 epochs (~30 s on 2 cores)
    python chapters/ch05_lstm_lm.py --lang zh  # Chinese, character level
    python chapters/ch05_lstm_lm.py --quick    # a few seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import keras  # noqa: E402
from keras.layers import LSTM, Dense, Embedding  # noqa: E402
from keras.models import Model  # noqa: E402

from llm_tf.generation import SamplingConfig, generate_text  # noqa: E402
from llm_tf.models import ModelConfig, listing_lm_param_counts, stepping_view  # noqa: E402
from llm_tf.text import lm_data  # noqa: E402
from llm_tf.text.tokenizers import get_tokenizer  # noqa: E402
from llm_tf.text.vocab import Vocabulary  # noqa: E402
from llm_tf.training import DataConfig, OptimConfig, RunDir, TrainConfig, train  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"

# the listing's sizes, under its own names
vocab_size = 10000
embedding_size = 256
lstm_units = 128


# ---- 1. the listing, as printed (Keras 3 spelling)
def step1_listing() -> None:
    input_sequence = keras.layers.Input(shape=(None,), dtype="int32")  # (B, T)
    embedded_sequence = Embedding(vocab_size, embedding_size)(input_sequence)  # (B, T, 256)
    lstm_output, state_h, state_c = LSTM(lstm_units, return_sequences=True, return_state=True)(
        embedded_sequence
    )  # (B, T, 128), (B, 128), (B, 128)
    encoded_sequence = Dense(vocab_size, activation="softmax")(lstm_output)  # (B, T, 10000)
    model = Model(inputs=input_sequence, outputs=encoded_sequence)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.summary()

    expected = listing_lm_param_counts(vocab_size, embedding_size, lstm_units)
    got = [layer.count_params() for layer in model.layers[1:]]
    print("closed forms: Embedding V*E = {embedding:,}; LSTM 4*U*(E+U+1) = {lstm:,}; "
          "Dense U*V+V = {dense:,}; total {total:,}".format(**expected))
    assert got == [expected["embedding"], expected["lstm"], expected["dense"]], got


# ---- 2. what the listing leaves out
def step2_left_out(corpus: Path, seq_len: int) -> Vocabulary:
    """Where X_train / y_train come from, and what one-hot targets cost; returns the vocabulary."""
    tok = get_tokenizer("auto", sample=corpus.read_text(encoding="utf-8")[:5000])
    counts = lm_data.count_tokens(corpus, tok)
    vocab = Vocabulary.from_counts(counts, max_size=vocab_size)
    with open(corpus, encoding="utf-8") as f:
        n_tokens = sum(counts.values()) + sum(1 for _ in f)  # one <eos> per line
    n_windows = n_tokens // (seq_len + 1)
    onehot_bytes = n_windows * seq_len * vocab_size * 4
    sparse_bytes = n_windows * seq_len * 4
    print(f"\n{corpus.name}: {tok.kind}-level, {n_tokens:,} tokens (with <eos>), "
          f"{len(vocab):,} distinct tokens + specials.")
    print(f"X_train: {n_windows:,} windows x {seq_len} ids; y_train = X shifted by one token.")
    print(f"One-hot y_train for categorical_crossentropy at V = {vocab_size:,}: "
          f"{n_windows:,} x {seq_len} x {vocab_size:,} floats = {onehot_bytes / 2**30:.2f} GiB.")
    print(f"Sparse integer targets (sparse_categorical_crossentropy): {sparse_bytes / 2**20:.2f} MiB,"
          f" {onehot_bytes // sparse_bytes:,}x less. llm-tf trains with these (docs/errata.md).")
    # the counts again, independently: tokenize every line here, one <eos> per line
    lines = corpus.read_text(encoding="utf-8").splitlines()
    assert n_tokens == sum(len(tok.tokenize(line)) for line in lines) + len(lines), n_tokens
    assert len(vocab) == min(vocab_size, len(counts) + 4)  # the corpus's tokens + 4 specials
    assert onehot_bytes == sparse_bytes * vocab_size and n_windows * (seq_len + 1) <= n_tokens
    print("check: token count recounted line by line; one-hot / sparse = V exactly ok")
    return vocab


# ---- 3. train it for real, with the vocabulary the corpus actually has
def step3_train(args, corpus: Path, seq_len: int, vocab: Vocabulary) -> None:
    epochs, seq = (1, 16) if args.quick else (args.epochs, seq_len)
    cfg = TrainConfig(
        data=DataConfig(corpus=str(corpus), seq_len=seq, batch_size=32),
        model=ModelConfig(embedding_dim=64 if args.quick else embedding_size,
                          units=32 if args.quick else lstm_units),
        optim=OptimConfig(epochs=epochs),
        seed=args.seed,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "ch05"
        _, history = train(cfg, out, verbose=0 if args.quick else 2)
        before, after = history["initial_val_perplexity"][0], history["val_perplexity"][-1]
        print(f"\nvalidation perplexity: {before:.1f} before training -> {after:.2f} after "
              f"{epochs} epoch(s) (a uniform guess over {len(vocab)} tokens scores {len(vocab)})")
        run = RunDir(out)
        prompt = "The capital of China" if args.lang == "en" else "中国的首都"
        sampling = SamplingConfig(max_tokens=8 if args.quick else 30, temperature=0.7,
                                  top_k=20, seed=args.seed)
        text = generate_text(stepping_view(run.load_model(compile=False)), run.info().tokenizer,
                             run.vocab(), prompt, sampling)
        print(f"\ngenerated from {prompt!r} (LSTM state carried, one step per token):\n{text}")
        assert text.startswith(prompt) and len(text) > len(prompt), text
        assert abs(before - len(vocab)) < 0.1 * len(vocab), before  # untrained: about uniform
        limit = (0.5 if args.quick else 0.25) * len(vocab)
        assert after < limit, f"validation perplexity {after:.1f} not below {limit:.0f}"
        print(f"check: perplexity before ~ uniform {len(vocab)}, after < {limit:.0f}; the "
              "text continues the prompt ok")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§5: the article's LSTM language model, for real")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, default=None, help="run folder (default: a temp folder)")
    args = p.parse_args(argv)
    set_seed(args.seed)

    corpus, seq_len = DATA / f"corpus.{args.lang}.txt", 32
    step1_listing()
    vocab = step2_left_out(corpus, seq_len)
    step3_train(args, corpus, seq_len, vocab)
    return 0


if __name__ == "__main__":
    sys.exit(main())
