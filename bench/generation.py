"""§3.2.3 Transformer generation: per-token latency with the key/value cache vs recomputing.

Without a cache, the next token after N tokens costs a forward pass over all N
(what ``model.predict`` once per token does, compiled or not). With the cache
(:class:`llm_tf.generation.Decoder`) it costs one token's projections and one
attention row against a fixed ``max_len``-slot cache, inside one compiled
``tf.while_loop``. Measured, at context lengths N = 64, 256 and 1,024:

- cached: ``(time(generate(prompt of N, 2K tokens)) - time(generate(prompt of N, K))) / K``
  (greedy; the prompt's prefill cancels out), with and without XLA;
- recompute: one compiled (XLA) forward pass over N tokens, the cost of the
  next token without a cache.

Figures are medians over ``--repeats`` runs, after a warm-up that compiles.

    python bench/generation.py              # nanoGPT CPU-recipe size: 4 x 128, 4 heads
    python bench/generation.py --quick      # a tiny model, for a smoke run
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lengths", type=int, nargs="+", default=[64, 256, 1024])
    p.add_argument("--new-tokens", type=int, default=64, help="K tokens timed per measurement")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--vocab", type=int, default=65, help="65 = Tiny Shakespeare's characters")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="tiny model, short lengths")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = p.parse_args(argv)
    if args.quick:
        args.lengths, args.layers, args.dim, args.repeats, args.new_tokens = [16, 64], 1, 32, 2, 8

    from llm_tf.runtime import quiet_tensorflow_import, set_seed

    quiet_tensorflow_import()
    import numpy as np
    import tensorflow as tf

    from llm_tf.generation import Decoder
    from llm_tf.models import TransformerLM, stepping_view

    set_seed(args.seed)
    max_len = max(args.lengths) + 2 * args.new_tokens
    model = TransformerLM(
        args.vocab,
        max_len=max_len,
        embedding_dim=args.dim,
        num_layers=args.layers,
        num_heads=args.heads,
    )
    model.build((None, None))
    print(
        f"model: {args.layers} layers x {args.dim} dims, {args.heads} heads, vocab "
        f"{args.vocab}, max_len {max_len}, {model.count_params():,} parameters; "
        f"{args.new_tokens} new tokens per timing, median of {args.repeats}",
        flush=True,
    )
    rng = np.random.default_rng(args.seed)
    full_pass = tf.function(lambda ids: model.logits(ids)[:, -1], jit_compile=True)
    decoders = {
        "cached_xla": Decoder(stepping_view(model), jit_compile=True),
        "cached_plain": Decoder(stepping_view(model), jit_compile=False),
    }
    rows = []
    for n in args.lengths:
        prompt = rng.integers(1, args.vocab, size=n).tolist()
        row = {"tokens": n}
        for name, dec in decoders.items():
            k = args.new_tokens
            for m in (k, 2 * k):
                dec.generate(prompt, max_tokens=m, temperature=0)  # compile
            t_2k = median_time(
                lambda d=dec, k=k, p=prompt: d.generate(p, max_tokens=2 * k, temperature=0),
                args.repeats,
            )
            t_k = median_time(
                lambda d=dec, k=k, p=prompt: d.generate(p, max_tokens=k, temperature=0),
                args.repeats,
            )
            row[name + "_ms"] = 1e3 * max(t_2k - t_k, 1e-9) / k
        ids = tf.constant([prompt], tf.int32)
        full_pass(ids).numpy()  # compile
        row["recompute_ms"] = 1e3 * median_time(
            lambda i=ids: full_pass(i).numpy(), args.repeats * 4
        )
        row["speedup"] = row["recompute_ms"] / row["cached_xla_ms"]
        rows.append(row)
        print(
            f"N={n:5d}  cached (XLA) {row['cached_xla_ms']:7.3f} ms/token   cached (no XLA) "
            f"{row['cached_plain_ms']:7.3f}   recompute {row['recompute_ms']:7.3f}   "
            f"speed-up {row['speedup']:5.1f}x",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
