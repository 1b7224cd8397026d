"""``llm-tf classify train | evaluate | predict | attention``: document classification (§6.4, §3.3).

    llm-tf classify train     --data PATH --out RUN [--val-data PATH] [--test-data PATH]
                              [--epochs N --no-cross-level ...] [--json] [--quiet]
    llm-tf classify evaluate  --model RUN --data PATH [--json] [--png FILE]
    llm-tf classify predict   --model RUN [--json] TEXT
    llm-tf classify attention --model RUN --out FILE.png TEXT

Data is a folder with one sub-folder of ``.txt`` files per label, a ``label<TAB>text``
TSV or a JSONL file (:mod:`llm_tf.text.labelled_data`). The training flags are the
fields of :class:`~llm_tf.models.ClassifierConfig`. The model is
:class:`~llm_tf.models.HierarchicalClassifier` (word level, text level, cross-level
attention both ways); handlers call :mod:`llm_tf.training.classifier_trainer`.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

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

COMMANDS = {"classify": "document classifier with cross-level attention (§3.3, §6.4): "
                        "train | evaluate | predict | attention"}

EXAMPLES = """
llm-tf classify train --data data/classify/en/train --out runs/topics-en
llm-tf classify evaluate --model runs/topics-en --data data/classify/en/test --json
llm-tf classify predict --model runs/topics-en "The striker scored twice. Thanks for reading."
llm-tf classify attention --model runs/topics-en --out attention.png "By the way, it rained."
"""
TRAIN_EXAMPLES = """
llm-tf classify train --data data/classify/en/train --test-data data/classify/en/test \\
    --out runs/topics-en
llm-tf classify train --data data/classify/zh/train.jsonl \\
    --val-data data/classify/zh/validation.jsonl --out runs/topics-zh --epochs 5 --no-cross-level
llm-tf classify train --data data/classify/sample.tsv --out runs/sample --quiet --json
"""
EVALUATE_EXAMPLES = """
llm-tf classify evaluate --model runs/topics-en --data data/classify/en/test
llm-tf classify evaluate --model runs/topics-zh --data data/classify/zh/test.jsonl --json \\
    --png confusion.png
"""
PREDICT_EXAMPLES = """
llm-tf classify predict --model runs/topics-en "The striker scored twice. Thanks for reading."
llm-tf classify predict --model runs/topics-zh --json "央行宣布降息。感谢阅读。"
"""
ATTENTION_EXAMPLES = """
llm-tf classify attention --model runs/topics-en --out attention.png "By the way, it rained."
llm-tf classify attention --model runs/topics-zh --out 注意力.png "顺便说一句，今天下雨了。"
"""


def _existing(path: str, what: str) -> str:
    if not Path(path).exists():
        raise UserInputError(f"{what} not found: {path!r}")
    return path


def _text(args) -> str:
    if not args.text.strip():
        raise UserInputError("the text to classify is empty")
    return args.text


def _cmd_train(args) -> int:
    from llm_tf.models import ClassifierConfig

    cfg = ClassifierConfig(**given(args, ClassifierConfig))
    stale = False if args.resume else check_out(args.out, args.overwrite)
    from llm_tf.text.labelled_data import load_labelled

    for path in (args.data, args.val_data, args.test_data):
        if path is not None:
            load_labelled(path)  # bad data fails before anything is removed or built
    clear_out(args.out, stale)
    from llm_tf.training.classifier_trainer import train_classifier

    with removed_on_error(args.out):
        if not args.resume:  # a resumed run's folder is checked first: bad input is one line
            note_device(args)
        _, m = train_classifier(args.data, args.out, cfg, val_data=args.val_data,
                                test_data=args.test_data,
                                verbose=0 if args.json or args.quiet else 2,
            resume=args.resume)
    if args.json:
        print(json.dumps(m, ensure_ascii=False))
        return 0
    v = m["validation"]
    print(f"{m['params']:,} parameters, input {m['input_shape'][0]} sentences x "
          f"{m['input_shape'][1]} tokens, cross-level attention "
          f"{'on' if m['cross_level'] else 'off'}")
    print(f"best epoch {m['best_epoch']} of {m['epochs']} ({m['train_seconds']:.0f} s): "
          f"validation accuracy {v['accuracy']:.3f}, macro-F1 {v['macro_f1']:.3f}")
    if "test" in m:
        print(f"test accuracy {m['test']['accuracy']:.3f}, macro-F1 {m['test']['macro_f1']:.3f}")
    print(f"saved the run in {args.out} (model.keras, vocab.json, config.json, metrics.json, "
          "confusion_matrix.validation.png)")
    return 0


def _cmd_evaluate(args) -> int:
    require_kind(args.model, "classifier")
    _existing(args.data, "--data")
    if Path(args.data).is_file():  # its text checked before the model loads
        from llm_tf.text.corpus import read_text_file

        read_text_file(args.data, "labelled data")
    from llm_tf.training.classifier_trainer import load_classifier

    clf = load_classifier(args.model)
    png = args.png or str(Path(args.model) / f"confusion_matrix.{Path(args.data).stem}.png")
    result = clf.evaluate(args.data, png=png, title=Path(args.data).name)
    note_device()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"documents: {result['documents']}")
    print(f"accuracy:  {result['accuracy']:.4f}")
    print(f"macro-F1:  {result['macro_f1']:.4f}")
    names = result["label_names"]
    width = max(_width(n) for n in names) + 2
    print("confusion matrix (rows: true, columns: predicted):")
    print(" " * width + "".join(_pad(n, width, right=True) for n in names))
    for name, row in zip(names, result["confusion_matrix"], strict=True):
        print(_pad(name, width) + "".join(_pad(str(c), width, right=True) for c in row))
    print(f"figure: {result['confusion_matrix_png']}")
    return 0


def _width(text: str) -> int:
    """Terminal columns of ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _cmd_predict(args) -> int:
    text = _text(args)
    require_kind(args.model, "classifier")
    from llm_tf.training.classifier_trainer import load_classifier

    clf = load_classifier(args.model)
    probs = clf.predict_proba([text])[0]
    note_device()
    ranked = sorted(zip(clf.label_names, probs.tolist(), strict=True), key=lambda x: -x[1])
    if args.json:
        print(json.dumps({"label": ranked[0][0], "probabilities": dict(ranked)},
                         ensure_ascii=False))
        return 0
    print(ranked[0][0])
    width = max(_width(n) for n, _ in ranked) + 2
    for name, p in ranked:
        print(f"  {_pad(name, width)}{p:.4f}")
    return 0


