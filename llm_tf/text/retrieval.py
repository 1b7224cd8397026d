"""Retrieval for question answering: which entity and relation a question asks about (§3.4, §6.1).

Plain, tested rules, no learning:

1. **Entity, exact.** Every entity name of the knowledge base (both languages) is looked
   for in the question: Chinese names as substrings, English names as whole words,
   case-insensitive. The longest name found wins ("南苏丹" over "苏丹", "Guinea-Bissau"
   over "Guinea").
2. **Entity, fuzzy.** Without an exact name, names are compared with the question's
   words (English: runs of as many words as the name has; Chinese: runs of CJK
   characters one shorter to one longer than the name) by edit distance with
   transpositions (optimal string alignment). A name may be this far off:
   :func:`max_typos` (0 for names of up to 4 letters, so "Iran" never becomes "Iraq";
   1 up to 7 letters; 2 beyond; Chinese: 0 up to three characters, since 纳尼亚 is one
   character from 肯尼亚; 1 from four, 2 from six). The smallest distance wins, then the
   longest name.
3. **Language.** A question with CJK characters besides the entity's name is answered
   from the Chinese table, else from the English one; an entity found by its name in
   the other language ("Japan的首都")
   is carried over through the knowledge base's ``names``.
4. **Relation.** A relation name of the entity that the question contains ("首都"), else
   one that another entity of the same table has (so "the landmark of Chad" names a
   relation Chad lacks), else the first keyword of :data:`RELATION_KEYWORDS` found
   ("biggest city" -> largest city).

:func:`retrieve` returns a :class:`Retrieval`, whose :meth:`~Retrieval.source` is the
text the encoder reads: the question, ``<sep>``, the relation found, ``<sep>``, and the
entity's facts linearised (the relevant fact is the one under that relation).
:attr:`Retrieval.missing_fact` tells when the knowledge base has no fact for the
question: no entity, or an entity without the relation asked. Then the answer is
:data:`UNKNOWN` without asking the model. :data:`RELATION_KEYWORDS` also knows relations
people ask about that ``data/facts.json`` has for no country (the population); a relation
retrieval does not recognise at all is left to the model, trained to answer
``<unknown>`` when the facts do not hold it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llm_tf.text.knowledge_base import ANY, KnowledgeBase, language_of, linearise
from llm_tf.text.tokenizers import is_cjk

UNKNOWN = "<unknown>"  # the defined reply when the knowledge base has no such fact
SEP = "<sep>"  # between the question and the facts in the encoder's input

# canonical relation -> keywords of questions asking for it (lower case for English)
RELATION_KEYWORDS: dict[str, tuple[str, ...]] = {
    "largest city": ("largest city", "biggest city", "most populous city", "largest",
                     "biggest"),
    "capital": ("capital",),
    "continent": ("continent",),
    "language": ("language", "speak", "spoken"),
    "currency": ("currency", "money", "pay with"),
    "landmark": ("landmark", "sight", "visitors see", "famous for", "known for"),
    # asked of countries, absent from data/facts.json: recognised, so answered <unknown>
    "population": ("population", "how many people", "inhabitants"),
    "最大城市": ("最大城市", "最大的城市", "最大的一座城市", "最大"),
    "首都": ("首都", "首府"),
    "大洲": ("大洲", "哪个洲", "什么洲", "洲"),
    "语言": ("语言", "说什么话", "讲什么话", "语"),
    "货币": ("货币", "什么钱", "钱"),
    "景点": ("景点", "名胜", "参观"),
    "人口": ("人口", "多少人"),
}


def osa_distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment)."""
    if a == b:
        return 0
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2]
                    and a[i - 2] == b[j - 1]):
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _cjk(name: str) -> bool:
    return any(is_cjk(c) for c in name)


def max_typos(name: str) -> int:
    """How many edits a fuzzy match of ``name`` may be off."""
    n = len(name)
    if _cjk(name):
        return 0 if n <= 3 else (1 if n < 6 else 2)
    letters = sum(c.isalpha() for c in name)
    return 0 if letters <= 4 else (1 if letters <= 7 else 2)


_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")


def _latin_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall("".join(" " if is_cjk(c) else c for c in text))]


def _cjk_runs(text: str) -> list[str]:
    runs, cur = [], ""
    for c in text:
        if is_cjk(c):
            cur += c
        elif cur:
            runs.append(cur)
            cur = ""
    return runs + ([cur] if cur else [])


