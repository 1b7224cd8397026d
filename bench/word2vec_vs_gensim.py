"""Benchmark: llm-tf Word2Vec (skip-gram, negative sampling) and GloVe against gensim.

Same corpus and settings for both word2vec trainers: dim 100, window 5, 5
negatives, subsampling 1e-3, the same min_count and epochs; gensim with
``workers=2``. Each model is scored on WordSim-353 (Spearman, pairs with an
out-of-vocabulary word skipped) and on word2vec's questions-words.txt (3CosAdd
accuracy over covered questions), both files from gensim's test data.

Words/s is corpus tokens x epochs / wall seconds of the whole training call
(vocabulary pass included for both). gensim reads a list of token lists held in
memory; llm-tf streams the corpus file. Run (gensim is needed only here):

    .venv/bin/pip install -c constraints.txt -e ".[bench]"
    .venv/bin/python bench/word2vec_vs_gensim.py --repeats 3

The machine is shared: with --repeats N each figure is the median of N runs (seeds
seed, seed+1, ...), and the runs alternate between the trainers so that both see
the same load. ``--small 60000`` also measures both SGNS trainers on a small corpus,
the first 60,000 words (whole lines) of ``--corpus`` written to a temporary file, for
``--small-epochs`` (20) epochs, in the same run (a second table, and ``"small"`` in
``--json``): batching costs the most quality where there are few updates. GloVe is run with the paper's x_max = 100 and with x_max = 10, the
setting of GloVe's own demo.sh for small corpora.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time

from llm_tf.runtime import quiet_tensorflow_import

PTB = "/work/shared/data/ptb/ptb.train.txt.gz"


def read_sentences(path: str) -> list[list[str]]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.split() for line in f if line.strip()]


def first_words(path: str, n_words: int, out: str) -> str:
    """Write the first lines of ``path`` holding ``n_words`` words (whole lines) to ``out``."""
    opener = gzip.open if path.endswith(".gz") else open
    count = 0
    with opener(path, "rt", encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
        for line in f:
            g.write(line)
            count += len(line.split())
            if count >= n_words:
                break
    return out


def score(wv, wordsim: str, analogies: str) -> dict:
    from llm_tf.vectors import evaluate_analogies, evaluate_similarity

    sim = evaluate_similarity(wv, wordsim)
    ana = evaluate_analogies(wv, analogies)
    return {
        "spearman": sim.spearman,
        "sim_cov": f"{sim.covered}/{sim.pairs}",
        "analogy": ana.accuracy,
        "ana_cov": f"{ana.covered}/{ana.questions}",
    }


def run_llm_tf(args, n_tokens: int, seed: int) -> dict:
    from llm_tf.vectors import Word2Vec, Word2VecConfig

    cfg = Word2VecConfig(
        embedding_dim=args.dim,
        window=args.window,
        negative=args.negative,
        min_count=args.min_count,
        epochs=args.epochs,
        tokenizer="space",
        seed=seed,
        update=args.update,
        workers=args.workers,
    )
    w2v = Word2Vec(cfg)
    t0, c0 = time.perf_counter(), time.process_time()
    w2v.fit(args.corpus, verbose=0)  # the vocabulary pass included, as in gensim's call
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "wall": wall,
        "cpu": cpu,
        "words_s": n_tokens * args.epochs / wall,
        "wv": w2v.get_word_vectors(),
        "update": w2v.update_used,  # "batched" where the kernel did not build: say so
    }


def run_gensim(args, sentences, n_tokens: int, seed: int) -> dict:
    from gensim.models import Word2Vec as GensimWord2Vec

    from llm_tf.vectors import WordVectors

    t0, c0 = time.perf_counter(), time.process_time()
    model = GensimWord2Vec(
        sentences,
        vector_size=args.dim,
        window=args.window,
        negative=args.negative,
        min_count=args.min_count,
        epochs=args.epochs,
        sg=1,
        workers=2,
        seed=seed,
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    wv = WordVectors(list(model.wv.index_to_key), model.wv.vectors)
    return {"wall": wall, "cpu": cpu, "words_s": n_tokens * args.epochs / wall, "wv": wv}


def run_glove(args, n_tokens: int, seed: int, x_max: float) -> dict:
    from llm_tf.vectors import GloVe, GloVeConfig

    cfg = GloVeConfig(
        embedding_dim=args.dim,
        window=args.glove_window,
        min_count=args.min_count,
        epochs=args.glove_epochs,
        x_max=x_max,
        tokenizer="space",
        seed=seed,
    )
    glove = GloVe(cfg)
    t0, c0 = time.perf_counter(), time.process_time()
    glove.fit(args.corpus, verbose=0)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "wall": wall,
        "cpu": cpu,
        "words_s": n_tokens * args.glove_epochs / wall,
        "wv": glove.get_word_vectors(),
    }


def bench_corpus(args, sentences, wordsim, analogies, with_glove=True) -> dict:
    """Alternate the trainers over ``args.repeats`` seeds on ``args.corpus``; model -> runs."""
    n_tokens = sum(map(len, sentences))
    print(
        f"corpus {args.corpus}: {len(sentences)} lines, {n_tokens} tokens; "
        f"dim {args.dim}, window {args.window}, negative {args.negative}, "
        f"min_count {args.min_count}, epochs {args.epochs}, repeats {args.repeats}",
        flush=True,
    )
    only = args.only or ["llm-tf", "gensim", "glove"]
    if not with_glove:
        only = [o for o in only if o != "glove"]
    runners = {
        "llm-tf SGNS": ("llm-tf", lambda seed: run_llm_tf(args, n_tokens, seed)),
        "gensim SGNS (workers=2)": (
            "gensim",
            lambda seed: run_gensim(args, sentences, n_tokens, seed),
        ),
        f"llm-tf GloVe, x_max 100 ({args.glove_epochs} ep)": (
            "glove",
            lambda seed: run_glove(args, n_tokens, seed, 100.0),
        ),
        f"llm-tf GloVe, x_max 10 ({args.glove_epochs} ep)": (
            "glove",
            lambda seed: run_glove(args, n_tokens, seed, 10.0),
        ),
    }
    keys = [k for k, (tag, _) in runners.items() if tag in only]
    results: dict[str, list[dict]] = {k: [] for k in keys}
    for r in range(max(args.repeats, args.glove_repeats if "glove" in only else 0)):
        for k in keys:
            tag, run = runners[k]
            if r >= (args.glove_repeats if tag == "glove" else args.repeats):
                continue
            out = run(args.seed + r)
            out.update(score(out.pop("wv"), wordsim, analogies))
            results[k].append(out)
            print(
                f"  run {r + 1} {k}: {out['words_s']:,.0f} words/s, {out['wall']:.1f} s "
                f"(cpu {out['cpu']:.1f} s), WS353 {out['spearman']:.3f}, "
                f"analogy {out['analogy']:.3f}"
                + (f", update {out['update']}" if "update" in out else ""),
                flush=True,
            )
    return results


def report(results: dict, title: str) -> dict:
    """Print the table of medians (and the llm-tf / gensim ratio); model -> medians."""

    def med(k, f):
        return statistics.median(x[f] for x in results[k])

    print(f"\n{title}\n")
    print(
        "| model | words/s | train s | cpu s | WS353 Spearman (pairs) | analogy acc (questions) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for k in results:
        print(
            f"| {k} | {med(k, 'words_s'):,.0f} | {med(k, 'wall'):.1f} | {med(k, 'cpu'):.1f} | "
            f"{med(k, 'spearman'):.3f} ({results[k][0]['sim_cov']}) | "
            f"{med(k, 'analogy'):.3f} ({results[k][0]['ana_cov']}) |"
        )
    a, g = "llm-tf SGNS", "gensim SGNS (workers=2)"
    if a in results and g in results:
        print(
            f"\nspeed ratio llm-tf / gensim: {med(a, 'words_s') / med(g, 'words_s'):.2f} "
            f"(target >= 0.75; cpu-time ratio {med(g, 'cpu') / med(a, 'cpu'):.2f}); "
            f"Spearman difference: {med(a, 'spearman') - med(g, 'spearman'):+.3f} "
            "(target >= -0.02)"
        )
    figures = ("words_s", "wall", "cpu", "spearman", "analogy")
    medians = {k: {x: med(k, x) for x in figures} for k in results}
    for k, runs in results.items():  # which llm-tf update ran (the kernel, or the fallback)
        updates = sorted({x["update"] for x in runs if "update" in x})
        if updates:
            medians[k]["update"] = "/".join(updates)
    return medians


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=PTB)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--glove-epochs", type=int, default=15)
    p.add_argument("--glove-window", type=int, default=10)
    p.add_argument("--repeats", type=int, default=1, help="runs of each SGNS trainer")
    p.add_argument("--glove-repeats", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", choices=["llm-tf", "gensim", "glove"], action="append")
    p.add_argument("--small", type=int, default=0, metavar="WORDS",
                   help="also run the SGNS trainers on the first WORDS words of --corpus "
                   "(e.g. 60000)")
    p.add_argument("--small-epochs", type=int, default=20)
    p.add_argument("--small-repeats", type=int, default=0,
                   help="runs of each trainer on the small corpus (default: --repeats); its "
                   "WordSim-353 covers 67 pairs, so one seed's Spearman moves by ~0.02")
    p.add_argument("--skip-full", action="store_true",
                   help="with --small: only the small corpus")
    p.add_argument("--update", choices=["auto", "kernel", "batched"], default="auto",
                   help="llm-tf's update (Word2VecConfig.update): auto, the default, is the "
                   "compiled pair-by-pair kernel for skip-gram where it builds")
    p.add_argument("--workers", type=int, default=2,
                   help="the kernel update's threads (gensim's workers stay 2)")
    p.add_argument("--intra-op-threads", type=int, default=0,
                   help="TensorFlow's intra-op threads (0: its default); e.g. 1 with "
                   "--inter-op-threads 2, one thread per op and two ops at once")
    p.add_argument("--inter-op-threads", type=int, default=0)
    p.add_argument("--json", default=None,
                   help="also write the medians here (model -> figures, the small corpus's "
                   "under \"small\"; bench/run_all.py)")
    args = p.parse_args(argv)
    quiet_tensorflow_import()
    if args.intra_op_threads or args.inter_op_threads:  # before TensorFlow's first op
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.intra_op_threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)
        print(f"TensorFlow threads: intra-op {args.intra_op_threads}, "
              f"inter-op {args.inter_op_threads}")
    from gensim.test.utils import datapath

    wordsim, analogies = datapath("wordsim353.tsv"), datapath("questions-words.txt")
    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"({os.cpu_count()} CPUs)"
    )
    medians: dict = {}
    if not (args.small and args.skip_full):
        results = bench_corpus(args, read_sentences(args.corpus), wordsim, analogies)
        medians = report(results, f"{args.corpus}, {args.epochs} epochs")
    if args.small:
        with tempfile.TemporaryDirectory() as tmp:
            small = vars(args) | {"epochs": args.small_epochs,
                                  "repeats": args.small_repeats or args.repeats}
            small["corpus"] = first_words(args.corpus, args.small, os.path.join(tmp, "small.txt"))
            small = argparse.Namespace(**small)
            results = bench_corpus(small, read_sentences(small.corpus), wordsim, analogies,
                                   with_glove=False)
        medians["small"] = report(
            results, f"first {args.small:,} words of {args.corpus}, {args.small_epochs} epochs"
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(medians, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
