"""Tests for the interpolated Kneser-Ney baseline (llm_tf.evaluation.ngram, §5 evaluation)."""

import math

import numpy as np
import pytest
from nltk.lm import KneserNeyInterpolated
from nltk.util import everygrams

from llm_tf.errors import UserInputError
from llm_tf.evaluation.ngram import KneserNeyLM

V = 15


def _stream(n: int = 200, seed: int = 0) -> np.ndarray:
    """Ids 4..11 with <eos>=3 line ends; starts "4 12" so the bigram (4, 12) occurs only at
    position 0 and ids 0-2, 13, 14 never occur (exercises nltk's start-of-stream conventions)."""
    rng = np.random.default_rng(seed)
    body = rng.choice(np.arange(4, 12), size=n)
    body[rng.random(n) < 0.15] = 3
    return np.concatenate([[4, 12], body]).astype(np.int64)


def _markov_stream(n: int, vocab: int, seed: int) -> np.ndarray:
    """A sparse random bigram chain over ids 3..vocab-1: strongly predictable order."""
    rng = np.random.default_rng(seed)
    succ = rng.integers(3, vocab, size=(vocab, 3))
    out = [3]
    for _ in range(n - 1):
        out.append(int(succ[out[-1], rng.integers(0, 3)]))
    return np.array(out, dtype=np.int64)


@pytest.mark.parametrize("order", [2, 3, 4])
@pytest.mark.parametrize("discount", [0.1, 0.75])
def test_matches_nltk_exactly(order, discount):
    data = _stream()
    strs = [str(i) for i in data]
    ref = KneserNeyInterpolated(order, discount=discount)
    ref.fit([list(everygrams(strs, max_len=order))], vocabulary_text=strs)
    lm = KneserNeyLM(order, discount, nltk_compatible=True).fit(data, V)

    rng = np.random.default_rng(1)
    contexts = {
        tuple(int(c) for c in data[t - n : t])
        for t in range(40)
        for n in range(order + 1)
        if n <= t
    }
    contexts |= {(4, 12), (12,), (13,), (0, 4), (5, 13), (14, 4, 5, 6)}  # edge + unseen contexts
    contexts |= {tuple(int(c) for c in rng.integers(0, V, size=order - 1)) for _ in range(10)}
    checked = skipped = 0
    for ctx in sorted(contexts):
        for w in range(V):
            try:
                expected = ref.score(str(w), tuple(str(c) for c in ctx))
            except ZeroDivisionError:  # nltk: lower-order context seen only at stream start
                skipped += 1
                assert lm.logprob(w, ctx) == lm.logprob(w, ctx[1:])  # we back off instead
                continue
            got = math.exp(lm.logprob(w, ctx))
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-300), (ctx, w)
            checked += 1
    assert checked > 500
    assert skipped == (V if order == 4 else 0)  # only context (4, 12) at order 4


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_distributions_sum_to_one(order):
    data = _stream()
    lm = KneserNeyLM(order, 0.6).fit(data, V)
    contexts = [
        (),
        (4,),
        (12,),
        (3, 4),
        (4, 12),
        (4, 12, 5),
        (0,),
        (13, 14),
        (5, 13, 6),
        (1, 2, 3, 4, 5),
    ]
    contexts += [tuple(int(c) for c in data[t - order + 1 : t]) for t in range(order, 60)]
    for ctx in contexts:
        p = np.exp([lm.logprob(w, ctx) for w in range(V)])
        assert p.min() > 0.0, ctx
        assert p.sum() == pytest.approx(1.0, rel=1e-12), ctx


