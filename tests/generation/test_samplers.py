"""Tests for llm_tf.generation.samplers: every sampler with peaked logits (exact tokens),
the random ones with fixed seeds against the numpy reference (tests/reference), beam
search's step, make_sampler's mapping, and the loop's cache key."""

import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.generation import (
    BeamSampler,
    GreedySampler,
    RandomSampler,
    Sampler,
    SamplingConfig,
    TopKSampler,
    TopPSampler,
    gumbel_noise,
    make_sampler,
)
from llm_tf.text.vocab import PAD_ID
from tests.reference import numpy_sampler as ref

V = 10
PEAKED = np.eye(V, dtype="float32")[[7, 2, 5]] * 1e9  # (3, V): rows peaked at 7, 2, 5
SAMPLERS = [
    GreedySampler(),
    RandomSampler(0.7),
    TopKSampler(3, temperature=2.0),
    TopPSampler(0.5),
    TopPSampler(0.9, k=4, temperature=0.5),
]


def _pick(sampler, logits, seed=0, counter=0):
    return sampler.pick(tf.constant(logits, tf.float32), seed, counter).numpy().tolist()


# ---------------------------------------------------------------- token samplers
@pytest.mark.parametrize("sampler", SAMPLERS, ids=repr)
@pytest.mark.parametrize("seed", [0, 1, 123])
def test_peaked_logits_give_the_peak(sampler, seed):
    assert _pick(sampler, PEAKED, seed, counter=seed) == [7, 2, 5]


@pytest.mark.parametrize("sampler", [s for s in SAMPLERS[1:] if s != TopPSampler(0.5)], ids=repr)
def test_minus_inf_is_never_drawn_and_ties_are_kept(sampler):
    logits = np.zeros((200, V), "float32")  # 200 draws among 6 equal tokens
    logits[:, [0, 3, 4, 8]] = -np.inf
    # top-k keeps every token tied with the k-th; p = 0.9 reaches past all six
    assert set(_pick(sampler, logits, seed=2)) == {1, 2, 5, 6, 7, 9}


@pytest.mark.parametrize(
    ("p", "kept"), [(0.5, {1, 2}), (0.25, {1}), (0.26, {1, 2}), (0.75, {1, 2, 5})]
)
def test_top_p_cuts_exact_ties_by_position(p, kept):
    """Four tokens at exactly 0.25: the exclusive mass before the third is 0.5, not below
    0.5, so p = 0.5 keeps exactly two (the lower ids first, as the numpy reference)."""
    logits = np.full((400, V), -np.inf, "float32")
    logits[:, [1, 2, 5, 7]] = 0.0  # softmax: exactly 0.25 each, cumulative sums exact
    assert set(_pick(TopPSampler(p), logits, seed=4)) == kept
    allowed = np.flatnonzero(np.isfinite(ref.filter_logits(logits[0], top_p=p)))
    assert set(allowed.tolist()) == kept
    assert set(ref.gumbel_pick(logits, 4, 0, top_p=p).tolist()) == kept


def test_top_k_and_top_p_cut_to_their_support():
    logits = np.log(np.array([[0.05, 0.5, 0.15, 0.3]], "float32"))  # order 1, 3, 2, 0
    support = {
        TopKSampler(1): {1},
        TopKSampler(2): {1, 3},
        TopKSampler(9): {0, 1, 2, 3},  # k >= V: everything
        TopPSampler(0.4): {1},
        TopPSampler(0.75): {1, 3},  # 0.5 + 0.3 reaches 0.75
        TopPSampler(0.9): {1, 3, 2},
        TopPSampler(1.0): {0, 1, 2, 3},
        TopPSampler(0.99, k=2): {1, 3},
    }
    rows = np.tile(logits, (300, 1))  # 300 rows, 300 independent draws
    for sampler, allowed in support.items():
        assert set(_pick(sampler, rows, seed=5)) == allowed, sampler


