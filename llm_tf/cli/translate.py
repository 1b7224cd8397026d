"""``llm-tf translate train | run | evaluate``: machine translation, English <-> Chinese (§6.3).

    llm-tf translate train    --pairs FILE --out RUN --direction en-zh|zh-en [--test FILE ...]
                              [--json] [--quiet]
    llm-tf translate run      --model RUN [--json] [SENTENCE]   (no SENTENCE: lines of stdin)
    llm-tf translate evaluate --model RUN --pairs FILE [--json]

Sentence pairs are JSON lines ``{"en": ..., "zh": ...}`` (``data/parallel/``) or TSV
``English<TAB>Chinese``. The training flags are the fields of
:class:`~llm_tf.models.TranslationConfig`; handlers call
:mod:`llm_tf.training.translation_trainer`. BLEU is sacrebleu's (``zh`` tokenizer for
Chinese targets, ``13a`` for English), printed with its signature.
"""

from __future__ import annotations

import json
import sys

from llm_tf.cli.common import (
    add_command,
    add_config_args,
    add_overwrite_arg,
    check_out,
    clear_out,
    given,
    note_device,
    removed_on_error,
    require_kind,
    show_usage,
)
from llm_tf.errors import UserInputError

COMMANDS = {"translate": "machine translation, English <-> Chinese (§6.3): "
                         "train | run | evaluate"}

EXAMPLES = """
llm-tf translate train --pairs data/parallel/train.jsonl --direction en-zh --out runs/en-zh
llm-tf translate run --model runs/en-zh "The capital of France is Paris."
llm-tf translate evaluate --model runs/en-zh --pairs data/parallel/test.jsonl
"""
TRAIN_EXAMPLES = """
llm-tf translate train --pairs data/parallel/train.jsonl --direction en-zh --out runs/en-zh
llm-tf translate train --pairs data/parallel/train.jsonl --direction zh-en --out runs/zh-en \\
    --test data/parallel/test.jsonl --epochs 10
llm-tf translate train --pairs pairs.tsv --out runs/mine --quiet --json
"""
RUN_EXAMPLES = """
llm-tf translate run --model runs/en-zh "The capital of France is Paris."
llm-tf translate run --model runs/zh-en --json "日本的首都是东京。"
printf 'Japan is in Asia.\\nParis is in France.\\n' | llm-tf translate run --model runs/en-zh
"""
EVALUATE_EXAMPLES = """
llm-tf translate evaluate --model runs/en-zh --pairs data/parallel/test.jsonl
llm-tf translate evaluate --model runs/zh-en --pairs data/parallel/test.jsonl --json
"""


def _cmd_train(args) -> int:
    from llm_tf.models import TranslationConfig

    cfg = TranslationConfig(**given(args, TranslationConfig))
    from llm_tf.text.parallel_corpus import load_pairs
    from llm_tf.training.translation_trainer import train_translation

    stale = False if args.resume else check_out(args.out, args.overwrite)
    rows = load_pairs(args.pairs)  # bad input fails before anything is removed or built
    test = None if args.test is None else load_pairs(args.test)
    clear_out(args.out, stale)
    with removed_on_error(args.out):
        if not args.resume:  # a resumed run's folder is checked first: bad input is one line
            note_device(args)
        _, m = train_translation(rows, args.out, cfg, test_pairs=test,
                                 verbose=0 if args.json or args.quiet else 2,
            resume=args.resume)
    if args.json:
        print(json.dumps(m, ensure_ascii=False))
        return 0
    print(f"{m['direction']}: {m['params']:,} parameters, vocabulary {m['vocab_size']:,} "
          f"tokens, copy {'on' if m['copy'] else 'off'}; {m['pairs']:,} sentence pairs")
    print(f"{m['epochs']} epochs in {m['train_seconds']:.0f} s: final loss "
          f"{m['history']['loss'][-1]:.4f}")
    if "test" in m:
        t = m["test"]
        print(f"BLEU on {t['sentences']} test sentences: {t['bleu']:.2f} ({t['signature']})")
    print(f"saved the run in {args.out} (model.keras, vocab.json, config.json, metrics.json)")
    return 0


