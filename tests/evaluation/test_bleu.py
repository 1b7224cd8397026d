"""Corpus BLEU: sacrebleu against hand-computed values and against NLTK's corpus_bleu."""

import math
import random

import pytest

from llm_tf.errors import UserInputError
from llm_tf.evaluation.bleu import (
    corpus_bleu,
    nltk_corpus_bleu,
    sacrebleu_tokenize,
    tokenizer_name,
)
from llm_tf.text.parallel_corpus import load_pairs
from tests.paths import DATA


def test_a_perfect_translation_scores_100():
    refs = ["法国的首都是巴黎。", "日本的首都是东京。"]
    r = corpus_bleu(refs, refs, "zh")
    assert r["score"] == pytest.approx(100.0) and r["bp"] == 1.0
    assert "tok:zh" in r["signature"] and r["tokenize"] == "zh"
    assert nltk_corpus_bleu(refs, refs, "zh") == pytest.approx(100.0)
    assert corpus_bleu(["Paris is in France."], ["Paris is in France."], "en")["score"] == \
        pytest.approx(100.0)


def test_hand_computed_english_case():
    # clipped precisions 5/6, 3/5, 2/4, 1/3; equal lengths so BP = 1
    want = 100 * (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25  # 53.73
    r = corpus_bleu(["the cat sat on the mat"], ["the cat sat on a mat"], "en")
    assert r["score"] == pytest.approx(want, abs=1e-6)
    assert r["precisions"] == pytest.approx([500 / 6, 60, 50, 100 / 3])
    assert (r["counts"], r["totals"]) == ([5, 3, 2, 1], [6, 5, 4, 3])
    assert nltk_corpus_bleu(["the cat sat on the mat"], ["the cat sat on a mat"], "en") == \
        pytest.approx(want, abs=1e-6)


def test_hand_computed_chinese_brevity_penalty():
    # every n-gram matches, but 8 characters against 9: BP = exp(1 - 9/8)
    r = corpus_bleu(["法国的首都是巴黎"], ["法国的首都是巴黎。"], "zh")
    assert r["score"] == pytest.approx(100 * math.exp(1 - 9 / 8), abs=1e-6)
    assert (r["sys_len"], r["ref_len"]) == (8, 9)


def test_tokenizers_follow_the_target_language():
    assert tokenizer_name("zh") == "zh" and tokenizer_name("en") == "13a"
    assert sacrebleu_tokenize("法国的首都是巴黎。", "zh") == list("法国的首都是巴黎。")
    assert sacrebleu_tokenize("It is Paris.", "en") == ["It", "is", "Paris", "."]


def _noisy(sentence: str, rng: random.Random, lang: str) -> str:
    toks = list(sentence) if lang == "zh" else sentence.split()
    i = rng.randrange(len(toks))
    op = rng.choice(("drop", "swap", "dup", "keep"))
    if op == "drop" and len(toks) > 2:
        del toks[i]
    elif op == "swap" and i + 1 < len(toks):
        toks[i], toks[i + 1] = toks[i + 1], toks[i]
    elif op == "dup":
        toks.insert(i, toks[i])
    return "".join(toks) if lang == "zh" else " ".join(toks)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sacrebleu_agrees_with_nltk_corpus_bleu(lang):
    rng = random.Random(0)
    refs = [r[lang] for r in load_pairs(DATA / "parallel" / "test.jsonl")]
    hyps = [_noisy(s, rng, lang) for s in refs]
    sacre = corpus_bleu(hyps, refs, lang)["score"]
    assert 30 < sacre < 99
    assert nltk_corpus_bleu(hyps, refs, lang) == pytest.approx(sacre, abs=0.01)


def test_without_any_4gram_match_nltk_gives_0_and_sacrebleu_smooths():
    r = corpus_bleu(["a b c x e f"], ["a b c d e f"], "en")
    assert 0 < r["score"] < 60
    assert nltk_corpus_bleu(["a b c x e f"], ["a b c d e f"], "en") == pytest.approx(0.0, abs=1e-9)


def test_bad_input():
    with pytest.raises(UserInputError, match="2 hypotheses, 1 references"):
        corpus_bleu(["a", "b"], ["a"], "en")
    with pytest.raises(UserInputError, match="no sentences"):
        corpus_bleu([], [], "en")
    with pytest.raises(UserInputError, match="lists"):
        nltk_corpus_bleu("a", "a", "en")


def test_chinese_needs_the_zh_tokenizer():
    """Chinese has no spaces: with the English ``13a`` rules a sentence is one or two
    tokens, so one wrong character scores 0; ``zh`` counts characters."""
    from sacrebleu.metrics import BLEU

    hyp, ref = ["法国的首都是巴黎城。"], ["法国的首都是巴黎。"]
    assert BLEU(tokenize="13a").corpus_score(hyp, [ref]).score == pytest.approx(0.0, abs=1e-9)
    assert corpus_bleu(hyp, ref, "zh")["score"] > 70
