"""A sentence splitter for English, Chinese and mixed text that needs no downloads (§3.3, §6.4).

The hierarchical document classifier of §3.3 (跨层次注意力: word level and text
level) reads a document as a list of sentences. NLTK's ``sent_tokenize`` needs the
``punkt`` model, which cannot be fetched here, so these are plain rules:

- **Chinese** ends a sentence after ``。 ！ ？ ；`` (and the halfwidth ``｡``)
  wherever they stand, and after the halfwidth ``! ? ;`` when they follow a CJK
  character (``你好!我很好``). In ``lang="zh"`` the halfwidth marks also end a
  sentence when a space, a CJK character, a closing quote or the end of the
  text follows them (so ``a?b=1`` in a URL is left alone).
- **English** ends a sentence after ``.`` ``!`` ``?`` (or a run such as ``?!``
  or ``...``) followed by whitespace and then a capital letter, a digit, an
  opening quote or bracket, or a CJK character; never after a lower-case word.
  A ``.`` does not end a sentence after a common abbreviation (``Mr.``, ``Dr.``,
  ``St.``, ``Inc.``, ``Jan.``, ``No. 5``) or a run of initials (``U.S.``,
  ``e.g.``, ``J. K.``); so "He got an A. Then..." stays one sentence.
- Closing quotes and brackets after the end mark stay with their sentence:
  ``He said "Stop!" Then he left.`` -> ``['He said "Stop!"', 'Then he left.']``.
  In Chinese, ``“好！”他说。`` splits after ``”`` as most rule-based splitters
  do, but not when a comma-like mark follows (``“好！”，他说。`` is one sentence).
- A blank line always ends a sentence. A single line break inside a sentence
  becomes a space, or nothing between two CJK characters.

``lang="auto"`` chooses ``zh`` or ``en`` for each paragraph (blank-line separated)
from :func:`llm_tf.text.tokenizers.cjk_fraction`; both rule sets handle the other
language's sentences embedded in mixed text. Pure Python; no TensorFlow.
"""

from __future__ import annotations

import re

from llm_tf.errors import UserInputError
from llm_tf.text.tokenizers import cjk_fraction, is_cjk

__all__ = ["ABBREVIATIONS", "detect_language", "split_sentences"]

LANGS = ("auto", "en", "zh")

# Lower-case, without the final period. "no" and "p"/"pp" only count before a number.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt rev hon gov sen rep gen col capt lt sgt
    inc ltd co corp bros dept univ assn est approx vs cf al fig figs vol ch sec eq
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    """.split()
)
_BEFORE_NUMBER = frozenset({"no", "nos", "p", "pp", "art", "para"})

_CJK_END = "。｡！？；"  # always end a sentence
_HALF_END = "!?;"  # end a sentence in Chinese context (lang="zh")
_CLOSERS = "\"'”’」』）)]】》〉»"
_OPENERS = "\"'“‘「『（([【《〈«"
_CONTINUERS = "，、,：:"  # after a closing quote: the sentence goes on

_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_END_RUN = re.compile(r"[.!?]+")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)+$")


def detect_language(text: str) -> str:
    """``"zh"`` when most letters of ``text`` are CJK, else ``"en"``."""
    return "zh" if cjk_fraction(text) > 0.5 else "en"


def split_sentences(text: str, lang: str = "auto") -> list[str]:
    """Split ``text`` into sentences, each stripped and keeping its end punctuation.

    Args:
        text: English, Chinese or mixed text; may hold several paragraphs.
        lang: ``"en"``, ``"zh"`` or ``"auto"`` (decided per paragraph).

    Example:
        >>> split_sentences("Dr. Li lives in the U.S. now. 她喜欢北京！你呢？")
        ['Dr. Li lives in the U.S. now.', '她喜欢北京！', '你呢？']
    """
    if lang not in LANGS:
        raise UserInputError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if not isinstance(text, str):
        raise UserInputError(f"text must be a string, got {type(text).__name__}")
    out: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        if not paragraph.strip():
            continue
        mode = detect_language(paragraph) if lang == "auto" else lang
        for start, end in _spans(paragraph, mode):
            sentence = _join_lines(paragraph[start:end].strip())
            if sentence:
                out.append(sentence)
    return out


# ---------------------------------------------------------------- the rules
def _spans(p: str, mode: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph."""
    cuts = sorted(set(_cjk_cuts(p, mode)) | set(_english_cuts(p)))
    spans, start = [], 0
    for cut in cuts:
        if cut > start:
            spans.append((start, cut))
            start = cut
    spans.append((start, len(p)))
    return spans


