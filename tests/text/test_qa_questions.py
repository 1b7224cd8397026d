"""Question templates and the training questions made from a knowledge base."""

import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.qa_questions import TEMPLATES, TRAIN_TEMPLATES, training_questions
from llm_tf.text.retrieval import UNKNOWN


def test_six_phrasings_per_relation_in_both_languages():
    assert len(TEMPLATES["en"]) == len(TEMPLATES["zh"]) == 7
    for lang in TEMPLATES:
        for rel, ts in TEMPLATES[lang].items():
            assert len(ts) == 6 and len(set(ts)) == 6 and all("{e}" in t for t in ts), rel


def test_questions_from_the_listing_knowledge_base():
    rows = training_questions({"中国": {"首都": "北京"}})
    asked = [r for r in rows if r["relation"] == "首都"]
    assert [r["question"] for r in asked][:1] == ["中国的首都是什么？"]
    assert len(asked) == TRAIN_TEMPLATES and {r["answer"] for r in asked} == {"北京"}
    assert {r["answer"] for r in rows if r["relation"] != "首都"} == {UNKNOWN}


def test_relations_without_templates_are_a_user_error():
    with pytest.raises(UserInputError, match="--questions"):
        training_questions({"Mars": {"moons": "2"}})
