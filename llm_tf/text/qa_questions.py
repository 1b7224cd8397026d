"""Question templates over a knowledge base, in English and Chinese (§3.4, §6.1).

Each relation of ``data/facts.json`` (capital, continent, language, currency, largest
city, landmark; 首都 大洲 语言 货币 最大城市 景点) and one relation no entity has
(population, 人口) has six templates per language: the first
:data:`TRAIN_TEMPLATES` are for training, the others are held out for testing.
:func:`training_questions` turns a knowledge base into training pairs: every fact
asked with each training template, and one question per missing fact whose answer is
``<unknown>``. ``data/make_questions.py`` builds the project's splits from the same
templates; ``llm-tf qa train --kb FILE`` without ``--questions`` uses
:func:`training_questions`. No TensorFlow here.
"""

from __future__ import annotations

import random

from llm_tf.errors import UserInputError
from llm_tf.text.knowledge_base import ANY, KnowledgeBase, language_of
from llm_tf.text.retrieval import UNKNOWN

TRAIN_TEMPLATES = 4  # the first four templates of each relation; the last two are held out

# relation (as in facts.json) -> six templates; {e} is the entity
TEMPLATES = {
    "en": {
        "capital": [
            "What is the capital of {e}?", "Which city is the capital of {e}?",
            "Name the capital of {e}.", "What city is the capital of {e}?",
            "Tell me the capital of {e}.", "Do you know the capital city of {e}?"],
        "continent": [
            "Which continent is {e} in?", "On what continent is {e}?",
            "What continent does {e} belong to?", "{e} is on which continent?",
            "Tell me the continent of {e}.", "Do you know which continent {e} lies on?"],
        "language": [
            "What language do people speak in {e}?", "What is the official language of {e}?",
            "Which language is spoken in {e}?", "What is the main language of {e}?",
            "Tell me the language of {e}.", "Do you know what language {e} uses?"],
        "currency": [
            "What is the currency of {e}?", "Which currency is used in {e}?",
            "What money do people use in {e}?", "What do people pay with in {e}?",
            "Tell me the currency of {e}.", "Do you know the currency of {e}?"],
        "largest city": [
            "What is the largest city of {e}?", "Which city is the biggest in {e}?",
            "What is the biggest city in {e}?", "Which is the largest city in {e}?",
            "Tell me the largest city of {e}.", "Do you know the biggest city of {e}?"],
        "landmark": [
            "What is a famous landmark in {e}?", "Which landmark is {e} known for?",
            "What should visitors see in {e}?", "What is the best-known landmark of {e}?",
            "Tell me a landmark of {e}.", "Do you know a famous landmark in {e}?"],
        "population": [
            "What is the population of {e}?", "How many people live in {e}?",
            "How many inhabitants does {e} have?", "What population does {e} have?",
            "Tell me the population of {e}.", "Do you know the population of {e}?"],
    },
    "zh": {
        "首都": [
            "{e}的首都是什么？", "{e}的首都在哪里？", "哪座城市是{e}的首都？",
            "请问{e}的首都是哪里？", "告诉我{e}的首都。", "你知道{e}的首都是哪座城市吗？"],
        "大洲": [
            "{e}在哪个大洲？", "{e}位于哪个洲？", "{e}属于哪个大洲？",
            "请问{e}是哪个洲的国家？", "告诉我{e}所在的大洲。", "你知道{e}在哪个洲吗？"],
        "语言": [
            "{e}人说什么语言？", "{e}的官方语言是什么？", "{e}使用哪种语言？",
            "请问{e}的语言是什么？", "告诉我{e}的语言。", "你知道{e}讲哪种语言吗？"],
        "货币": [
            "{e}的货币是什么？", "{e}使用什么货币？", "在{e}人们用什么钱？",
            "请问{e}的货币叫什么？", "告诉我{e}的货币。", "你知道{e}用哪种货币吗？"],
        "最大城市": [
            "{e}最大的城市是哪里？", "{e}的最大城市是什么？", "哪座城市是{e}最大的城市？",
            "请问{e}最大的城市叫什么？", "告诉我{e}的最大城市。", "你知道{e}最大的城市是哪座吗？"],
        "景点": [
            "{e}有什么著名景点？", "{e}的著名景点是什么？", "去{e}应该参观什么？",
            "请问{e}最有名的景点是哪里？", "告诉我{e}的景点。", "你知道{e}有哪些著名景点吗？"],
        "人口": [
            "{e}的人口是多少？", "{e}有多少人？", "{e}住着多少人？",
            "请问{e}的人口有多少？", "告诉我{e}的人口。", "你知道{e}的人口是多少吗？"],
    },
}

# countries that do not exist: the knowledge base has nothing on them
NOWHERE = {
    "en": ["Atlantis", "Wakanda", "Narnia", "Utopia", "Lilliput", "Freedonia", "Genovia",
           "Zubrowka"],
    "zh": ["亚特兰蒂斯", "瓦坎达", "纳尼亚", "乌托邦", "小人国", "自由尼亚", "吉诺维亚",
           "祖布罗卡"],
}



def question_row(question: str, answer: str, lang: str, entity: str, relation: str,
                 template: int) -> dict:
    """One question/answer pair as written to the JSON-lines files."""
    return {"question": question, "answer": answer, "lang": lang, "entity": entity,
            "relation": relation, "template": f"{lang}.{relation}.{template}"}


def questions_about(lang: str, entity: str, facts: dict, rng: random.Random,
                    templates: range | None = None) -> list[dict]:
    """Every known relation of one entity asked with each of ``templates`` (default: the
    training ones); a missing fact is asked once (a template drawn from them) and
    answered ``<unknown>``."""
    templates = templates or range(TRAIN_TEMPLATES)
    rows = []
    for rel, ts in TEMPLATES[lang].items():
        value = facts.get(rel)
        if value is not None:
            rows += [question_row(ts[t].format(e=entity), value, lang, entity, rel, t)
                     for t in templates]
        else:
            t = templates[rng.randrange(len(templates))]
            rows.append(question_row(ts[t].format(e=entity), UNKNOWN, lang, entity, rel, t))
    return rows


def training_questions(kb: KnowledgeBase | dict, seed: int = 0) -> list[dict]:
    """Training pairs for every entity of ``kb`` (a flat knowledge base's language is
    told from its entity names)."""
    kb = KnowledgeBase.from_dict(kb)
    rng = random.Random(seed)
    rows = []
    for lang, table in kb.tables.items():
        for entity, facts in table.items():
            real = language_of(entity) if lang == ANY else lang
            known = set(TEMPLATES[real])
            if not known & set(facts):
                raise UserInputError(
                    f"no question templates for the relations of {entity!r} "
                    f"({', '.join(map(repr, facts))}); templates exist for "
                    f"{', '.join(sorted(known))}: give training questions (--questions)")
            rows += questions_about(real, entity, facts, rng)
    return rows
