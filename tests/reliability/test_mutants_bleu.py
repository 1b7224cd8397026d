"""BLEU: the gaps a mutation run (docs/mutation.md) found in the first tests.

Each test pins one observable fact the older tests left open: the exact wording of the
input errors (the CLI prints them as its one-line message), that one string on either
side is refused, that :func:`sacrebleu_tokenize` gives the tokens sacrebleu itself
counts for a line read with its newline, and that only NLTK's "no match" warning is
silenced.
"""

import re
import warnings

import pytest

from llm_tf.errors import UserInputError
from llm_tf.evaluation.bleu import corpus_bleu, nltk_corpus_bleu, sacrebleu_tokenize


@pytest.mark.parametrize("hypotheses, references", [
    ("ab", ["a", "b"]),  # a string of 2 characters against 2 references
    (["a", "b"], "ab"),
    ("ab", "ab"),
])
def test_one_string_on_either_side_is_refused(hypotheses, references):
    """Catches ``or`` turned ``and``: a single string would be scored per character."""
    with pytest.raises(UserInputError, match=r"^give lists of sentences, not one string$"):
        corpus_bleu(hypotheses, references, "en")
    with pytest.raises(UserInputError, match=r"^give lists of sentences, not one string$"):
        nltk_corpus_bleu(hypotheses, references, "en")


def test_error_messages_are_exact():
    """Catches a changed message for no sentences or a count mismatch."""
    with pytest.raises(UserInputError, match=r"^no sentences to score$"):
        corpus_bleu([], [], "zh")
    with pytest.raises(UserInputError, match=re.escape(
            "one reference per hypothesis: 2 hypotheses, 1 references")):
        nltk_corpus_bleu(["a", "b"], ["a"], "en")


def test_tokens_of_a_line_with_its_newline_are_the_ones_sacrebleu_counts():
    """Catches stripping the wrong end: 13a deletes a hyphen before a newline
    ("-\\n", a word broken across lines), so the trailing newline must go first,
    as sacrebleu itself does when it scores the line."""
    assert sacrebleu_tokenize("well-\n", "en") == ["well-"]
    assert sacrebleu_tokenize("a b-\n", "en") == ["a", "b-"]
    r = corpus_bleu(["a b- c d\n"], ["a b- c d"], "en")
    assert r["score"] == pytest.approx(100.0) and r["sys_len"] == 4
    assert nltk_corpus_bleu(["a b- c d\n"], ["a b- c d"], "en") == pytest.approx(100.0)


def test_only_nltks_no_match_warning_is_silenced(monkeypatch):
    """Catches silencing every warning: a DeprecationWarning from NLTK must still show."""
    import nltk.translate.bleu_score as nltk_bleu

    def warns(refs, hyps):
        warnings.warn("the corpus 0-gram match warning", UserWarning, stacklevel=1)
        warnings.warn("an API change", DeprecationWarning, stacklevel=1)
        return 0.5

    monkeypatch.setattr(nltk_bleu, "corpus_bleu", warns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert nltk_corpus_bleu(["a b"], ["a c"], "en") == 50.0
    assert [w.category for w in caught] == [DeprecationWarning]