def _cmd_run(args) -> int:
    if args.sentence is not None:
        sentences = [args.sentence]
    else:
        sentences = [line for line in sys.stdin.read().splitlines() if line.strip()]
    if not sentences or not all(s.strip() for s in sentences):
        raise UserInputError("the sentence is empty: give one, or lines on stdin")
    from llm_tf.text.knowledge_base import language_of
    from llm_tf.training.translation_trainer import load_translation

    require_kind(args.model, "translate")
    model = load_translation(args.model)
    for s in sentences:
        if language_of(s) != model.source_lang:
            raise UserInputError(f"this model translates {model.direction}; {s[:40]!r} is "
                                 f"not {model.source_lang}")
    out = model.predict(sentences)
    note_device()
    for s, t in zip(sentences, out, strict=True):
        if args.json:
            print(json.dumps({"source": s, "translation": t, "direction": model.direction},
                             ensure_ascii=False))
        else:
            print(t)
    return 0


def _cmd_evaluate(args) -> int:
    from llm_tf.text.parallel_corpus import load_pairs
    from llm_tf.training.translation_trainer import evaluate_translation, load_translation

    require_kind(args.model, "translate")
    rows = load_pairs(args.pairs)
    model = load_translation(args.model)
    r = evaluate_translation(model, rows)
    note_device()
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
        return 0
    print(f"direction:     {r['direction']}")
    print(f"sentences:     {r['sentences']}")
    print(f"BLEU:          {r['bleu']:.2f}  ({r['signature']})")
    print(f"  precisions   {' / '.join(f'{p:.1f}' for p in r['precisions'])}, "
          f"BP {r['bp']:.3f}")
    print(f"nltk BLEU:     {r['nltk_bleu']:.2f}  (corpus_bleu on the same tokens)")
    print(f"exact:         {r['exact']:.4f}")
    for m in r["mistakes"][:5]:
        print(f"  {m['source']}  ->  {m['translation']}  (reference {m['reference']})")
    return 0


def register(sub) -> None:
    """Add ``translate`` and its subcommands to an argparse subparsers object."""
    from llm_tf.models import TranslationConfig

    p = add_command(sub, "translate", COMMANDS["translate"], EXAMPLES, description=(
        "Translate sentences between English and Chinese with §3.4's encoder-decoder "
        "(BiLSTM encoder, attention, LSTM decoder); BLEU by sacrebleu."))
    cmds = p.add_subparsers(dest="translate_command", metavar="COMMAND")
    p.set_defaults(func=lambda args: show_usage(p))

    q = add_command(cmds, "train", "train a translator into a run folder", TRAIN_EXAMPLES,
                    description=(
                        "Train a translator for one direction (en-zh or zh-en) on sentence "
                        "pairs into a run folder; prints one line per epoch, then the final "
                        "loss (and BLEU on --test)."))
    q.add_argument("--pairs", required=True, help="training sentence pairs (JSON lines "
                   "{\"en\", \"zh\"} or English<TAB>Chinese .tsv)")
    q.add_argument("--out", required=True, help="run folder to create (new or empty)")
    q.add_argument("--test", default=None, help="held-out pairs: BLEU on them goes into "
                   "metrics.json")
    q.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    q.add_argument("--quiet", action="store_true",
                   help="no device or per-epoch lines: only the final result lines")
    add_overwrite_arg(q)
    q.add_argument("--resume", action="store_true",
                   help="continue the stopped run in --out from its last epoch, with its "
                   "saved settings (after a crash, a kill or Ctrl-C)")
    add_config_args(q, TranslationConfig)
    q.set_defaults(func=_cmd_train)

    q = add_command(cmds, "run", "translate a sentence (or each line of stdin)", RUN_EXAMPLES,
                    description=(
                        "Translate one sentence, or each line of stdin, with a trained "
                        "translator (greedy decoding); one translation per line."))
    q.add_argument("--model", required=True, help="translate run folder")
    q.add_argument("--json", action="store_true", help="one JSON object per sentence")
    q.add_argument("sentence", metavar="SENTENCE", nargs="?", default=None,
                   help="the sentence (default: read lines from stdin); words the "
                   "vocabulary lacks are read as <unk>: a sentence made only of them is "
                   "still translated (the model's guess), not refused")
    q.set_defaults(func=_cmd_run)

    q = add_command(cmds, "evaluate", "corpus BLEU on sentence pairs", EVALUATE_EXAMPLES,
                    description=(
                        "Score a translator on sentence pairs: sacrebleu's corpus BLEU with "
                        "its signature, the n-gram precisions, nltk's BLEU as a cross-check "
                        "and the share of exact translations."))
    q.add_argument("--model", required=True, help="translate run folder")
    q.add_argument("--pairs", required=True, help="sentence pairs with references")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=_cmd_evaluate)
