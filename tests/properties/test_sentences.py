"""Properties of the sentence splitter (llm_tf/text/sentences.py) on any string.

Well-formed, precisely: for any text and every ``lang``, ``split_sentences`` returns
a list of non-empty sentences, each stripped and without a ``\\n`` (a single line
break inside a sentence is joined); the sentences hold every non-space character of
the text, in order, and nothing else; text without an end mark and without a blank
line is at most one sentence; a blank line between two texts splits them apart.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from llm_tf.errors import UserInputError
from llm_tf.text.sentences import LANGS, detect_language, split_sentences
from tests.properties.strategies import long_lines, texts

END_MARKS = ".!?;。｡！？；"
# English- and Chinese-looking text: end marks, quotes, abbreviations, line breaks
prose_pieces = st.sampled_from(
    [" ", "\n", "\n\n", ". ", "! ", "? ", "?! ", "...", "。", "！", "？", "；", "!", "?", ";",
     '"', "”", "“", "」", "）", "，", "Mr.", "U.S.", "e.g.", "No. 5", "Dr", "A", "He", "the",
     "你好", "北京", "中国", "1", "a"])
prose = st.lists(prose_pieces, max_size=30).map("".join)
any_text = st.one_of(texts(), prose, long_lines(max_repeat=400),
                     st.lists(st.one_of(texts(max_size=8), prose_pieces), max_size=20).map("".join))


def _non_space(s: str) -> str:
    return "".join(c for c in s if not c.isspace())


@given(any_text, st.sampled_from(LANGS))
@example("a\rb. C\u2028d", "en")
@example("“好！”，他说。Mr. Li went home.\n\n你呢？", "auto")
def test_sentences_are_well_formed_and_lose_nothing(text, lang):
    sentences = split_sentences(text, lang=lang)
    assert isinstance(sentences, list)
    for s in sentences:
        assert isinstance(s, str) and s and s == s.strip() and "\n" not in s
    assert "".join(map(_non_space, sentences)) == _non_space(text)


@given(texts(exclude=END_MARKS + "\n"), st.sampled_from(LANGS))
def test_text_without_end_marks_is_at_most_one_sentence(text, lang):
    assert len(split_sentences(text, lang=lang)) <= 1


@given(any_text, any_text, st.sampled_from(LANGS))
def test_a_blank_line_separates(a, b, lang):
    assert split_sentences(a + "\n\n" + b, lang) == split_sentences(a, lang) + split_sentences(
        b, lang)


@given(any_text)
def test_detect_language_is_en_or_zh(text):
    assert detect_language(text) in ("en", "zh")


@given(st.one_of(st.integers(), st.none(), st.binary()), st.text(max_size=4))
def test_bad_arguments_raise_user_input_errors(value, lang):
    with pytest.raises(UserInputError):
        split_sentences(value)
    if lang not in LANGS:
        with pytest.raises(UserInputError):
            split_sentences("Hi.", lang=lang)
