"""The README: Chinese first, the two set-up commands at the top, one row per article
section whose files all exist, and the pictures it shows (docs/make_images.py)."""

import re

from chapters.index import REQUIRED
from tests.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _map_rows() -> dict[str, str]:
    rows = {}
    for line in README.splitlines():
        m = re.match(r"^\| (\d+(?:\.\d+)*(?:, \d+)?) \|", line)
        if m:
            rows[m.group(1)] = line
    return rows


def test_chinese_comes_first_then_english_with_the_setup_commands_on_top():
    zh, en = README.index("## 中文"), README.index("## English")
    assert zh < README.index("## 文章对照表") < en
    top = README[:README.index("### 在自己的语料上")]
    assert "make demo" in top and "make test" in top


def test_every_required_section_has_a_row_and_every_chapter_appears():
    rows = _map_rows()
    assert set(REQUIRED) <= set(rows), sorted(set(REQUIRED) - set(rows))
    table = "\n".join(rows.values())
    for script in sorted((ROOT / "chapters").glob("ch*.py")):
        assert f"`{script.name}`" in table, f"{script.name} is not in the README's map"


def test_every_path_in_the_map_exists():
    for section, row in _map_rows().items():
        cells = row.split("|")[3:6]  # module, chapter, test
        for name in re.findall(r"`([^`]+\.(?:py|md))`", "|".join(cells)):
            name = name.split("::")[0]
            candidates = [ROOT / name, ROOT / "llm_tf" / name, ROOT / "chapters" / name]
            assert any(c.is_file() for c in candidates), (section, name)


def test_the_pictures_shown_are_there():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README)
    assert len(pictures) >= 4
    for rel in pictures:
        data = (ROOT / rel).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, rel
        assert (ROOT / "docs" / "make_images.py").read_text(encoding="utf-8").count(
            rel.rsplit("/", 1)[1]) >= 1, f"{rel} is not made by docs/make_images.py"
