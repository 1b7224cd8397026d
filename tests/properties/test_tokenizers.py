"""Properties of the tokenizers (llm_tf/text/tokenizers.py), for every tokenizer name.

Round-trip, precisely:

- ``char``: ``tokenize`` is ``list(text)`` and ``detokenize(tokenize(text)) == text``
  for any text (``text.lower()`` with ``lower=True``): nothing is normalised.
- ``space``: tokens are the non-empty whitespace-free runs, and
  ``detokenize(tokenize(text)) == " ".join(text.split())``; re-tokenizing the
  detokenized text gives the same tokens.
- ``word`` (NLTK): no round-trip of the text (``"`` becomes ````` / ``''``,
  whitespace is normalised), but no character other than whitespace is lost or
  invented, tokens hold no whitespace, and ``detokenize`` never fails.
- ``auto``: ``char`` exactly when more than half the sample's letters are CJK.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from llm_tf.text.tokenizers import NAMES, Tokenizer, cjk_fraction, get_tokenizer, is_cjk
from tests.properties.strategies import long_lines, texts

any_text = st.one_of(texts(), long_lines())


@given(any_text, st.booleans())
@example("中文 emoji 👨‍👩‍👧 e\u0301 \x00\x1c\u2028 \t", False)
def test_char_tokenizer_round_trips_any_text(text, lower):
    tok = Tokenizer("char", lower=lower)
    tokens = tok.tokenize(text)
    expected = text.lower() if lower else text
    assert tokens == list(expected)
    assert tok.detokenize(tokens) == expected


@given(any_text, st.booleans())
def test_space_tokenizer_round_trips_up_to_whitespace(text, lower):
    tok = Tokenizer("space", lower=lower)
    tokens = tok.tokenize(text)
    expected = text.lower() if lower else text
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    assert tok.detokenize(tokens) == " ".join(expected.split())
    assert tok.tokenize(tok.detokenize(tokens)) == tokens


def _quotes_as_one(s: str) -> str:
    """NLTK writes ``"`` as ````` or ``''``: compare with all three as one mark."""
    return re.sub(r"``|''|\"", '"', s)


@given(any_text, st.booleans())
@example('He said "hi" (twice)', False)
def test_word_tokenizer_keeps_every_non_space_character(text, lower):
    tok = Tokenizer("word", lower=lower)
    tokens = tok.tokenize(text)
    assert all(isinstance(t, str) and t and not any(c.isspace() for c in t) for t in tokens)
    source = text.lower() if lower else text
    assert _quotes_as_one("".join(tokens)) == _quotes_as_one("".join(source.split()))
    assert isinstance(tok.detokenize(tokens), str)


@pytest.mark.parametrize("name", NAMES)
@given(sample=any_text, text=any_text, lower=st.booleans())
def test_every_tokenizer_name_tokenizes_any_text(name, sample, text, lower):
    tok = get_tokenizer(name, lower=lower, sample=sample)
    tokens = tok.tokenize(text)
    assert all(isinstance(t, str) and t for t in tokens)
    assert isinstance(tok.detokenize(tokens), str)
    assert Tokenizer.from_config(tok.to_config()) == tok


@given(any_text)
def test_auto_chooses_char_exactly_for_mostly_cjk_samples(sample):
    fraction = cjk_fraction(sample)
    assert 0.0 <= fraction <= 1.0
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        assert fraction == 0.0
    expected = "char" if sum(map(is_cjk, letters)) * 2 > len(letters) else "word"
    assert get_tokenizer("auto", sample=sample).kind == expected
