"""§3.4, §6.1: the answer generator on held-out countries, held-out phrasings and missing facts.

One model is trained per variant on ``data/qa/train.jsonl`` (both languages, answered
from ``data/facts.json``) and scored by exact match on the three test splits of
``data/make_questions.py``, per language:

- ``entities``: countries held out of training, whose answers never occur as a
  training target (the answer has to come from the facts);
- ``templates``: training countries asked with the two phrasings held out of training;
- ``missing``: the fact is not in the knowledge base (held-out countries' missing
  relations, the population, countries that do not exist); right = ``<unknown>``.

Variants (:class:`~llm_tf.models.QAConfig`, the rest as its defaults):

- ``copy``: the pointer-generator (the default);
- ``no copy``: the ablation, ``copy=False``, which can only write vocabulary tokens;
- ``copy, no relation hint``: the encoder reads only question and facts, not the
  relation retrieval found (``relation_hint=False``), so the model must find it in
  the question's words, unseen phrasings included.

The load average is printed before and after: the 2 cores are shared.

    .venv/bin/python bench/qa_compare.py                    # three variants, ~15-20 min
    .venv/bin/python bench/qa_compare.py --variants copy "no copy" --md /tmp/qa.md
    .venv/bin/python bench/qa_compare.py --quick            # a smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPLITS = {"entities": "test_entities", "templates": "test_templates", "missing": "test_missing"}
VARIANTS = {"copy": {}, "no copy": {"copy": False},
            "copy, no relation hint": {"relation_hint": False}}


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def run_variant(name: str, changes: dict, quick: bool, epochs: int | None) -> dict:
    from llm_tf.models import QAConfig
    from llm_tf.training.qa_trainer import evaluate_qa, load_questions, train_qa

    kb = ROOT / "data" / "facts.json"
    train = load_questions(ROOT / "data" / "qa" / "train.jsonl")
    cfg = QAConfig.tiny(**changes) if quick else QAConfig(**changes)
    if epochs is not None:
        cfg = cfg.replace(epochs=epochs)
    if quick:
        train = train[::8]
    start = time.perf_counter()
    model, metrics = train_qa(kb, None, cfg, questions=train, verbose=0)
    row = {"variant": name, "params": metrics["params"], "epochs": cfg.epochs,
           "seconds": time.perf_counter() - start, "scores": {}}
    for short, split in SPLITS.items():
        rows = load_questions(ROOT / "data" / "qa" / f"{split}.jsonl")
        if quick:
            rows = rows[::10]
        result = evaluate_qa(model, kb, rows)
        row["scores"][short] = {lang: r["exact_match"] for lang, r in
                                result["by_language"].items()}
        row["scores"][short]["n"] = {lang: r["questions"] for lang, r in
                                     result["by_language"].items()}
    print(f"  {name}: {row['seconds']:.0f} s, " + ", ".join(
        f"{s} {v['en']:.3f}/{v['zh']:.3f}" for s, v in row["scores"].items()), flush=True)
    return row


def table(rows: list[dict]) -> str:
    head = ("| variant | held-out entities en / zh | held-out templates en / zh | "
            "missing fact -> `<unknown>` en / zh | parameters | epochs | train + eval s |")
    lines = [head, "|---|---|---|---|---:|---:|---:|"]
    for r in rows:
        cells = [f"{r['scores'][s]['en']:.3f} / {r['scores'][s]['zh']:.3f}" for s in SPLITS]
        lines.append(f"| {r['variant']} | " + " | ".join(cells) +
                     f" | {r['params']:,} | {r['epochs']} | {r['seconds']:.0f} |")
    n = rows[0]["scores"]
    lines.append("")
    lines.append("Questions per split (en / zh): " + ", ".join(
        f"{s} {n[s]['n']['en']} / {n[s]['n']['zh']}" for s in SPLITS) + ".")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--epochs", type=int, default=None, help="override the config's epochs")
    p.add_argument("--md", type=Path, default=None, help="also write the table to this file")
    p.add_argument("--quick", action="store_true", help="tiny models, a fraction of the data")
    args = p.parse_args(argv)

    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/qa_compare.py",
                                                *(sys.argv[1:] if argv is None else argv)])
    print(f"command: {command}")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs; load average before "
          f"{load_average()}", flush=True)
    rows = [run_variant(v, VARIANTS[v], args.quick, args.epochs) for v in args.variants]
    md = table(rows)
    print()
    print(md)
    print()
    print(f"load average after: {load_average()}")
    if args.md:
        args.md.write_text(f"`{command}`, load average {load_average()}\n\n{md}\n",
                           encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
