"""``llm-tf word2vec | glove | vectors ...``: word vectors from the command line (§3.1, §4.1).

    llm-tf word2vec --corpus PATH --out DIR [--dim 100 --window 5 --negative 5
                    --min-count 5 --epochs 5 --sg | --cbow]
    llm-tf glove    --corpus PATH --out DIR [--dim 100 --window 10 --epochs 15 ...]
    llm-tf vectors similar  --vectors FILE [WORD ...] [--plus WORD] [--minus WORD] [--topn 10]
    llm-tf vectors evaluate --vectors FILE [--similarity TSV] [--analogy FILE] [--json]
    llm-tf vectors plot     --vectors FILE --out PNG WORD [WORD ...]
    llm-tf vectors projector --vectors FILE --out DIR

The training flags are made from the fields of ``Word2VecConfig`` / ``GloVeConfig``
(:mod:`llm_tf.vectors.config`), which check the values themselves. Training writes
``DIR/vectors.txt`` (word2vec text format), ``vocab.json``, ``config.json``,
``model.keras`` and ``DIR/projector/{vectors,metadata}.tsv``. :func:`register` adds
these parsers to the main CLI; each handler returns an exit code. TensorFlow is
imported only once the arguments and the corpus path have been checked, so
``--help``, bad values and bad paths answer at once. ``--json`` prints the figures as
one JSON object; ``--quiet`` leaves only the result lines.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from llm_tf.cli.common import (
    add_command,
    add_config_args,
    add_overwrite_arg,
    check_out,
    clear_out,
    count,
    given,
    note_device,
    removed_on_error,
    show_usage,
)
from llm_tf.errors import UserInputError
from llm_tf.runtime import quiet_tensorflow_import

if TYPE_CHECKING:
    from llm_tf.vectors import WordVectors

# llm_tf.vectors (numpy, the configs, the evaluation) is imported in the functions that
# use it, so that `llm-tf --help`, which lists this family's commands, does not load it

PROJECTOR_FILES = ("vectors.tsv", "metadata.tsv")


def _check_text(path: str, what: str) -> str:
    """A file the user named: there, a file, and UTF-8 text (from its first 64 KiB)."""
    from llm_tf.text.corpus import sniff_text_file

    sniff_text_file(path, what)
    return path


def _field_help(config_cls, name: str) -> str:
    return next(f.metadata["help"] for f in dataclasses.fields(config_cls) if f.name == name)


def _add_run_args(p: argparse.ArgumentParser) -> None:
    """The flags of a training command that are not settings of the trainer."""
    p.add_argument("--corpus", required=True, help="text file, .gz, or folder of .txt files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--json", action="store_true",
                   help="print the result (vector count, size, seconds, files, neighbours of "
                   "the first words) as one JSON object")
    p.add_argument("--quiet", action="store_true",
                   help="no device, counting or progress lines: only the result lines")
    add_overwrite_arg(p)
    p.add_argument("--resume", action="store_true",
                   help="continue the stopped run in --out from its last epoch, with its "
                   "saved settings (after a crash, a kill or Ctrl-C)")


def _prepare(args, config_cls):
    """The config from the flags given, and the output folder: both checked before TensorFlow loads."""
    from llm_tf.text.corpus import corpus_files

    config = config_cls(**given(args, config_cls))  # its __post_init__ checks every value
    corpus_files(args.corpus)  # a missing or unreadable corpus fails here
    if not args.resume:
        stale = check_out(args.out, args.overwrite, others_ok=True)  # not over another run
        clear_out(args.out, stale)
    quiet_tensorflow_import()  # only now: training needs TensorFlow
    return config, Path(args.out)


def _verbose(args):
    return 0 if args.quiet or args.json else "auto"


def _say(args, text: str) -> None:
    """A progress line: on stdout, on stderr with ``--json``, nowhere with ``--quiet``."""
    if not args.quiet:
        print(text, file=sys.stderr if args.json else sys.stdout)


def _epochs_done(out: Path, resume: bool) -> int:
    """Epochs a resumed run had finished before this process (0 for a new run)."""
    from llm_tf.training.callbacks import read_state

    state = read_state(out) if resume else None
    return state["epoch"] if state else 0


def _finish(trainer, out: Path, seconds: float, as_json: bool = False, epochs: int = 0) -> int:
    """Save and report; ``epochs``: those this process trained (for the words/s figure)."""
    trainer.save(out)
    wv = trainer.get_word_vectors()
    wv.export_projector(out / "projector")
    near = {word: wv.most_similar(word, topn=5) for word in wv.words[: min(3, len(wv))]}
    # in-vocabulary corpus tokens times the epochs run, over the whole time (vocabulary
    # pass included), as gensim reports its words/s
    words = sum(trainer.vocab.counts.values()) * epochs
    rate = words / seconds if seconds > 0 else 0.0
    if as_json:
        update = getattr(trainer, "update_used", None)  # word2vec's: kernel or batched
        print(json.dumps({"vectors": len(wv), "dim": wv.dim, "seconds": round(seconds, 2),
                          "epochs_trained": epochs, "words_per_second": round(rate),
                          **({"update": update} if update else {}),
                          "vectors_file": str(out / "vectors.txt"),
                          "projector": str(out / "projector"),
                          "neighbours": {w: [[n, round(float(s), 4)] for n, s in pairs]
                                         for w, pairs in near.items()}},
                         ensure_ascii=False))
        return 0
    print(f"{len(wv)} vectors of size {wv.dim} in {seconds:.1f} s ({rate:,.0f} words/s) -> "
          f"{out / 'vectors.txt'}")
    print(f"projector files: {out / 'projector'}/vectors.tsv, metadata.tsv")
    for word, pairs in near.items():
        print(f"  {word}: " + ", ".join(f"{w} {s:.2f}" for w, s in pairs))
    return 0


def _training_output(args):
    """Keras' own lines go to stderr with ``--json`` (stdout carries the object alone)."""
    return contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()


