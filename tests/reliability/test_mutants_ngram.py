"""Kneser-Ney n-gram LM: the gaps a mutation run (docs/mutation.md) found in the first tests.

The main check is an independent, slow reference written straight from the formula in
``llm_tf/evaluation/ngram.py``'s docstring (dictionaries and recursion, no numpy keys),
compared on every (context, token) pair of tiny streams: a one-entry n-gram table, and
id 0 used as a context (type id 0 at every level). The other tests pin the defaults, the
exact error messages (the CLI prints them as its one-line message), ``vocab_size=1``,
nltk mode at order 1, ``logprob``'s context truncation and the int64 key-space guard.
The run exposed a library bug, fixed since: ``fit`` on a stream shorter than the order
raised a numpy TypeError (``np.bincount`` of an empty level gives int64 zeros);
``test_stream_shorter_than_the_order_scores_uniformly`` pins the fix.
"""

import functools
import itertools
import math
from collections import Counter, defaultdict

import numpy as np
import pytest

import llm_tf.evaluation.ngram as ngram_module
from llm_tf.errors import UserInputError
from llm_tf.evaluation.ngram import KneserNeyLM


def _reference_model(stream, vocab_size, order, discount):
    """p(token, context) by the docstring's recursion, from plain n-gram dictionaries.

    Level k uses raw counts c(g) at k == order and continuation counts N1+(. g) (distinct
    tokens seen right before g in the stream) below; P_0 is uniform; a context with no
    count at its level passes P_{k-1} through.
    """
    s = [int(t) for t in stream]
    raw = Counter(tuple(s[i : i + k]) for k in range(1, order + 1) for i in range(len(s) - k + 1))
    before = defaultdict(set)
    for k in range(1, order):
        for i in range(1, len(s) - k + 1):
            before[tuple(s[i : i + k])].add(s[i - 1])

    def count(g):
        return raw[g] if len(g) == order else len(before[g])

    @functools.cache
    def p(w, h):
        k = len(h) + 1
        lower = (1.0 / vocab_size) if k == 1 else p(w, h[1:])
        followers = [count((*h, v)) for v in range(vocab_size)]
        den = sum(followers)
        if den == 0:
            return lower
        n1 = sum(1 for c in followers if c > 0)
        return max(count((*h, w)) - discount, 0.0) / den + discount * n1 / den * lower

    def prob(token, context):
        context = tuple(context)
        return p(token, context[len(context) - min(len(context), order - 1) :])

    return prob


TINY_CASES = [
    ([4, 5], 6, 1),
    ([4, 5], 6, 2),  # one bigram type: a one-entry table, queried past its end
    *[([0, 4, 0, 5, 0, 4, 3, 0], 6, order) for order in (1, 2, 3, 4)],  # id 0 as a context;
    *[([0, 0, 1, 0, 2, 2, 0, 1, 3, 0], 4, order) for order in (1, 2, 3, 4)],  # (0, 4) is type 0
]


@pytest.mark.parametrize(("stream", "vocab_size", "order"), TINY_CASES)
def test_every_probability_matches_a_brute_force_reference(stream, vocab_size, order):
    """Catches any slip in the vectorised counting/lookup: a one-entry n-gram table (index
    error past its end), context id 0 or n-gram type id 0 treated as unseen, wrong levels."""
    lm = KneserNeyLM(order, 0.3).fit(stream, vocab_size)
    ref = _reference_model(stream, vocab_size, order, 0.3)
    for n_ctx in range(order):
        for ctx in itertools.product(range(vocab_size), repeat=n_ctx):
            for w in range(vocab_size):
                expected = ref(w, ctx)
                assert math.exp(lm.logprob(w, ctx)) == pytest.approx(expected, rel=1e-12), (
                    ctx,
                    w,
                )
    scores = lm.score_stream(stream)
    for t in range(len(stream)):
        ctx = stream[max(0, t - order + 1) : t]
        expected = ref(stream[t], ctx)
        assert math.exp(scores[t]) == pytest.approx(expected, rel=1e-12)


def test_stream_shorter_than_the_order_scores_uniformly():
    """One token of training data has no bigram, so every level is unseen and each id gets
    exactly 1/V (an empty table must never report a found bigram)."""
    lm = KneserNeyLM(2).fit([4], 5)
    np.testing.assert_allclose(lm.score_stream([4, 2, 3, 0]), np.log(np.full(4, 0.2)), rtol=1e-15)


def test_defaults_are_order_3_discount_075_not_nltk():
    """The constructor's defaults are the documented ones (trigram, D = 0.75)."""
    lm = KneserNeyLM()
    assert (lm.order, lm.discount, lm.nltk_compatible, lm.vocab_size) == (3, 0.75, False, None)
    stream = [0, 4, 0, 5, 0, 4, 3, 0]
    lm.fit(stream, 6)
    assert math.exp(lm.logprob(4, (3, 0))) == pytest.approx(
        _reference_model(stream, 6, 3, 0.75)(4, (3, 0)), rel=1e-12
    )
    # the default order conditions on two ids, not three: (5, 3, 0) scores as (3, 0)
    assert lm.logprob(4, (5, 3, 0)) == lm.logprob(4, (3, 0))