def test_hand_computed_bigram():
    D, vocab = 0.5, 6
    x = [4, 5, 4, 5, 3, 4]
    lm = KneserNeyLM(order=2, discount=D).fit(x, vocab)
    # bigram types: (4,5)x2 (5,4) (5,3) (3,4); continuation N1+(. w): 4->2, 5->1, 3->1; total 4
    floor = D * 3 / 4 / vocab  # gamma_1 = D * #{w: N1+(. w) > 0} / N1+(. .), times uniform
    p1 = {4: (2 - D) / 4 + floor, 5: (1 - D) / 4 + floor, 3: (1 - D) / 4 + floor, 0: floor}
    assert sum(p1[w] for w in (4, 5, 3)) + 3 * floor == pytest.approx(1.0)
    p5_4 = (2 - D) / 2 + D * 1 / 2 * p1[5]  # c(4 .) = 2, one follower type
    p4_5 = (1 - D) / 2 + D * 2 / 2 * p1[4]  # c(5 .) = 2, followers {4, 3}
    p3_5 = (1 - D) / 2 + D * 2 / 2 * p1[3]
    p4_3 = (1 - D) / 1 + D * 1 / 1 * p1[4]
    expected = np.log([p1[4], p5_4, p4_5, p5_4, p3_5, p4_3])
    np.testing.assert_allclose(lm.score_stream(x), expected, rtol=1e-12)
    assert lm.logprob(3, (4,)) == pytest.approx(math.log(D * 1 / 2 * p1[3]))
    assert lm.logprob(0, (0,)) == pytest.approx(math.log(floor))  # unseen context -> P_1
    assert lm.logprob(5, (1, 2, 4)) == pytest.approx(math.log(p5_4))  # only last id counts
    assert lm.perplexity(x) == pytest.approx(math.exp(-expected.mean()))


def test_score_stream_matches_logprob():
    data = _markov_stream(400, 20, seed=3)
    lm = KneserNeyLM(order=3).fit(data[:300], 20)
    test = data[300:]
    scores = lm.score_stream(test)
    for t in range(len(test)):
        ctx = tuple(int(c) for c in test[max(0, t - 2) : t])
        assert scores[t] == pytest.approx(lm.logprob(int(test[t]), ctx), rel=1e-12)


def test_training_perplexity_below_shuffled():
    data = _markov_stream(5000, 50, seed=0)
    shuffled = np.random.default_rng(0).permutation(data)
    for order in (2, 3, 5):
        lm = KneserNeyLM(order=order).fit(data, 50)
        assert lm.perplexity(data) < 0.5 * lm.perplexity(shuffled)
    held_out = _markov_stream(2000, 50, seed=0)[1000:]  # same chain, so still predictable
    assert KneserNeyLM(3).fit(data, 50).perplexity(held_out) < 6.0  # 3 successors per id


def test_accepts_lists_and_generators():
    data = _stream(50)
    a = KneserNeyLM(3).fit(data, V).score_stream(data)
    b = KneserNeyLM(3).fit(list(data), V).score_stream(int(i) for i in data)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"order": 0},
        {"order": 2.5},
        {"discount": 0.0},
        {"discount": 1.0},
        {"discount": -0.2},
        {"discount": 1.5},
    ],
)
def test_bad_constructor_arguments(kwargs):
    with pytest.raises(ValueError, match="order|discount"):
        KneserNeyLM(**kwargs)


def test_bad_data_arguments():
    lm = KneserNeyLM(3)
    with pytest.raises(RuntimeError, match="not fitted"):
        lm.score_stream([4, 5])
    with pytest.raises(ValueError, match="empty"):
        lm.fit([], 10)
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        lm.fit([4, 10], 10)
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        lm.fit([4, -1], 10)
    with pytest.raises(ValueError, match="integers"):
        lm.fit([4.0, 5.0], 10)
    with pytest.raises(ValueError, match="1-D"):
        lm.fit(np.zeros((2, 2), np.int64), 10)
    with pytest.raises(ValueError, match="vocab_size"):
        lm.fit([4, 5], 0)
    lm.fit([4, 5, 6], 10)
    with pytest.raises(UserInputError, match=r"\[0, 10\)"):
        lm.score_stream([4, 12])
    with pytest.raises(ValueError, match="empty"):
        lm.perplexity(np.array([], np.int64))
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        lm.logprob(10, (4,))