@pytest.mark.parametrize(
    "sampler,kw",
    [
        (RandomSampler(1.0), {}),
        (RandomSampler(0.6), {"temperature": 0.6}),
        (TopKSampler(4, temperature=1.5), {"temperature": 1.5, "top_k": 4}),
        (TopPSampler(0.8), {"top_p": 0.8}),
        (TopPSampler(0.7, k=5, temperature=0.8), {"temperature": 0.8, "top_k": 5, "top_p": 0.7}),
    ],
    ids=repr,
)
def test_random_samplers_equal_the_numpy_reference(sampler, kw):
    logits = np.random.default_rng(0).normal(size=(6, V)).astype("float32") * 2
    for seed, counter in [(0, 0), (0, 1), (7, 3), (2**31 - 1, 999)]:
        expected = ref.gumbel_pick(logits, seed, counter, **kw)
        assert _pick(sampler, logits, seed, counter) == expected.tolist()


def test_draws_follow_the_tempered_distribution():
    p = np.array([0.0, 0.5, 0.25, 0.15, 0.1])
    with np.errstate(divide="ignore"):
        logits = np.tile(np.log(p), (2000, 1)).astype("float32")  # 2,000 rows, one draw each
    for temperature in (0.5, 1.0, 2.0):
        tokens = _pick(RandomSampler(temperature), logits, seed=3)
        q = p ** (1 / temperature)
        freq = np.bincount(tokens, minlength=len(p)) / len(tokens)
        np.testing.assert_allclose(freq, q / q.sum(), atol=0.035)


def test_seed_and_counter_change_the_draw_and_nothing_else_does():
    logits = np.zeros((1, 1000), "float32")
    a = _pick(RandomSampler(), logits, seed=1, counter=0)
    assert a == _pick(RandomSampler(), logits, seed=1, counter=0)
    assert a != _pick(RandomSampler(), logits, seed=2, counter=0)
    assert a != _pick(RandomSampler(), logits, seed=1, counter=1)


def test_gumbel_noise_is_the_numpy_hash():
    for seed, counter, rows in [(0, 0, 1), (5, 17, 3), (2**31 - 1, 2**20, 2)]:
        got = gumbel_noise(tf.constant(seed, tf.int64), tf.constant(counter), rows, 257).numpy()
        # the same hash bits; the logarithms may differ in the last float32 bit
        np.testing.assert_allclose(got, ref.gumbel_noise(seed, counter, rows, 257), atol=1e-6)
    g = ref.gumbel_noise(0, 0, 200, 500)
    assert abs(g.mean() - np.euler_gamma) < 0.01 and abs(g.var() - np.pi**2 / 6) < 0.05


def test_sampler_params_override_its_attributes():
    logits = np.log(np.array([[0.6, 0.3, 0.1]], "float32"))
    params = {"temperature": tf.constant(1e-4), "p": tf.constant(1.0)}
    sampler = TopPSampler(0.3, temperature=50.0)
    assert {sampler.pick(logits, 4, c, params).numpy()[0] for c in range(20)} == {0}


# ---------------------------------------------------------------- beam search
def test_beam_select_keeps_the_best_extensions():
    with np.errstate(divide="ignore"):
        logp = np.log(np.array([[0.0, 0.6, 0.4, 0.0], [0.0, 0.1, 0.1, 0.8]], "float32"))
    scores = tf.constant([np.log(0.5), np.log(0.4)], tf.float32)
    tok, parent, new = BeamSampler(2).select(tf.constant(logp), scores, tf.constant([False] * 2))
    # 0.4 * 0.8 beats 0.5 * 0.6, which beats 0.5 * 0.4; best first
    assert tok.numpy().tolist() == [3, 1] and parent.numpy().tolist() == [1, 0]
    np.testing.assert_allclose(np.exp(new.numpy()), [0.32, 0.3], rtol=1e-5)


def test_a_finished_beam_extends_with_pad_at_no_cost():
    logits = tf.zeros((2, 5))
    scores = tf.constant([-1.0, -3.0])
    tok, parent, new = BeamSampler(2).select(logits, scores, tf.constant([True, False]))
    assert tok.numpy()[0] == PAD_ID and parent.numpy()[0] == 0
    np.testing.assert_allclose(new.numpy(), [-1.0, -3.0 - np.log(5)], rtol=1e-6)


def test_token_samplers_pad_finished_rows_and_keep_the_order():
    tok, parent, scores = GreedySampler().advance(
        tf.constant(PEAKED), tf.zeros(3), tf.constant([False, True, False]), 0, 0, {}
    )
    assert tok.numpy().tolist() == [7, PAD_ID, 5] and parent is None