def _skip_closers(p: str, i: int) -> int:
    while i < len(p) and p[i] in _CLOSERS:
        i += 1
    return i


def _cjk_cuts(p: str, mode: str):
    """Cuts after Chinese end marks (and, in ``zh`` mode, halfwidth ! ? ; in Chinese context)."""
    n = len(p)
    for i, ch in enumerate(p):
        if ch in _CJK_END:
            pass
        elif ch in _HALF_END:
            prev = p[i - 1] if i else ""
            nxt = p[i + 1] if i + 1 < n else ""
            chinese = _is_cjkish(prev) or (mode == "zh" and (
                not nxt or nxt.isspace() or _is_cjkish(nxt) or nxt in _CLOSERS))
            if not chinese:
                continue
        else:
            continue
        if i + 1 < n and (p[i + 1] in _CJK_END or p[i + 1] in _HALF_END):
            continue  # "？！" and "!!": cut after the last one
        j = _skip_closers(p, i + 1)
        k = j
        while k < n and p[k].isspace():
            k += 1
        if k < n and (p[k] in _CONTINUERS or p[k] in _CJK_END):
            continue  # "“好！”，他说。" goes on; "《再见！》。" ends at the last mark
        yield j


def _english_cuts(p: str):
    """Cuts after . ! ? runs followed by whitespace and a sentence start."""
    n = len(p)
    for m in _END_RUN.finditer(p):
        j = _skip_closers(p, m.end())
        k = j
        while k < n and p[k].isspace():
            k += 1
        if k == j or k == n:  # no whitespace after it, or the end of the paragraph
            continue
        if not _starts_sentence(p, k):
            continue
        if m.group() == "." and _is_abbreviation(p, m.start(), p[k]):
            continue
        yield j


def _starts_sentence(p: str, k: int) -> bool:
    ch = p[k]
    if ch in _OPENERS:
        return True
    return ch.isupper() or ch.isdigit() or _is_cjkish(ch)


def _is_abbreviation(p: str, dot: int, next_char: str) -> bool:
    """Whether the word ending at the period ``p[dot]`` is an abbreviation."""
    start = dot
    while start > 0 and not p[start - 1].isspace():
        start -= 1
    word = p[start:dot + 1].lstrip(_OPENERS)
    if _INITIALS.match(word):  # U.S.  e.g.  J.  a.m.
        return True
    stem = word[:-1].lower()
    if stem in ABBREVIATIONS:
        return True
    return stem in _BEFORE_NUMBER and next_char.isdigit()


def _is_cjkish(ch: str) -> bool:
    """A CJK character or a CJK (fullwidth) punctuation mark."""
    return bool(ch) and (is_cjk(ch) or 0x3000 <= ord(ch) <= 0x303F or 0xFF00 <= ord(ch) <= 0xFFEF)


def _join_lines(s: str) -> str:
    """Single line breaks inside a sentence: nothing between CJK characters, else one space."""
    if "\n" not in s:
        return s
    parts = [line.strip() for line in s.splitlines()]
    out = parts[0]
    for part in parts[1:]:
        if not part:
            continue
        if out and _is_cjkish(out[-1]) and _is_cjkish(part[0]):
            out += part
        else:
            out += " " + part
    return out
