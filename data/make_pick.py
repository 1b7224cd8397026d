"""Regenerate data/classify_pick/: the label sits in one word of one sentence, and another sentence says which (§3.3).

Each document holds

- a *list* sentence naming three objects of three different topics in order, always
  in the same frame, so that the k-th object is the k-th slot:
  "The boxes hold a cake, a robot and a map." / "盒子里依次是蛋糕、手机和地图。";
- a *pick* sentence saying which slot counts:
  "Open the second box." / "打开第二个盒子。";
- zero to two *neutral* sentences ("The room was quiet." / "屋里很安静。");

in a shuffled order. The label is the topic of the picked object (here: technology,
科技). Every topic word appears once, so a bag of words cannot beat one in three,
and the list sentence's vector (a mean over its words) mixes the three objects: a
hierarchical model without cross-level attention must pack "which topic in which
slot" into that one vector before it knows the pick. With cross-level attention the
pick sentence's text-level state can query the words of the whole document and find
the object in the slot it names, since a word's state carries its position (§3.3:
the text level and the word level attend to each other). This is the companion of
``make_focus.py``, whose roster binds people to objects inside one sentence: there the
models must first learn that binding, and neither does (docs/benchmarks.md).

Layout (the same as ``classify/``, documented in data/README.md):

- ``classify_pick/en/{train,validation,test}/<label>/NNNN.txt``
- ``classify_pick/zh/{train,validation,test}.jsonl``

Nothing is downloaded; the output is deterministic for a given ``--seed``.

    python data/make_pick.py            # rewrite data/classify_pick/
    python data/make_pick.py --check    # exit 1 if the files are stale
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

# One token per object in English (the word tokenizer), two characters in Chinese (one
# token per character), so that a slot is always at the same position of the list.
EN = {
    "objects": {
        "geography": ["map", "compass", "atlas", "globe"],
        "sport": ["football", "racket", "skateboard", "helmet"],
        "science": ["telescope", "microscope", "magnet", "beaker"],
        "food": ["cake", "pizza", "sandwich", "pie"],
        "technology": ["laptop", "smartphone", "robot", "drone"],
        "weather": ["umbrella", "raincoat", "thermometer", "barometer"],
    },
    "list": "The boxes hold {a1} {o1}, {a2} {o2} and {a3} {o3}.",
    "pick": ["Open the {k} box.", "We only need the {k} box.", "Look inside the {k} box."],
    "ordinals": ["first", "second", "third"],
    "neutral": ["The room was quiet.", "It was a cold morning.", "Thanks for reading.",
                "The meeting started at noon.", "Everyone was waiting."],
}
ZH = {
    "objects": {
        "geography": ["地图", "罗盘", "图册", "沙盘"],
        "sport": ["足球", "球拍", "滑板", "跑鞋"],
        "science": ["试管", "磁铁", "烧杯", "棱镜"],
        "food": ["饺子", "蛋糕", "面条", "披萨"],
        "technology": ["电脑", "手机", "芯片", "键盘"],
        "weather": ["雨伞", "雨衣", "雨靴", "风铃"],
    },
    "list": "盒子里依次是{o1}、{o2}和{o3}。",
    "pick": ["打开第{k}个盒子。", "我们只要第{k}个盒子。", "看看第{k}个盒子里面。"],
    "ordinals": ["一", "二", "三"],
    "neutral": ["屋里很安静。", "那是一个寒冷的早晨。", "谢谢阅读。", "会议中午开始。",
                "大家都在等。"],
}
LANGS = {"en": EN, "zh": ZH}


@dataclass(frozen=True)
class Document:
    lang: str
    topic: str  # the label, as an English topic name
    label: str  # as written in the files
    sentences: tuple[str, ...]
    slot: int  # 0-based: which object of the list the pick sentence names
    topics: tuple[str, ...]  # the list's topics in order
    split: str

    @property
    def text(self) -> str:
        return (" " if self.lang == "en" else "").join(self.sentences)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _document(lang: str, topic: str, rng: random.Random) -> Document:
    spec = LANGS[lang]
    topics = [topic, *rng.sample([t for t in TOPICS if t != topic], 2)]
    rng.shuffle(topics)
    slot = topics.index(topic)
    objs = [rng.choice(spec["objects"][t]) for t in topics]
    fill = {f"o{i}": o for i, o in enumerate(objs, 1)}
    fill.update({f"a{i}": _article(o) for i, o in enumerate(objs, 1)})
    sentences = [spec["list"].format(**fill),
                 rng.choice(spec["pick"]).format(k=spec["ordinals"][slot])]
    for _ in range(rng.choice((0, 1, 1, 2))):
        s = rng.choice(spec["neutral"])
        if s not in sentences:
            sentences.append(s)
    rng.shuffle(sentences)
    label = topic if lang == "en" else ZH_LABELS[topic]
    return Document(lang, topic, label, tuple(sentences), slot, tuple(topics), "")


def documents(lang: str, sizes: dict[str, int], seed: int) -> list[Document]:
    """Every document of one language: ``sizes[split]`` documents per label and split,
    each unique across the splits."""
    return unique_documents(_document, lang, sizes, seed, "pick")


def outputs(sizes: dict[str, int], seed: int) -> dict[str, str]:
    """File name (relative to data/classify_pick/) -> content."""
    return layout_files(documents("en", sizes, seed), documents("zh", sizes, seed),
                        f"{seed}-pick-zh")


def main(argv=None) -> int:
    return generator_main(argv, __doc__.splitlines()[0], outputs, HERE / "classify_pick", 2024)


if __name__ == "__main__":
    sys.exit(main())
