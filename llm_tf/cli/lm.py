"""``llm-tf train | finetune | generate | evaluate | summary``: language models (§5, §3.2).

Flags come from the configs' fields (:mod:`llm_tf.cli.common`): ``train`` from
``DataConfig``, ``ModelConfig``, ``OptimConfig`` and the seed; ``generate`` from
``SamplingConfig``. Handlers check what they can before TensorFlow is used and
return an exit code.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

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
    require_kind,
)

TRAIN_EXAMPLES = """
llm-tf train --corpus my_corpus.txt --out runs/mine                    # the §5 LSTM, as listed
llm-tf train --corpus ptb.train.txt --val-corpus ptb.valid.txt --test-corpus ptb.test.txt \\
    --out runs/ptb --recipe zaremba-small                              # a published recipe
llm-tf train --corpus my_corpus.txt --out runs/mine --resume           # continue after Ctrl-C
llm-tf train --corpus data/corpus.zh.txt --out runs/tr --arch transformer --layers 4 \\
    --embedding-dim 128 --mlp-dim 512 --seq-len 64 --max-len 128 --dropout 0.1
"""

FINETUNE_EXAMPLES = """
llm-tf finetune --from runs/mine --corpus my_domain.txt --out runs/mine-domain
llm-tf finetune --from runs/mine --corpus my_domain.txt --out runs/mine-domain --epochs 5 \\
    --learning-rate 0.0005 --json
llm-tf finetune --from runs/mine --corpus my_domain.txt --out runs/mine-domain --resume
"""

GENERATE_EXAMPLES = """
llm-tf generate --model runs/mine --prompt "中国的首都" --temperature 0.8 --top-k 20
llm-tf generate --model runs/mine --prompt "The capital of" --beam-size 4 --stop "<eos>"
llm-tf generate --model runs/mine --prompt "The capital of" --temperature 0 --last
"""

EVALUATE_EXAMPLES = """
llm-tf evaluate --model runs/mine --corpus held_out.txt
llm-tf evaluate --model runs/ptb --corpus ptb.test.txt --ngram-order 5 --json
"""

SUMMARY_EXAMPLES = """
llm-tf summary --model runs/mine
"""

RECIPES_EXAMPLES = """
llm-tf recipes
llm-tf train --corpus ptb.train.txt --out runs/ptb --recipe zaremba-small
"""


COMMANDS = {
    "train": "train a language model (default: the §5 LSTM) on a corpus",
    "finetune": "continue a trained model on a new corpus",
    "generate": "generate text from a prompt",
    "evaluate": "perplexity and OOV rate on a corpus, beside KN n-gram",
    "summary": "print model.summary() of a run",
    "recipes": "list the named training recipes (llm-tf train --recipe NAME)",
}



def train_config(args):
    """The :class:`~llm_tf.training.TrainConfig` the command line asks for: the defaults,
    then the ``--recipe``'s settings, then the flags given."""
    from llm_tf.models import ModelConfig
    from llm_tf.models.config import legacy_fields
    from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig
    from llm_tf.training.recipes import load_recipe, merge

    parts = {"data": given(args, DataConfig),
             "model": legacy_fields(given(args, ModelConfig)),  # the old meaning of --units
             "optim": given(args, OptimConfig), "runtime": given(args, RuntimeConfig),
             **{k: v for k, v in given(args, TrainConfig).items() if k == "seed"}}
    recipe = load_recipe(args.recipe) if getattr(args, "recipe", None) else {}
    return TrainConfig.from_dict(merge(recipe, parts))


def _check_corpora(*paths) -> None:
    """Each corpus given is readable text (before an --overwrite removes anything)."""
    from llm_tf.text.corpus import corpus_files

    for path in paths:
        if path:
            corpus_files(path)


