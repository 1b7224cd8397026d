"""Sentence pairs for machine translation, and each language's tokens (§6.3).

A parallel corpus is a JSON-lines file of ``{"en": ..., "zh": ...}`` objects (other keys
are kept, e.g. ``data/parallel/``'s ``entity``), or a TSV file of ``English<TAB>Chinese``
lines. Either direction trains from the same file: :func:`parse_direction` reads
``en-zh`` / ``zh-en``.

Tokens come from the project's tokenizers (:mod:`llm_tf.text.tokenizers`): Chinese one
character per token (``char``), English NLTK's Treebank word rules (``word``, no
downloads). :func:`detokenize` joins them back: characters run together, words with the
Treebank detokenizer. No TensorFlow here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from llm_tf.errors import UserInputError
from llm_tf.text.corpus import read_text_file
from llm_tf.text.tokenizers import Tokenizer

LANGUAGES = ("en", "zh")
DIRECTIONS = ("en-zh", "zh-en")
TOKENIZERS = {"en": Tokenizer("word"), "zh": Tokenizer("char")}


def parse_direction(direction: str) -> tuple[str, str]:
    """``"en-zh"`` -> ``("en", "zh")``; anything else is a :class:`UserInputError`."""
    if direction not in DIRECTIONS:
        raise UserInputError(f"unknown direction {direction!r}; choose from "
                             f"{', '.join(DIRECTIONS)}")
    src, tgt = direction.split("-")
    return src, tgt


def tokenize(text: str, lang: str) -> list[str]:
    """Tokens of ``text`` in ``lang`` (``zh``: characters, spaces dropped; ``en``: words)."""
    if lang not in TOKENIZERS:
        raise UserInputError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
    tokens = TOKENIZERS[lang].tokenize(text.strip())
    return [t for t in tokens if not t.isspace()] if lang == "zh" else tokens


def detokenize(tokens: list[str], lang: str) -> str:
    """The text of ``tokens`` in ``lang`` (the inverse of :func:`tokenize` on our data)."""
    if lang not in TOKENIZERS:
        raise UserInputError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
    return TOKENIZERS[lang].detokenize(list(tokens))


def _row(obj, where: str) -> dict:
    if not isinstance(obj, dict) or not all(isinstance(obj.get(k), str) and obj[k].strip()
                                            for k in LANGUAGES):
        raise UserInputError(f"{where}: expected {{\"en\": ..., \"zh\": ...}} with two "
                             f"non-empty sentences, got {str(obj)[:60]!r}")
    return obj


def load_pairs(path: str | os.PathLike) -> list[dict]:
    """The sentence pairs of a JSON-lines (``{"en", "zh"}``) or ``.tsv`` file."""
    p = Path(path)
    lines = read_text_file(path, "sentence-pairs file", allow_empty=True).splitlines()
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{str(path)!r} line {n}"
        if p.suffix == ".tsv":
            parts = line.split("\t")
            if len(parts) != 2:
                raise UserInputError(f"{where}: expected English<TAB>Chinese, got "
                                     f"{line[:60]!r}")
            rows.append(_row({"en": parts[0], "zh": parts[1]}, where))
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise UserInputError(f"{where} is not JSON: {line[:60]!r}") from None
        rows.append(_row(obj, where))
    if not rows:
        raise UserInputError(f"sentence-pairs file {str(path)!r} has no pairs")
    return rows


def sides(rows: list[dict], direction: str) -> tuple[list[str], list[str]]:
    """(source sentences, target sentences) of ``rows`` for ``direction``."""
    src, tgt = parse_direction(direction)
    return [r[src] for r in rows], [r[tgt] for r in rows]
