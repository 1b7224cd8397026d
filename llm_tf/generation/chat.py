"""§6.5 聊天机器人: one chat turn, routed to the knowledge base or to the language model.

A chatbot of the article's kind answers facts from a knowledge base (§3.4, §6.1) and
talks about anything else with a language model (§5). :class:`Chat` holds both, loaded
once, and :meth:`Chat.reply` decides per line, with :mod:`llm_tf.text.retrieval`'s plain
rules (:func:`route`):

1. the line names an entity of the knowledge base (exactly or misspelled, either
   language) -> the question-answering model answers from its facts;
2. no entity, but the line is a question (``?``/``？`` or a question word) that asks
   for a relation of the knowledge base ("What is the capital of Atlantis?") -> the
   defined "unknown" reply: a fact the knowledge base lacks is not handed to a
   language model that would invent one (the article's reason for §3.4);
3. anything else -> the language model continues the line (:class:`Continuation`),
   or, without one, the defined reply :func:`kb_only_reply`.

Replies are in the language of the line (Chinese when it has a CJK character).
:func:`is_exit` tells the words that end a session (``exit``, ``quit``, ``退出``).

This module imports no model and no run folder: the question-answering model is any
object with ``predict(questions, knowledge_base=..., return_details=True)``
(:class:`~llm_tf.models.AnswerGenerator`), the language model any stepper
(``llm_tf.models.stepping_view(model)``), so it sits in ``generation`` beside the
decoder it drives. One :class:`~llm_tf.generation.decoder.Decoder` serves every turn,
so its compiled loop is traced on the first turn and reused after.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from llm_tf.errors import UserInputError
from llm_tf.generation.config import SamplingConfig
from llm_tf.generation.decoder import Decoder
from llm_tf.generation.text import render
from llm_tf.text.knowledge_base import KnowledgeBase, language_of
from llm_tf.text.retrieval import UNKNOWN, Retrieval, Retriever
from llm_tf.text.tokenizers import Tokenizer
from llm_tf.text.vocab import EOS, EOS_ID, Vocabulary

EXIT_WORDS = ("exit", "quit", "退出")  # a line of only one of these ends the session
KB, LM, NONE = "kb", "lm", "none"  # the routes of a line

UNKNOWN_REPLY = {"en": "The knowledge base has no such fact.",
                 "zh": "知识库里没有这条事实。"}

# a line asks something: it ends with a question mark or holds a question word
_QUESTION = re.compile(
    r"[?？]\s*$|什么|哪|谁|吗|几|多少|怎么|为何|"
    r"\b(what|which|who|whom|whose|where|when|how|why)\b", re.IGNORECASE)


def is_exit(line: str) -> bool:
    """``exit``, ``quit`` or ``退出`` (any case, surrounding spaces ignored)."""
    return line.strip().lower() in EXIT_WORDS


def is_question(line: str) -> bool:
    return bool(_QUESTION.search(line))


def route(retrieval: Retrieval, has_lm: bool) -> str:
    """``"kb"``, ``"lm"`` or ``"none"`` for a line whose retrieval is ``retrieval``
    (see the module docstring)."""
    if retrieval.found or (retrieval.relation is not None and is_question(retrieval.question)):
        return KB
    return LM if has_lm else NONE


def kb_only_reply(line: str, kb: KnowledgeBase) -> str:
    """The reply to a line that is not about the knowledge base when there is no language
    model: what the bot can do, with an entity of the knowledge base as an example."""
    lang = language_of(line)
    table = kb.table(lang)
    example = next(iter(table), None)
    if lang == "zh":
        hint = f"，例如“{example}”" if example else ""
        return (f"我只能回答知识库里的问题（{len(table)} 个实体{hint}）；"
                "加上 --lm 语言模型运行目录，我才能续写其他话。")
    hint = f", such as {example}" if example else ""
    return (f"I can only answer questions about the knowledge base ({len(table)} entities"
            f"{hint}); start the chat with --lm LM_RUN to have other lines continued.")


class Continuation:
    """A language model that continues a line: one :class:`Decoder` for every turn.

    Args:
        stepper: ``llm_tf.models.stepping_view(model)`` of an ``llm-tf train`` run.
        tokenizer, vocab: the run's.
        sampling: how tokens are picked; ``stop`` defaults to ``("<eos>",)`` here, so a
            continuation ends with its line.
        context: a Transformer's trained context (``info.config.trained_context``).
    """

    def __init__(self, stepper, tokenizer: Tokenizer, vocab: Vocabulary,
                 sampling: SamplingConfig | None = None, context: int | None = None):
        sampling = sampling or SamplingConfig()
        if not sampling.stop:
            sampling = dataclasses.replace(sampling, stop=(EOS,))
        unknown = [t for t in sampling.stop if t not in vocab]
        if unknown:
            raise UserInputError(f"stop token(s) not in the vocabulary: {unknown}")
        self.decoder = Decoder(stepper, context=context)
        self.tokenizer, self.vocab, self.sampling = tokenizer, vocab, sampling
        self.stop_ids = tuple(vocab[t] for t in sampling.stop)

    def __call__(self, line: str) -> str:
        """The line and its continuation, as text (a final line break dropped)."""
        tokens = self.tokenizer.tokenize(line)
        ids = self.decoder.generate([EOS_ID, *self.vocab.encode(tokens)], self.sampling,
                                    stop_ids=self.stop_ids)
        return render(tokens + self.vocab.decode(ids), self.tokenizer).rstrip("\n")


@dataclass(frozen=True)
class Reply:
    """One turn's answer: its text, and which route gave it (``kb``, ``lm``, ``none``)."""

    text: str
    route: str
    retrieval: Retrieval | None = None
    answer: str | None = None  # the question-answering model's raw answer (kb route)


class Chat:
    """A multi-turn chat over one knowledge base, with an optional language model.

    Args:
        qa_model: answers questions; ``predict(questions, knowledge_base=kb,
            return_details=True)`` as :class:`~llm_tf.models.AnswerGenerator` does.
        knowledge_base: a :class:`KnowledgeBase` or its dict.
        lm: a :class:`Continuation` (or any ``str -> str``) for other lines; ``None``:
            they get :func:`kb_only_reply`.

    Example::

        chat = Chat(load_qa("runs/qa"), KnowledgeBase.load("data/facts.json"))
        chat.reply("中国的首都是什么？").text  # "北京"
    """

    def __init__(self, qa_model, knowledge_base, lm=None):
        self.qa = qa_model
        self.kb = KnowledgeBase.from_dict(knowledge_base)
        self.retriever = Retriever(self.kb)
        self.lm = lm
        self.turns = 0

    def reply(self, line: str) -> Reply:
        """The reply to one line (a blank line is an error: skip it before)."""
        line = line.strip()
        if not line:
            raise UserInputError("the line is empty")
        self.turns += 1
        found = self.retriever.retrieve(line)
        way = route(found, self.lm is not None)
        if way == KB:
            answer = UNKNOWN
            if found.found:
                answer = self.qa.predict([line], knowledge_base=self.kb,
                                         return_details=True)[0]["answer"]
            text = UNKNOWN_REPLY[language_of(line)] if answer == UNKNOWN else answer
            return Reply(text, KB, found, answer)
        if way == LM:
            return Reply(self.lm(line), LM, found)
        return Reply(kb_only_reply(line, self.kb), NONE, found)


__all__ = ["EXIT_WORDS", "UNKNOWN_REPLY", "Chat", "Continuation", "Reply", "is_exit",
           "is_question", "kb_only_reply", "route"]