def _cmd_train(args) -> int:
    stale = False if args.resume else check_out(args.out, args.overwrite, resume_hint=True,
                                                others_ok=True)
    cfg = train_config(args)
    if not args.resume:  # a resumed run reads its encoded corpus, not the text
        _check_corpora(cfg.data.corpus, cfg.data.val_corpus, cfg.data.test_corpus)
    clear_out(args.out, stale)
    vocab = None
    if args.vocab:
        from llm_tf.text.vocab import Vocabulary

        vocab = Vocabulary.load(args.vocab)
    from llm_tf.training import train
    from llm_tf.training.config import RESUME_LIMITS

    epochs = getattr(args, "epochs", None)
    limits = {k: getattr(args, k) for k in RESUME_LIMITS if k != "epochs" and hasattr(args, k)}
    if args.resume:
        _warn_ignored_on_resume(args)
    with _progress(args), removed_on_error(args.out):
        _, history = train(cfg, args.out, resume=args.resume, resume_epochs=epochs,
                           resume_limits=limits, vocab=vocab, verbose=_verbose(args))
    return _report(args.out, history, args.json)


@contextlib.contextmanager
def _progress(args):
    """Where the trainer's start lines and per-epoch lines go: stdout; with ``--json``
    stderr (stdout carries the summary object alone); with ``--quiet`` nowhere."""
    if args.quiet:
        with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
            yield
    elif args.json:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    else:
        yield


def _verbose(args):
    """Keras' progress: a bar on a terminal (``auto``), none with ``--json`` or ``--quiet``."""
    return 0 if args.json or args.quiet else "auto"


def _warn_ignored_on_resume(args) -> None:
    """--resume continues with the run's saved settings: name the flags given with another
    value than the run's (the resume command the trainer prints repeats the run's own)."""
    import dataclasses

    from llm_tf.models import ModelConfig
    from llm_tf.settings import flag_name
    from llm_tf.training import DataConfig, OptimConfig, RunDir, RuntimeConfig
    from llm_tf.training.config import RESUME_LIMITS

    run = RunDir(args.out)
    if not run.exists():
        return  # nothing to resume: the run starts from the flags
    saved = run.info().config
    parts = {DataConfig: saved.data, ModelConfig: saved.model, OptimConfig: saved.optim,
             RuntimeConfig: saved.runtime}
    ignored = [flag_name(f) for cls, part in parts.items()
               for f in dataclasses.fields(cls) if f.name in given(args, cls)
               and f.name not in RESUME_LIMITS and f.name != "corpus"
               and given(args, cls)[f.name] != getattr(part, f.name)]
    if ignored:
        flags = ", ".join(ignored)
        print(f"llm-tf: --resume keeps the run's saved settings; ignoring {flags} (only "
              f"{', '.join('--' + k.replace('_', '-') for k in RESUME_LIMITS)} may change)",
              file=sys.stderr)


def _report(out, history: dict, as_json: bool = False, extra: dict | None = None) -> int:
    """The final summary: printed, and kept as the run folder's metrics.json (``extra``:
    figures only the command knows, added to the JSON)."""
    from llm_tf.evaluation.summary import run_summary

    summary = run_summary(out)
    if as_json:
        print(json.dumps({**summary, **(extra or {})}, ensure_ascii=False))
        return 0
    before = history.get("initial_val_perplexity", [float("nan")])[0]
    print(f"validation perplexity: {before:.2f} before training; best "
          f"{summary['best_val_perplexity']:.2f} (epoch {summary['best_epoch']}), last "
          f"{summary['last_val_perplexity']:.2f} after {summary['epochs']} epochs")
    kn = summary["ngram_order"]
    print(f"held-out text, each token given all before it: {summary['arch']} "
          f"{summary['val_stream_perplexity']:.2f} vs Kneser-Ney {kn}-gram "
          f"{summary['val_ngram_perplexity']:.2f}")
    if summary.get("test_perplexity") is not None:
        print(f"test perplexity: {summary['test_perplexity']:.2f} (Kneser-Ney {kn}-gram "
              f"{summary['test_ngram_perplexity']:.2f})")
    if summary.get("stopped"):
        print(f"stopped early: {summary['stopped']}")
    speed = summary.get("tokens_per_second")
    speed = "too few steps to time" if speed is None else f"{speed:,.0f} tokens/s steady"
    print(f"{summary['steps']:,} steps, {summary['tokens']:,} tokens in "
          f"{summary['wall_seconds']:.0f} s ({speed}); saved the run in {out} (best.keras, "
          "model.keras, metrics.json)")
    return 0


