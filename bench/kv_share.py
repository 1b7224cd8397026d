"""§3.3, §4.3 ("Use 2"): cross-layer key/value sharing on Tiny Shakespeare, same time budget.

Brandon et al. (2024), "Reducing Transformer Key-Value Cache Size with Cross-Layer
Attention": groups of ``kv_share`` adjacent blocks reuse the keys and values of the
group's first block (``TransformerLM(..., kv_share=s)``, ``--kv-share`` on the
command line), so the generation cache holds ``layers / s`` key/value pairs instead
of ``layers``. The paper reports that sharing between 2 layers roughly halves the
cache for a small loss in perplexity. This script measures, for the nanoGPT-char
recipe's Transformer (4 x 128, 4 heads, context 64, batch 12, AdamW) trained by the
library (:func:`llm_tf.training.train`) for the same wall-clock budget
(``optim.time_budget``) with ``kv_share`` 1 (the baseline), 2 and 4:

- parameters and steps reached (from :func:`llm_tf.evaluation.summary.run_summary`);
- cache bytes per sequence, summed over the tensors of ``model.init_state(1)``;
- generation tokens/s: ``Decoder(model).generate`` of ``--gen-tokens`` tokens, greedy,
  median of 3 timed runs after a warm-up that compiles (the cache of ``max_len`` = 64
  slots fills and the context slides every 32 tokens, as in any long generation);
- validation loss (nats/char): the trainer's best validation loss, and the stream loss
  of the summary (every character given the text before it).

The machine's load average is printed before and after: on a shared machine the
steps reached under one budget vary with it, so compare rows of one run.

    python bench/kv_share.py                      # 300 s per model, kv_share 1 2 4
    python bench/kv_share.py --budget 600 --kv-share 1 2
    python bench/kv_share.py --quick              # a tiny slice, a few steps (seconds)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
QUICK_STEPS = 3


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:
        return "unavailable"


# ---- data: nanoGPT's 90/10 split of Tiny Shakespeare, written to two files
def shakespeare_files(folder: Path, quick: bool) -> dict:
    text = (DATA / "tinyshakespeare" / "input.txt").read_text(encoding="utf-8")
    n = int(0.9 * len(text))
    train, valid = text[:n], text[n:]
    if quick:
        train, valid = train[:10_000], valid[:1_000]
    (folder / "train.txt").write_text(train, encoding="utf-8")
    (folder / "valid.txt").write_text(valid, encoding="utf-8")
    return {"corpus": str(folder / "train.txt"), "val_corpus": str(folder / "valid.txt")}


# ---- config: the recipe, the files, this run's limits and kv_share
def config_for(files: dict, kv_share: int, args):
    from llm_tf.training import TrainConfig
    from llm_tf.training.recipes import load_recipe, merge

    given = {
        "data": files,
        "model": {"kv_share": kv_share},
        "optim": {"max_steps": None, "time_budget": args.budget},
        "runtime": {"jit_compile": args.jit},
        "seed": args.seed,
    }
    cfg = TrainConfig.from_dict(merge(load_recipe("nanogpt-char"), given))
    if args.quick:  # a tiny model (still 4 blocks, so kv_share 4 divides), a few steps
        cfg = cfg.replace(embedding_dim=32, max_steps=QUICK_STEPS, warmup_steps=1, time_budget=None)
    return cfg


# ---- measurements
def cache_bytes(model) -> int:
    """Bytes of the generation cache of one sequence: every tensor of ``init_state(1)``."""
    import tensorflow as tf

    return sum(int(np.prod(t.shape)) * t.dtype.size for t in tf.nest.flatten(model.init_state(1)))


def tokens_per_second(model, prompt: list[int], tokens: int, repeats: int = 3) -> float:
    """Greedy generation of ``tokens`` tokens: median of ``repeats`` after a warm-up."""
    from llm_tf.generation import Decoder

    decoder = Decoder(model)
    decoder.generate(prompt, max_tokens=tokens, temperature=0)  # compiles
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = decoder.generate(prompt, max_tokens=tokens, temperature=0)
        times.append(time.perf_counter() - t0)
    return len(out) / statistics.median(times)


def run_one(files: dict, kv_share: int, args, runs: Path) -> dict:
    from llm_tf.evaluation.summary import run_summary
    from llm_tf.text import lm_data
    from llm_tf.training import RunDir, train

    cfg = config_for(files, kv_share, args)
    out = runs / f"kv_share-{kv_share}"
    how = f"{cfg.optim.max_steps} steps" if cfg.optim.max_steps else f"{cfg.optim.time_budget} s"
    print(f"  kv_share {kv_share}: training for {how} ...", flush=True)
    quiet = contextlib.nullcontext() if args.verbose else contextlib.redirect_stdout(io.StringIO())
    with quiet:  # the trainer's model summary and progress lines
        train(cfg, out, verbose=2 if args.verbose else 0)
        summary = run_summary(out)
    run = RunDir(out)
    model = run.load_model(compile=False, which="best")
    prompt = [int(i) for i in np.asarray(lm_data.read_ids(run / "val.ids"))[:8]]
    best = run.state().get("best_val_loss")
    stream = summary.get("val_stream_perplexity")
    return {
        "kv_share": kv_share,
        "params": summary["parameters"],
        "steps": summary["steps"],
        "seconds": summary["wall_seconds"],
        "cache_bytes": cache_bytes(model),
        "tokens_per_s": tokens_per_second(model, prompt, args.gen_tokens),
        "val_loss": best,
        "val_stream": math.log(stream) if stream else None,
    }


def table(rows: list[dict]) -> str:
    base = rows[0]["cache_bytes"]
    lines = [
        f"{'kv_share':>8} {'params':>9} {'steps':>6} {'train s':>8} {'cache KiB':>10} "
        f"{'x base':>7} {'gen tok/s':>10} {'val loss':>9} {'val stream':>11}"
    ]

    def num(x, fmt):
        return format(x, fmt) if x is not None else "-"

    for r in rows:
        lines.append(
            f"{r['kv_share']:>8} {r['params']:>9,} {r['steps']:>6} {r['seconds']:>8.1f} "
            f"{r['cache_bytes'] / 1024:>10.1f} {r['cache_bytes'] / base:>7.2f} "
            f"{r['tokens_per_s']:>10.1f} {num(r['val_loss'], '>9.4f')} "
            f"{num(r['val_stream'], '>11.4f')}"
        )
    return "\n".join(lines)


# ---- main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--kv-share",
        type=int,
        nargs="+",
        default=[1, 2, 4],
        help="values to compare; each must divide the recipe's 4 layers",
    )
    p.add_argument(
        "--budget", type=float, default=300.0, help="training seconds per model (optim.time_budget)"
    )
    p.add_argument("--gen-tokens", type=int, default=200, help="tokens per timed generation")
    p.add_argument("--jit", action="store_true", help="XLA-compile the train step")
    p.add_argument("--quick", action="store_true", help="a tiny slice, a few steps (seconds)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", action="store_true", help="show the trainer's output")
    p.add_argument(
        "--runs",
        type=Path,
        default=None,
        help="keep the run folders here (default: a temporary folder, removed)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.gen_tokens = min(args.gen_tokens, 20)

    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    from llm_tf.errors import UserInputError

    print(f"load average before: {load_average()}", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="kv_share-") as tmp:
            files = shakespeare_files(Path(tmp), args.quick)
            runs = args.runs or Path(tmp) / "runs"
            rows = [run_one(files, s, args, runs) for s in args.kv_share]
    except UserInputError as e:  # e.g. a kv_share that does not divide the layers
        print(f"kv_share: {e}", file=sys.stderr)
        return 2
    print(
        f"\nTiny Shakespeare, nanogpt-char recipe{' (--quick)' if args.quick else ''}; "
        f"generation: {args.gen_tokens} tokens, greedy, median of 3; losses in nats/char"
    )
    print(table(rows))
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
