"""The knowledge base's two shapes, QA tokens and linearised facts (§3.4)."""

import json

import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.knowledge_base import (
    KnowledgeBase,
    detokenize,
    language_of,
    linearise,
    qa_tokenize,
)
from tests.paths import DATA


def test_tokens_chinese_by_character_english_by_word():
    assert qa_tokenize("中国的首都是什么？") == list("中国的首都是什么？")
    assert qa_tokenize("What is the capital of Guinea-Bissau?") == [
        "What", "is", "the", "capital", "of", "Guinea-Bissau", "?"]
    assert qa_tokenize("Japan的首都: N'Djamena") == ["Japan", "的", "首", "都", ":",
                                                    "N'Djamena"]


@pytest.mark.parametrize("text", ["New Delhi", "布宜诺斯艾利斯", "Port-au-Prince",
                                  "Nuku'alofa", "Central African CFA franc", "St. Louis"])
def test_detokenize_inverts_tokenize_on_answers(text):
    assert detokenize(qa_tokenize(text)) == text


def test_both_shapes_load():
    flat = KnowledgeBase.from_dict({"中国": {"首都": "北京"}})
    assert flat.table("en") == {"中国": {"首都": "北京"}} and len(flat) == 1
    kb = KnowledgeBase.load(DATA / "facts.json")
    assert len(kb) >= 150 and kb.facts("zh", "中国")["首都"] == "北京"
    assert kb.counterpart("en", "Japan", "zh") == "日本"
    assert kb.counterpart("zh", "日本", "en") == "Japan"
    raw = json.loads((DATA / "facts.json").read_text(encoding="utf-8"))
    assert KnowledgeBase.from_dict(raw).to_dict() == raw


@pytest.mark.parametrize("bad, message", [
    ([], "JSON object"), ({}, "JSON object"), ({"中国": "北京"}, "relation: value"),
    ({"中国": {"首都": 3}}, "non-empty strings"), ({"": {"a": "b"}}, "entity name"),
])
def test_bad_knowledge_bases_are_user_errors(bad, message):
    with pytest.raises(UserInputError, match=message):
        KnowledgeBase.from_dict(bad)


def test_load_errors_name_the_path(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        KnowledgeBase.load(tmp_path / "none.json")
    p = tmp_path / "bad.json"
    p.write_text("{oops", encoding="utf-8")
    with pytest.raises(UserInputError, match="bad.json"):
        KnowledgeBase.load(p)


def test_linearise_and_language():
    assert linearise("France", {"capital": "Paris", "continent": "Europe"}) == (
        "France | capital : Paris | continent : Europe")
    assert language_of("Japan的首都") == "zh" and language_of("capital?") == "en"
