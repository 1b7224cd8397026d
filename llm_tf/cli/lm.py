"""The ``llm-tf`` command line: thin argument parsing over the library.

    llm-tf train     --corpus PATH --out RUN_DIR [...]    train the §5 LSTM LM
    llm-tf finetune  --from RUN_DIR --corpus PATH --out RUN_DIR2
    llm-tf generate  --model RUN_DIR --prompt TEXT
    llm-tf evaluate  --model RUN_DIR --corpus PATH [--json]
    llm-tf summary   --model RUN_DIR

Bad input prints one line on stderr and exits with status 2; Ctrl-C exits with
130 after saying how to resume. ``main(argv)`` is callable from tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from llm_tf.errors import UserInputError

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit status 2)."""

    def error(self, message):
        raise UserInputError(f"{message} (see {self.prog} --help)")


def quiet_tensorflow_import() -> None:
    """Import TensorFlow with its C++ start-up chatter silenced (replayed on failure)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            tmp.seek(0)
            sys.stderr.write(tmp.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def _add_train_args(p: argparse.ArgumentParser) -> None:
    from llm_tf.run import TrainConfig

    d = TrainConfig()
    p.add_argument("--corpus", required=True, help="UTF-8 text file, .gz file, or folder of .txt")
    p.add_argument("--out", required=True, help="run folder to create (or continue with --resume)")
    p.add_argument("--tokenizer", choices=["auto", "word", "space", "char"], default=d.tokenizer,
                   help="auto: char-level for mostly-CJK text, else NLTK words (default: auto)")
    p.add_argument("--lower", action="store_true", help="lower-case the text")
    p.add_argument("--vocab-size", type=_positive, default=d.vocab_size,
                   help=f"maximum vocabulary size incl. special tokens (default: {d.vocab_size})")
    p.add_argument("--min-count", type=_positive, default=d.min_count,
                   help=f"drop rarer tokens (default: {d.min_count})")
    p.add_argument("--seq-len", type=_positive, default=d.seq_len,
                   help=f"tokens per training window (default: {d.seq_len})")
    p.add_argument("--batch-size", type=_positive, default=d.batch_size,
                   help=f"windows per batch (default: {d.batch_size})")
    p.add_argument("--epochs", type=_positive, default=None,
                   help=f"epochs to train (default: {d.epochs}; with --resume: the saved target)")
    p.add_argument("--embedding-dim", type=_positive, default=d.embedding_dim,
                   help=f"embedding size, or the Transformer width (default: {d.embedding_dim}, as in §5)")
    p.add_argument("--units", type=_positive, default=d.units,
                   help=f"RNN/LSTM units, or the Transformer MLP width (default: {d.units}, as in §5)")
    p.add_argument("--learning-rate", type=float, default=d.learning_rate,
                   help=f"Adam learning rate (default: {d.learning_rate})")
    g = p.add_argument_group("architecture (§3.2); the defaults give exactly the §5 listing")
    g.add_argument("--arch", choices=["lstm", "rnn", "transformer"], default=d.arch,
                   help="lstm (§5 / §3.2.2), rnn (§3.2.1) or transformer (§3.2.3)")
    g.add_argument("--layers", type=_positive, default=d.layers,
                   help=f"recurrent layers or Transformer blocks (default: {d.layers})")
    g.add_argument("--heads", type=_positive, default=d.heads,
                   help=f"Transformer attention heads (default: {d.heads})")
    g.add_argument("--dropout", type=float, default=d.dropout,
                   help=f"dropout rate (default: {d.dropout})")
    g.add_argument("--tie-embeddings", action="store_true",
                   help="share the input embedding with the output layer")
    g.add_argument("--max-len", type=_positive, default=d.max_len,
                   help=f"Transformer: longest context (default: {d.max_len})")
    p.add_argument("--val-fraction", type=float, default=d.val_fraction,
                   help=f"share held out for validation (default: {d.val_fraction})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default: {d.seed})")
    p.add_argument("--no-xla", action="store_true", help="do not XLA-compile the train step")
    p.add_argument("--vocab", default=None,
                   help="use this vocab.json (e.g. another run's) instead of building one")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out from its last completed epoch")


def _cmd_train(args) -> int:
    from llm_tf.run import TrainConfig

    cfg = TrainConfig(
        corpus=args.corpus, tokenizer=args.tokenizer, lower=args.lower,
        vocab_size=args.vocab_size, min_count=args.min_count, seq_len=args.seq_len,
        batch_size=args.batch_size, epochs=args.epochs or TrainConfig.epochs,
        embedding_dim=args.embedding_dim, units=args.units, learning_rate=args.learning_rate,
        val_fraction=args.val_fraction, seed=args.seed, jit_compile=not args.no_xla,
        arch=args.arch, layers=args.layers, heads=args.heads, dropout=args.dropout,
        tie_embeddings=args.tie_embeddings, max_len=args.max_len,
    )
    cfg.check()
    vocab = None
    if args.vocab:
        from llm_tf.vocab import Vocabulary

        vocab = Vocabulary.load(args.vocab)
    quiet_tensorflow_import()
    from llm_tf.trainer import train

    _, history = train(cfg, args.out, resume=args.resume, resume_epochs=args.epochs, vocab=vocab)
    _report(args.out, history)
    return 0


def _report(out, history: dict) -> None:
    if history.get("val_perplexity"):
        before = history.get("initial_val_perplexity", [float("nan")])[0]
        print(f"validation perplexity: {before:.2f} before training, "
              f"{history['val_perplexity'][-1]:.2f} after {len(history['val_perplexity'])} epochs")
    print(f"saved the run in {out}")


def _cmd_finetune(args) -> int:
    quiet_tensorflow_import()
    from llm_tf.trainer import finetune

    _, history, oov = finetune(args.source, args.corpus, args.out, epochs=args.epochs,
                               resume=args.resume, learning_rate=args.learning_rate)
    print(f"out-of-vocabulary rate of {args.corpus}: {oov:.2%}")
    _report(args.out, history)
    return 0


def _cmd_generate(args) -> int:
    from llm_tf.run import RunDir
    from llm_tf.sampling import check_sampling_args

    check_sampling_args(args.temperature, args.top_k, args.top_p)
    run = RunDir(args.model).require()
    quiet_tensorflow_import()
    from llm_tf.generation import generate_text

    info = run.info()
    text = generate_text(run.load_model(compile=False), info.tokenizer, run.vocab(), args.prompt,
                         args.max_tokens, args.temperature, args.top_k, args.top_p, args.seed,
                         args.beam_size, tuple(args.stop))
    print(text)
    return 0


def _cmd_evaluate(args) -> int:
    from llm_tf.corpus import corpus_files
    from llm_tf.run import RunDir

    RunDir(args.model).require()
    corpus_files(args.corpus)
    quiet_tensorflow_import()
    from llm_tf.evaluation import evaluate_run

    result = evaluate_run(args.model, args.corpus, ngram_order=args.ngram_order)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"tokens scored:          {result['tokens']:,}")
        print(f"out-of-vocabulary rate: {result['oov_rate']:.2%}")
        print(f"{result['arch'].upper() + ' perplexity:':24}{result['perplexity']:.2f}")
        print(f"KN-{result['ngram_order']} perplexity:        {result['ngram_perplexity']:.2f}")
    return 0


def _cmd_summary(args) -> int:
    from llm_tf.run import RunDir

    run = RunDir(args.model).require()
    quiet_tensorflow_import()
    run.load_model(compile=False).summary()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="llm-tf", description=(
        "Keras 3 companion to 《LLM系统内核》: train, fine-tune, evaluate and sample the "
        "§5 LSTM language model on your own Chinese or English corpus."))
    from llm_tf import __version__

    parser.add_argument("--version", action="version", version=f"llm-tf {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("train", help="train a language model (default: the §5 LSTM) on a corpus")
    _add_train_args(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("finetune", help="continue a trained model on a new corpus")
    p.add_argument("--from", dest="source", required=True, help="run folder to start from")
    p.add_argument("--corpus", required=True, help="the new corpus")
    p.add_argument("--out", required=True, help="new run folder")
    p.add_argument("--epochs", type=_positive, default=None, help="epochs (default: 3)")
    p.add_argument("--learning-rate", type=float, default=None,
                   help="override the learning rate (default: the original run's)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted fine-tune")
    p.set_defaults(func=_cmd_finetune)

    p = sub.add_parser("generate", help="generate text from a prompt")
    p.add_argument("--model", required=True, help="run folder")
    p.add_argument("--prompt", default="", help="text to continue (default: empty)")
    p.add_argument("--max-tokens", type=int, default=50, help="tokens to generate (default: 50)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="softmax temperature; 0 = greedy (default: 1.0)")
    p.add_argument("--top-k", type=_positive, default=None, help="sample from the k best tokens")
    p.add_argument("--top-p", type=float, default=None, help="nucleus sampling mass in (0, 1]")
    p.add_argument("--beam-size", type=_positive, default=1,
                   help="beam search with this many beams (default: 1, sampling)")
    p.add_argument("--stop", action="append", default=[], metavar="TOKEN",
                   help="stop after this token, e.g. --stop '<eos>' (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("evaluate", help="perplexity and OOV rate on a corpus, beside KN n-gram")
    p.add_argument("--model", required=True, help="run folder")
    p.add_argument("--corpus", required=True, help="corpus to evaluate on")
    p.add_argument("--ngram-order", type=_positive, default=3,
                   help="order of the Kneser-Ney baseline (default: 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("summary", help="print model.summary() of a run")
    p.add_argument("--model", required=True, help="run folder")
    p.set_defaults(func=_cmd_summary)

    from llm_tf import cli_vectors  # §3.1: word2vec, glove, vectors

    cli_vectors.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args) or 0)
    except UserInputError as e:
        print(f"llm-tf: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nllm-tf: interrupted; completed epochs are saved, continue with --resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