def run_word2vec(args) -> int:
    from llm_tf.vectors import Word2VecConfig

    config, out = _prepare(args, Word2VecConfig)
    from llm_tf.vectors.word2vec import Word2Vec

    w2v = Word2Vec(config)
    with removed_on_error(out):  # train_run holds the run lock: one writer per --out folder
        start = time.perf_counter()
        done = _epochs_done(out, args.resume)
        if not args.resume:  # a resumed run's folder is checked first: bad input is one line
            w2v.build_vocab(args.corpus)  # a --min-count above every word fails here
            note_device(args)
        with _training_output(args):  # a checkpoint every epoch, the training curve at the end
            w2v.train_run(args.corpus, out, resume=args.resume, verbose=_verbose(args))
        return _finish(w2v, out, time.perf_counter() - start, args.json,
                       epochs=w2v.config.epochs - done)


def run_glove(args) -> int:
    from llm_tf.vectors import GloVeConfig

    config, out = _prepare(args, GloVeConfig)
    from llm_tf.vectors.glove import GloVe

    glove = GloVe(config)
    with removed_on_error(out):  # train_run holds the run lock: one writer per --out folder
        start = time.perf_counter()
        done = _epochs_done(out, args.resume)
        if not args.resume:
            cooc = glove.count(args.corpus)
            note_device(args)
            _say(args, f"co-occurrences: {cooc.nnz} nonzero cells over {len(glove.vocab)} words")
        with _training_output(args):  # a checkpoint every epoch, the training curve at the end
            glove.train_run(args.corpus, out, resume=args.resume, verbose=_verbose(args))
        return _finish(glove, out, time.perf_counter() - start, args.json,
                       epochs=glove.config.epochs - done)


def _load(path: str) -> WordVectors:
    from llm_tf.vectors import WordVectors

    _check_text(path, "vectors file")
    try:
        return WordVectors.load_word2vec_format(path)
    except EOFError:  # a .gz cut short after its first 64 KiB
        raise UserInputError(f"vectors file {path!r} is a truncated .gz file") from None


def run_similar(args) -> int:
    positive = [*args.words, *args.plus]
    if not positive:
        raise UserInputError("vectors similar needs a word to start from: WORD or --plus WORD "
                             "(see llm-tf vectors similar --help)")
    wv = _load(args.vectors)
    for word, score in wv.most_similar(positive=positive, negative=args.minus, topn=args.topn):
        print(f"{word}\t{score:.4f}")
    return 0


