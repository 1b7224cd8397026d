"""The article's text for the errata tests: its sections, fenced listings and formulas.

The article ("LLM系统内核：新一代AI的中枢", llm-kernel.zh.md) is not part of the
repository. The tests read ``article_excerpts.zh.txt`` beside this file: the sections
that ``docs/errata.md`` quotes, copied verbatim with their headings. Where the whole
article is at hand (``$LLM_TF_ARTICLE``, else ``/work/shared/article/llm-kernel.zh.md``),
``test_excerpts.py`` checks every excerpt against it, character for character.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import textwrap
from pathlib import Path

EXCERPTS = Path(__file__).with_name("article_excerpts.zh.txt")
ARTICLE = Path(os.environ.get("LLM_TF_ARTICLE", "/work/shared/article/llm-kernel.zh.md"))

_HEADING = re.compile(r"^(#{1,6})\s+(?:(\d+(?:\.\d+)*)\.?\s)?")
_FORMULA = re.compile(r"\$\$(.+?)\$\$")


def sections(text: str) -> dict[str, str]:
    """Every numbered section of ``text``: number -> its heading line and body.

    A section ends at the next heading that is not one of its subsections (so an
    excerpt that skips the parent sections reads the same); ``#`` lines inside fenced
    code (the §5.2 listing's comments) are not headings.
    """
    lines = text.splitlines()
    starts, fenced = [], False
    for k, line in enumerate(lines):
        if line.strip().startswith("```"):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            starts.append((k, len(m.group(1)), m.group(2)))
    found = {}
    for n, (k, level, number) in enumerate(starts):
        if number is None:  # an unnumbered heading ("## 作者") only ends sections
            continue
        end = next(
            (
                j
                for j, lv, sub in starts[n + 1 :]
                if lv <= level or not (sub or "").startswith(number + ".")
            ),
            len(lines),
        )
        found[number] = "\n".join(lines[k:end]).rstrip()
    return found


def section(number: str) -> str:
    """Section ``number`` ("3.1.1", "10") as the article prints it."""
    return sections(EXCERPTS.read_text(encoding="utf-8"))[number]


def listings(number: str) -> list[str]:
    """The fenced code blocks of section ``number``, dedented."""
    blocks, current = [], None
    for line in section(number).splitlines():
        if line.strip().startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(textwrap.dedent("\n".join(current)) + "\n")
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def listing(number: str) -> str:
    """The one Python listing of section ``number``."""
    (code,) = listings(number)
    return code


def formulas(number: str) -> list[str]:
    """The display formulas (``$$ ... $$``) of section ``number``, stripped."""
    return [f.strip() for f in _FORMULA.findall(section(number))]


def run_listing(code: str, number: str, **names) -> dict:
    """Execute a listing in a fresh namespace holding only ``names``; returns the namespace."""
    namespace = dict(names)
    exec(compile(code, f"<article §{number}>", "exec"), namespace)  # noqa: S102
    return namespace


def _names(code: str) -> tuple[set[str], set[str]]:
    loaded, stored = set(), set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update((a.asname or a.name).split(".")[0] for a in node.names)
    return loaded, stored


def undefined_names(code: str) -> set[str]:
    """Names the code reads but neither assigns, imports nor gets from Python's builtins."""
    loaded, stored = _names(code)
    return loaded - stored - set(dir(builtins))


def unused_names(code: str) -> set[str]:
    """Names the code assigns and never reads."""
    loaded, stored = _names(code)
    return stored - loaded
