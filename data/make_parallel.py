"""Aligned English/Chinese sentence pairs over data/facts.json, for machine translation (§6.3).

The embedded corpora (``corpus.en.txt``, ``corpus.zh.txt``) are rendered from the same
facts but are not line-aligned, so they cannot train a translator. This script writes
a parallel corpus instead: every fact of ``facts.json`` (a country's capital,
continent, language, currency, largest city, landmark) said with each of three
**paired templates** per relation, e.g.::

    The capital of France is Paris.       法国的首都是巴黎。
    Paris is the capital of France.       巴黎是法国的首都。

The English side fills in the English names and values, the Chinese side the
Chinese ones (``facts.json``'s ``names`` pairs the countries; the relation's value is
read from each language's table). Both directions use the same files.

Splits, in ``data/parallel/`` (JSON lines ``{"en", "zh", "entity", "relation",
"template"}``; ``entity`` is the English name):

- ``train.jsonl``  every (fact, template) pair except the held-out ones;
- ``test.jsonl``   one (fact, template) pair of a seeded fifth of the facts: a sentence
                   never seen in training, though its words (the country, the value,
                   the template's wording) all are, each in other sentences.

Nothing is downloaded; the output is deterministic for a given ``--seed``.

    python data/make_parallel.py            # rewrite data/parallel/
    python data/make_parallel.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the sibling module, also when loaded from a file path
from jsonl_splits import jsonl, run  # noqa: E402

TEST_FRACTION = 0.2  # of the facts, one of whose sentences is held out

# English relation -> its Chinese name in facts.json, and the paired templates:
# (English, Chinese); {e}/{v} are the English country and value, {z}/{w} the Chinese ones
TEMPLATES = {
    ("capital", "首都"): [
        ("The capital of {e} is {v}.", "{z}的首都是{w}。"),
        ("{v} is the capital of {e}.", "{w}是{z}的首都。"),
        ("The capital city of {e} is {v}.", "{z}的首都城市是{w}。"),
    ],
    ("continent", "大洲"): [
        ("{e} is in {v}.", "{z}位于{w}。"),
        ("{e} is a country in {v}.", "{z}是{w}的一个国家。"),
        ("{e} lies on the continent of {v}.", "{z}在{w}大陆上。"),
    ],
    ("language", "语言"): [
        ("The official language of {e} is {v}.", "{z}的官方语言是{w}。"),
        ("People in {e} speak {v}.", "{z}人说{w}。"),
        ("{v} is spoken in {e}.", "{z}通用{w}。"),
    ],
    ("currency", "货币"): [
        ("The currency of {e} is the {v}.", "{z}的货币是{w}。"),
        ("People in {e} pay with the {v}.", "{z}人用{w}付款。"),
        ("{e} uses the {v}.", "{z}使用{w}。"),
    ],
    ("largest city", "最大城市"): [
        ("The largest city of {e} is {v}.", "{z}最大的城市是{w}。"),
        ("{v} is the largest city in {e}.", "{w}是{z}最大的城市。"),
        ("The biggest city in {e} is {v}.", "{z}最大的都市是{w}。"),
    ],
    ("landmark", "景点"): [
        ("A famous landmark of {e} is {v}.", "{z}的著名景点是{w}。"),
        ("{e} is known for {v}.", "{z}以{w}闻名。"),
        ("Visitors to {e} often see {v}.", "去{z}的游客常去看{w}。"),
    ],
}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def pairs(kb: dict) -> list[dict]:
    """Every (fact, template) sentence pair of ``kb`` (facts.json's shape), in a fixed order."""
    rows = []
    for en_name in sorted(kb["names"]):
        zh_name = kb["names"][en_name]
        en_facts, zh_facts = kb["en"][en_name], kb["zh"][zh_name]
        for (rel, zh_rel), templates in TEMPLATES.items():
            v, w = en_facts.get(rel), zh_facts.get(zh_rel)
            if v is None or w is None:
                continue
            for t, (en_t, zh_t) in enumerate(templates):
                rows.append({"en": _sentence_case(en_t.format(e=en_name, v=v)),
                             "zh": zh_t.format(z=zh_name, w=w),
                             "entity": en_name, "relation": rel, "template": t})
    return rows


def splits(kb: dict, seed: int) -> dict[str, list[dict]]:
    """``train`` and ``test`` (see the module docstring)."""
    rng = random.Random(seed)
    rows = pairs(kb)
    facts = sorted({(r["entity"], r["relation"]) for r in rows})
    rng.shuffle(facts)
    held = {f: rng.randrange(len(next(iter(TEMPLATES.values()))))
            for f in facts[:round(TEST_FRACTION * len(facts))]}
    train, test = [], []
    for r in rows:
        t = held.get((r["entity"], r["relation"]))
        (test if t == r["template"] else train).append(r)
    return {"train": train, "test": test}


def outputs(seed: int) -> dict[str, str]:
    kb = json.loads((HERE / "facts.json").read_text(encoding="utf-8"))
    return {f"parallel/{name}.jsonl": jsonl(rows) for name, rows in splits(kb, seed).items()}


def main(argv=None) -> int:
    return run(__doc__.splitlines()[0], outputs, "sentence pairs", argv)


if __name__ == "__main__":
    sys.exit(main())
