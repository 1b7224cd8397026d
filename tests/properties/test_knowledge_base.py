"""Properties of knowledge bases built from any JSON (llm_tf/text/knowledge_base.py),
and of retrieval against them (llm_tf/text/retrieval.py).

Precisely: ``KnowledgeBase.from_dict`` on any JSON value either raises
:class:`~llm_tf.errors.UserInputError` or returns a knowledge base whose entities,
relations and values are all non-blank strings and whose ``names`` map strings to
strings, as its error messages promise; ``from_dict(kb.to_dict())`` and a save to JSON
then ``KnowledgeBase.load`` give the same knowledge base back. A :class:`Retriever`
over any accepted knowledge base answers any non-blank question without failing,
with an entity of the table it names and a relation that is ``None`` or not blank.
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from llm_tf.errors import UserInputError
from llm_tf.text.knowledge_base import ANY, KnowledgeBase
from llm_tf.text.retrieval import Retriever
from tests.properties.strategies import texts, whitespace

names = st.one_of(texts(max_size=8), st.sampled_from(["China", "中国", "Guinea-Bissau", "a.b",
                                                      "(x", "C++", "首都", " "]),
                  st.text(whitespace, max_size=3))
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), names)
json_values = st.recursive(
    leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                    st.dictionaries(names, inner, max_size=3)),
    max_leaves=12)
tables = st.dictionaries(names, st.one_of(st.dictionaries(names, names, max_size=4), json_values),
                         max_size=4)
knowledge_bases = st.one_of(
    tables,
    st.fixed_dictionaries({}, optional={"en": tables, "zh": tables,
                                        "names": st.one_of(st.dictionaries(names, names,
                                                                           max_size=3),
                                                           json_values)}),
    json_values,
)


def _well_formed(kb: KnowledgeBase) -> None:
    assert kb.tables and any(kb.tables.values())
    for lang, table in kb.tables.items():
        assert lang in ("en", "zh", ANY)
        for entity, facts in table.items():
            assert isinstance(entity, str) and entity.strip()
            for rel, value in facts.items():
                assert isinstance(rel, str) and rel.strip(), (entity, rel)
                assert isinstance(value, str) and value.strip()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in kb.names.items())


@given(knowledge_bases)
@example({"中国": {"首都": "北京", "": "北京"}})
@example({"中国": {" ": "北京"}})
@example({"en": {"China": {"capital": "Beijing"}}, "zh": {"中国": {"首都": "北京"}},
          "names": {"China": ["中国"]}})
def test_from_dict_accepts_only_well_formed_knowledge_bases(obj):
    try:
        kb = KnowledgeBase.from_dict(obj)
    except UserInputError:
        return
    _well_formed(kb)
    again = KnowledgeBase.from_dict(kb.to_dict())
    assert (again.tables, again.names) == (kb.tables, kb.names)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "facts.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(kb.to_dict(), f, ensure_ascii=False)
        loaded = KnowledgeBase.load(path)
    assert (loaded.tables, loaded.names) == (kb.tables, kb.names)


@given(knowledge_bases, st.lists(st.one_of(names, st.sampled_from(["的", "?", " of ", "人口"])),
                                 max_size=6), st.data())
@example({"中国": {"首都": "北京", "": "北京"}}, ["中国", "的人口是多少？"], None)
@example({"en": {"China": {"capital": "Beijing"}}, "zh": {"中国": {"首都": "北京"}},
          "names": {"China": ["中国"]}}, ["China", "的首都"], None)
def test_retrieval_over_any_knowledge_base_never_fails(obj, parts, data):
    try:
        kb = KnowledgeBase.from_dict(obj)
    except UserInputError:
        return
    retriever = Retriever(kb)
    if data is not None:  # mention some of the knowledge base's own names
        words = [w for t in kb.tables.values() for e, f in t.items() for w in (e, *f)]
        parts = parts + data.draw(st.lists(st.sampled_from(words), max_size=3))
    question = "".join(parts)
    if not question.strip():
        with pytest.raises(UserInputError):
            retriever.retrieve(question)
        return
    r = retriever.retrieve(question)
    assert r.language in kb.tables
    if r.found:
        assert r.facts == kb.tables[r.language][r.entity]
    else:
        assert r.facts == {} and r.missing_fact
    assert r.relation is None or r.relation.strip()
    assert r.source().startswith(question)
