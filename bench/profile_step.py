"""Issue 11: the §5 training step profiled op by op, with TensorFlow's own profiler.

Trains the §5 model (Embedding(10000, 256) -> LSTM(128) -> output layer over 10,000
words) with the library trainer (:func:`llm_tf.training.train`, the same step as
``llm-tf train``, windows of ``--seq-len`` tokens, ``--batch-size`` windows), starts
``tf.profiler.experimental`` after ``--warmup`` steps and stops it ``--steps`` steps
later, then reads the trace it wrote (an ``XSpace`` protobuf, parsed with the
``xplane_pb2`` module TensorFlow ships, so no profiler plugin is needed) and prints
the ops that took the most time on the host's op threads: count, total and share.
With XLA on, the compiled step is one cluster whose fused kernels appear by their
HLO names (``fusion.12``, ``dot.3``, ...); ``--no-xla`` shows TensorFlow's own ops.

    python bench/profile_step.py                        # PTB's first 200k tokens, XLA on
    python bench/profile_step.py --no-xla --top 20
    python bench/profile_step.py --quick                # the embedded corpus, a few steps
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmark
from lstm_throughput import PTB, ROOT, write_corpus  # noqa: E402  (its PTB prefix writer)


def corpus_file(tmp: Path, tokens: int, quick: bool) -> Path:
    """PTB's first ``tokens`` tokens (when present; else the embedded English corpus)."""
    if quick or not PTB.exists():
        return ROOT / "data" / "corpus.en.txt"
    return write_corpus(tmp / "ptb.txt", tokens)


WAITS = ("BlockUntilReady",)


def op_times(logdir: Path) -> tuple[collections.Counter, collections.Counter, str]:
    """Self time (picoseconds) and count per event name over the host's threads."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    files = sorted(logdir.rglob("*.xplane.pb"))
    if not files:
        raise RuntimeError(f"no trace under {logdir}")
    space = xplane_pb2.XSpace()
    space.ParseFromString(files[-1].read_bytes())
    total, count = collections.Counter(), collections.Counter()
    source = ""
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        names = {k: m.name for k, m in plane.event_metadata.items()}
        for line in plane.lines:
            # the executor's op lines; XLA's CPU runtime reports its kernels on the same
            # threads (the step's own python/tf.function frames are left out)
            if "python" in line.name.lower():
                continue
            # self time: an event's duration less that of the events nested in it on
            # the same thread (executors and thunk runners wrap the kernels)
            events = sorted(line.events, key=lambda e: (e.offset_ps, -e.duration_ps))
            stack: list[list] = []  # [end, name, self_ps]

            def close(upto, stack=stack):
                while stack and stack[-1][0] <= upto:
                    _, nm, own = stack.pop()
                    total[nm] += own
                    count[nm] += 1

            for ev in events:
                close(ev.offset_ps)
                if stack:
                    stack[-1][2] -= ev.duration_ps
                stack.append([ev.offset_ps + ev.duration_ps, names.get(ev.metadata_id, "?"),
                              ev.duration_ps])
            close(float("inf"))
        source = plane.name
    for wait in WAITS:  # a thread blocked on the step is not work
        total.pop(wait, None)
    return total, count, source


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=200_000, help="PTB tokens to train on")
    p.add_argument("--seq-len", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--warmup", type=int, default=8, help="steps before the profiler starts")
    p.add_argument("--steps", type=int, default=10, help="steps profiled")
    p.add_argument("--no-xla", action="store_true", help="TensorFlow's ops instead of XLA's")
    p.add_argument("--no-fused-loss", action="store_true",
                   help="the plain output layer and loss instead of the fused, chunked one")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--quick", action="store_true", help="the embedded corpus, small batches")
    args = p.parse_args(argv)
    if args.quick:
        args.batch_size, args.seq_len, args.warmup, args.steps = 16, 16, 3, 3

    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    import io
    from contextlib import redirect_stdout

    import keras
    import tensorflow as tf

    from llm_tf.models import ModelConfig
    from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig, train

    class Profile(keras.callbacks.Callback):
        def __init__(self, logdir):
            super().__init__()
            self.logdir, self.seen, self.started, self.seconds = logdir, 0, None, 0.0

        def on_train_batch_begin(self, batch, logs=None):
            if self.seen == args.warmup:
                tf.profiler.experimental.start(str(self.logdir))
                self.started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.seen += 1
            if self.seen == args.warmup + args.steps:
                self.seconds = time.perf_counter() - self.started
                tf.profiler.experimental.stop()

    with tempfile.TemporaryDirectory(prefix="profile_step-") as tmp:
        tmp = Path(tmp)
        cfg = TrainConfig(
            data=DataConfig(corpus=str(corpus_file(tmp, args.tokens, args.quick)),
                            tokenizer="space", vocab_size=10_000, seq_len=args.seq_len,
                            batch_size=args.batch_size, stateful=False),
            model=ModelConfig(embedding_dim=256, units=128),
            optim=OptimConfig(epochs=1, max_steps=args.warmup + args.steps,
                              lr_schedule="constant", patience=0, learning_rate=1e-3,
                              clip_norm=None),
            runtime=RuntimeConfig(jit_compile=not args.no_xla,
                                  fused_loss=not args.no_fused_loss),
        )
        prof = Profile(tmp / "trace")
        with redirect_stdout(io.StringIO()):
            train(cfg, tmp / "run", verbose=0, callbacks=[prof])
        if not prof.started:
            print("profile_step: the corpus gave too few steps", file=sys.stderr)
            return 2
        total, count, source = op_times(tmp / "trace")
    tokens = args.steps * args.batch_size * args.seq_len
    all_ps = sum(total.values())
    print(f"§5 step, batch {args.batch_size} x {args.seq_len}, XLA "
          f"{'off' if args.no_xla else 'on'}, fused loss "
          f"{'off' if args.no_fused_loss else 'on'}: {args.steps} steps in {prof.seconds:.2f} s "
          f"({tokens / prof.seconds:,.0f} tokens/s while tracing); load average "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"self time on {source}'s threads, summed over threads: {all_ps / 1e12:.2f} s\n")
    print("| op (self time) | calls per step | ms per step | share |")
    print("|---|---:|---:|---:|")
    for name, ps in total.most_common(args.top):
        short = name.removeprefix("StatefulPartitionedCall/")
        short = short if len(short) <= 70 else "..." + short[-67:]
        print(f"| `{short}` | {count[name] / args.steps:.0f} | "
              f"{ps / 1e9 / args.steps:.2f} | {ps / all_ps:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
