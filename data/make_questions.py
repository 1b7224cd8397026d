"""Question/answer pairs over data/facts.json for the answer generator (§3.4, §6.1).

Every relation of the knowledge base has six question templates per language
(:mod:`llm_tf.text.qa_questions`); the first four are for training, the last two are
held out. The countries are split
once (seeded): a fifth are held out. Four files, JSON lines
``{"question", "answer", "lang", "entity", "relation", "template"}``, in ``data/qa/``:

- ``train.jsonl``           training countries, training templates: the fact's value,
                            or ``<unknown>`` where the country lacks the fact (landmarks
                            of most countries, a few languages and currencies) or the
                            relation is one the knowledge base never has (population);
- ``test_entities.jsonl``   held-out countries, training templates, only questions whose
                            answer never occurs as a target in ``train.jsonl`` (of the
                            same language): the answer must come from the facts;
- ``test_templates.jsonl``  training countries, held-out templates;
- ``test_missing.jsonl``    questions whose fact is missing: held-out countries'
                            missing relations, the population, and countries that do
                            not exist (Atlantis, 瓦坎达); the answer is ``<unknown>``.

Nothing is downloaded; the output is deterministic for a given ``--seed``.

    python data/make_questions.py            # rewrite data/qa/
    python data/make_questions.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from llm_tf.text.qa_questions import NOWHERE, TEMPLATES, TRAIN_TEMPLATES, question_row

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the sibling module, also when loaded from a file path
from jsonl_splits import jsonl, run  # noqa: E402

UNKNOWN = "<unknown>"  # llm_tf.text.retrieval.UNKNOWN
TEST_FRACTION = 0.2

def splits(kb: dict, seed: int) -> dict[str, list[dict]]:
    """The four splits (lists of rows) of the knowledge base ``kb`` (facts.json's shape)."""
    rng = random.Random(seed)
    countries = sorted(kb["names"])  # English names; kb["names"][en] is the Chinese one
    rng.shuffle(countries)
    n_test = round(TEST_FRACTION * len(countries))
    test_c, train_c = sorted(countries[:n_test]), sorted(countries[n_test:])
    out = {"train": [], "test_entities": [], "test_templates": [], "test_missing": []}
    n_train = TRAIN_TEMPLATES
    for lang in ("en", "zh"):
        table, templates = kb[lang], TEMPLATES[lang]

        def name(c, lang=lang):
            return c if lang == "en" else kb["names"][c]

        train_rows = []
        for c in train_c:
            e = name(c)
            for rel, ts in templates.items():
                value = table[e].get(rel)
                if value is not None:
                    train_rows += [question_row(ts[t].format(e=e), value, lang, e, rel, t)
                                   for t in range(n_train)]
                    t = n_train + rng.randrange(len(ts) - n_train)
                    out["test_templates"].append(question_row(ts[t].format(e=e), value, lang,
                                                              e, rel, t))
                else:  # one training question per missing fact
                    t = rng.randrange(n_train)
                    train_rows.append(question_row(ts[t].format(e=e), UNKNOWN, lang, e, rel, t))
        out["train"] += train_rows
        seen = {r["answer"] for r in train_rows}
        for c in test_c:
            e = name(c)
            for rel, ts in templates.items():
                value = table[e].get(rel)
                if value is None:
                    t = rng.randrange(len(ts))
                    out["test_missing"].append(question_row(ts[t].format(e=e), UNKNOWN, lang,
                                                            e, rel, t))
                elif value not in seen:
                    for t in sorted(rng.sample(range(n_train), 2)):
                        out["test_entities"].append(question_row(ts[t].format(e=e), value, lang, e,
                                                         rel, t))
        for e in NOWHERE[lang]:
            for rel, ts in templates.items():
                t = rng.randrange(len(ts))
                out["test_missing"].append(question_row(ts[t].format(e=e), UNKNOWN, lang, e,
                                                        rel, t))
    return out


def outputs(seed: int) -> dict[str, str]:
    kb = json.loads((HERE / "facts.json").read_text(encoding="utf-8"))
    return {f"qa/{name}.jsonl": jsonl(rows) for name, rows in splits(kb, seed).items()}


def main(argv=None) -> int:
    return run(__doc__.splitlines()[0], outputs, "questions", argv)


if __name__ == "__main__":
    sys.exit(main())
