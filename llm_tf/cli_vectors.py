"""``llm-tf word2vec | glove | vectors ...``: word vectors from the command line (§3.1, §4.1).

    llm-tf word2vec --corpus PATH --out DIR [--dim 100 --window 5 --negative 5
                    --min-count 5 --epochs 5 --sg | --cbow]
    llm-tf glove    --corpus PATH --out DIR [--dim 100 --window 10 --epochs 15 ...]
    llm-tf vectors similar  --vectors FILE WORD [WORD ...] [--minus WORD ...] [--topn 10]
    llm-tf vectors evaluate --vectors FILE [--similarity TSV] [--analogy FILE]
    llm-tf vectors plot     --vectors FILE --out PNG WORD [WORD ...]
    llm-tf vectors projector --vectors FILE --out DIR

Training writes ``DIR/vectors.txt`` (word2vec text format), ``vocab.json``,
``config.json``, ``model.keras`` and ``DIR/projector/{vectors,metadata}.tsv``.
:func:`register` adds these parsers to the main CLI; each handler returns an exit
code. TensorFlow is imported only once the arguments have been checked, so
``--help`` and bad paths answer at once.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from llm_tf.errors import UserInputError


def _check_positive(args, *names):
    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserInputError(f"--{name.replace('_', '-')} must be >= 1, got {value}")


def _check_out_dir(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {path!r} exists and is not a folder")
    return out


def _add_corpus_args(p: argparse.ArgumentParser, dim: int, window: int, epochs: int) -> None:
    p.add_argument("--corpus", required=True, help="text file, .gz, or folder of .txt files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--dim", type=int, default=dim, help=f"vector size (default {dim})")
    p.add_argument("--window", type=int, default=window, help=f"context window (default {window})")
    p.add_argument("--min-count", type=int, default=5, help="drop rarer tokens (default 5)")
    p.add_argument("--max-vocab", type=int, default=None, help="keep the N most frequent tokens")
    p.add_argument("--epochs", type=int, default=epochs, help=f"passes (default {epochs})")
    p.add_argument("--tokenizer", default="auto", choices=["auto", "word", "space", "char"])
    p.add_argument("--lower", action="store_true", help="lower-case the text")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _report(wv, out: Path, seconds: float) -> None:
    wv.export_projector(out / "projector")
    print(f"{len(wv)} vectors of size {wv.dim} in {seconds:.1f} s -> {out / 'vectors.txt'}")
    print(f"projector files: {out / 'projector'}/vectors.tsv, metadata.tsv")
    for word in wv.words[: min(3, len(wv))]:
        near = ", ".join(f"{w} {s:.2f}" for w, s in wv.most_similar(word, topn=5))
        print(f"  {word}: {near}")


def run_word2vec(args) -> int:
    import time

    from llm_tf.corpus import corpus_files

    _check_positive(args, "dim", "window", "negative", "min_count", "epochs", "max_vocab")
    corpus_files(args.corpus)  # a missing or unreadable corpus fails before TensorFlow loads
    out = _check_out_dir(args.out)
    from llm_tf.word2vec import Word2Vec, Word2VecConfig

    config = Word2VecConfig(
        embedding_dim=args.dim,
        window=args.window,
        negative=args.negative,
        sg=not args.cbow,
        min_count=args.min_count,
        max_vocab=args.max_vocab,
        sample=args.sample,
        learning_rate=args.lr,
        epochs=args.epochs,
        tokenizer=args.tokenizer,
        lower=args.lower,
        seed=args.seed,
    )
    w2v = Word2Vec(config)
    start = time.perf_counter()
    w2v.fit(args.corpus, verbose=0 if args.quiet else "auto")
    seconds = time.perf_counter() - start
    w2v.save(out)
    _report(w2v.get_word_vectors(), out, seconds)
    return 0


def run_glove(args) -> int:
    import time

    from llm_tf.corpus import corpus_files

    _check_positive(args, "dim", "window", "min_count", "epochs", "max_vocab", "batch_size")
    for name in ("x_max", "alpha", "lr"):
        if not getattr(args, name) > 0:
            raise UserInputError(
                f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}"
            )
    corpus_files(args.corpus)
    out = _check_out_dir(args.out)
    from llm_tf.glove import GloVe, GloVeConfig

    config = GloVeConfig(
        embedding_dim=args.dim,
        window=args.window,
        min_count=args.min_count,
        max_vocab=args.max_vocab,
        x_max=args.x_max,
        alpha=args.alpha,
        learning_rate=args.lr,
        epochs=args.epochs,
        batch_size=args.batch_size,
        tokenizer=args.tokenizer,
        lower=args.lower,
        seed=args.seed,
    )
    glove = GloVe(config)
    start = time.perf_counter()
    cooc = glove.count(args.corpus)
    print(f"co-occurrences: {cooc.nnz} nonzero cells over {len(glove.vocab)} words")
    glove.fit(verbose=0 if args.quiet else "auto")
    seconds = time.perf_counter() - start
    glove.save(out)
    _report(glove.get_word_vectors(), out, seconds)
    return 0


def _load(path: str):
    from llm_tf.vectors import WordVectors

    return WordVectors.load_word2vec_format(path)


def run_similar(args) -> int:
    _check_positive(args, "topn")
    wv = _load(args.vectors)
    for word, score in wv.most_similar(positive=args.words, negative=args.minus, topn=args.topn):
        print(f"{word}\t{score:.4f}")
    return 0


def run_evaluate(args) -> int:
    from llm_tf.vector_eval import evaluate_analogies, evaluate_similarity

    if not args.similarity and not args.analogy:
        raise UserInputError("vectors evaluate needs --similarity TSV and/or --analogy FILE")
    wv = _load(args.vectors)
    if args.similarity:
        r = evaluate_similarity(wv, args.similarity, lower=not args.case_sensitive)
        print(
            f"similarity {Path(args.similarity).name}: Spearman {r.spearman:.4f} on "
            f"{r.covered}/{r.pairs} pairs ({r.skipped} skipped as out of vocabulary)"
        )
    if args.analogy:
        r = evaluate_analogies(wv, args.analogy, lower=not args.case_sensitive)
        print(
            f"analogy {Path(args.analogy).name}: accuracy {r.accuracy:.4f} ({r.correct}/"
            f"{r.covered}) on {r.covered}/{r.questions} questions ({r.skipped} skipped as out "
            "of vocabulary)"
        )
        for name, (ok, total) in r.sections.items():
            print(f"  {name}: {ok}/{total}")
    return 0


def run_plot(args) -> int:
    from llm_tf.vector_eval import plot_pca

    wv = _load(args.vectors)
    missing = [w for w in args.words if w not in wv]
    if missing:
        print(f"not in the vocabulary, left out: {' '.join(missing)}")
    path = plot_pca(wv, args.words, args.out, title=os.path.basename(args.vectors))
    print(f"PCA plot of {len(args.words) - len(missing)} words -> {path}")
    return 0


def run_projector(args) -> int:
    wv = _load(args.vectors)
    vec, meta = wv.export_projector(_check_out_dir(args.out))
    print(f"{len(wv)} vectors -> {vec}, {meta}")
    return 0


def register(subparsers) -> None:
    """Add the ``word2vec``, ``glove`` and ``vectors`` commands to an argparse subparsers object."""
    p = subparsers.add_parser(
        "word2vec", help="train skip-gram / CBOW word vectors (§3.1.1)",
        description="Train skip-gram (default) or CBOW word vectors with negative sampling "
        "(§3.1.1, §4.1.1); writes vectors.txt (word2vec text format), vocab.json, "
        "model.keras and TensorBoard projector files to --out."
    )
    _add_corpus_args(p, dim=100, window=5, epochs=5)
    p.add_argument("--negative", type=int, default=5, help="noise words per pair (default 5)")
    p.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold (0: off)")
    p.add_argument("--lr", type=float, default=None, help="start rate (0.025 sg, 0.05 cbow)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--sg", action="store_true", help="skip-gram (default)")
    mode.add_argument("--cbow", action="store_true", help="continuous bag of words")
    p.set_defaults(func=run_word2vec)

    p = subparsers.add_parser(
        "glove", help="train GloVe word vectors (§3.1.2)",
        description="Count co-occurrences (1/d weighted, sparse, streamed) and fit the GloVe "
        "paper's weighted least squares with AdaGrad (§3.1.2; see docs/errata.md for §4.1.2); "
        "writes vectors.txt (W + W~) to --out."
    )
    _add_corpus_args(p, dim=100, window=10, epochs=15)
    p.add_argument("--x-max", type=float, default=100.0, help="weighting cut-off (default 100)")
    p.add_argument("--alpha", type=float, default=0.75, help="weighting exponent (default 0.75)")
    p.add_argument("--lr", type=float, default=0.05, help="AdaGrad rate (default 0.05)")
    p.add_argument("--batch-size", type=int, default=4096, help="cells per step")
    p.set_defaults(func=run_glove)

    p = subparsers.add_parser("vectors", help="query, evaluate, plot word vectors")
    sub = p.add_subparsers(dest="vectors_command", required=True)
    q = sub.add_parser("similar", help="nearest words by cosine")
    q.add_argument("--vectors", required=True, help="word2vec text format file")
    q.add_argument("words", nargs="+", metavar="WORD", help="word(s) to add")
    q.add_argument("--minus", nargs="*", default=[], metavar="WORD", help="word(s) to subtract")
    q.add_argument("--topn", type=int, default=10)
    q.set_defaults(func=run_similar)
    q = sub.add_parser("evaluate", help="WordSim-style Spearman and analogy accuracy")
    q.add_argument("--vectors", required=True)
    q.add_argument("--similarity", help="TSV of word1, word2, score")
    q.add_argument("--analogy", help="file in questions-words.txt format")
    q.add_argument("--case-sensitive", action="store_true", help="do not lower-case lookups")
    q.set_defaults(func=run_evaluate)
    q = sub.add_parser("plot", help="2-D PCA projection of chosen words, as PNG")
    q.add_argument("--vectors", required=True)
    q.add_argument("--out", required=True, help="PNG path")
    q.add_argument("words", nargs="+", metavar="WORD")
    q.set_defaults(func=run_plot)
    q = sub.add_parser("projector", help="vectors.tsv + metadata.tsv for the TensorBoard projector")
    q.add_argument("--vectors", required=True)
    q.add_argument("--out", required=True, help="output folder")
    q.set_defaults(func=run_projector)
