"""``llm-tf train | finetune | generate | evaluate | summary``: language models (§5, §3.2).

Flags come from the configs' fields (:mod:`llm_tf.cli.common`): ``train`` from
``DataConfig``, ``ModelConfig``, ``OptimConfig`` and the seed; ``generate`` from
``SamplingConfig``. Handlers check what they can before TensorFlow is used and
return an exit code.
"""

from __future__ import annotations

import json

from llm_tf.cli.common import add_config_args, given

TRAIN_EXAMPLES = """examples:
  llm-tf train --corpus my_corpus.txt --out runs/mine                  # the §5 LSTM, as listed
  llm-tf train --corpus my_corpus.txt --out runs/mine --resume         # continue after Ctrl-C
  llm-tf train --corpus data/corpus.zh.txt --out runs/tr --arch transformer --layers 4 \\
      --embedding-dim 128 --mlp-dim 512 --seq-len 64 --max-len 128 --dropout 0.1
"""

GENERATE_EXAMPLES = """examples:
  llm-tf generate --model runs/mine --prompt "中国的首都" --temperature 0.8 --top-k 20
  llm-tf generate --model runs/mine --prompt "The capital of" --beam-size 4 --stop "<eos>"
"""


COMMANDS = {
    "train": "train a language model (default: the §5 LSTM) on a corpus",
    "finetune": "continue a trained model on a new corpus",
    "generate": "generate text from a prompt",
    "evaluate": "perplexity and OOV rate on a corpus, beside KN n-gram",
    "summary": "print model.summary() of a run",
}


def _positive(value: str) -> int:
    import argparse

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def train_config(args):
    """The :class:`~llm_tf.training.TrainConfig` the command line asks for."""
    from llm_tf.models import ModelConfig
    from llm_tf.training import DataConfig, OptimConfig, TrainConfig

    top = given(args, TrainConfig)
    return TrainConfig(data=DataConfig(**given(args, DataConfig)),
                       model=ModelConfig.from_legacy(given(args, ModelConfig)),
                       optim=OptimConfig(**given(args, OptimConfig)),
                       **{k: v for k, v in top.items() if k in ("seed",)})


def _cmd_train(args) -> int:
    cfg = train_config(args)
    vocab = None
    if args.vocab:
        from llm_tf.text.vocab import Vocabulary

        vocab = Vocabulary.load(args.vocab)
    from llm_tf.training import train

    epochs = getattr(args, "epochs", None)
    _, history = train(cfg, args.out, resume=args.resume, resume_epochs=epochs, vocab=vocab)
    _report(args.out, history)
    return 0


def _report(out, history: dict) -> None:
    if history.get("val_perplexity"):
        before = history.get("initial_val_perplexity", [float("nan")])[0]
        print(f"validation perplexity: {before:.2f} before training, "
              f"{history['val_perplexity'][-1]:.2f} after {len(history['val_perplexity'])} epochs")
    print(f"saved the run in {out}")


def _cmd_finetune(args) -> int:
    from llm_tf.training import finetune

    _, history, oov = finetune(args.source, args.corpus, args.out, epochs=args.epochs,
                               resume=args.resume, learning_rate=args.learning_rate)
    print(f"out-of-vocabulary rate of {args.corpus}: {oov:.2%}")
    _report(args.out, history)
    return 0


def _cmd_generate(args) -> int:
    from llm_tf.generation import SamplingConfig, generate_text
    from llm_tf.models import stepping_view
    from llm_tf.training import RunDir

    sampling = SamplingConfig(**given(args, SamplingConfig))
    run = RunDir(args.model).require()
    info = run.info()
    model = stepping_view(run.load_model(compile=False))
    print(generate_text(model, info.tokenizer, run.vocab(), args.prompt, sampling))
    return 0


def _cmd_evaluate(args) -> int:
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
    from llm_tf.training import RunDir

    RunDir(args.model).require().load_model(compile=False).summary()
    return 0


def register(sub) -> None:
    """Add the language-model commands to an argparse subparsers object."""
    import argparse

    from llm_tf.generation import SamplingConfig
    from llm_tf.models import ARCHITECTURES, ModelConfig
    from llm_tf.training import DataConfig, OptimConfig, TrainConfig

    raw = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("train", help=COMMANDS["train"],
                       description="Train a language model on your corpus into a run folder.",
                       epilog=TRAIN_EXAMPLES, formatter_class=raw)
    p.add_argument("--out", required=True, help="run folder to create (or continue with --resume)")
    add_config_args(p, DataConfig, required=("corpus",))
    g = p.add_argument_group(
        "model (§3.2, §5); the defaults give exactly the §5 listing",
        "architectures: " + "; ".join(f"{a.name} ({a.section}): {a.summary}"
                                       for a in ARCHITECTURES.values()))
    add_config_args(g, ModelConfig, choices={"arch": tuple(ARCHITECTURES)})
    g = p.add_argument_group("optimisation")
    add_config_args(g, OptimConfig)
    add_config_args(g, TrainConfig, exclude=("finetuned_from",))
    p.add_argument("--vocab", default=None,
                   help="use this vocab.json (e.g. another run's) instead of building one")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out from its last completed epoch")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("finetune", help=COMMANDS["finetune"])
    p.add_argument("--from", dest="source", required=True, help="run folder to start from")
    p.add_argument("--corpus", required=True, help="the new corpus")
    p.add_argument("--out", required=True, help="new run folder")
    p.add_argument("--epochs", type=_positive, default=None, help="epochs (default: 3)")
    p.add_argument("--learning-rate", type=float, default=None,
                   help="override the learning rate (default: the original run's)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted fine-tune")
    p.set_defaults(func=_cmd_finetune)

    p = sub.add_parser("generate", help=COMMANDS["generate"], epilog=GENERATE_EXAMPLES,
                       formatter_class=raw)
    p.add_argument("--model", required=True, help="run folder")
    p.add_argument("--prompt", default="", help="text to continue (default: empty)")
    add_config_args(p, SamplingConfig)
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("evaluate", help=COMMANDS["evaluate"])
    p.add_argument("--model", required=True, help="run folder")
    p.add_argument("--corpus", required=True, help="corpus to evaluate on")
    p.add_argument("--ngram-order", type=_positive, default=3,
                   help="order of the Kneser-Ney baseline (default: 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("summary", help=COMMANDS["summary"])
    p.add_argument("--model", required=True, help="run folder")
    p.set_defaults(func=_cmd_summary)

