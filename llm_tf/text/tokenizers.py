"""Tokenizers for Chinese and English text (§2.1 词向量表示, §5).

- ``word``: NLTK's ``NLTKWordTokenizer`` (the improved Treebank rules). It is pure
  regular expressions and needs no downloaded data (``nltk.word_tokenize`` would
  need the ``punkt`` model, which cannot be fetched here). Decoding uses NLTK's
  ``TreebankWordDetokenizer``.
- ``space``: split on whitespace, for corpora that are already tokenized (PTB).
- ``char``: one token per character, spaces included; the right unit for
  Chinese, which has no spaces between words, and for character-level models.
- ``auto``: ``char`` when most of the letters in a sample are CJK, else ``word``.

Each tokenizer can lower-case. ``tokenizer.to_config()`` / ``from_config()``
record the choice in a run's ``config.json``.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass

NAMES = ("auto", "word", "space", "char")


def is_cjk(ch: str) -> bool:
    """True for CJK ideographs, kana and hangul (the scripts written without spaces)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF  # CJK Unified Ideographs
        or 0x3400 <= cp <= 0x4DBF  # Extension A
        or 0x20000 <= cp <= 0x2EBEF  # Extensions B-F
        or 0xF900 <= cp <= 0xFAFF  # Compatibility Ideographs
        or 0x3040 <= cp <= 0x30FF  # Hiragana, Katakana
        or 0xAC00 <= cp <= 0xD7AF  # Hangul syllables
    )


def cjk_fraction(text: str) -> float:
    """Fraction of the letters (Unicode category L*) in ``text`` that are CJK."""
    letters = [c for c in text if unicodedata.category(c).startswith("L")]
    if not letters:
        return 0.0
    return sum(map(is_cjk, letters)) / len(letters)


@dataclass(frozen=True)
class Tokenizer:
    """Text <-> tokens. ``kind`` is one of ``word``, ``space`` or ``char``."""

    kind: str = "word"
    lower: bool = False  # lower-case the text before splitting

    def __post_init__(self):
        if self.kind not in ("word", "space", "char"):
            from llm_tf.errors import UserInputError

            raise UserInputError(f"unknown tokenizer {self.kind!r}; choose from {NAMES}")

    def tokenize(self, text: str) -> list[str]:
        if self.lower:
            text = text.lower()
        if self.kind == "char":
            return list(text)
        if self.kind == "space":
            return text.split()
        return _word_tokenizer().tokenize(text)

    def detokenize(self, tokens: list[str]) -> str:
        if self.kind == "char":
            return "".join(tokens)
        if self.kind == "space":
            return " ".join(tokens)
        return _word_detokenizer().detokenize(tokens)

    def to_config(self) -> dict:
        return {"kind": self.kind, "lower": self.lower}

    @classmethod
    def from_config(cls, config: dict) -> Tokenizer:
        return cls(kind=config["kind"], lower=bool(config.get("lower", False)))


_CACHE: dict[str, object] = {}

LEAN_NLTK_IMPORT = False
"""Import nltk without ``scipy.stats`` (set by the ``llm-tf`` command, which owns its process).

``import nltk`` imports every nltk package, and ``nltk.metrics`` imports
``scipy.stats`` when scipy is installed, for two statistics llm-tf never uses
(``fisher_exact``, ``betai``): 0.6 of the 0.7 s nltk adds to ``llm-tf generate``.
With this set, nltk is imported while ``scipy.stats`` reads as missing, so nltk
keeps its own fallbacks for those two; ``scipy.stats`` imports normally afterwards.
A library must not change another library in its user's process, so the Python
API leaves it off.
"""


def _nltk_tokenize():
    """The ``nltk.tokenize`` module (imported lean under :data:`LEAN_NLTK_IMPORT`)."""
    if LEAN_NLTK_IMPORT and "nltk" not in sys.modules and "scipy.stats" not in sys.modules:
        sys.modules["scipy.stats"] = None  # `from scipy.stats import x` raises ImportError
        try:
            import nltk.tokenize
        finally:
            if sys.modules.get("scipy.stats", False) is None:  # still our placeholder
                del sys.modules["scipy.stats"]
    import nltk.tokenize

    return nltk.tokenize


def _word_tokenizer():
    if "tok" not in _CACHE:
        _CACHE["tok"] = _nltk_tokenize().NLTKWordTokenizer()
    return _CACHE["tok"]


def _word_detokenizer():
    if "detok" not in _CACHE:
        _CACHE["detok"] = _nltk_tokenize().treebank.TreebankWordDetokenizer()
    return _CACHE["detok"]


def get_tokenizer(name: str = "auto", lower: bool = False, sample: str = "") -> Tokenizer:
    """Build a tokenizer by name; ``auto`` decides from ``sample`` (CJK > 50% -> char)."""
    if name not in NAMES:
        from llm_tf.errors import UserInputError

        raise UserInputError(f"unknown tokenizer {name!r}; choose from {', '.join(NAMES)}")
    if name == "auto":
        name = "char" if cjk_fraction(sample) > 0.5 else "word"
    return Tokenizer(kind=name, lower=lower)
