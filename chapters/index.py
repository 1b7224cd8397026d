"""Which chapter script runs which section of the article, read from the scripts' headers.

Every script's header docstring starts with the section(s) it implements,
``\"\"\"§3.2.3 ...`` or ``\"\"\"§4.1.1 and §4.5.1 ...``; the rest of that first line is
its title. A script whose header names a parent section (``§4.2``) covers a
sub-section (``§4.2.1``) only where it has a step for it: a ``# ---- ... §4.2.1``
comment in its source. :data:`REQUIRED` lists the sections that must each have a
script; :func:`missing` says which have none. No TensorFlow here: listing the
chapters is instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The article's sections that must each have a script: its diagram, every code
# listing, every formula block and every application scenario.
REQUIRED: dict[str, str] = {
    "2.3": "大语言模型的 Mermaid 流程图 (diagram)",
    "3.1.1": "Word2Vec (listing)",
    "3.1.2": "GloVe (listing)",
    "3.2.1": "循环神经网络（RNN） (listing)",
    "3.2.2": "长短时记忆网络（LSTM） (listing)",
    "3.2.3": "变压器模型（Transformer） (listing)",
    "3.3": "跨层次注意力机制 (listing)",
    "3.4": "答案生成网络 (listing)",
    "4.1.1": "Word2Vec的数学模型 (formula)",
    "4.1.2": "GloVe的数学模型 (formula)",
    "4.2.1": "循环神经网络（RNN）的数学模型 (formula)",
    "4.2.2": "长短时记忆网络（LSTM）的数学模型 (formula)",
    "4.2.3": "变压器模型（Transformer）的数学模型 (formula)",
    "4.3": "跨层次注意力机制的数学模型 (formula)",
    "4.4": "答案生成网络的数学模型 (formula)",
    "4.5.1": "Word2Vec的举例说明 (formula)",
    "4.5.2": "LSTM的举例说明 (formula)",
    "5.1": "开发环境搭建 (listing)",
    "5.2": "源代码详细实现和代码解读 (listing)",
    "6.1": "问答系统 (scenario)",
    "6.2": "文本生成 (scenario)",
    "6.3": "机器翻译 (scenario)",
    "6.4": "自然语言理解 (scenario)",
    "6.5": "聊天机器人 (scenario)",
}

SECTION = r"§(\d+(?:\.\d+)*)"
_HEADER = re.compile(
    rf'^"""\s*(?P<sections>{SECTION}(?:\s*(?:and|,|、|和)\s*{SECTION})*)[\s:：]*(?P<title>.*)$')
_STEP = re.compile(rf"^\s*# ----.*?{SECTION}", re.MULTILINE)


@dataclass(frozen=True)
class Chapter:
    """One chapter script: its path, the sections its header names, its title, and every
    section it covers (those, plus sub-sections it has a ``# ---- §x.y.z`` step for)."""

    path: Path
    sections: tuple[str, ...]
    title: str
    covers: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.path.name


def parse_header(text: str) -> tuple[tuple[str, ...], str]:
    """``(sections, title)`` from a script's source; ValueError when the header names none."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    m = _HEADER.match(first)
    if not m:
        raise ValueError(f"the header docstring does not start with a section: {first[:60]!r}")
    return tuple(re.findall(SECTION, m["sections"])), m["title"].strip()


def _is_within(section: str, parent: str) -> bool:
    return section.startswith(parent + ".")


def read_chapter(path: Path) -> Chapter:
    """The :class:`Chapter` of the script at ``path``."""
    text = path.read_text(encoding="utf-8")
    sections, title = parse_header(text)
    steps = {s for s in _STEP.findall(text) if any(_is_within(s, p) for p in sections)}
    covers = tuple(sorted(set(sections) | steps, key=section_key))
    return Chapter(path, sections, title, covers)


def section_key(section: str) -> tuple[int, ...]:
    """Sort key: ``"4.10"`` after ``"4.9"``."""
    return tuple(int(p) for p in section.split("."))


def chapters(folder: Path = HERE) -> list[Chapter]:
    """Every ``ch*.py`` script in ``folder``, in the article's order."""
    found = [read_chapter(p) for p in sorted(folder.glob("ch*.py"))]
    return sorted(found, key=lambda c: (section_key(c.sections[0]), c.name))


def find(section: str, folder: Path = HERE) -> Chapter | None:
    """The script for ``section`` (``"3.2.3"`` or ``"§3.2.3"``): one whose header names it,
    else one that covers it with a step; None when there is none."""
    section = section.strip().lstrip("§")
    found = chapters(folder)
    for match in (lambda c: section in c.sections, lambda c: section in c.covers):
        hits = [c for c in found if match(c)]
        if hits:
            return hits[0]
    return None


def missing(folder: Path = HERE, required=REQUIRED) -> list[str]:
    """The required sections that no script in ``folder`` covers."""
    covered = {s for c in chapters(folder) for s in c.covers}
    return [s for s in required if s not in covered]


def known_sections(folder: Path = HERE) -> list[str]:
    """Every section some script covers, in order."""
    return sorted({s for c in chapters(folder) for s in c.covers}, key=section_key)
