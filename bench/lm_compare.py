"""§3.2: RNN vs LSTM vs Transformer vs a Kneser-Ney n-gram, same data, same wall-clock budget.

Corpora (read in place from ``../shared/data``, never copied):

- ``shakespeare``: Tiny Shakespeare, character level, nanoGPT's split (first 90%
  train, last 10% validation). Anchor: nanoGPT's CPU recipe (4 layers, 4 heads,
  128 dims, context 64, batch 12, 2,000 iterations, AdamW 1e-3 -> 1e-4 cosine,
  warm-up 100) reaches about 1.88 nats/char validation loss.
- ``ptb``: Penn Treebank (Mikolov's split), word level, ``<eos>`` at line ends.
  Anchors (test perplexity): Zaremba et al. 2014 small 2x200 LSTM 114.5; KN-5 141.2.

Each neural model trains in one process for the same wall-clock budget (on
``shakespeare`` by default the time the Transformer takes for the nanoGPT recipe's
2,000 iterations). Recurrent models train as in Zaremba et al.: the corpus cut into
``batch`` contiguous rows, the state carried from window to window (truncated
BPTT); the Transformer trains on random windows. Reported per model:

- ``window``: mean loss over non-overlapping windows of ``--context`` tokens, each
  from an empty context (nanoGPT's ``estimate_loss``; comparable to 1.88);
- ``stream``: every token given all text before it (recurrent: state carried;
  Transformer: windows of ``max_len`` advancing 32 tokens), the measure of the
  published perplexities (:meth:`llm_tf.generation.Decoder.stream_log_probs`).

    python bench/lm_compare.py --dataset shakespeare           # the nanoGPT comparison
    python bench/lm_compare.py --dataset ptb --budget 300      # 5 minutes per model
    python bench/lm_compare.py --quick                         # seconds, for a smoke run
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


# ---------------------------------------------------------------- data
def load_shakespeare(limit: int | None = None):
    text = (DATA / "tinyshakespeare" / "input.txt").read_text(encoding="utf-8")
    chars = sorted(set(text))
    lut = {c: i + 4 for i, c in enumerate(chars)}  # ids 0-3 stay the llm-tf specials
    ids = np.fromiter((lut[c] for c in text), np.int32, len(text))
    n = int(0.9 * len(ids))
    train, val = ids[:n], ids[n:]
    if limit:
        train, val = train[:limit], val[: limit // 9]
    return {"train": train, "val": val, "vocab_size": len(chars) + 4, "unit": "char"}


def load_ptb(limit: int | None = None):
    from llm_tf.text.vocab import Vocabulary

    def words(split):
        with gzip.open(DATA / "ptb" / f"ptb.{split}.txt.gz", "rt", encoding="utf-8") as f:
            return [w for line in f for w in line.split() + ["<eos>"]]

    splits = {s: words(s) for s in ("train", "valid", "test")}
    counts: dict[str, int] = {}
    for w in splits["train"]:
        counts[w] = counts.get(w, 0) + 1
    vocab = Vocabulary.from_counts(counts, max_size=None)
    out = {k: np.asarray(vocab.encode(v), np.int32) for k, v in splits.items()}
    if limit:
        out = {k: v[: limit if k == "train" else limit // 10] for k, v in out.items()}
    return {
        "train": out["train"],
        "val": out["valid"],
        "test": out["test"],
        "vocab_size": len(vocab),
        "unit": "word",
    }


# ---------------------------------------------------------------- recipes
@dataclass
class Recipe:
    arch: str  # rnn | lstm | transformer
    model: dict  # constructor arguments
    batch: int
    seq_len: int
    lr: float
    min_lr: float
    warmup: int = 0
    weight_decay: float = 0.0
    clipnorm: float = 1.0
    max_iters: int | None = None  # stop after this many steps (else the budget)
    init_scale: float | None = None  # re-initialise every weight uniform(-s, s) (Zaremba)
    optimizer: str = "adam"  # adam | sgd
    schedule: str = "cosine"  # cosine (warm-up, then to min_lr) | zaremba (halve after epoch 4)
    notes: str = ""


def recipes(dataset: str, quick: bool) -> dict[str, Recipe]:
    gpt = dict(embedding_dim=128, num_layers=4, num_heads=4, max_len=64, tie_embeddings=True)
    adamw = dict(lr=1e-3, min_lr=1e-4, warmup=100, weight_decay=0.1)
    if dataset == "shakespeare":
        rnn = dict(embedding_dim=128, units=256, num_layers=2)
        r = {
            "transformer": Recipe(
                "transformer",
                gpt,
                12,
                64,
                max_iters=2000,
                **adamw,
                notes="nanoGPT CPU recipe: 4x128, 4 heads, ctx 64, batch 12",
            ),
            "lstm": Recipe("lstm", rnn, 32, 64, lr=2e-3, min_lr=2e-4, notes="2x256 LSTM"),
            "rnn": Recipe("rnn", dict(rnn), 32, 64, lr=1e-3, min_lr=1e-4, notes="2x256 SimpleRNN"),
        }
    else:
        # Zaremba et al.'s small recipe. They sum the loss over the 20 unrolled steps and
        # use SGD lr 1.0 with gradient-norm clip 5; on the mean loss used here that is
        # lr 20 with clip 0.25 (the same updates).
        zaremba = dict(clipnorm=0.25, init_scale=0.1, optimizer="sgd", schedule="zaremba")
        rnn = dict(embedding_dim=200, units=200, num_layers=2)
        r = {
            "lstm": Recipe(
                "lstm",
                rnn,
                20,
                20,
                lr=20.0,
                min_lr=20.0,
                **zaremba,
                notes="Zaremba et al. small: 2x200 LSTM, SGD, init 0.1, no dropout",
            ),
            "transformer": Recipe(
                "transformer", gpt, 16, 64, **adamw, notes="4x128, 4 heads, ctx 64, tied, AdamW"
            ),
            "rnn": Recipe(
                "rnn",
                dict(rnn),
                20,
                20,
                lr=10.0,
                min_lr=10.0,
                **zaremba,
                notes="2x200 SimpleRNN, Zaremba's recipe at half the step",
            ),
        }
    if quick:
        for rec in r.values():
            rec.max_iters, rec.warmup = 20, 2
            rec.model = dict(rec.model, embedding_dim=32)
            if "units" in rec.model:
                rec.model["units"] = 32
    return r


def build(recipe: Recipe, vocab_size: int):
    from llm_tf.models import SimpleRNNLM, StackedLSTMLM, TransformerLM

    cls = {"rnn": SimpleRNNLM, "lstm": StackedLSTMLM, "transformer": TransformerLM}[recipe.arch]
    kwargs = dict(recipe.model)
    if recipe.arch == "transformer":
        kwargs.pop("units", None)
    model = cls(vocab_size, **kwargs)
    model.build((None, None))
    if recipe.init_scale:
        rng = np.random.default_rng(0)
        for w in model.weights:
            w.assign(rng.uniform(-recipe.init_scale, recipe.init_scale, w.shape).astype("float32"))
    return model


# ---------------------------------------------------------------- training
def lr_at(recipe: Recipe, it: int, frac: float) -> float:
    """Linear warm-up, then cosine decay to ``min_lr`` (over iterations or the time budget)."""
    if it < recipe.warmup:
        return recipe.lr * (it + 1) / recipe.warmup
    return recipe.min_lr + 0.5 * (recipe.lr - recipe.min_lr) * (
        1 + math.cos(math.pi * min(frac, 1))
    )


def train(
    model,
    recipe: Recipe,
    ids: np.ndarray,
    budget_s: float,
    jit: bool,
    seed: int,
    log_every_s: float = 30.0,
) -> dict:
    import keras
    import tensorflow as tf

    stateful = recipe.arch != "transformer"
    if recipe.weight_decay:
        opt = keras.optimizers.AdamW(
            recipe.lr,
            weight_decay=recipe.weight_decay,
            beta_2=0.99,
            global_clipnorm=recipe.clipnorm,
        )
        opt.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    elif recipe.optimizer == "sgd":
        opt = keras.optimizers.SGD(recipe.lr, global_clipnorm=recipe.clipnorm)
    else:
        opt = keras.optimizers.Adam(recipe.lr, global_clipnorm=recipe.clipnorm)
    variables = model.trainable_variables

    @tf.function(jit_compile=jit)
    def step(x, y, state):
        with tf.GradientTape() as tape:
            if stateful:
                logits, state = model.step(x, state, training=True)
            else:
                logits = model.logits(x, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss, [tf.stop_gradient(s) for s in state]

    rng = np.random.default_rng(seed)
    B, T = recipe.batch, recipe.seq_len
    rows = ids[: len(ids) // B * B].reshape(B, -1)  # (B, N / B) contiguous streams
    pos, state = 0, (model.init_state(B) if stateful else [])
    t0 = last_log = time.perf_counter()
    it, losses, epochs = 0, [], 0.0
    while True:
        elapsed = time.perf_counter() - t0
        if recipe.max_iters is not None and it >= recipe.max_iters:
            break
        if recipe.max_iters is None and elapsed >= budget_s:
            break
        frac = it / recipe.max_iters if recipe.max_iters else elapsed / budget_s
        if recipe.schedule == "zaremba":  # constant, halved every epoch after the fourth
            opt.learning_rate = recipe.lr * 0.5 ** max(int(epochs) + 1 - 4, 0)
        else:
            opt.learning_rate = lr_at(recipe, it, frac)
        if stateful:
            if pos + T + 1 > rows.shape[1]:
                pos, state, epochs = 0, model.init_state(B), epochs + 1
            x, y = rows[:, pos : pos + T], rows[:, pos + 1 : pos + T + 1]
            pos += T
        else:
            starts = rng.integers(0, len(ids) - T - 1, size=B)
            idx = starts[:, None] + np.arange(T)[None, :]
            x, y = ids[idx], ids[idx + 1]
        loss, state = step(x, y, state)
        it += 1
        if time.perf_counter() - last_log > log_every_s:
            last_log = time.perf_counter()
            print(
                f"    {recipe.arch}: step {it}, {last_log - t0:.0f} s, loss {float(loss):.3f}",
                flush=True,
            )
        losses.append(loss)
    wall = time.perf_counter() - t0
    tokens = it * B * T
    return {
        "iters": it,
        "train_seconds": wall,
        "tokens_per_s": tokens / wall,
        "epochs": tokens / len(ids),
        "final_train_loss": float(np.mean([float(v) for v in losses[-20:]]))
        if losses
        else float("nan"),
    }


# ---------------------------------------------------------------- evaluation
def window_loss(model, ids: np.ndarray, context: int, batch: int = 64) -> float:
    """Mean loss over non-overlapping windows of ``context`` tokens from an empty context."""
    import tensorflow as tf

    if not hasattr(model, "_window_score"):  # per-window loss sums, (batch,)
        model._window_score = tf.function(
            lambda x, y: tf.reduce_sum(
                tf.nn.sparse_softmax_cross_entropy_with_logits(y, model.logits(x)), axis=-1
            )
        )
    m = (len(ids) - 1) // context
    X, Y = ids[: m * context].reshape(m, context), ids[1 : m * context + 1].reshape(m, context)
    total = 0.0
    for i in range(0, m, batch):
        k = min(batch, m - i)
        rows = np.arange(i, i + batch) % m  # the last batch padded: one shape for every call
        total += float(np.sum(model._window_score(X[rows], Y[rows]).numpy()[:k]))
    return total / (m * context)


def stream_loss(decoder, ids: np.ndarray) -> float:
    return -float(np.mean(decoder.stream_log_probs(ids, batch=32, window=32)))


def ngram_losses(data: dict, order: int) -> dict:
    from llm_tf.evaluation import KneserNeyLM

    t0 = time.perf_counter()
    lm = KneserNeyLM(order=order).fit(data["train"], vocab_size=data["vocab_size"])
    out = {"model": f"kneser-ney {order}-gram", "train_seconds": time.perf_counter() - t0}
    for split in ("val", "test"):
        if split in data:
            out[f"{split}_stream"] = -float(np.mean(lm.score_stream(data[split])[1:]))
    return out


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=["shakespeare", "ptb"], default="shakespeare")
    p.add_argument(
        "--models",
        nargs="+",
        default=None,
        help="subset of transformer lstm rnn ngram (default: all)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        help="training seconds per neural model (default: the Transformer's time on "
        "shakespeare, 300 on ptb)",
    )
    p.add_argument(
        "--transformer-iters",
        type=int,
        default=None,
        help="iterations of the Transformer's recipe (shakespeare: 2,000)",
    )
    p.add_argument("--context", type=int, default=64, help="window of the 'window' loss")
    p.add_argument("--ngram-order", type=int, default=5)
    p.add_argument("--precision", choices=["float32", "mixed_bfloat16"], default="float32")
    p.add_argument("--jit", action="store_true", help="XLA-compile the train step")
    p.add_argument("--quick", action="store_true", help="tiny models and data (seconds)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="append one JSON line per model")
    args = p.parse_args(argv)

    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    import keras

    from llm_tf.generation import Decoder
    from llm_tf.models import stepping_view

    keras.mixed_precision.set_dtype_policy(args.precision)
    limit = 20_000 if args.quick else None
    data = (load_shakespeare if args.dataset == "shakespeare" else load_ptb)(limit)
    print(
        f"{args.dataset}: {len(data['train']):,} train / {len(data['val']):,} validation "
        f"{data['unit']}s, vocabulary {data['vocab_size']:,}; precision {args.precision}, "
        f"XLA {'on' if args.jit else 'off'}",
        flush=True,
    )
    chosen = args.models or ["transformer", "lstm", "rnn", "ngram"]
    all_recipes = recipes(args.dataset, args.quick)
    if args.transformer_iters:
        all_recipes["transformer"].max_iters = args.transformer_iters
    budget = (
        args.budget
        if args.budget is not None
        else (None if args.dataset == "shakespeare" else 300.0)
    )
    results = []
    for name in [m for m in ("transformer", "lstm", "rnn") if m in chosen]:
        rec = all_recipes[name]
        if budget is not None and not (
            args.quick or (name == "transformer" and args.budget is None)
        ):
            rec.max_iters = None
        keras.utils.set_random_seed(args.seed)
        model = build(rec, data["vocab_size"])
        how = f"budget {budget:.0f} s" if rec.max_iters is None else f"{rec.max_iters} iterations"
        print(f"  {name}: {rec.notes}, {model.count_params():,} parameters, {how}", flush=True)
        row = {
            "dataset": args.dataset,
            "model": name,
            "notes": rec.notes,
            "params": model.count_params(),
            "precision": args.precision,
            "jit": args.jit,
        }
        row.update(train(model, rec, data["train"], budget or 0.0, args.jit, args.seed))
        if budget is None:  # the Transformer's recipe time becomes everyone's budget
            budget = row["train_seconds"]
        t0 = time.perf_counter()
        decoder = Decoder(stepping_view(model))
        for split in ("val", "test"):
            if split in data:
                row[f"{split}_window"] = window_loss(model, data[split], args.context)
                row[f"{split}_stream"] = stream_loss(decoder, data[split])
        row["eval_seconds"] = time.perf_counter() - t0
        results.append(row)
        report(row)
        if args.json:
            with open(args.json, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
    if "ngram" in chosen:
        row = {"dataset": args.dataset, **ngram_losses(data, args.ngram_order)}
        results.append(row)
        report(row)
        if args.json:
            with open(args.json, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
    return 0


def report(row: dict) -> None:
    parts = [f"  => {row['model']}: trained {row['train_seconds']:.0f} s"]
    if "iters" in row:
        parts.append(
            f"{row['iters']} steps, {row['epochs']:.2f} epochs, {row['tokens_per_s']:.0f} tokens/s"
        )
    for split in ("val", "test"):
        for kind in ("window", "stream"):
            key = f"{split}_{kind}"
            if key in row:
                parts.append(f"{key} {row[key]:.4f} nats (ppl {math.exp(row[key]):.1f})")
    print("; ".join(parts), flush=True)


if __name__ == "__main__":
    sys.exit(main())