def test_vocab_size_one_is_allowed_and_certain():
    """vocab_size=1 is valid (>= 1): the only id has probability 1 at every position."""
    lm = KneserNeyLM(3).fit([0, 0, 0], 1)
    np.testing.assert_array_equal(lm.score_stream([0, 0, 0, 0]), np.zeros(4))
    assert lm.perplexity([0]) == 1.0


def test_order_one_nltk_mode_keeps_the_discount_and_floor():
    """nltk's order-1 model is its highest level: discounted raw counts plus a uniform floor,
    so nltk mode must not switch to the undiscounted no-floor unigram used below order 2."""
    D, V = 0.5, 6
    stream = [4, 4, 5]
    floor = D * 2 / 3 / V  # D * (2 distinct ids) / (3 tokens) * 1/V
    expected = {4: (2 - D) / 3 + floor, 5: (1 - D) / 3 + floor, 0: floor, 3: floor}
    for nltk in (False, True):
        lm = KneserNeyLM(1, D, nltk_compatible=nltk).fit(stream, V)
        for w, p in expected.items():
            assert math.exp(lm.logprob(w, (1, 2))) == pytest.approx(p, rel=1e-12), (nltk, w)


@pytest.mark.parametrize("order", [2, 3])
def test_logprob_ignores_context_beyond_order_minus_one(order):
    """Only the last order-1 ids count, so older ones are not even range-checked: an id
    out of range there must not raise (and must not change the score)."""
    lm = KneserNeyLM(order).fit([0, 4, 0, 5, 0, 4, 3, 0], 6)
    keep = (0, 4)[2 - (order - 1) :]
    for old in [(99,), (-1, 99), (7, 7, 7)]:
        assert lm.logprob(5, (*old, *keep)) == lm.logprob(5, keep)


def test_error_messages():
    """Each bad input gets its own exact, readable message (and the right exception type)."""
    lm = KneserNeyLM(2)
    with pytest.raises(
        RuntimeError, match=r"^KneserNeyLM is not fitted: call fit\(ids, vocab_size\) first$"
    ):
        lm.logprob(4)
    with pytest.raises(UserInputError, match=r"^ids is empty: need at least one token id$"):
        lm.fit([], 5)
    with pytest.raises(UserInputError, match=r"^vocab_size must be an integer, got True$"):
        lm.fit([0], True)
    with pytest.raises(UserInputError, match=r"^vocab_size must be an integer, got 5\.0$"):
        lm.fit([0], 5.0)
    with pytest.raises(UserInputError, match=r"^vocab_size must be >= 1, got 0$"):
        lm.fit([0], 0)
    lm.fit([4, 5], np.int64(6))  # a numpy integer is an integer
    assert lm.vocab_size == 6 and type(lm.vocab_size) is int


def test_zero_dimensional_array_is_rejected_as_not_1d():
    """A 0-d numpy array (one scalar) is reported as the wrong shape, not a TypeError."""
    lm = KneserNeyLM(2).fit([4, 5], 6)
    with pytest.raises(
        UserInputError, match=r"^ids must be a 1-D stream of token ids, got shape \(\)$"
    ):
        lm.score_stream(np.array(4))


class _HugeVocabNumpy:
    """numpy, except that tables sized by vocab_size (``arange``, ``bincount``'s minlength)
    stay at 3 entries: lets fit reach the int64 key-space check for a vocab_size of 2**62
    without allocating 2**62 entries. Everything else is numpy itself."""

    def __getattr__(self, name):
        return getattr(np, name)

    def arange(self, n, dtype=None):
        return np.arange(min(n, 3), dtype=dtype)

    def bincount(self, x, weights=None, minlength=0):
        return np.bincount(x, weights=weights, minlength=min(minlength, 3))


def test_key_space_guard_refuses_keys_that_overflow_int64(monkeypatch):
    """Bigram keys are id * V + id in int64: 3 unigram types times V = 2**62 (1.5 * 2**63
    keys) must be refused with a clear error, not wrap around silently; 3 * 2**61 fits."""
    monkeypatch.setattr(ngram_module, "np", _HugeVocabNumpy())
    with pytest.raises(
        UserInputError, match=r"^vocab_size 4611686018427387904 too large to key 2-grams in int64$"
    ):
        KneserNeyLM(2).fit([0, 1, 2], 2**62)
    lm = KneserNeyLM(2).fit([0, 1, 2], 2**61)  # 3 * 2**61 < 2**63: accepted
    assert lm.vocab_size == 2**61
