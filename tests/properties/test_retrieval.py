"""Properties of knowledge-base retrieval and QA tokens (llm_tf/text/retrieval.py,
knowledge_base.py) against ``data/facts.json``, on any string.

Well-formed, precisely: for any question that is not blank, ``retrieve`` returns a
:class:`Retrieval` whose language is one of the knowledge base's tables; when an
entity is found, it is an entity of that table, ``facts`` are exactly its facts, the
mention is a name of the knowledge base within ``max_typos`` edits and the match is
``exact`` or ``fuzzy``; when none is found, ``facts`` is empty and ``missing_fact`` is
true. ``source()`` starts with the question and ``to_dict()`` is JSON. A blank
question raises :class:`~llm_tf.errors.UserInputError`. A question holding an
entity's name (a Chinese name anywhere, an English one between spaces) is an exact
match on that name or a longer one.

``qa_tokenize`` keeps every non-space character, and round-trips through
``detokenize``: ``qa_tokenize(detokenize(qa_tokenize(text))) == qa_tokenize(text)``.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from llm_tf.errors import UserInputError
from llm_tf.text.knowledge_base import KnowledgeBase, detokenize, qa_tokenize
from llm_tf.text.retrieval import SEP, Retriever, max_typos, osa_distance
from tests.paths import DATA
from tests.properties.strategies import long_lines, texts, whitespace


@cache
def _retriever() -> Retriever:
    return Retriever(KnowledgeBase.load(DATA / "facts.json"))


@cache
def _names() -> list[str]:
    return sorted({e for _, e in _retriever().kb.entities()})


entity_names = st.builds(lambda: None).flatmap(lambda _: st.sampled_from(_names()))
question_pieces = st.sampled_from(
    ["What is the capital of ", "?", "的首都是什么？", "largest city", "语言", "Japan", "日本",
     "Chad", "Guinea-Bissau", "南苏丹", "Iran", "Irqa", "Frnace", "肯尼亚", "纳尼亚", " ", "’s",
     "biggest", "钱", "population"])
questions = st.one_of(
    texts(),
    st.lists(st.one_of(question_pieces, texts(max_size=4)), max_size=8).map("".join),
    long_lines(min_repeat=20, max_repeat=60),
)


@given(questions)
@example("Japan的首都")
@example("İstanbul Iran Irqa")
@example("ǅapan ΣΣ the capital of Cha d?")
def test_retrieve_never_fails_and_is_well_formed(question):
    retriever = _retriever()
    if not question.strip():
        with pytest.raises(UserInputError):
            retriever.retrieve(question)
        return
    r = retriever.retrieve(question)
    assert r.question == question
    assert r.language in retriever.kb.tables
    assert r.match in ("exact", "fuzzy", "none")
    if r.found:
        assert r.match != "none"
        assert r.entity in retriever.kb.tables[r.language]
        assert r.facts == retriever.kb.facts(r.language, r.entity)
        assert r.mention in _names()
        assert 0 <= r.distance <= max_typos(r.mention)
        assert r.match == "fuzzy" or r.distance == 0  # an exact match is 0 edits off
    else:
        assert (r.match, r.facts, r.entity) == ("none", {}, None)
        assert r.missing_fact and not r.has_fact
    assert r.relation is None or isinstance(r.relation, str)
    assert r.has_fact == (r.relation is not None and r.relation in r.facts)
    assert r.source().startswith(question) and SEP in r.source()
    assert r.source(relation_hint=False).startswith(question)
    json.dumps(r.to_dict(), ensure_ascii=False)


@given(st.text(whitespace, max_size=5))
def test_a_blank_question_is_a_user_error(question):
    with pytest.raises(UserInputError):
        _retriever().retrieve(question)


@given(texts(max_size=20), entity_names, texts(max_size=20))
@example("", "Guinea", "-Bissau")
def test_a_question_naming_an_entity_finds_it_exactly(before, name, after):
    latin = not any("\u4e00" <= c <= "\u9fff" for c in name)
    question = f"{before} {name} {after}" if latin else before + name + after
    r = _retriever().retrieve(question)
    assert r.match == "exact" and r.distance == 0
    assert len(r.mention) >= len(name)


@given(st.text(max_size=12), st.text(max_size=12))
def test_osa_distance_is_a_distance(a, b):
    d = osa_distance(a, b)
    assert d == osa_distance(b, a)
    assert (d == 0) == (a == b)
    assert abs(len(a) - len(b)) <= d <= max(len(a), len(b))


@given(st.one_of(questions, texts(max_size=60)))
@example("a -b")
@example("x ' s")
@example("Port-au-Prince , St. Louis")
def test_qa_tokenize_round_trips_through_detokenize(text):
    tokens = qa_tokenize(text)
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    assert "".join(tokens) == "".join(c for c in text if not c.isspace())
    assert qa_tokenize(detokenize(tokens)) == tokens