def run_evaluate(args) -> int:
    from llm_tf.vectors import evaluate_analogies, evaluate_similarity

    if not args.similarity and not args.analogy:
        raise UserInputError("vectors evaluate needs --similarity TSV and/or --analogy FILE")
    for path, what in ((args.similarity, "similarity file"), (args.analogy, "analogy file")):
        if path:
            _check_text(path, what)
    wv = _load(args.vectors)
    result = {"vectors": args.vectors}
    if args.similarity:
        r = evaluate_similarity(wv, args.similarity, lower=not args.case_sensitive)
        result["similarity"] = {"file": args.similarity, "spearman": r.spearman,
                                "pairs": r.pairs, "covered": r.covered, "skipped": r.skipped}
        if not args.json:
            print(f"similarity {Path(args.similarity).name}: Spearman {r.spearman:.4f} on "
                  f"{r.covered}/{r.pairs} pairs ({r.skipped} skipped as out of vocabulary)")
    if args.analogy:
        r = evaluate_analogies(wv, args.analogy, lower=not args.case_sensitive)
        result["analogy"] = {"file": args.analogy, "accuracy": r.accuracy,
                             "questions": r.questions, "covered": r.covered,
                             "correct": r.correct, "skipped": r.skipped,
                             "sections": {name: {"correct": ok, "covered": total}
                                          for name, (ok, total) in r.sections.items()}}
        if not args.json:
            print(f"analogy {Path(args.analogy).name}: accuracy {r.accuracy:.4f} ({r.correct}/"
                  f"{r.covered}) on {r.covered}/{r.questions} questions ({r.skipped} skipped "
                  "as out of vocabulary)")
            for name, (ok, total) in r.sections.items():
                print(f"  {name}: {ok}/{total}")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


def run_plot(args) -> int:
    from llm_tf.vectors import plot_pca

    if Path(args.out).is_dir():
        raise UserInputError(f"--out {args.out!r} is a folder, expected the .png file to draw")
    wv = _load(args.vectors)
    missing = [w for w in args.words if w not in wv]
    if missing:
        print(f"not in the vocabulary, left out: {' '.join(missing)}")
    path = plot_pca(wv, args.words, args.out, title=os.path.basename(args.vectors))
    print(f"PCA plot of {len(args.words) - len(missing)} words -> {path}")
    return 0


def run_projector(args) -> int:
    stale = check_out(args.out, args.overwrite, own_files=PROJECTOR_FILES)
    wv = _load(args.vectors)
    clear_out(args.out, stale)
    vec, meta = wv.export_projector(Path(args.out))
    print(f"{len(wv)} vectors -> {vec}, {meta}")
    return 0


COMMANDS = {
    "word2vec": "train skip-gram / CBOW word vectors (§3.1.1)",
    "glove": "train GloVe word vectors (§3.1.2)",
    "vectors": "query, evaluate, plot word vectors",
}


WORD2VEC_EXAMPLES = """
llm-tf word2vec --corpus data/corpus.en.txt --out runs/w2v-en --min-count 2
llm-tf word2vec --corpus data/corpus.zh.txt --out runs/w2v-zh --cbow --dim 50 --epochs 10
llm-tf word2vec --corpus my_corpus.txt --out runs/w2v --quiet --json
"""
GLOVE_EXAMPLES = """
llm-tf glove --corpus data/corpus.en.txt --out runs/glove-en --min-count 2
llm-tf glove --corpus data/corpus.zh.txt --out runs/glove-zh --dim 50 --epochs 30 --quiet
"""
VECTORS_EXAMPLES = """
llm-tf vectors similar --vectors runs/w2v-en/vectors.txt France
llm-tf vectors similar --vectors runs/w2v-en/vectors.txt king --minus man --plus woman
llm-tf vectors evaluate --vectors runs/w2v-en/vectors.txt --analogy questions-words.txt --json
llm-tf vectors plot --vectors runs/w2v-en/vectors.txt --out words.png France Paris Japan Tokyo
"""
SIMILAR_EXAMPLES = """
llm-tf vectors similar --vectors runs/w2v-en/vectors.txt France --topn 5
llm-tf vectors similar --vectors runs/w2v-en/vectors.txt king --minus man --plus woman
llm-tf vectors similar --vectors runs/w2v-en/vectors.txt --minus man --plus woman king
llm-tf vectors similar --vectors runs/w2v-en/vectors.txt Paris Japan --minus France
"""
EVALUATE_EXAMPLES = """
llm-tf vectors evaluate --vectors runs/w2v-en/vectors.txt --similarity wordsim353.tsv
llm-tf vectors evaluate --vectors runs/w2v-en/vectors.txt --analogy questions-words.txt --json
"""
PLOT_EXAMPLES = """
llm-tf vectors plot --vectors runs/w2v-en/vectors.txt --out words.png France Paris Japan Tokyo
llm-tf vectors plot --vectors runs/w2v-zh/vectors.txt --out 词.png 中国 北京 日本 东京
"""
PROJECTOR_EXAMPLES = """
llm-tf vectors projector --vectors runs/w2v-en/vectors.txt --out runs/w2v-en/projector
llm-tf vectors projector --vectors other.vec.txt --out projector --overwrite
"""


