"""Exact match for question answering (§6.1), the SQuAD metric.

An answer counts when, after :func:`normalize_answer` (Unicode NFKC, case folded,
whitespace collapsed, leading English articles and trailing punctuation dropped), it
equals the reference. :func:`exact_match_report` adds the rate per language and the
share of ``<unknown>`` replies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from llm_tf.errors import UserInputError

_ARTICLE = re.compile(r"^(the|a|an)\s+")
_TRAILING = " \t.。!！?？,，;；:：\"'“”‘’"


def normalize_answer(text: str) -> str:
    """The comparable form of an answer."""
    t = " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())
    t = t.strip(_TRAILING)
    return _ARTICLE.sub("", t)


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    """The share of predictions equal to their reference after normalisation."""
    if len(predictions) != len(references):
        raise UserInputError(f"{len(predictions)} predictions for {len(references)} references")
    if not references:
        raise UserInputError("no questions to score")
    hits = sum(normalize_answer(p) == normalize_answer(r)
               for p, r in zip(predictions, references, strict=True))
    return hits / len(references)


def exact_match_report(predictions: Sequence[str], references: Sequence[str],
                       languages: Sequence[str], unknown: str = "<unknown>") -> dict:
    """Exact match overall and per language, and how often ``unknown`` was replied."""
    report = {"questions": len(references),
              "exact_match": exact_match(predictions, references),
              "unknown_replies": sum(p == unknown for p in predictions) / max(1, len(predictions)),
              "by_language": {}}
    for lang in sorted(set(languages)):
        idx = [i for i, g in enumerate(languages) if g == lang]
        report["by_language"][lang] = {
            "questions": len(idx),
            "exact_match": exact_match([predictions[i] for i in idx],
                                       [references[i] for i in idx])}
    return report