def _cmd_finetune(args) -> int:
    from llm_tf.training import finetune

    require_kind(args.source, "lm", "--from")
    stale = False if args.resume else check_out(args.out, args.overwrite, resume_hint=True,
                                                others_ok=True)
    if not args.resume:
        _check_corpora(args.corpus)
    clear_out(args.out, stale)
    with _progress(args), removed_on_error(args.out):
        _, history, oov = finetune(args.source, args.corpus, args.out, epochs=args.epochs,
                                   resume=args.resume, learning_rate=args.learning_rate,
                                   verbose=_verbose(args))
    if not args.json:
        print(f"out-of-vocabulary rate of {args.corpus}: {oov:.2%}")
    return _report(args.out, history, args.json, extra={"corpus_oov_rate": oov})


def _cmd_generate(args) -> int:
    from llm_tf.generation import SamplingConfig, generate_text
    from llm_tf.models import stepping_view
    from llm_tf.training import RunDir

    sampling = SamplingConfig(**given(args, SamplingConfig))
    require_kind(args.model, "lm")
    run = RunDir(args.model).require()
    info = run.info()
    which = "last" if args.last else "best"
    note_device()
    print(f"llm-tf: using {run.model_path(which).name}", file=sys.stderr)
    model = stepping_view(run.load_model(compile=False, which=which))
    vocab = run.vocab()
    tokens = info.tokenizer.tokenize(args.prompt)
    unknown = [t for t in tokens if t not in vocab]
    if unknown:  # defined, not an error: they are read as <unk> (see --prompt's help)
        shown = ", ".join(repr(t) for t in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        print(f"llm-tf: note: {len(unknown)} of {len(tokens)} prompt tokens are not in the "
              f"vocabulary, read as <unk>: {shown}", file=sys.stderr)
    print(generate_text(model, info.tokenizer, vocab, args.prompt, sampling,
                        context=info.config.trained_context))
    return 0


def _cmd_evaluate(args) -> int:
    from llm_tf.evaluation import evaluate_run

    require_kind(args.model, "lm")
    result = evaluate_run(args.model, args.corpus, ngram_order=args.ngram_order,
                          which="last" if args.last else "best")
    note_device()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"model:                  {result['checkpoint']}")
        print(f"tokens scored:          {result['tokens']:,}")
        print(f"out-of-vocabulary rate: {result['oov_rate']:.2%}")
        print(f"{result['arch'].upper() + ' perplexity:':24}{result['perplexity']:.2f}")
        print(f"KN-{result['ngram_order']} perplexity:        {result['ngram_perplexity']:.2f}")
    return 0


def _cmd_recipes(args) -> int:
    from llm_tf.training.recipes import load_recipe, recipe_names

    for name in recipe_names():
        print(f"{name:16} {load_recipe(name)['summary']}")
    return 0


def _cmd_summary(args) -> int:
    from llm_tf.training import RunDir

    require_kind(args.model, "lm")
    RunDir(args.model).require().load_model(compile=False).summary()
    return 0


def _add_output_args(p) -> None:
    """``--json`` and ``--quiet``, for the commands that train."""
    p.add_argument("--json", action="store_true",
                   help="print the final summary as one JSON object (also in metrics.json); "
                   "the start and per-epoch lines go to stderr")
    p.add_argument("--quiet", action="store_true",
                   help="no start, per-epoch or progress lines: only the final result lines "
                   "(or, with --json, the JSON object)")


