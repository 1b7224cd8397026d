"""Every speed benchmark in one table: benchmark, figure, ours, peer or anchor, ratio, target, met.

Runs, one after another and each in its own process (so that one's memory and
threads do not colour the next):

- ``startup``: ``llm-tf --help``, a bare ``import tensorflow`` and ``llm-tf generate``
  of 20 tokens from a freshly trained tiny run (median of 3 each; anchors: the
  figures of issue 11, 0.08 s and 5.0 s);
- ``lstm_throughput.py``: the §5 training step against the listing as printed
  (tokens/s ratio, peak memory ratio, model FLOP utilisation against the float32
  matmul peak measured in the same run);
- ``lm_compare.py --models transformer``: the Transformer with the
  ``nanogpt-char`` recipe on Tiny Shakespeare, tokens/s against nanoGPT's
  17,000 (PyTorch on 2 cores, issue 11's figure) and the validation loss against
  nanoGPT's 1.92 at 2,000 iterations, or against nanoGPT measured on this machine
  (``--nanogpt-tokens-per-s``, ``--nanogpt-val-loss``: nanoGPT is not part of the
  project, so it is run by hand beside this script);
- ``generation.py``: cached generation against recomputing the whole context;
- ``word2vec_vs_gensim.py``: words/s and WordSim-353 against gensim
  (``workers=2``), only when gensim is installed
  (``pip install -e ".[bench]"``).

The table is printed and written as Markdown and JSON (``benchmark_table.md`` and
``benchmark_table.json`` under ``--out``, by default ``docs/``); the load average is
taken before and after. ``--quick`` shrinks every benchmark (a few minutes on 2
cores: a smoke run, its figures are not the benchmark's); a slow-marked test runs it.

    .venv/bin/python bench/run_all.py               # the real figures (about an hour)
    .venv/bin/python bench/run_all.py --quick --out /tmp/table
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable
LLM_TF = [PY, "-m", "llm_tf.cli"]
# nanoGPT's CPU recipe on 2 cores: issue 11's figures, or --nanogpt-* measured side by side
NANOGPT = {"tokens_per_s": 17_000.0, "val_loss": 1.92, "source": "issue 11's figure"}


@dataclass
class Row:
    benchmark: str
    figure: str
    ours: float | None
    peer: float | None  # a peer's figure or an anchor (None: none)
    peer_name: str
    target: str  # e.g. ">= 1.5x peer", "<= 0.2x peer", ">= 0.5"
    met: bool | None  # None: no target, or not measured
    unit: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.peer:
            return None
        return self.ours / self.peer


def judge(ours: float | None, peer: float | None, op: str, level: float,
          of_peer: bool = True) -> bool | None:
    """``ours`` against ``level`` (times ``peer`` when ``of_peer``) with ``op``."""
    if ours is None or (of_peer and not peer):
        return None
    value = ours / peer if of_peer else ours
    return value >= level if op == ">=" else value <= level


def run(cmd: list[str], timeout: float, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run one benchmark process, its output echoed as it comes; raise on failure."""
    print("$ " + " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], cwd=ROOT, text=True, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})
    sys.stdout.write(proc.stdout[-3000:])
    if proc.returncode:
        raise RuntimeError(f"{cmd[1] if len(cmd) > 1 else cmd[0]} exited with "
                           f"{proc.returncode}")
    return proc


def median_seconds(cmd: list[str], repeats: int) -> float:
    """Median wall time of ``repeats`` runs after one untimed run (which reads the files
    into the page cache: a cold first start took 0.19 s for --help against 0.08-0.10)."""
    times = []
    for i in range(repeats + 1):
        t = time.perf_counter()
        subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        if i:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


# ---- the benchmarks: each returns its rows
def startup(tmp: Path, quick: bool) -> list[Row]:
    run_dir = tmp / "tiny-run"
    run(LLM_TF + ["train", "--corpus", "data/corpus.en.txt", "--out", run_dir, "--epochs", "1",
                  "--max-steps", "3", "--embedding-dim", "16", "--units", "16"], 600)
    reps = 3
    help_s = median_seconds([ROOT / ".venv" / "bin" / "llm-tf", "--help"]
                            if (ROOT / ".venv" / "bin" / "llm-tf").exists()
                            else LLM_TF + ["--help"], reps)
    import_s = median_seconds([PY, "-c", "import tensorflow"], reps)
    gen_s = median_seconds(LLM_TF + ["generate", "--model", run_dir, "--prompt", "the",
                                     "--max-tokens", "20", "--seed", "0"], reps)
    return [
        Row("startup", "llm-tf --help", help_s, 0.08, "issue 11's figure", "<= 2x anchor",
            judge(help_s, 0.08, "<=", 2.0), "s"),
        Row("startup", "llm-tf generate, 20 tokens, whole process", gen_s, import_s,
            "bare import tensorflow", "<= 1.5x peer", judge(gen_s, import_s, "<=", 1.5), "s"),
    ]


def lstm_throughput(tmp: Path, quick: bool) -> list[Row]:
    out = tmp / "lstm.json"
    run([PY, BENCH / "lstm_throughput.py", "--json-out", out] + (["--quick"] if quick else []),
        3600)
    r = json.loads(out.read_text())
    peak = r["matmul_peak_gflops"]
    return [
        Row("§5 training step", "tokens/s, llm-tf train vs the listing as printed",
            r["llmtf_tokens_per_s"], r["listing_tokens_per_s"], "the listing",
            ">= 3x peer", judge(r["llmtf_tokens_per_s"], r["listing_tokens_per_s"], ">=", 3.0),
            "tokens/s"),
        Row("§5 training step", "peak memory (RSS), llm-tf train vs the listing",
            r["llmtf_peak_rss_mb"], r["listing_peak_rss_mb"], "the listing", "<= 0.2x peer",
            judge(r["llmtf_peak_rss_mb"], r["listing_peak_rss_mb"], "<=", 0.2), "MB"),
        Row("§5 training step", f"model FLOP utilisation (of a {peak:.0f} GFLOP/s matmul peak)",
            r["llmtf_mfu"], None, "", ">= 0.5", judge(r["llmtf_mfu"], None, ">=", 0.5, False)),
        Row("§5 training step", "output layer + loss activation memory (fused), V=50,000 vs "
            "10,000 (the rest of the growth: (D, V) gradient buffers)",
            r["output_activation_mb"]["V=50000,fused"], r["output_activation_mb"]["V=10000,fused"],
            "V=10,000", "<= 1.5x peer",
            judge(r["output_activation_mb"]["V=50000,fused"],
                  r["output_activation_mb"]["V=10000,fused"], "<=", 1.5), "MB"),
        Row("§5 training step", "tokens/s, llm-tf train --output-matmuls onednn-bf16 vs the "
            "listing", r["bf16_tokens_per_s"], r["listing_tokens_per_s"], "the listing",
            ">= 3x peer", judge(r["bf16_tokens_per_s"], r["listing_tokens_per_s"], ">=", 3.0),
            "tokens/s"),
        Row("§5 training step", "peak memory (RSS), --output-matmuls onednn-bf16 vs the listing",
            r["bf16_peak_rss_mb"], r["listing_peak_rss_mb"], "the listing", "<= 0.2x peer",
            judge(r["bf16_peak_rss_mb"], r["listing_peak_rss_mb"], "<=", 0.2), "MB"),
        Row("§5 training step", "model FLOP utilisation, --output-matmuls onednn-bf16 (output "
            f"layer against the {r['matmul_peak_gflops_bf16']:.0f} GFLOP/s bfloat16 peak)",
            r["bf16_mfu"], None, "", ">= 0.5", judge(r["bf16_mfu"], None, ">=", 0.5, False)),
        Row("§5 training step", "tokens/s, --output-matmuls onednn-bf16 --batch-size "
            f"{r['bf16_double_batch']} vs the listing", r["bf16_double_batch_tokens_per_s"],
            r["listing_tokens_per_s"], "the listing", ">= 3x peer",
            judge(r["bf16_double_batch_tokens_per_s"], r["listing_tokens_per_s"], ">=", 3.0),
            "tokens/s"),
        Row("§5 training step", "model FLOP utilisation, --output-matmuls onednn-bf16 "
            f"--batch-size {r['bf16_double_batch']}", r["bf16_double_batch_mfu"], None, "",
            ">= 0.5", judge(r["bf16_double_batch_mfu"], None, ">=", 0.5, False)),
        Row("§5 training step", "output layer + loss activation memory (onednn-bf16), V=50,000 "
            "vs 10,000", r["output_activation_mb"]["V=50000,onednn-bf16"],
            r["output_activation_mb"]["V=10000,onednn-bf16"], "V=10,000", "<= 1.5x peer",
            judge(r["output_activation_mb"]["V=50000,onednn-bf16"],
                  r["output_activation_mb"]["V=10000,onednn-bf16"], "<=", 1.5), "MB"),
        Row("§5 training step", "peak memory growth on a 10x corpus",
            r["memory_growth_10x"], None, "", "<= 0.2",
            judge(r["memory_growth_10x"], None, "<=", 0.2, False)),
    ]


def transformer_vs_nanogpt(tmp: Path, quick: bool, nanogpt: dict = NANOGPT) -> list[Row]:
    """The nanoGPT recipe trained by the library, medians over seeds 1-3 (one with
    ``--quick``): a seed moves the validation loss by about 0.01 nats/char (session 12:
    1.899-1.908 ours, 1.896-1.905 nanoGPT's), as much as the two differ."""
    out = tmp / "lm.jsonl"
    seeds = (1,) if quick else (1, 2, 3)
    for seed in seeds:
        cmd = [PY, BENCH / "lm_compare.py", "--dataset", "shakespeare", "--models",
               "transformer", "--jit", "--seed", str(seed), "--json", out]
        run(cmd + (["--quick"] if quick else []), 3600)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows = [r for r in rows if r.get("model") == "transformer"]
    tps = statistics.median(r["tokens_per_s"] for r in rows)
    losses = [r["val_window"] for r in rows if r.get("val_window") is not None]
    loss = statistics.median(losses) if losses else None
    of = f"median of {len(rows)} seeds, " if len(rows) > 1 else ""
    return [
        Row("Transformer vs nanoGPT", f"training tokens/s ({of}{rows[0]['iters']} iterations)",
            tps, nanogpt["tokens_per_s"], f"nanoGPT, CPU, 2 cores: {nanogpt['source']}",
            ">= 1.5x peer", judge(tps, nanogpt["tokens_per_s"], ">=", 1.5), "tokens/s"),
        Row("Transformer vs nanoGPT", f"validation loss, nats/char ({of}window)", loss,
            nanogpt["val_loss"], f"nanoGPT at 2,000 iterations: {nanogpt['source']}",
            "<= 1.0x peer", None if quick else judge(loss, nanogpt["val_loss"], "<=", 1.0)),
    ]


def generation(tmp: Path, quick: bool) -> list[Row]:
    out = tmp / "generation.json"
    run([PY, BENCH / "generation.py", "--json", out] + (["--quick"] if quick else []), 1800)
    last = json.loads(out.read_text())[-1]
    return [Row("generation", f"ms/token, cached (XLA), context {last['tokens']}",
                last["cached_xla_ms"], last["recompute_ms"], "recomputing the context",
                "<= 1.0x peer", judge(last["cached_xla_ms"], last["recompute_ms"], "<=", 1.0),
                "ms")]


def word2vec(tmp: Path, quick: bool) -> list[Row]:
    try:
        import gensim  # noqa: F401
    except ImportError:
        return [Row("word2vec vs gensim", "skipped: pip install -e '.[bench]'",
                    None, None, "gensim", ">= 0.75x peer", None)]
    out = tmp / "w2v.json"
    cmd = [PY, BENCH / "word2vec_vs_gensim.py", "--only", "llm-tf", "--only", "gensim",
           "--json", out]
    if quick:
        small = tmp / "small.txt"
        small.write_text((ROOT / "data" / "corpus.en.txt").read_text(encoding="utf-8"),
                         encoding="utf-8")
        cmd += ["--corpus", small, "--epochs", "1", "--min-count", "1"]
    else:  # medians of 9 seeds on PTB and on its first 60,000 words (20 epochs): issue 11
        # asks for 3 or more, and one seed moves WordSim-353 by 0.01-0.02 on PTB (237
        # pairs: 0.155-0.178 over 9 seeds in session 12) and by ~0.02 on the small corpus
        cmd += ["--repeats", "9", "--small", "60000", "--small-repeats", "9"]
    run(cmd, 3600)
    r = json.loads(out.read_text())
    rows = []
    for corpus, figures in (("PTB", r), ("60k words of PTB", r.get("small"))):
        if not figures:
            continue
        ours, peer = figures["llm-tf SGNS"], figures["gensim SGNS (workers=2)"]
        where = ("" if quick else f", {corpus}") + f" (update: {ours.get('update', '?')})"
        rows += [
            Row("word2vec vs gensim", f"words/s{where}", ours["words_s"], peer["words_s"],
                "gensim, workers=2", ">= 0.75x peer", judge(ours["words_s"], peer["words_s"],
                                                           ">=", 0.75), "words/s"),
            Row("word2vec vs gensim", f"WordSim-353 Spearman (difference){where}",
                ours["spearman"], peer["spearman"], "gensim", ">= peer - 0.02",
                None if quick else ours["spearman"] >= peer["spearman"] - 0.02),
        ]
    return rows


BENCHMARKS = {"startup": startup, "lstm": lstm_throughput, "transformer": transformer_vs_nanogpt,
              "generation": generation, "word2vec": word2vec}


def fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def markdown(rows: list[Row]) -> list[str]:
    lines = ["| benchmark | figure | ours | peer or anchor | ratio | target | met |",
             "|---|---|---:|---:|---:|---|:-:|"]
    for r in rows:
        unit = f" {r.unit}" if r.unit and r.ours is not None else ""
        peer = f"{fmt(r.peer)} ({r.peer_name})" if r.peer is not None else (r.peer_name or "-")
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        met = {True: "yes", False: "**no**", None: "-"}[r.met]
        lines.append(f"| {r.benchmark} | {r.figure} | {fmt(r.ours)}{unit} | {peer} | {ratio} | "
                     f"{r.target} | {met} |")
    return lines


def cpu_model() -> str:
    """The CPU's model name (figures move a lot between machines: say which one)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="every benchmark shrunk (smoke run)")
    p.add_argument("--only", choices=sorted(BENCHMARKS), action="append",
                   help="run only these (repeatable)")
    p.add_argument("--out", type=Path, default=ROOT / "docs",
                   help="folder of benchmark_table.md / .json (default: docs/)")
    p.add_argument("--nanogpt-tokens-per-s", type=float, default=None, metavar="X",
                   help="nanoGPT's tokens/s measured on this machine (its CPU recipe, run by "
                   "hand beside this script: docs/benchmarks.md says how); default: issue "
                   "11's 17,000, taken on another machine")
    p.add_argument("--nanogpt-val-loss", type=float, default=None, metavar="X",
                   help="nanoGPT's validation loss at 2,000 iterations in that run (default "
                   "1.92); both figures medians over seeds, as ours are (seeds 1-3)")
    args = p.parse_args(argv)
    benchmarks = dict(BENCHMARKS)
    if args.nanogpt_tokens_per_s or args.nanogpt_val_loss:
        measured = NANOGPT | {"source": "measured on this machine"}
        measured["tokens_per_s"] = args.nanogpt_tokens_per_s or NANOGPT["tokens_per_s"]
        measured["val_loss"] = args.nanogpt_val_loss or NANOGPT["val_loss"]
        benchmarks["transformer"] = functools.partial(transformer_vs_nanogpt, nanogpt=measured)
    load_before, start = os.getloadavg(), time.perf_counter()
    rows: list[Row] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="run_all-") as tmp:
        for name in args.only or list(benchmarks):
            print(f"\n== {name}", flush=True)
            try:
                rows += benchmarks[name](Path(tmp), args.quick)
            except (RuntimeError, subprocess.SubprocessError, OSError, KeyError,
                    ValueError) as e:
                failed.append(name)
                print(f"run_all: {name} failed: {e}", file=sys.stderr, flush=True)
    if args.quick:  # shrunk runs say nothing about the targets
        for r in rows:
            r.met = None
    load_after = os.getloadavg()
    minutes = (time.perf_counter() - start) / 60
    head = (f"`python bench/run_all.py{' --quick' if args.quick else ''}` "
            f"({time.strftime('%Y-%m-%d')}, {minutes:.1f} min, Python "
            f"{platform.python_version()}, {os.cpu_count()} CPU cores ({cpu_model()}); load "
            f"average 1 / 5 / 15 min {' / '.join(f'{x:.2f}' for x in load_before)} before, "
            f"{' / '.join(f'{x:.2f}' for x in load_after)} after)"
            + (" - a smoke run: its figures are not the benchmarks'" if args.quick else ""))
    lines = [head, "", *markdown(rows)]
    print("\n" + "\n".join(lines))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmark_table.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "benchmark_table.json").write_text(json.dumps(
        {"header": head, "failed": failed,
         "rows": [{**asdict(r), "ratio": r.ratio} for r in rows]}, indent=1, ensure_ascii=False),
        encoding="utf-8")
    print(f"\nwritten to {args.out / 'benchmark_table.md'} and .json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