def register(subparsers) -> None:
    """Add the ``word2vec``, ``glove`` and ``vectors`` commands to an argparse subparsers object.

    The training flags are the fields of :class:`~llm_tf.vectors.Word2VecConfig` and
    :class:`~llm_tf.vectors.GloVeConfig` (help and defaults from the fields).
    """
    from llm_tf.vectors import GloVeConfig, Word2VecConfig

    p = add_command(
        subparsers, "word2vec", COMMANDS["word2vec"], WORD2VEC_EXAMPLES,
        description="Train skip-gram (default) or CBOW word vectors with negative sampling "
        "(§3.1.1, §4.1.1); writes vectors.txt (word2vec text format), vocab.json, "
        "model.keras and TensorBoard projector files to --out.",
    )
    _add_run_args(p)
    add_config_args(p, Word2VecConfig, exclude=("sg",))
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--sg",
        dest="sg",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_field_help(Word2VecConfig, "sg") + " (default)",
    )
    mode.add_argument(
        "--cbow",
        dest="sg",
        action="store_false",
        default=argparse.SUPPRESS,
        help="CBOW: predict each word from the mean of its context words",
    )
    p.set_defaults(func=run_word2vec)

    p = add_command(
        subparsers, "glove", COMMANDS["glove"], GLOVE_EXAMPLES,
        description="Count co-occurrences (1/d weighted, sparse, streamed) and fit the GloVe "
        "paper's weighted least squares with AdaGrad (§3.1.2; see docs/errata.md for §4.1.2); "
        "writes vectors.txt (W + W~) to --out.",
    )
    _add_run_args(p)
    add_config_args(p, GloVeConfig)
    p.set_defaults(func=run_glove)

    p = add_command(subparsers, "vectors", COMMANDS["vectors"], VECTORS_EXAMPLES, description=(
        "Use word vectors in word2vec text format (from llm-tf word2vec / glove, gensim or "
        "fastText): nearest words and analogies, WordSim-style and analogy evaluation, a PCA "
        "plot, TensorBoard projector files."))
    sub = p.add_subparsers(dest="vectors_command", metavar="COMMAND", parser_class=type(p))
    p.set_defaults(func=lambda args: show_usage(p))
    q = add_command(sub, "similar", "nearest words by cosine, and analogies "
                    "(king - man + woman)", SIMILAR_EXAMPLES, description=(
                        "The words nearest by cosine to the sum of the WORDs and --plus words "
                        "minus the --minus words (the §3.1 analogy: king --minus man --plus "
                        "woman). --plus and --minus take one word each and may be repeated; "
                        "the WORDs may come before, between or after them."))
    q.intermixed = True  # WORDs before, between and after --plus / --minus
    q.add_argument("--vectors", required=True, help="word2vec text format file")
    q.add_argument("words", nargs="*", metavar="WORD",
                   help="word(s) to start from (added); a word the vectors do not hold is an "
                   "error that names it")
    q.add_argument("--plus", action="append", default=[], metavar="WORD",
                   help="a word to add (repeatable)")
    q.add_argument("--minus", action="append", default=[], metavar="WORD",
                   help="a word to subtract (repeatable)")
    q.add_argument("--topn", type=count("--topn"), default=10, help="how many neighbours")
    q.set_defaults(func=run_similar)
    q = add_command(sub, "evaluate", "WordSim-style Spearman and analogy accuracy",
                    EVALUATE_EXAMPLES, description=(
                        "Score word vectors: Spearman correlation with human similarity "
                        "ratings (a TSV of word1, word2, score) and accuracy on analogy "
                        "questions (questions-words.txt format, 3CosAdd), with the pairs and "
                        "questions skipped as out of vocabulary."))
    q.add_argument("--vectors", required=True, help="word2vec text format file")
    q.add_argument("--similarity", help="TSV of word1, word2, score")
    q.add_argument("--analogy", help="file in questions-words.txt format")
    q.add_argument("--case-sensitive", action="store_true", help="do not lower-case lookups")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=run_evaluate)
    q = add_command(sub, "plot", "2-D PCA projection of chosen words, as PNG", PLOT_EXAMPLES)
    q.add_argument("--vectors", required=True, help="word2vec text format file")
    q.add_argument("--out", required=True, help="PNG path")
    q.add_argument("words", nargs="+", metavar="WORD", help="the words to draw")
    q.set_defaults(func=run_plot)
    q = add_command(sub, "projector", "vectors.tsv + metadata.tsv for the TensorBoard projector",
                    PROJECTOR_EXAMPLES)
    q.add_argument("--vectors", required=True, help="word2vec text format file")
    q.add_argument("--out", required=True, help="output folder")
    add_overwrite_arg(q)
    q.set_defaults(func=run_projector)