def register(sub) -> None:
    """Add the language-model commands to an argparse subparsers object."""
    from llm_tf.generation import SamplingConfig
    from llm_tf.models import ARCHITECTURES, ModelConfig
    from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig
    from llm_tf.training.config import ARCH_TRAINER_DEFAULTS

    p = add_command(sub, "train", COMMANDS["train"], TRAIN_EXAMPLES, description=(
        "Train a language model on your corpus into a run folder: by default the §5 LSTM "
        "(§3.2's RNN and Transformer with --arch). Prints the devices, then one line per "
        "epoch, then the validation (and test) perplexity beside a Kneser-Ney n-gram."))
    p.add_argument("--out", required=True, help="run folder to create (or continue with --resume)")
    add_config_args(p, DataConfig, required=("corpus",))
    g = p.add_argument_group(
        "model (§3.2, §5); the sizes default to the §5 listing's, with the trainer's "
        "dropout and tied output layer (--dropout 0 --no-tie-embeddings: exactly the listing)",
        "architectures: " + "; ".join(f"{a.name} ({a.section}): {a.summary}"
                                       for a in ARCHITECTURES.values())
        + ". Defaults that differ by architecture: " + "; ".join(
            f"{arch}: " + ", ".join(f"--{k.replace('_', '-')} {v}" for part in d.values()
                                    for k, v in part.items())
            for arch, d in ARCH_TRAINER_DEFAULTS.items()))
    add_config_args(g, ModelConfig, choices={"arch": tuple(ARCHITECTURES)},
                    defaults=TrainConfig().model)  # the listing's sizes, the trainer's dropout
    g = p.add_argument_group("optimisation")
    add_config_args(g, OptimConfig)
    add_config_args(g, TrainConfig, exclude=("finetuned_from",))
    g = p.add_argument_group("runtime")
    add_config_args(g, RuntimeConfig)
    p.add_argument("--recipe", default=None, metavar="NAME",
                   help="start from a named recipe (llm-tf recipes lists them) or a recipe "
                   "file; flags given override it")
    _add_output_args(p)
    p.add_argument("--vocab", default=None,
                   help="use this vocab.json (e.g. another run's) instead of building one")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out from its last completed epoch")
    add_overwrite_arg(p)
    p.set_defaults(func=_cmd_train)

    p = add_command(sub, "finetune", COMMANDS["finetune"], FINETUNE_EXAMPLES, description=(
        "Continue a trained language model on a new corpus, keeping its vocabulary and "
        "tokenizer (words the vocabulary lacks are read as <unk>); the original run is kept."))
    p.add_argument("--from", dest="source", required=True, metavar="RUN_DIR",
                   help="run folder to start from")
    p.add_argument("--corpus", required=True, help="the new corpus")
    p.add_argument("--out", required=True, help="new run folder")
    p.add_argument("--epochs", type=count("--epochs"), default=None, help="epochs (default: 3)")
    p.add_argument("--learning-rate", type=float, default=None,
                   help="override the learning rate (default: the original run's)")
    _add_output_args(p)
    p.add_argument("--resume", action="store_true", help="continue an interrupted fine-tune")
    add_overwrite_arg(p)
    p.set_defaults(func=_cmd_finetune)

    p = add_command(sub, "generate", COMMANDS["generate"], GENERATE_EXAMPLES, description=(
        "Continue a prompt with a trained language model: sampling with temperature, "
        "top-k and top-p, greedy (--temperature 0) or beam search (--beam-size)."))
    p.add_argument("--model", required=True, help="run folder")
    p.add_argument("--prompt", default="", help=(
        "text to continue (default: empty). Tokens the vocabulary lacks are read as <unk>, "
        "as in training: a prompt made only of them is still continued, printed as typed, "
        "and a note on stderr names them"))
    p.add_argument("--last", action="store_true",
                   help="use the last model instead of the best (best.keras)")
    add_config_args(p, SamplingConfig)
    p.set_defaults(func=_cmd_generate)

    p = add_command(sub, "evaluate", COMMANDS["evaluate"], EVALUATE_EXAMPLES, description=(
        "Score a corpus with a trained language model: perplexity (each token given all "
        "before it) and out-of-vocabulary rate, beside a Kneser-Ney n-gram fitted on the "
        "run's training text."))
    p.add_argument("--model", required=True, help="run folder")
    p.add_argument("--corpus", required=True, help="corpus to evaluate on")
    p.add_argument("--ngram-order", type=count("--ngram-order"), default=3,
                   help="order of the Kneser-Ney baseline (default: 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--last", action="store_true",
                   help="use the last model instead of the best (best.keras)")
    p.set_defaults(func=_cmd_evaluate)

    p = add_command(sub, "recipes", COMMANDS["recipes"], RECIPES_EXAMPLES, description=(
        "List the named training recipes (published settings, e.g. Zaremba et al.'s PTB "
        "LSTMs); llm-tf train --recipe NAME starts from one, flags given override it."))
    p.set_defaults(func=_cmd_recipes)

    p = add_command(sub, "summary", COMMANDS["summary"], SUMMARY_EXAMPLES, description=(
        "Print the Keras model.summary() of a language-model run: its layers, output "
        "shapes and parameter counts."))
    p.add_argument("--model", required=True, help="run folder")
    p.set_defaults(func=_cmd_summary)
