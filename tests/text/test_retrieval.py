"""Retrieval: entity and relation of a question, exact and fuzzy, Chinese and English (§6.1)."""

import json

import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.knowledge_base import KnowledgeBase
from llm_tf.text.retrieval import SEP, Retriever, max_typos, osa_distance, retrieve
from tests.paths import DATA


@pytest.fixture(scope="module")
def facts():
    return Retriever(KnowledgeBase.load(DATA / "facts.json"))


@pytest.mark.parametrize("question, entity, relation, match", [
    ("中国的首都是什么？", "中国", "首都", "exact"),
    ("What is the capital of France?", "France", "capital", "exact"),
    ("what is the currency of FRANCE?", "France", "currency", "exact"),
    ("南苏丹的首都是什么？", "南苏丹", "首都", "exact"),  # not 苏丹
    ("印度尼西亚的货币是什么？", "印度尼西亚", "货币", "exact"),  # not 印度
    ("What is the capital of Guinea-Bissau?", "Guinea-Bissau", "capital", "exact"),
    ("What is the capital of Nigeria?", "Nigeria", "capital", "exact"),  # not Niger
    ("Which city is the biggest in Papua New Guinea?", "Papua New Guinea", "largest city",
     "exact"),
    ("Japan的首都是什么？", "日本", "首都", "exact"),  # English name, Chinese question
    ("What is the capital of 日本?", "Japan", "capital", "exact"),
    ("What is the capital of Frnace?", "France", "capital", "fuzzy"),  # transposition
    ("Which continent is Argentinia in?", "Argentina", "continent", "fuzzy"),
    ("What is the currency of Switzerlnd?", "Switzerland", "currency", "fuzzy"),
    ("澳大利压的首都是什么？", "澳大利亚", "首都", "fuzzy"),
    ("请问沙特阿拉泊的语言是什么？", "沙特阿拉伯", "语言", "fuzzy"),
    ("Tell me the continent of Peru.", "Peru", "continent", "exact"),
    ("告诉我法国的最大城市。", "法国", "最大城市", "exact"),
])
def test_hand_made_questions(facts, question, entity, relation, match):
    r = facts.retrieve(question)
    assert (r.entity, r.relation, r.match) == (entity, relation, match), r
    assert r.facts and r.source().startswith(question) and SEP in r.source()
    assert r.source().endswith(r.facts_text())


@pytest.mark.parametrize("question", [
    "What is the capital of Atlantis?", "What is the capital of Wakanda?",
    "纳尼亚的首都是什么？",  # one character from 肯尼亚: three-character names need exact
    "瓦坎达的首都是什么？", "What is the capital of Irak?",  # short names never fuzzy
    "What is the meaning of life?", "今天天气怎么样？",
])
def test_nothing_found_for_unknown_or_too_distant_names(facts, question):
    r = facts.retrieve(question)
    assert not r.found and r.facts == {} and r.facts_text() == ""


def test_relation_missing_from_the_entity_is_reported_but_not_a_fact(facts):
    r = facts.retrieve("What is a famous landmark in Mongolia?")
    assert r.entity == "Mongolia" and r.relation == "landmark" and not r.has_fact
    assert r.missing_fact
    population = facts.retrieve("中国的人口是多少？")  # no entity has one; a keyword knows it
    assert population.relation == "人口" and population.missing_fact
    assert facts.retrieve("How many people live in Japan?").relation == "population"
    assert facts.retrieve("中国的国歌是什么？").relation is None  # unknown to retrieval
    assert facts.retrieve("What is the capital of Atlantis?").missing_fact  # no entity
    assert not facts.retrieve("What is the capital of Mongolia?").missing_fact


def test_a_relation_named_by_another_entity_is_recognised_without_a_keyword():
    kb = {"Aland": {"code": "Xq", "colour": "red"}, "Bland": {"code": "Zp"}}
    r = retrieve("What is the colour of Bland?", kb)  # no keyword knows "colour"
    assert (r.entity, r.relation, r.has_fact, r.missing_fact) == ("Bland", "colour", False,
                                                                  True)
    assert retrieve("What is the colour of Aland?", kb).has_fact
    assert retrieve("What is the flavour of Aland?", kb).relation is None


def test_every_generated_question_finds_its_entity(facts):
    kb = json.loads((DATA / "facts.json").read_text(encoding="utf-8"))
    for split in ("train", "test_entities", "test_templates", "test_missing"):
        for line in (DATA / "qa" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            r = facts.retrieve(row["question"])
            expected = row["entity"] if row["entity"] in kb[row["lang"]] else None
            assert r.entity == expected, (split, row, r)


def test_the_listing_flat_knowledge_base():
    kb = {"中国": {"首都": "北京"}}
    r = retrieve("中国的首都是什么？", kb)
    assert (r.language, r.entity, r.relation, r.has_fact) == ("any", "中国", "首都", True)
    assert r.facts_text() == "中国 | 首都 : 北京"


def test_distance_and_thresholds():
    assert osa_distance("france", "frnace") == 1  # one transposition
    assert osa_distance("kitten", "sitting") == 3
    assert osa_distance("", "abc") == 3 and osa_distance("abc", "abc") == 0
    assert [max_typos(n) for n in ("Iran", "France", "Argentina", "肯尼亚", "澳大利亚",
                                   "巴布亚新几内亚")] == [0, 1, 2, 0, 1, 2]


def test_empty_question_is_a_user_error(facts):
    with pytest.raises(UserInputError, match="empty"):
        facts.retrieve("  ")