def _cmd_attention(args) -> int:
    text = _text(args)
    if Path(args.out).suffix.lower() != ".png" or Path(args.out).is_dir():
        raise UserInputError(f"--out must be a .png file, got {args.out!r}")
    require_kind(args.model, "classifier")
    from llm_tf.training.classifier_trainer import load_classifier, plot_attention

    clf = load_classifier(args.model)
    attn = clf.attention(text)
    path = plot_attention(attn, args.out)
    note_device()
    print(f"{attn['label']} ({float(max(attn['probabilities'])):.4f})")
    for i, (sentence, weight) in enumerate(zip(attn["sentences"], attn["text"], strict=True)):
        tokens = attn["tokens"][i]
        top = tokens[int(attn["word"][i][:len(tokens)].argmax())]
        print(f"  S{i + 1} {weight:.3f}  top word {top!r}  {sentence}")
    print(f"figure: {path}")
    return 0


def register(sub) -> None:
    """Add ``classify`` and its subcommands to an argparse subparsers object."""
    from llm_tf.models import ClassifierConfig

    p = add_command(sub, "classify", COMMANDS["classify"], EXAMPLES, description=(
        "Train and use a hierarchical document classifier: a word-level and a text-level "
        "encoder joined by cross-level attention (§3.3)."))
    cmds = p.add_subparsers(dest="classify_command", metavar="COMMAND")
    p.set_defaults(func=lambda args: show_usage(p))

    q = add_command(cmds, "train", "train a classifier into a run folder", TRAIN_EXAMPLES,
                    description=(
                        "Train the hierarchical classifier on labelled documents (a folder of "
                        "label sub-folders of .txt files, a label<TAB>text .tsv or a .jsonl) "
                        "into a run folder; prints one line per epoch, then validation (and "
                        "test) accuracy and macro-F1."))
    q.add_argument("--data", required=True,
                   help="training data: a folder of label sub-folders, a .tsv or a .jsonl")
    q.add_argument("--out", required=True, help="run folder to create (new or empty)")
    q.add_argument("--val-data", default=None,
                   help="validation data (default: hold out --val-fraction of --data)")
    q.add_argument("--test-data", default=None, help="test data, scored at the end")
    q.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    q.add_argument("--quiet", action="store_true",
                   help="no device or per-epoch lines: only the final result lines")
    add_overwrite_arg(q)
    q.add_argument("--resume", action="store_true",
                   help="continue the stopped run in --out from its last epoch, with its "
                   "saved settings (after a crash, a kill or Ctrl-C)")
    add_config_args(q, ClassifierConfig)
    q.set_defaults(func=_cmd_train)

    q = add_command(cmds, "evaluate", "accuracy, macro-F1 and the confusion matrix on data",
                    EVALUATE_EXAMPLES, description=(
                        "Score a classifier run on labelled data: accuracy, macro-F1 and the "
                        "confusion matrix, printed and drawn as a PNG."))
    q.add_argument("--model", required=True, help="classifier run folder")
    q.add_argument("--data", required=True, help="labelled data (folder, .tsv or .jsonl)")
    q.add_argument("--png", default=None, help="where to draw the confusion matrix (default: "
                   "RUN/confusion_matrix.<data name>.png)")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=_cmd_evaluate)

    q = add_command(cmds, "predict", "the label of a text and every label's probability",
                    PREDICT_EXAMPLES)
    q.add_argument("--model", required=True, help="classifier run folder")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.add_argument("text", metavar="TEXT", help=(
        "the document (one or more sentences); words the vocabulary lacks are read as <unk>, "
        "so a text made only of them still gets a label (the model's guess from <unk>s)"))
    q.set_defaults(func=_cmd_predict)

    q = add_command(cmds, "attention", "draw the word- and text-level attention of a text",
                    ATTENTION_EXAMPLES, description=(
                        "Classify a text and draw where the model looked: each sentence's "
                        "weight (text level) and each word's weight within its sentence (word "
                        "level), as a PNG; the top word per sentence is printed."))
    q.add_argument("--model", required=True, help="classifier run folder")
    q.add_argument("--out", required=True, help="the figure (.png)")
    q.add_argument("text", metavar="TEXT", help="the document (one or more sentences)")
    q.set_defaults(func=_cmd_attention)
