"""docs/errata.md names tests that exist, and its index lists every entry."""

import ast
import re

from tests.paths import ROOT

ERRATA = (ROOT / "docs" / "errata.md").read_text(encoding="utf-8")
_REF = re.compile(r"`(tests/[\w/]+\.py)?::\s*(\w+)`")


def _functions(path):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def test_every_test_the_errata_names_exists():
    named, current = [], None
    for path, name in _REF.findall(ERRATA):
        current = path or current  # "`::name`" continues the last file named
        assert current is not None, name
        named.append((current, name))
    assert len(named) >= 40
    missing = [f"{p}::{n}" for p, n in named if n not in _functions(p)]
    assert missing == []


def test_the_index_links_every_entry():
    headings = re.findall(r"^## (.+)$", ERRATA, re.MULTILINE)
    index = ERRATA[: ERRATA.index("\n## ")]
    for heading in headings:
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        assert f"(#{slug})" in index, heading
