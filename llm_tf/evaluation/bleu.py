"""Corpus BLEU for machine translation (§6.3), with sacrebleu and an NLTK cross-check.

BLEU (Papineni et al. 2002) is the geometric mean of the modified n-gram precisions,
n = 1..4, pooled over the whole test set, times a brevity penalty
``min(1, exp(1 - r / c))`` (c: hypothesis tokens, r: reference tokens), reported x 100.

:func:`corpus_bleu` is the field's standard, `sacrebleu <https://github.com/mjpost/sacrebleu>`_
(Post 2018): it takes detokenized text and tokenizes it itself, so scores are
comparable across papers; its signature (``nrefs:1|case:mixed|eff:no|tok:zh|...``) says
how. Chinese targets use its ``zh`` tokenizer (each CJK character a token, other runs
as ``13a``); English targets ``13a`` (the WMT default). :func:`nltk_corpus_bleu`
computes the same score with ``nltk.translate.bleu_score.corpus_bleu`` on sacrebleu's
tokens, the cross-check the tests and §6.3's chapter assert. The two agree exactly when
every n-gram order has at least one match; otherwise sacrebleu's default ``exp``
smoothing gives a small positive score where NLTK (unsmoothed) gives 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from llm_tf.errors import UserInputError

__all__ = ["corpus_bleu", "nltk_corpus_bleu", "sacrebleu_tokenize", "tokenizer_name"]


def tokenizer_name(target_lang: str) -> str:
    """sacrebleu's tokenizer for a target language: ``zh`` for Chinese, else ``13a``."""
    return "zh" if target_lang == "zh" else "13a"


def _check(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise UserInputError("give lists of sentences, not one string")
    if len(hypotheses) != len(references):
        raise UserInputError(f"one reference per hypothesis: {len(hypotheses)} hypotheses, "
                             f"{len(references)} references")
    if not hypotheses:
        raise UserInputError("no sentences to score")


def _bleu(target_lang: str):
    from sacrebleu.metrics import BLEU

    return BLEU(tokenize=tokenizer_name(target_lang))


def sacrebleu_tokenize(text: str, target_lang: str) -> list[str]:
    """sacrebleu's tokens of ``text`` (the ones BLEU counts)."""
    return _bleu(target_lang).tokenizer(text.rstrip()).split()


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], target_lang: str
                ) -> dict:
    """sacrebleu's corpus BLEU of detokenized ``hypotheses`` against one reference each.

    Returns ``score`` (0-100), ``precisions`` (n = 1..4, percent; smoothed where
    ``counts`` is 0), ``counts`` (matching n-grams) and ``totals`` (hypothesis n-grams),
    ``bp``, ``sys_len``, ``ref_len``, ``tokenize`` and ``signature``.
    """
    _check(hypotheses, references)
    bleu = _bleu(target_lang)
    s = bleu.corpus_score(list(hypotheses), [list(references)])
    return {"score": float(s.score), "precisions": [float(p) for p in s.precisions],
            "counts": [int(c) for c in s.counts], "totals": [int(t) for t in s.totals],
            "bp": float(s.bp), "sys_len": int(s.sys_len), "ref_len": int(s.ref_len),
            "tokenize": tokenizer_name(target_lang), "signature": str(bleu.get_signature())}


def nltk_corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], target_lang: str
                     ) -> float:
    """``nltk.translate.bleu_score.corpus_bleu`` x 100 on sacrebleu's tokens (uniform
    weights, no smoothing): (about) 0 when some n-gram order has no match."""
    from nltk.translate.bleu_score import corpus_bleu as nltk_bleu

    _check(hypotheses, references)
    hyps = [sacrebleu_tokenize(h, target_lang) for h in hypotheses]
    refs = [[sacrebleu_tokenize(r, target_lang)] for r in references]
    with warnings.catch_warnings():  # NLTK warns (and returns 0) on an order with no match
        warnings.simplefilter("ignore", UserWarning)
        return 100.0 * float(nltk_bleu(refs, hyps))