@dataclass(frozen=True)
class Retrieval:
    """What retrieval found for one question."""

    question: str
    language: str  # the table the facts come from ("en", "zh" or "any")
    entity: str | None = None  # the entity in that table
    mention: str | None = None  # the name as it was matched (any language)
    match: str = "none"  # "exact", "fuzzy" or "none"
    distance: int = 0  # edits between the mention and the question's text
    relation: str | None = None  # the relation asked, as named in the facts (if found)
    facts: dict = field(default_factory=dict)  # the entity's facts

    @property
    def found(self) -> bool:
        return self.entity is not None

    @property
    def missing_fact(self) -> bool:
        """The knowledge base has no fact for the question: no entity, or the entity
        lacks the relation asked (recognised by name or keyword)."""
        return not self.found or (self.relation is not None and self.relation not in self.facts)

    @property
    def has_fact(self) -> bool:
        """The relation asked was recognised and the entity has it."""
        return self.relation is not None and self.relation in self.facts

    def facts_text(self) -> str:
        return linearise(self.entity, self.facts) if self.found else ""

    def source(self, relation_hint: bool = True) -> str:
        """The encoder's input text: the question, ``<sep>``, the relation retrieval found
        (with ``relation_hint``; empty when none), ``<sep>``, the facts linearised."""
        if not relation_hint:
            return f"{self.question} {SEP} {self.facts_text()}".rstrip()
        return f"{self.question} {SEP} {self.relation or ''} {SEP} {self.facts_text()}".rstrip()

    def to_dict(self) -> dict:
        return {"entity": self.entity, "language": self.language, "mention": self.mention,
                "match": self.match, "distance": self.distance, "relation": self.relation,
                "facts": dict(self.facts)}


class Retriever:
    """Finds entities and relations of one knowledge base (its names indexed once)."""

    def __init__(self, kb: KnowledgeBase | dict):
        self.kb = KnowledgeBase.from_dict(kb)
        self._names = []  # (name, lang, entity, regex or None)
        for lang, entity in self.kb.entities():
            pattern = None if _cjk(entity) else re.compile(
                r"(?<![^\W_])" + re.escape(entity.lower()) + r"(?![^\W_])")
            self._names.append((entity, lang, entity, pattern))
        # relation names per table, longest first (any entity's)
        self._relations = {lang: sorted({r for facts in table.values() for r in facts},
                                        key=lambda r: (-len(r), r))
                           for lang, table in self.kb.tables.items()}

    # ---- entity
    def _exact(self, question: str):
        q = "".join(" " if is_cjk(c) else c for c in question).lower()  # CJK ends a word
        hits = [(name, lang, ent) for name, lang, ent, pat in self._names
                if (name in question if pat is None else pat.search(q))]
        return max(hits, key=lambda h: len(h[0]), default=None)

    def _fuzzy(self, question: str):
        words, runs = _latin_words(question), _cjk_runs(question)
        best = None
        for name, lang, ent, pat in self._names:
            limit = max_typos(name)
            if not limit:
                continue
            if pat is None:
                windows = {r[i:i + k] for r in runs for k in (len(name) - 1, len(name),
                                                               len(name) + 1)
                           for i in range(0, max(0, len(r) - k) + 1) if k > 0}
            else:
                k = len(name.split())
                windows = {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}
            target = name.lower()
            for w in windows:
                if abs(len(w) - len(target)) > limit:
                    continue
                d = osa_distance(w, target)
                if d <= limit:
                    key = (d, -len(name))
                    if best is None or key < best[0]:
                        best = (key, name, lang, ent, d)
        return None if best is None else best[1:]

    # ---- relation
    @staticmethod
    def _relation(question: str, facts: dict, known=()) -> str | None:
        q = question.lower()
        present = [r for r in facts if r.lower() in q]
        if present:
            return max(present, key=len)
        other = next((r for r in known if r.lower() in q), None)  # a relation it lacks
        if other is not None:
            return other
        for canonical, words in RELATION_KEYWORDS.items():
            if any(w in q for w in words):
                return canonical
        return None

    def retrieve(self, question: str) -> Retrieval:
        """The entity, relation and facts for ``question`` (nothing found: empty facts)."""
        if not isinstance(question, str) or not question.strip():
            from llm_tf.errors import UserInputError

            raise UserInputError(f"the question is empty: {question!r}")
        hit, match, dist = self._exact(question), "exact", 0
        if hit is None:
            fuzzy = self._fuzzy(question)
            if fuzzy is not None:
                *hit, dist = fuzzy
                match = "fuzzy"
        # the question's language, told without the name ("What is the capital of 日本?")
        rest = question if hit is None else re.sub(re.escape(hit[0]), " ", question,
                                                   flags=re.IGNORECASE)
        want = language_of(rest)
        lang = ANY if ANY in self.kb.tables else (want if want in self.kb.tables
                                                  else next(iter(self.kb.tables)))
        if hit is None:
            return Retrieval(question, lang, relation=self._relation(question, {}))
        mention, found_lang, entity = hit
        if found_lang != lang:
            other = self.kb.counterpart(found_lang, entity, lang)
            if other is not None and other in self.kb.tables.get(lang, {}):
                entity = other
            else:
                lang = found_lang
        facts = self.kb.facts(lang, entity)
        return Retrieval(question, lang, entity, mention, match, dist,
                         self._relation(question, facts, self._relations.get(lang, ())),
                         dict(facts))


def retrieve(question: str, kb: KnowledgeBase | dict) -> Retrieval:
    """One question against ``kb`` (build a :class:`Retriever` to ask many)."""
    return Retriever(kb).retrieve(question)
