"""The excerpts the errata tests read are the article's own text, verbatim."""

import pytest

from tests.errata.article import ARTICLE, EXCERPTS, listing, sections


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]  # trailing spaces: editors strip them


def test_every_excerpt_is_the_articles_section_verbatim():
    if not ARTICLE.is_file():
        pytest.skip(f"the article is not at {ARTICLE} (set LLM_TF_ARTICLE)")
    article = sections(ARTICLE.read_text(encoding="utf-8"))
    excerpts = sections(EXCERPTS.read_text(encoding="utf-8"))
    assert len(excerpts) >= 17
    for number, text in excerpts.items():
        assert _lines(text) == _lines(article[number]), f"§{number} differs from the article"


def test_sections_end_at_the_next_heading_and_skip_code_comments():
    excerpts = sections(EXCERPTS.read_text(encoding="utf-8"))
    assert excerpts["10"].splitlines()[-1].startswith("14. Udacity")  # not "## 作者"
    assert "# 设置参数" in excerpts["5.2"] and "#### 5.2.1" in excerpts["5.2"]
    assert listing("3.1.1").startswith("# 输入单词序列\nsequence = ")  # dedented
