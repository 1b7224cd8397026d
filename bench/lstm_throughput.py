"""§5 LSTM LM training throughput: the article's listing as printed vs ``llm-tf train``.

Same text, same model (Embedding(10000, 256) -> LSTM(128) -> Dense(10000, softmax)):

(a) the listing as printed: numpy ``X_train`` and one-hot ``y_train`` (N x T x V
    float32), ``loss='categorical_crossentropy'``, ``metrics=['accuracy']``,
    ``model.fit(X_train, y_train, batch_size=32)``.
(b) ``llm_tf.training.train`` (what ``llm-tf train`` runs): streamed id files,
    ``tf.data``, sparse targets, XLA-compiled step, ``--batch-size`` as given.

Each measurement runs in its own process, so peak RSS (``ru_maxrss``) is its own.
Tokens/s is measured over steady-state steps (after ``--warmup`` steps). The
matmul peak is measured in the same run (best float32 GFLOP/s over a few shapes,
XLA and oneDNN), and (b)'s model FLOP utilisation is its tokens/s times the
matmul FLOPs per token (forward + backward) over that peak. (b) is also run with
``--output-matmuls onednn-bf16`` (the output layer's matmuls in bfloat16 by oneDNN; its
utilisation counts them against the bfloat16 peak measured in the same run), at the
same batch and at twice the batch. Finally (b) is run on a corpus 10x larger to show
its memory stays flat.

    python bench/lstm_throughput.py                 # PTB from ../shared/data, 3 repeats
    python bench/lstm_throughput.py --quick         # small and fast, for a smoke run
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PTB = ROOT.parent / "shared" / "data" / "ptb" / "ptb.train.txt.gz"
V, E, U = 10_000, 256, 128
BF16 = "onednn-bf16"  # (b)'s bfloat16 variant: --output-matmuls onednn-bf16


def write_corpus(path: Path, n_tokens: int) -> Path:
    """Write the first ``n_tokens`` (one <eos> per line counted) of PTB, or of data/ repeated."""
    src = PTB if PTB.exists() else ROOT / "data" / "corpus.en.txt"
    n = 0
    with open(path, "w", encoding="utf-8") as out:
        while n < n_tokens:
            with (
                gzip.open(src, "rt", encoding="utf-8")
                if src.suffix == ".gz"
                else open(src, encoding="utf-8")
            ) as f:
                for line in f:
                    out.write(line.strip() + "\n")
                    n += len(line.split()) + 1
                    if n >= n_tokens:
                        break
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_timer(warmup: int, steps: int, tokens_per_step: int):
    import keras

    class Timer(keras.callbacks.Callback):
        times: list = []

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter())
            if len(self.times) >= warmup + steps:
                self.model.stop_training = True

        def tokens_per_s(self):
            t = self.times[warmup - 1 :]
            return (len(t) - 1) * tokens_per_step / (t[-1] - t[0])

    return Timer()


# ---- workers (each in its own process)
def worker_listing(args) -> dict:
    import keras
    import numpy as np
    from keras.layers import LSTM, Dense, Embedding
    from keras.models import Model

    from llm_tf.text.vocab import Vocabulary

    with open(args.corpus, encoding="utf-8") as f:
        words = [w for line in f for w in line.split() + ["<eos>"]]
    vocab = Vocabulary.load(args.vocab)
    ids = np.array(vocab.encode(words), np.int32)
    n = len(ids) // (args.seq_len + 1)
    windows = ids[: n * (args.seq_len + 1)].reshape(n, args.seq_len + 1)
    X_train = windows[:, :-1]
    y_train = np.eye(V, dtype=np.float32)[windows[:, 1:]]  # one-hot: N x T x V floats
    keras.utils.set_random_seed(0)
    input_sequence = keras.layers.Input(shape=(None,), dtype="int32")
    embedded_sequence = Embedding(V, E)(input_sequence)
    lstm_output, state_h, state_c = LSTM(U, return_sequences=True, return_state=True)(
        embedded_sequence
    )
    encoded_sequence = Dense(V, activation="softmax")(lstm_output)
    model = Model(inputs=input_sequence, outputs=encoded_sequence)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    timer = make_timer(args.warmup, args.steps, 32 * args.seq_len)
    model.fit(X_train, y_train, batch_size=32, epochs=1, verbose=0, callbacks=[timer])
    return {
        "tokens_per_s": timer.tokens_per_s(),
        "peak_rss_mb": peak_rss_mb(),
        "y_train_mb": y_train.nbytes / 2**20,
        "corpus_tokens": len(ids),
    }


def worker_llmtf(args) -> dict:
    from llm_tf.models import ModelConfig
    from llm_tf.text.vocab import Vocabulary
    from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig, train

    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(
            data=DataConfig(
                corpus=args.corpus,
                tokenizer="space",
                vocab_size=V,
                seq_len=args.seq_len,
                batch_size=args.batch_size,
                stateful=False,  # windows, as measured since session 1
            ),
            model=ModelConfig(embedding_dim=E, units=U),
            optim=OptimConfig(epochs=1, lr_schedule="constant", patience=0,
                              learning_rate=1e-3, clip_norm=None),
            runtime=RuntimeConfig(jit_compile=not args.no_xla,
                                  output_matmuls=args.output_matmuls),
        )
        timer = make_timer(args.warmup, args.steps, args.batch_size * args.seq_len)
        import io
        from contextlib import redirect_stdout

        with redirect_stdout(io.StringIO()):
            train(
                cfg,
                Path(tmp) / "run",
                verbose=0,
                callbacks=[timer],
                vocab=Vocabulary.load(args.vocab),
            )
    return {"tokens_per_s": timer.tokens_per_s(), "peak_rss_mb": peak_rss_mb()}


def worker_matmul(args) -> dict:
    import tensorflow as tf

    best = {tf.float32: 0.0, tf.bfloat16: 0.0}
    for m, k, n in [(2048, 2048, 2048), (4096, 4096, 4096), (4096, 10000, 128), (4096, 128, 10000)]:
        for dtype in best:
            a = tf.cast(tf.random.normal((m, k)), dtype)
            b = tf.cast(tf.random.normal((k, n)), dtype)
            for jit in (False, True):
                f = tf.function(lambda a, b: tf.reduce_sum(tf.cast(tf.matmul(a, b), tf.float32)),
                                jit_compile=jit)
                f(a, b).numpy()
                for _ in range(5):
                    t = time.perf_counter()
                    f(a, b).numpy()
                    best[dtype] = max(best[dtype], 2 * m * k * n / (time.perf_counter() - t) / 1e9)
    return {"matmul_gflops": best[tf.float32], "matmul_gflops_bf16": best[tf.bfloat16]}


def worker_output_memory(args) -> dict:
    """Activation memory of the output layer and its loss, forward and backward, as the
    trainer's XLA step runs them: peak RSS during the steps less RSS once the weights and
    inputs exist, for the fused (chunked) loss or the plain (N, V) logits."""
    import numpy as np
    import tensorflow as tf

    from llm_tf.layers.chunked_cross_entropy import chunked_cross_entropy_sum
    from llm_tf.training.config import SPLIT_DTYPES
    from llm_tf.training.split_cross_entropy import split_cross_entropy_sum

    n, v = args.batch_size * args.seq_len, args.vocab_size
    rng = np.random.default_rng(0)
    h = tf.Variable(rng.normal(size=(n, U)).astype("float32"))
    w = tf.Variable((rng.normal(size=(U, v)) * 0.05).astype("float32"))
    b = tf.Variable(np.zeros(v, "float32"))
    y = tf.constant(rng.integers(0, v, n).astype("int32"))

    split = args.output_matmuls != "xla"  # the split loss: a graph, not one XLA program

    def step():
        with tf.GradientTape() as tape:
            if args.fused and split:
                loss = split_cross_entropy_sum(h, w, y, b, dtype=SPLIT_DTYPES[args.output_matmuls]) / n
            elif args.fused:
                loss = chunked_cross_entropy_sum(h, w, y, b) / n
            else:
                logits = tf.matmul(h, w) + b  # (N, V)
                loss = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
        grads = tape.gradient(loss, [h, w, b])
        return loss, tf.add_n([tf.reduce_sum(g) for g in grads])

    step = tf.function(step, jit_compile=not split)
    from load_test import rss_mb  # bench/load_test.py: VmRSS / VmHWM from /proc

    step.get_concrete_function()  # traced, not yet run
    before = rss_mb()
    for _ in range(3):
        out = step()
    float(out[1])
    return {"activation_mb": rss_mb(field="VmHWM") - before, "vocab_size": v, "rows": n,
            "fused": bool(args.fused), "output_matmuls": args.output_matmuls}


WORKERS = {"listing": worker_listing, "llmtf": worker_llmtf, "matmul": worker_matmul,
           "output_memory": worker_output_memory}


def spawn(kind: str, args, **over) -> dict:
    argv = [sys.executable, __file__, "--worker", kind]
    for key, value in {**vars(args), **over}.items():
        if (
            key in ("worker", "quick", "repeats", "json_out", "tokens")
            or value is None
            or value is False
        ):
            continue
        argv += [f"--{key.replace('_', '-')}"] + ([] if value is True else [str(value)])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"worker {kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    from llm_tf.models import listing_lm_flops_per_token

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=90_000, help="corpus tokens for (a) and (b)")
    p.add_argument("--seq-len", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=128, help="(b)'s --batch-size")
    p.add_argument("--steps", type=int, default=30, help="timed steps per measurement")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-xla", action="store_true", help="(b) without XLA")
    p.add_argument("--quick", action="store_true", help="tiny sizes, one repeat")
    p.add_argument("--json-out", type=Path, default=None, help="also write the figures as JSON")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--corpus", help=argparse.SUPPRESS)
    p.add_argument("--vocab", help=argparse.SUPPRESS)
    p.add_argument("--vocab-size", type=int, default=V, help=argparse.SUPPRESS)
    p.add_argument("--fused", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--output-matmuls", default="xla", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return 0
    if args.quick:
        args.tokens, args.steps, args.repeats, args.warmup = 20_000, 5, 1, 2
    print(
        f"corpus: {'PTB train' if PTB.exists() else 'data/corpus.en.txt'}, first "
        f"{args.tokens:,} tokens; V={V:,}, E={E}, U={U}, T={args.seq_len}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    runs = {"a": [], "b": [], "bf": [], "bf256": [], "b10": [], "peak": [], "peak_bf16": []}
    tmp = tempfile.TemporaryDirectory()
    small = str(write_corpus(Path(tmp.name) / "small.txt", args.tokens))
    large = write_corpus(Path(tmp.name) / "large.txt", args.tokens * 10)
    # one vocabulary of V = 10,000 for every run, so (a) and (b) train the same model
    from llm_tf.text.lm_data import count_tokens
    from llm_tf.text.tokenizers import Tokenizer
    from llm_tf.text.vocab import Vocabulary

    vocab = Vocabulary.from_counts(
        count_tokens(PTB if PTB.exists() else large, Tokenizer("space")), max_size=V
    )
    vocab.tokens += [f"<extra{i}>" for i in range(V - len(vocab))]  # pad a small corpus to V
    vocab = Vocabulary(vocab.tokens)
    vocab.save(Path(tmp.name) / "vocab.json")
    args.vocab, large = str(Path(tmp.name) / "vocab.json"), str(large)
    for r in range(args.repeats):
        peaks = spawn("matmul", args)
        runs["peak"].append(peaks["matmul_gflops"])
        runs["peak_bf16"].append(peaks["matmul_gflops_bf16"])
        runs["a"].append(spawn("listing", args, corpus=small))
        runs["b"].append(spawn("llmtf", args, corpus=small))
        runs["bf"].append(spawn("llmtf", args, corpus=small, output_matmuls=BF16))
        # and with twice the batch: the larger corpus, so that 35 steps fit in one epoch
        runs["bf256"].append(spawn("llmtf", args, corpus=large, output_matmuls=BF16,
                                   batch_size=2 * args.batch_size))
        runs["b10"].append(spawn("llmtf", args, corpus=large))
        print(
            f"repeat {r + 1}/{args.repeats}: a {runs['a'][-1]['tokens_per_s']:,.0f} tok/s, "
            f"b {runs['b'][-1]['tokens_per_s']:,.0f} tok/s, b with {BF16} "
            f"{runs['bf'][-1]['tokens_per_s']:,.0f} tok/s ({2 * args.batch_size} rows: "
            f"{runs['bf256'][-1]['tokens_per_s']:,.0f}), peak {runs['peak'][-1]:.0f} "
            f"GFLOP/s (bf16 {runs['peak_bf16'][-1]:.0f})",
            flush=True,
        )

    # the output layer's activation memory at two vocabulary sizes, fused and plain
    memory = {}
    kinds = {"fused": dict(fused=True), "plain": dict(fused=False),
             BF16: dict(fused=True, output_matmuls=BF16)}
    for vocab_size in (V, 5 * V):
        for kind, over in kinds.items():
            got = [spawn("output_memory", args, vocab_size=vocab_size, **over)
                   for _ in range(args.repeats)]
            memory[(vocab_size, kind)] = statistics.median(g["activation_mb"] for g in got)

    def med(key, field):
        return statistics.median(x[field] for x in runs[key])

    peak, peak_bf16 = statistics.median(runs["peak"]), statistics.median(runs["peak_bf16"])
    fpt = listing_lm_flops_per_token(V, E, U)
    out_fpt = 3.0 * 2 * U * V  # the output layer's share, bfloat16 in (b)'s variant
    # the variant's utilisation: the time its FLOPs would take at the peaks (the output
    # layer's at the bfloat16 peak, the LSTM's at the float32 one) over the time they took
    ideal_s = out_fpt / (peak_bf16 * 1e9) + (fpt - out_fpt) / (peak * 1e9)
    a_tps, b_tps = med("a", "tokens_per_s"), med("b", "tokens_per_s")
    bf_tps, bf_mem = med("bf", "tokens_per_s"), med("bf", "peak_rss_mb")
    bf2_tps = med("bf256", "tokens_per_s")
    a_mem, b_mem, b10_mem = (
        med("a", "peak_rss_mb"),
        med("b", "peak_rss_mb"),
        med("b10", "peak_rss_mb"),
    )
    res = {
        "listing_tokens_per_s": a_tps,
        "llmtf_tokens_per_s": b_tps,
        "speedup": b_tps / a_tps,
        "listing_peak_rss_mb": a_mem,
        "llmtf_peak_rss_mb": b_mem,
        "memory_ratio": b_mem / a_mem,
        "llmtf_10x_corpus_peak_rss_mb": b10_mem,
        "memory_growth_10x": b10_mem / b_mem - 1,
        "matmul_peak_gflops": peak,
        "matmul_peak_gflops_bf16": peak_bf16,
        "bf16_tokens_per_s": bf_tps,
        "bf16_speedup": bf_tps / a_tps,
        "bf16_peak_rss_mb": bf_mem,
        "bf16_memory_ratio": bf_mem / a_mem,
        "bf16_mfu": bf_tps * ideal_s,
        "bf16_double_batch": 2 * args.batch_size,
        "bf16_double_batch_tokens_per_s": bf2_tps,
        "bf16_double_batch_speedup": bf2_tps / a_tps,
        "bf16_double_batch_mfu": bf2_tps * ideal_s,
        "flops_per_token": fpt,
        "llmtf_mfu": b_tps * fpt / (peak * 1e9),
        "listing_mfu": a_tps * fpt / (peak * 1e9),
        "repeats": args.repeats,
        "batch_size_b": args.batch_size,
        "xla_b": not args.no_xla,
        "output_activation_mb": {f"V={v},{kind}": mb for (v, kind), mb in memory.items()},
    }
    print(f"\n{'':34}{'(a) listing':>14}{'(b) llm-tf':>14}")
    print(
        f"{'tokens/s (median)':34}{a_tps:>14,.0f}{b_tps:>14,.0f}   speedup {res['speedup']:.2f}x"
        f" (target >= 3x)"
    )
    print(
        f"{'peak RSS MB (median)':34}{a_mem:>14,.0f}{b_mem:>14,.0f}   ratio {res['memory_ratio']:.2f}"
        f" (target <= 0.20)"
    )
    print(
        f"{'model FLOP utilisation':34}{res['listing_mfu']:>14.1%}{res['llmtf_mfu']:>14.1%}"
        f"   of a {peak:.0f} GFLOP/s matmul peak (target >= 50%, aim 80%)"
    )
    print(
        f"(b) with --output-matmuls {BF16}: {bf_tps:,.0f} tokens/s, speedup "
        f"{res['bf16_speedup']:.2f}x (target >= 3x); peak RSS {bf_mem:,.0f} MB, ratio "
        f"{res['bf16_memory_ratio']:.2f}; utilisation {res['bf16_mfu']:.1%} (output layer "
        f"against the {peak_bf16:.0f} GFLOP/s bfloat16 peak, the LSTM against float32's)"
    )
    print(
        f"(b) with --output-matmuls {BF16} --batch-size {2 * args.batch_size}: {bf2_tps:,.0f} "
        f"tokens/s, speedup {res['bf16_double_batch_speedup']:.2f}x; utilisation "
        f"{res['bf16_double_batch_mfu']:.1%}"
    )
    print(
        f"(b) peak RSS on a 10x corpus ({args.tokens * 10:,} tokens): {b10_mem:,.0f} MB, "
        f"{res['memory_growth_10x']:+.1%} (target within 20%)"
    )
    print(f"(a)'s one-hot y_train alone: {runs['a'][0]['y_train_mb']:,.0f} MB")
    rows = args.batch_size * args.seq_len
    print(f"output layer + loss, forward and backward, {rows:,} rows, activation MB:")
    for kind in kinds:
        small, big = memory[(V, kind)], memory[(5 * V, kind)]
        grads = 4 * (5 * V - V) * U * 4 / 2**20  # the (D, V) gradient buffers grow anyway
        print(f"  {kind:11} V={V:,}: {small:7,.0f}   V={5 * V:,}: "
              f"{big:7,.0f}   growth {big - small:+,.0f} MB (gradient-sized buffers: "
              f"~{grads:,.0f} MB)")
    if args.json_out:
        args.json_out.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
