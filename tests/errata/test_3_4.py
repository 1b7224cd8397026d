"""§3.4 answer generation: the knowledge base is defined and never given to the model,
and ``fit`` gets no answers (docs/errata.md)."""

import ast

import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import AnswerGenerator
from llm_tf.text.qa_data import source_tokens
from llm_tf.text.retrieval import retrieve
from tests.errata.article import listing, run_listing, undefined_names, unused_names

SMALL = {"embedding_dim": 8, "units": 8, "attention_units": 8, "dropout": 0.0, "seed": 1}


def _calls(code: str, method: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == method
    ]


def test_errata_34_the_knowledge_base_is_never_used_and_fit_has_no_answers():
    code = listing("3.4")
    assert unused_names(code) == {"knowledge_base"}  # assigned, never read
    assert undefined_names(code) == {"AnswerGenerator", "embedding_size", "vocab_size"}
    for method in ("fit", "predict"):
        (call,) = _calls(code, method)
        assert len(call.args) == 1  # [question] only: no answers, no facts
        assert {k.arg for k in call.keywords} <= {"epochs"}
    # run with llm-tf's class: the listing's shapes are refused, then its fit
    with pytest.raises(UserInputError, match="not one"):
        run_listing(code, "3.4", AnswerGenerator=AnswerGenerator, embedding_size=8, vocab_size=100)
    sized = code.replace(
        "AnswerGenerator(input_shape=(1, embedding_size), output_shape=(vocab_size,))",
        "AnswerGenerator(**SMALL)",
    )
    with pytest.raises(UserInputError, match="needs the answers"):
        run_listing(sized, "3.4", AnswerGenerator=AnswerGenerator, SMALL=SMALL)


def test_errata_34_corrected_the_facts_reach_the_encoder_only_when_passed():
    question, knowledge_base = "中国的首都是什么？", {"中国": {"首都": "北京"}}
    found = retrieve(question, knowledge_base)
    assert (found.entity, found.relation, found.facts) == ("中国", "首都", {"首都": "北京"})
    with_facts = source_tokens(found.source())
    without = source_tokens(retrieve(question, {"日本": {"首都": "东京"}}).source())
    # the encoder reads the question and the facts: 北京 is there to be copied only
    # when the knowledge base is given; the listing's model never sees it
    assert "北京" in "".join(with_facts) and "北京" not in "".join(without)
    model = AnswerGenerator(**SMALL)
    with pytest.raises(UserInputError, match="no knowledge base"):
        model.fit([question], ["北京"], epochs=1)  # answers, but still no facts
