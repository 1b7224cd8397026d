"""Text strategies for the property tests: the Unicode a corpus may hold.

Every strategy draws from the same mix of characters: ASCII (letters, digits,
punctuation, quotes), CJK ideographs and kana, emoji (astral plane, with ZWJ and
variation selectors), combining marks, control characters, Unicode whitespace (NBSP,
ideographic space, U+2028/2029, U+0085, the C0 separators U+001C-U+001F, which
``str.split`` treats as spaces) and any other code point except surrogates (which a
UTF-8 file cannot hold).
"""

from __future__ import annotations

from hypothesis import strategies as st

WHITESPACE = " \t\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2003\u200a\u2028\u2029\u202f\u3000"
LINE_BREAKS = "\n\r"  # what Python's universal-newline reading splits a file on

ascii_chars = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
cjk_chars = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # ideographs
    st.characters(min_codepoint=0x3040, max_codepoint=0x30FF),  # kana
    st.sampled_from("。，、！？；：“”‘’「」《》（）"),  # CJK punctuation
)
emoji = st.one_of(
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.sampled_from("\u200d\ufe0f"),  # zero-width joiner, variation selector
)
emoji_clusters = st.sampled_from(["👨‍👩‍👧", "🇨🇳", "👍🏽", "❤️"])  # several code points each
combining = st.characters(categories=["Mn", "Me"])
controls = st.characters(categories=["Cc"])
whitespace = st.sampled_from(WHITESPACE)
any_char = st.characters(exclude_categories=["Cs"])  # no lone surrogates

unicode_chars = st.one_of(ascii_chars, cjk_chars, emoji, combining, controls, whitespace,
                          any_char)


def _pieces(exclude: str) -> st.SearchStrategy[str]:
    pieces = st.one_of(unicode_chars, emoji_clusters)
    return pieces.filter(lambda p: not any(c in exclude for c in p)) if exclude else pieces


def texts(max_size: int = 60, exclude: str = "", min_size: int = 0) -> st.SearchStrategy[str]:
    """Arbitrary Unicode text (``exclude``: characters never drawn)."""
    return st.lists(_pieces(exclude), min_size=min_size, max_size=max_size).map("".join)


def long_lines(exclude: str = "", min_repeat: int = 200, max_repeat: int = 2000):
    """Very long lines, cheaply: a short random unit repeated hundreds of times."""
    unit = texts(max_size=8, exclude=exclude, min_size=1)
    return st.builds(lambda u, n: u * n, unit, st.integers(min_repeat, max_repeat))


def lines(exclude: str = LINE_BREAKS) -> st.SearchStrategy[str]:
    """One line of a corpus: mostly short, sometimes only whitespace, sometimes very long."""
    return st.one_of(
        texts(exclude=exclude),
        st.text(whitespace, min_size=1, max_size=10),
        long_lines(exclude=exclude),
    )


def corpora(exclude: str = LINE_BREAKS + "\x00", max_lines: int = 12):
    """A corpus as a list of lines (without line breaks; NUL makes a file "binary")."""
    return st.lists(lines(exclude), min_size=0, max_size=max_lines)
