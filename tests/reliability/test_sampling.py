"""Sampling and decoding checked against hand-computed figures (issue 12).

- temperatures other than 0 and 1: the numpy reference sampler and the compiled one
  against ``softmax(logits / T)`` written out by hand;
- top-p at an exact boundary: four tokens at exactly 0.25 and ``top_p=0.5`` keep two;
- the Transformer's context slide: every token generated equals a full forward pass
  over the window the decoder keeps (the newest ``max_len // 2`` tokens);
- beam search on a tiny real model equals the brute-force best sequence.
"""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.generation import Decoder, RandomSampler, TopPSampler
from llm_tf.models import ModelConfig, build_model, stepping_view
from llm_tf.text.vocab import EOS_ID, PAD_ID
from tests.reference import numpy_sampler as ref

P = np.array([0.5, 0.25, 0.15, 0.1])
# softmax(log(P) / T) = P ** (1 / T) / sum, written out for T = 0.5 and T = 2
BY_HAND = {
    0.5: np.array([0.25, 0.0625, 0.0225, 0.01]) / 0.345,
    2.0: np.sqrt(P) / np.sqrt(P).sum(),
}


class _RecordingRng:
    """Stands in for numpy's Generator: records the distribution ``choice`` is given."""

    def __init__(self):
        self.p = None

    def choice(self, n, p):
        self.p = np.asarray(p)
        return 0


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_reference_sampler_divides_the_logits_by_the_temperature(temperature):
    rng = _RecordingRng()
    ref.sample_next(np.log(P), rng, temperature=temperature)
    np.testing.assert_allclose(rng.p, BY_HAND[temperature], rtol=1e-12)


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_reference_and_compiled_draws_follow_the_hand_computed_distribution(temperature):
    rows = 3000  # one draw per row: the noise differs per row
    logits = np.tile(np.log(P), (rows, 1)).astype("float32")
    want = BY_HAND[temperature]
    ref_freq = np.bincount(ref.gumbel_pick(logits, 11, 0, temperature=temperature), minlength=4)
    np.testing.assert_allclose(ref_freq / rows, want, atol=0.03)
    got = RandomSampler(temperature).pick(tf.constant(logits), 11, 0).numpy()
    np.testing.assert_allclose(np.bincount(got, minlength=4) / rows, want, atol=0.03)


class _ConstantLM:
    """A stepper whose next-token logits are always ``row`` (no context)."""

    def __init__(self, row):
        self.row = tf.constant(np.asarray(row, "float32"))
        self.vocab_size = len(row)

    def init_state(self, batch):
        return [tf.zeros((batch,), tf.int32)]

    def step(self, ids, state, index=0):
        b, t = tf.shape(ids)[0], tf.shape(ids)[1]
        return tf.tile(self.row[None, None, :], (b, t, 1)), [ids[:, -1]]


def test_decoder_top_p_keeps_exactly_two_of_four_tied_tokens():
    row = np.full(8, -np.inf)
    row[[2, 3, 5, 6]] = 0.0  # four tokens at exactly 0.25
    dec = Decoder(_ConstantLM(row), jit_compile=False)
    for p, kept in [(0.5, {2, 3}), (0.5000001, {2, 3, 5}), (0.49, {2, 3})]:
        assert set(dec.generate([1], max_tokens=100, top_p=p, seed=2)) == kept, p
    assert set(dec.generate([1], TopPSampler(0.5), max_tokens=100, seed=5)) == {2, 3}


# ---------------------------------------------------------------- real tiny models
V = 24


def _windows_as_decoded(prompt, tokens, max_len):
    """The window each generated token was predicted from, by the decoder's rule: the
    whole text while it fits, then, each time the cache is full, the newest
    ``max_len // 2`` tokens and what is generated after them."""
    ids, start, windows = list(prompt), 0, []
    for t in tokens:
        if len(ids) - start >= max_len:
            start = len(ids) - max_len // 2
        windows.append(ids[start:])
        ids.append(t)
    return windows


def _greedy_by_full_passes(model, windows):
    """argmax of a full forward pass over each window (<pad> banned), in one batch: the
    model is causal, so padding a window on the right leaves its last position alone."""
    width = max(map(len, windows))
    x = np.array([w + [PAD_ID] * (width - len(w)) for w in windows], "int32")
    p = np.array(model(x))[np.arange(len(windows)), [len(w) - 1 for w in windows]]
    p[:, PAD_ID] = -1.0
    return np.argmax(p, -1).tolist()


def test_tokens_after_the_context_slide_equal_a_full_pass_over_the_kept_window():
    L = 8
    keras.utils.set_random_seed(0)
    model = build_model(
        ModelConfig(arch="transformer", embedding_dim=8, units=16, layers=1, heads=2, max_len=L), V
    )
    dec = Decoder(stepping_view(model), jit_compile=False)
    for prompt in ([EOS_ID, 5, 9], [EOS_ID, *range(4, 14)]):  # 3 tokens; 11 > max_len
        got = dec.generate(prompt, max_tokens=18, temperature=0)
        windows = _windows_as_decoded(prompt, got, L)
        assert len(got) == 18 and max(map(len, windows)) == L - 1
        assert (
            sum(len(a) > len(b) for a, b in zip(windows, windows[1:], strict=False)) >= 3
        )  # slides
        assert got == _greedy_by_full_passes(model, windows)


def _best_by_brute_force(model, vocab_size, prompt, n):
    """The sequence of ``n`` non-<pad> tokens with the highest summed log-probability."""
    seqs = np.array(list(itertools.product(range(1, vocab_size), repeat=n)), "int32")
    x = np.concatenate([np.tile(prompt, (len(seqs), 1)), seqs], 1).astype("int32")
    p = np.array(model(x), np.float64)[:, len(prompt) - 1 : -1]  # (S, n, V)
    logp = np.log(p) - np.log(1.0 - p[..., PAD_ID : PAD_ID + 1])  # <pad> is banned
    scores = np.take_along_axis(logp, seqs[..., None], -1)[..., 0].sum(-1)
    top2 = np.sort(scores)[-2:]
    assert top2[1] - top2[0] > 1e-4, "a near tie: pick another seed"
    return seqs[np.argmax(scores)].tolist()


@pytest.mark.parametrize("arch", ["lstm", "transformer"])
def test_beam_search_on_a_tiny_model_finds_the_brute_force_best(arch):
    keras.utils.set_random_seed(3)
    cfg = ModelConfig(arch=arch, embedding_dim=8, units=16, layers=1, heads=2, max_len=16)
    model = build_model(cfg, 7)  # 6 ids besides <pad>: a beam of 6 keeps every prefix
    prompt = [EOS_ID, 4]
    dec = Decoder(stepping_view(model), jit_compile=False)
    best = _best_by_brute_force(model, 7, prompt, 3)
    assert dec.generate(prompt, max_tokens=3, beam_size=6) == best
