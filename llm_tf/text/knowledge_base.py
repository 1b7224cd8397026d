"""A facts knowledge base in the article's shape, its tokens, and facts as text (§3.4, §6.1).

§3.4's listing writes the knowledge base as ``{"中国": {"首都": "北京"}}``: entity ->
relation -> value. :class:`KnowledgeBase` holds one such table per language and
accepts both shapes a user may give:

- the listing's flat ``{entity: {relation: value}}`` (one table, any language);
- ``data/facts.json``'s ``{"en": {...}, "zh": {...}, "names": {"China": "中国"}}``,
  where ``names`` pairs each English entity with its Chinese one, so that a Chinese
  question naming "Japan" finds 日本's facts.

:func:`qa_tokenize` cuts text for the answer generator: one token per CJK character
(Chinese is modelled character by character), runs of other letters and digits as
words (``Port-au-Prince``, ``N'Djamena`` stay whole), every other non-space character
alone. :func:`detokenize` joins them back.
:func:`linearise` writes an entity's facts as the text the encoder reads:
``France | capital : Paris | continent : Europe``. No TensorFlow here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from llm_tf.errors import UserInputError
from llm_tf.text.corpus import read_text_file
from llm_tf.text.tokenizers import is_cjk

ANY = "any"  # the language of a flat (one-table) knowledge base
LANGUAGES = ("en", "zh")
FACT_SEP, VALUE_SEP = "|", ":"


# ---------------------------------------------------------------- tokens
def _is_word_char(ch: str) -> bool:
    return ch.isalnum() and not is_cjk(ch)


def qa_tokenize(text: str) -> list[str]:
    """CJK characters one by one, words (letters/digits joined by ``-``, ``'`` or ``.``
    inside) whole, any other non-space character alone."""
    tokens, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif _is_word_char(ch):
            j = i + 1
            while j < n and (_is_word_char(text[j]) or (
                    text[j] in "-'’." and j + 1 < n and _is_word_char(text[j + 1]))):
                j += 1
            tokens.append(text[i:j])
            i = j
        else:
            tokens.append(ch)
            i += 1
    return tokens


def detokenize(tokens: list[str]) -> str:
    """Join :func:`qa_tokenize`'s tokens: a space before a word that follows a word or
    ASCII punctuation (``St. Louis``), or a ``-``/``'`` after a word (``a - b`` is three
    tokens, ``a-b`` one), none elsewhere (``布宜诺斯艾利斯``)."""
    out = ""
    for tok in tokens:
        if out and tok and _is_word_char(tok[0]) and (
                _is_word_char(out[-1]) or out[-1] in ",.;:!?" or (
                    out[-1] in "-'’" and len(out) > 1 and _is_word_char(out[-2]))):
            out += " "
        out += tok
    return out


def language_of(text: str) -> str:
    """``zh`` when the text has any CJK character, else ``en``."""
    return "zh" if any(is_cjk(c) for c in text) else "en"


# ---------------------------------------------------------------- the knowledge base
def _check_table(table, where: str) -> dict[str, dict[str, str]]:
    if not isinstance(table, Mapping):
        raise UserInputError(f"{where} must map entities to {{relation: value}}, got "
                             f"{type(table).__name__}")
    out = {}
    for entity, facts in table.items():
        if not isinstance(entity, str) or not entity.strip():
            raise UserInputError(f"{where}: an entity name must be a non-empty string, got "
                                 f"{entity!r}")
        if not isinstance(facts, Mapping):
            raise UserInputError(f"{where}[{entity!r}] must be {{relation: value}}, got "
                                 f"{type(facts).__name__}")
        for rel, value in facts.items():
            if not (isinstance(rel, str) and isinstance(value, str) and rel.strip()
                    and value.strip()):
                raise UserInputError(f"{where}[{entity!r}]: relation and value must be "
                                     f"non-empty strings, got {rel!r}: {value!r}")
        out[entity] = dict(facts)
    return out


class KnowledgeBase:
    """Entity -> relation -> value tables, one per language (or one for ``any``).

    Args:
        tables: ``{"en": {...}, "zh": {...}}`` or ``{"any": {...}}``.
        names: English entity -> Chinese entity, for cross-language names.
    """

    def __init__(self, tables: Mapping[str, Mapping], names: Mapping[str, str] | None = None):
        self.tables = {lang: _check_table(t, f"knowledge base[{lang!r}]")
                       for lang, t in tables.items()}
        if not self.tables or not any(self.tables.values()):
            raise UserInputError("the knowledge base has no entities")
        self.names = dict(names or {})

    @classmethod
    def from_dict(cls, obj) -> KnowledgeBase:
        """The listing's flat ``{entity: {relation: value}}`` or the bilingual
        ``{"en": ..., "zh": ..., "names": ...}`` of ``data/facts.json``."""
        if isinstance(obj, KnowledgeBase):
            return obj
        if not isinstance(obj, Mapping) or not obj:
            raise UserInputError(f"a knowledge base must be a non-empty JSON object, got "
                                 f"{type(obj).__name__ if not isinstance(obj, Mapping) else '{}'}")
        if set(obj) <= {*LANGUAGES, "names"} and any(k in obj for k in LANGUAGES):
            names = obj.get("names") or {}
            if not isinstance(names, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
                raise UserInputError("knowledge base 'names' must map English to Chinese names")
            return cls({k: obj[k] for k in LANGUAGES if k in obj}, names)
        return cls({ANY: obj})

    @classmethod
    def load(cls, path: str | os.PathLike) -> KnowledgeBase:
        """Read a JSON knowledge base; any fault is a one-line error naming the file (the
        shared text checks of :func:`~llm_tf.text.corpus.read_text_file`, then JSON with
        its line and column, then the shape)."""
        text = read_text_file(path, "knowledge base")
        try:
            obj = json.loads(text)
        except ValueError as e:
            raise UserInputError(f"knowledge base {str(path)!r} is not UTF-8 JSON: {e}") from None
        try:
            return cls.from_dict(obj)
        except UserInputError as e:
            raise UserInputError(f"knowledge base {str(path)!r}: {e}") from None

    def to_dict(self) -> dict:
        if set(self.tables) == {ANY}:
            return self.tables[ANY]
        return {**self.tables, **({"names": self.names} if self.names else {})}

    def table(self, lang: str) -> dict[str, dict[str, str]]:
        """The table questions in ``lang`` are answered from (the only one when flat)."""
        if ANY in self.tables:
            return self.tables[ANY]
        if lang in self.tables:
            return self.tables[lang]
        return next(iter(self.tables.values()))

    def entities(self) -> list[tuple[str, str]]:
        """Every (language, entity)."""
        return [(lang, e) for lang, t in self.tables.items() for e in t]

    def facts(self, lang: str, entity: str) -> dict[str, str]:
        return self.tables[lang][entity]

    def counterpart(self, lang: str, entity: str, target: str) -> str | None:
        """The same entity's name in the ``target`` language's table (via ``names``)."""
        if lang == target or ANY in (lang, target):
            return entity
        if lang == "en" and target == "zh":
            return self.names.get(entity)
        for en, zh in self.names.items():
            if zh == entity:
                return en
        return None

    def __len__(self) -> int:
        return max(len(t) for t in self.tables.values())


def linearise(entity: str, facts: Mapping[str, str]) -> str:
    """``entity | relation : value | ...`` in the knowledge base's order."""
    parts = [entity] + [f"{rel} {VALUE_SEP} {value}" for rel, value in facts.items()]
    return f" {FACT_SEP} ".join(parts)