def test_beam_sampler_does_not_pick_one_row_at_a_time():
    with pytest.raises(NotImplementedError):
        BeamSampler(2).pick(tf.constant(PEAKED), 0, 0)


# ---------------------------------------------------------------- configs, keys, errors
@pytest.mark.parametrize(
    "fields,expected",
    [
        ({}, RandomSampler(1.0)),
        ({"temperature": 0}, GreedySampler()),
        ({"temperature": 0, "top_k": 5, "top_p": 0.5}, GreedySampler()),
        ({"temperature": 0.7, "top_k": 5}, TopKSampler(5, temperature=0.7)),
        ({"top_p": 0.9}, TopPSampler(0.9)),
        ({"top_p": 0.9, "top_k": 5, "temperature": 2}, TopPSampler(0.9, k=5, temperature=2)),
        ({"top_p": 1.0, "top_k": 5}, TopKSampler(5)),
        ({"top_p": 1.0}, RandomSampler(1.0)),
        ({"beam_size": 4, "temperature": 0.5, "top_k": 2}, BeamSampler(4)),
    ],
)
def test_make_sampler(fields, expected):
    sampler = make_sampler(SamplingConfig(**fields))
    assert sampler == expected and type(sampler) is type(expected)


def test_key_holds_the_static_arguments_only():
    assert TopKSampler(5, temperature=0.5).key == TopKSampler(5, temperature=2.0).key
    assert TopKSampler(5).key != TopKSampler(6).key
    assert TopPSampler(0.5).key == TopPSampler(0.9, temperature=3).key != TopPSampler(0.5, k=3).key
    assert RandomSampler().key != GreedySampler().key
    assert BeamSampler(2).key != BeamSampler(3).key and BeamSampler(3).rows == 3
    assert TopPSampler(0.5, k=2, temperature=3).params() == {"p": 0.5, "temperature": 3.0}
    assert TopKSampler(5, temperature=0.5) != TopKSampler(5, temperature=2.0)
    assert len({TopKSampler(5), TopKSampler(5), GreedySampler()}) == 2
    assert repr(TopPSampler(0.5, k=2)) == "TopPSampler(k=2, p=0.5, temperature=1.0)"


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: RandomSampler(0), "temperature"),
        (lambda: RandomSampler(-1.0), "temperature"),
        (lambda: TopKSampler(0), "k must"),
        (lambda: TopKSampler(2.5), "k must"),
        (lambda: TopPSampler(0.0), "p must"),
        (lambda: TopPSampler(1.5), "p must"),
        (lambda: TopPSampler(0.5, k=0), "k must"),
        (lambda: BeamSampler(0), "num_beams"),
    ],
)
def test_bad_sampler_arguments(make, match):
    with pytest.raises(UserInputError, match=match):
        make()


def test_the_base_class_is_abstract():
    with pytest.raises(NotImplementedError):
        Sampler().pick(tf.constant(PEAKED), 0, 0)


# ---------------------------------------------------------------- the numpy reference itself
def test_reference_filters():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    assert np.isfinite(ref.filter_logits(logits, top_k=2)).tolist() == [True, True, False, False]
    # nucleus 0.75: 0.5 + 0.3 reaches it, so two tokens survive
    assert np.isfinite(ref.filter_logits(logits, top_p=0.75)).tolist() == [True, True, False, False]
    assert np.isfinite(ref.filter_logits(logits, top_p=0.4)).tolist() == [True, False, False, False]


def test_reference_sampling_is_seeded_and_matches_the_distribution():
    logits = np.log(np.array([0.6, 0.3, 0.1]))
    assert ref.sample_next(np.eye(10)[7] * 1e9, np.random.default_rng(0), temperature=0) == 7
    a = [ref.sample_next(logits, np.random.default_rng(1)) for _ in range(5)]
    assert a == [ref.sample_next(logits, np.random.default_rng(1)) for _ in range(5)]
    rng = np.random.default_rng(0)
    draws = np.bincount([ref.sample_next(logits, rng) for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(draws, [0.6, 0.3, 0.1], atol=0.03)
