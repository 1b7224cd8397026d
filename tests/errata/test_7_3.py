"""§7.3.2, §7.3.3 and §10: misquoted paper titles and references that name no
identifiable paper; docs/errata.md gives the right titles and says what each is."""

import re

from tests.errata.article import section
from tests.paths import ROOT

ERRATA = ROOT / "docs" / "errata.md"
GPT3 = "Language Models are Few-Shot Learners"
T5 = "Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer"


def _items(number):
    """The numbered items of a section: {n: text}."""
    return {
        int(m.group(1)): m.group(2).strip()
        for m in re.finditer(r"^(\d+)\. (.+)$", section(number), re.MULTILINE)
    }


def _title(item):
    """The quoted title of a list item ("...", “...” or 《...》)."""
    return re.match(r"[\"“《](.+?)[\"”》]", item).group(1)


def test_errata_732_gpt3_and_t5_titles_are_not_their_papers_titles():
    printed = {_title(t) for t in _items("7.3.2").values()}
    assert {
        "GPT-3: Language Models are few-shot learners",
        "T5: Pre-training Large Models from Scratch",
    } <= printed
    assert GPT3 not in printed and T5 not in printed
    assert _items("10")[7] == "“GPT-3: Language Models are few-shot learners”"  # §10 repeats
    assert _items("10")[8] == "“T5: Pre-training Large Models from Scratch”"  # them
    errata = ERRATA.read_text(encoding="utf-8")
    assert f'"{GPT3}"' in errata and f'"{T5}"' in errata


def test_errata_733_and_10_every_reference_is_accounted_for():
    errata = ERRATA.read_text(encoding="utf-8")
    entry = errata[errata.index("## §7.3.2, §7.3.3 and §10") :]
    entry = entry[: entry.index("\n## ", 1)] if "\n## " in entry[1:] else entry
    for number, count in (("7.3.3", 3), ("10", 14)):
        items = _items(number)
        assert sorted(items) == list(range(1, count + 1))
        for item in items.values():
            head = _title(item) if item[0] in '"“《' else item.split("：")[0]
            assert head in entry, f"§{number}: {head!r} is not in the erratum"
