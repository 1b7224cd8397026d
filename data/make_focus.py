"""Regenerate data/classify_focus/: documents whose label needs the text and word levels together (§3.3).

The topic data of ``make_classification.py`` can be read sentence by sentence: each
sentence's vector says its topic and whether it is an aside, and the text level only
weighs them. Here it cannot. Each document holds

- a *roster* sentence binding three people to three objects of three different
  topics, in one sentence: "Anna brought a telescope, Ben a football and Mei some
  dumplings." / "小明带了望远镜，老王带了足球，丽丽带了饺子。";
- a *focus* sentence naming one of the three: "This story is about Ben." /
  "这篇讲的是老王。";
- zero to two *neutral* sentences, some naming one of the other two people
  ("Anna arrived late." / "小明来晚了。"), so that a name alone does not point to
  the focus;

in a shuffled order. The label is the topic of the focus person's object (here:
sport, 体育). Every topic word of a document appears once, so a bag of words
cannot tell the label from the two distractors (about one in three right); a
sentence vector of the roster must carry all three bindings at once for a
hierarchical model without cross-level attention, while with it the focus
sentence's text-level state can look up the focus person among the roster's
words, and the roster's words can see which person the text is about (§3.3:
"attention interactions between the text level and the word level").

Layout (the same as ``classify/``, documented in data/README.md):

- ``classify_focus/en/{train,validation,test}/<label>/NNNN.txt``
- ``classify_focus/zh/{train,validation,test}.jsonl``

The six labels are the topic names of ``classify/`` (geography, sport, science,
food, technology, weather; 地理, 体育, 科学, 美食, 科技, 天气). Nothing is
downloaded; the output is deterministic for a given ``--seed``.

    python data/make_focus.py            # rewrite data/classify_focus/
    python data/make_focus.py --check    # exit 1 if the files are stale
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the sibling generator, also when loaded from a file path
from make_classification import (  # noqa: E402
    TOPICS,
    ZH_LABELS,
    generator_main,
    layout_files,
    unique_documents,
)

EN = {
    "names": ["Anna", "Ben", "Carlos", "Dara", "Elena", "Farid", "Grace", "Hiro",
              "Ines", "Jonas", "Kemi", "Mei"],
    "objects": {
        "geography": ["a map", "a compass", "an atlas", "a globe"],
        "sport": ["a football", "a racket", "a skateboard", "a baseball bat"],
        "science": ["a telescope", "a microscope", "some test tubes", "a magnet"],
        "food": ["some dumplings", "a cake", "some noodles", "a pizza"],
        "technology": ["a laptop", "a smartphone", "a robot", "a drone"],
        "weather": ["an umbrella", "a raincoat", "a thermometer", "a barometer"],
    },
    "roster": [
        "{n1} brought {o1}, {n2} {o2} and {n3} {o3}.",
        "On the table lay {n1}'s {b1}, {n2}'s {b2} and {n3}'s {b3}.",
        "{n1} carried {o1}, {n2} had {o2}, and {n3} came with {o3}.",
        "We saw {o1} with {n1}, {o2} with {n2} and {o3} with {n3}.",
    ],
    "focus": [
        "This story is about {n}.",
        "We follow {n} here.",
        "The rest of the day belonged to {n}.",
        "Everyone asked {n} about it.",
    ],
    "neutral_named": ["{n} arrived late.", "{n} said hello to everyone.",
                      "{n} sat near the window.", "Nobody had seen {n} since Monday."],
    "neutral": ["It was a quiet afternoon.", "The room was full.", "Thanks for reading.",
                "The meeting started at noon."],
}

ZH = {
    "names": ["小明", "小红", "老王", "阿强", "丽丽", "大伟", "小芳", "阿杰", "文文",
              "老李", "佳佳", "小刚"],
    "objects": {
        "geography": ["地图", "指南针", "经纬仪", "地球仪"],
        "sport": ["足球", "球拍", "滑板", "跑鞋"],
        "science": ["望远镜", "显微镜", "试管", "磁铁"],
        "food": ["饺子", "蛋糕", "面条", "披萨"],
        "technology": ["电脑", "手机", "机器人", "无人机"],
        "weather": ["雨伞", "雨衣", "温度计", "气压计"],
    },
    "roster": [
        "{n1}带了{o1}，{n2}带了{o2}，{n3}带了{o3}。",
        "桌上放着{n1}的{o1}、{n2}的{o2}和{n3}的{o3}。",
        "{n1}拿着{o1}，{n2}拿着{o2}，{n3}拿着{o3}。",
        "我们看见{o1}在{n1}手里，{o2}在{n2}手里，{o3}在{n3}手里。",
    ],
    "focus": ["这篇讲的是{n}。", "下面只说{n}。", "故事的主角是{n}。", "大家都去问{n}。"],
    "neutral_named": ["{n}来晚了。", "{n}向大家问好。", "{n}坐在窗边。", "周一以后没人见过{n}。"],
    "neutral": ["那是一个安静的下午。", "屋里坐满了人。", "谢谢阅读。", "会议中午开始。"],
}
LANGS = {"en": EN, "zh": ZH}


@dataclass(frozen=True)
class Document:
    lang: str
    topic: str  # the label, as an English topic name
    label: str  # as written in the files
    sentences: tuple[str, ...]
    focus: str  # the person the document is about
    roster: tuple[tuple[str, str], ...]  # (person, topic) in the roster's order
    split: str

    @property
    def text(self) -> str:
        return (" " if self.lang == "en" else "").join(self.sentences)


def _bare(obj: str) -> str:
    """'a map' -> 'map', 'some dumplings' -> 'dumplings' (after a possessive)."""
    head, _, rest = obj.partition(" ")
    return rest if head in ("a", "an", "some") else obj


def _document(lang: str, topic: str, rng: random.Random) -> Document:
    spec = LANGS[lang]
    others = rng.sample([t for t in TOPICS if t != topic], 2)
    topics = [topic, *others]
    rng.shuffle(topics)
    names = rng.sample(spec["names"], 3)
    focus = names[topics.index(topic)]
    slots = {}
    for i, (name, t) in enumerate(zip(names, topics, strict=True), 1):
        obj = rng.choice(spec["objects"][t])
        slots[f"n{i}"], slots[f"o{i}"], slots[f"b{i}"] = name, obj, _bare(obj)
    sentences = [rng.choice(spec["roster"]).format(**slots),
                 rng.choice(spec["focus"]).format(n=focus)]
    for _ in range(rng.choice((0, 1, 1, 2))):
        if rng.random() < 0.6:  # a distractor: another person of the roster, named
            other = rng.choice([n for n in names if n != focus])
            s = rng.choice(spec["neutral_named"]).format(n=other)
        else:
            s = rng.choice(spec["neutral"])
        if s not in sentences:
            sentences.append(s)
    rng.shuffle(sentences)
    label = topic if lang == "en" else ZH_LABELS[topic]
    return Document(lang, topic, label, tuple(sentences), focus,
                    tuple(zip(names, topics, strict=True)), "")


def documents(lang: str, sizes: dict[str, int], seed: int) -> list[Document]:
    """Every document of one language: ``sizes[split]`` documents per label and split,
    each unique across the splits."""
    return unique_documents(_document, lang, sizes, seed, "focus")


def outputs(sizes: dict[str, int], seed: int) -> dict[str, str]:
    """File name (relative to data/classify_focus/) -> content."""
    return layout_files(documents("en", sizes, seed), documents("zh", sizes, seed),
                        f"{seed}-focus-zh")


def main(argv=None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], outputs, HERE / "classify_focus", 2024)


if __name__ == "__main__":
    sys.exit(main())
