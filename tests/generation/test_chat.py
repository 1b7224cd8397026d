"""The chat turn router (§6.5): routes, defined replies, exit words, one compiled decoder."""

import json

import pytest

from llm_tf.errors import UserInputError
from llm_tf.generation import SamplingConfig
from llm_tf.generation.chat import (
    UNKNOWN_REPLY,
    Chat,
    Continuation,
    is_exit,
    is_question,
    kb_only_reply,
    route,
)
from llm_tf.models import stepping_view
from llm_tf.text.knowledge_base import KnowledgeBase
from llm_tf.text.retrieval import UNKNOWN, Retriever
from llm_tf.training import RunDir
from tests.paths import ROOT

KB = KnowledgeBase.from_dict({
    "en": {"France": {"capital": "Paris"}, "Japan": {"capital": "Tokyo"}},
    "zh": {"法国": {"首都": "巴黎"}, "日本": {"首都": "东京"}},
    "names": {"France": "法国", "Japan": "日本"}})
LEGACY = ROOT / "tests" / "fixtures" / "legacy_runs"


class FactsOnly:
    """A question-answering model for the router's tests: the retrieved fact, counted."""

    def __init__(self):
        self.calls = []

    def predict(self, questions, knowledge_base=None, return_details=False):
        self.calls.append(list(questions))
        r = Retriever(knowledge_base).retrieve(questions[0])
        answer = r.facts.get(r.relation, UNKNOWN) if r.found else UNKNOWN
        return [{"answer": answer}] if return_details else [answer]


def test_exit_words_and_questions():
    assert all(is_exit(w) for w in ("exit", "quit", "退出", " Quit\n"))
    assert not any(is_exit(w) for w in ("exit now", "退出吧", ""))
    assert all(is_question(q) for q in ("Capital of France?", "法国的首都是哪里", "what now",
                                        "日本用什么货币"))
    assert not any(is_question(q) for q in ("I like money", "我喜欢钱", "somewhat"))


@pytest.mark.parametrize("line, has_lm, want", [
    ("What is the capital of France?", False, "kb"),
    ("Frnace", True, "kb"),  # a misspelled entity is still the knowledge base's
    ("日本的首都是什么？", True, "kb"),
    ("What is the capital of Atlantis?", True, "kb"),  # a missing fact: never invented
    ("Tell me a story", True, "lm"),
    ("Tell me a story", False, "none"),
    ("I like money", True, "lm"),  # a relation word, but not a question
    ("今天天气很好", False, "none"),
])
def test_route(line, has_lm, want):
    assert route(Retriever(KB).retrieve(line), has_lm) == want


def test_chat_routes_and_replies():
    qa, continued = FactsOnly(), []
    chat = Chat(qa, KB, lm=lambda line: continued.append(line) or line + " and so on")
    r = chat.reply("What is the capital of Japan?")
    assert (r.text, r.route, r.answer, r.retrieval.entity) == ("Tokyo", "kb", "Tokyo", "Japan")
    assert chat.reply("法国的首都是什么？").text == "巴黎"
    # no entity: the defined reply in the line's language, the model not asked
    assert chat.reply("What is the capital of Atlantis?").text == UNKNOWN_REPLY["en"]
    assert chat.reply("亚特兰蒂斯的首都是什么？").text == UNKNOWN_REPLY["zh"]
    assert len(qa.calls) == 2
    # an entity without the fact: the model answers <unknown>, shown as the defined reply
    assert chat.reply("What is the currency of France?").text == UNKNOWN_REPLY["en"]
    r = chat.reply("Once upon a time")
    assert (r.text, r.route) == ("Once upon a time and so on", "lm")
    assert continued == ["Once upon a time"] and chat.turns == 6
    with pytest.raises(UserInputError, match="empty"):
        chat.reply("  ")


def test_without_a_language_model_the_defined_reply():
    chat = Chat(FactsOnly(), KB.to_dict())
    en, zh = chat.reply("Tell me a story"), chat.reply("讲个故事")
    assert en.route == zh.route == "none"
    assert en.text == kb_only_reply("Tell me a story", KB)
    assert "(2 entities, such as France)" in en.text and "--lm" in en.text
    assert "2 个实体，例如“法国”" in zh.text and zh.text == kb_only_reply("讲个故事", KB)


def test_continuation_reuses_one_compiled_loop():
    run = RunDir(LEGACY / "lstm2")
    info = run.info()
    expected = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))["lstm2"]
    lm = Continuation(stepping_view(run.load_model(compile=False)), info.tokenizer,
                      run.vocab(), SamplingConfig(max_tokens=8, temperature=0),
                      context=info.config.trained_context)
    assert lm.sampling.stop == ("<eos>",)  # a continuation ends with its line
    for prompt in (expected["prompt"], "The capital of France is", expected["prompt"]):
        text = lm(prompt)
        assert text.startswith(prompt)
    assert text == expected["greedy"].rstrip("\n")  # as `llm-tf generate` greedy
    assert [f.experimental_get_tracing_count() for f in lm.decoder._loops.values()] == [1]
    with pytest.raises(UserInputError, match="stop token"):
        Continuation(lm.decoder.stepper, info.tokenizer, run.vocab(),
                     SamplingConfig(stop=("<nope>",)))
