"""§3.3, §6.4: does cross-level attention earn its keep? Held-out test data, both languages.

Three classifiers on one of two data sets (``--data``), six topics each:

- ``classify`` (data/classify, 660 / 150 / 150 documents per language): a document's
  label is the topic of its sentences without an aside marker;
- ``focus`` (data/classify_focus, 1,500 / 240 / 300): the topic of the object that a
  roster sentence binds to the person a focus sentence names, which no single
  sentence vector shows on its own (see data/make_focus.py).

The classifiers:

- ``cross-level``: :class:`~llm_tf.models.HierarchicalClassifier` with the text <->
  words cross-level attention (the default ``ClassifierConfig``);
- ``ablation``: the same encoder with ``cross_level=False``;
- ``bag of words``: tf-idf + softmax regression (:mod:`llm_tf.evaluation.bag_of_words`;
  convex, so one run).

Each neural model is trained by :func:`~llm_tf.training.classifier_trainer.train_classifier`
(Adam, early stopping on validation accuracy, ties broken by validation loss; the best
epoch kept) once per seed; the table gives the median over the seeds of test accuracy
and macro-F1 (with the range), the first epoch at which validation accuracy reached
0.99 (how fast it learns), parameters and seconds per run. The load average is
printed before and after: the 2 cores are shared.

    .venv/bin/python bench/classify_compare.py                      # 3 seeds, ~5-8 min
    .venv/bin/python bench/classify_compare.py --md /tmp/classify_bench.md
    .venv/bin/python bench/classify_compare.py --data focus --md /tmp/focus_bench.md
    .venv/bin/python bench/classify_compare.py --quick              # a smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_SETS = {"classify": "topic documents with asides (data/make_classification.py)",
             "focus": "whose object is the story about (data/make_focus.py)",
             "pick": "which of the listed objects does the text pick (data/make_pick.py)"}
FOLDERS = {"classify": "classify", "focus": "classify_focus", "pick": "classify_pick"}


def splits(data: str, lang: str) -> tuple[Path, Path, Path]:
    """(train, validation, test) of one data set and language."""
    base = ROOT / "data" / FOLDERS[data]
    if lang == "en":
        return tuple(base / "en" / s for s in ("train", "validation", "test"))
    return tuple(base / "zh" / f"{s}.jsonl" for s in ("train", "validation", "test"))


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def first_epoch_at(history: list[float], level: float = 0.99) -> int | None:
    return next((i + 1 for i, v in enumerate(history) if v >= level), None)


def run_neural(lang: str, cross: bool, seed: int, args) -> dict:
    from llm_tf.models import ClassifierConfig
    from llm_tf.text.labelled_data import load_labelled
    from llm_tf.training.classifier_trainer import train_classifier

    train = load_labelled(splits(args.data, lang)[0])
    val, test = (load_labelled(p, label_names=train.label_names)
                 for p in splits(args.data, lang)[1:])
    if args.quick:
        train = train.split((0.2, 0.8), seed=seed)[0]
    base = ClassifierConfig.tiny() if args.quick else ClassifierConfig()
    cfg = base.replace(cross_level=cross, seed=seed, epochs=args.epochs, patience=args.patience)
    _, m = train_classifier(train, None, cfg, val_data=val, test_data=test, verbose=0)
    return {"accuracy": m["test"]["accuracy"], "macro_f1": m["test"]["macro_f1"],
            "epochs": m["epochs"], "best_epoch": m["best_epoch"],
            "at_99": first_epoch_at(m["history"]["val_accuracy"]), "params": m["params"],
            "seconds": m["train_seconds"]}


def run_bow(lang: str, args) -> dict:
    from llm_tf.evaluation.bag_of_words import BagOfWordsClassifier
    from llm_tf.evaluation.classification_metrics import accuracy, macro_f1
    from llm_tf.text.labelled_data import load_labelled

    train = load_labelled(splits(args.data, lang)[0])
    test = load_labelled(splits(args.data, lang)[2], label_names=train.label_names)
    start = time.perf_counter()
    clf = BagOfWordsClassifier().fit(train.texts, train.labels, train.num_classes)
    pred = clf.predict(test.texts)
    return {"accuracy": accuracy(test.labels, pred),
            "macro_f1": macro_f1(test.labels, pred, test.num_classes),
            "params": int(clf.coef_.size + clf.intercept_.size),
            "seconds": time.perf_counter() - start}


def _median(runs: list[dict], key: str) -> str:
    values = [r[key] for r in runs]
    med = statistics.median(values)
    if len(values) == 1 or min(values) == max(values):
        return f"{med:.3f}"
    return f"{med:.3f} ({min(values):.3f}-{max(values):.3f})"


def table(results: dict, seeds: list[int]) -> list[str]:
    lines = ["| language | model | test accuracy | test macro-F1 | first epoch val >= 0.99 "
             "| epochs (best) | parameters | s / run |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for lang, by_model in results.items():
        for name, runs in by_model.items():
            if name == "bag of words":
                r = runs[0]
                lines.append(f"| {lang} | {name} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
                             f"- | - | {r['params']:,} | {r['seconds']:.1f} |")
                continue
            at = [r["at_99"] for r in runs]
            at_text = ", ".join("-" if a is None else str(a) for a in at)
            epochs = ", ".join(f"{r['epochs']} ({r['best_epoch']})" for r in runs)
            secs = statistics.median(r["seconds"] for r in runs)
            lines.append(f"| {lang} | {name} | {_median(runs, 'accuracy')} | "
                         f"{_median(runs, 'macro_f1')} | {at_text} | {epochs} | "
                         f"{runs[0]['params']:,} | {secs:.0f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="cross-level classifier vs ablation vs bag of words")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--data", choices=sorted(DATA_SETS), default="classify",
                   help="; ".join(f"{k}: {v}" for k, v in DATA_SETS.items()))
    p.add_argument("--langs", nargs="+", choices=["en", "zh"], default=["en", "zh"])
    p.add_argument("--epochs", type=int, default=10, help="most epochs per run")
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="tiny model, a fifth of the data")
    p.add_argument("--md", type=Path, default=None, help="also write the table here")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = args.seeds[:1], min(args.epochs, 2)

    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    import keras
    import tensorflow as tf

    command = "python bench/classify_compare.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    load_before, start = load_average(), time.perf_counter()
    print(f"load average (1 / 5 / 15 min) before: {load_before}", flush=True)
    results: dict = {}
    for lang in args.langs:
        results[lang] = {"cross-level": [], "ablation": [], "bag of words": [run_bow(lang, args)]}
        for seed in args.seeds:
            for name, cross in (("cross-level", True), ("ablation", False)):
                r = run_neural(lang, cross, seed, args)
                results[lang][name].append(r)
                print(f"  {lang} {name:11} seed {seed}: test accuracy {r['accuracy']:.3f}, "
                      f"macro-F1 {r['macro_f1']:.3f}, {r['epochs']} epochs (best "
                      f"{r['best_epoch']}), {r['seconds']:.0f} s", flush=True)
    minutes = (time.perf_counter() - start) / 60
    from llm_tf.text.labelled_data import load_labelled

    test_docs = len(load_labelled(splits(args.data, args.langs[0])[2]).texts)
    load_after = load_average()
    lines = [
        f"Command: `{command}` ({minutes:.1f} min; TensorFlow {tf.__version__}, Keras "
        f"{keras.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPU cores; "
        f"load average 1 / 5 / 15 min {load_before} before, {load_after} after). Test data "
        f"held out ({test_docs} documents per language); median over seeds {args.seeds} with the "
        "range in brackets; bag of words is convex (one run).",
        "",
        *table(results, args.seeds),
    ]
    print("\n" + "\n".join(lines))
    if args.md:
        args.md.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nwritten to {args.md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
