"""Tests for the compiled decoder (llm_tf.generation.decoder): the loop with peaked
logits, sampling frequencies, beam search against brute force, the same tokens with
and without XLA, cached / state-carrying decoding against full passes for every
architecture, stream scoring, and argument handling."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.generation import (
    BeamSampler,
    Decoder,
    GreedySampler,
    RandomSampler,
    SamplingConfig,
    TopKSampler,
    TopPSampler,
)
from llm_tf.models import ModelConfig, build_listing_lm, build_model, stepping_view
from llm_tf.text.vocab import EOS_ID, PAD_ID
from tests.reference.lstm_stepper import LSTMStepper
from tests.reference.numpy_sampler import filter_logits

V = 24


class MarkovLM:
    """A stand-in stepper whose logits depend only on the last token (row of ``table``)."""

    def __init__(self, table):
        self.table = tf.constant(np.asarray(table, "float32"))
        self.vocab_size = self.table.shape[0]

    def init_state(self, batch):
        return [tf.zeros((batch,), tf.int32)]

    def step(self, ids, state, index=0):
        return tf.gather(self.table, ids), [ids[:, -1]]  # (B, T, V)


def _log_table(rows):
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(rows, "float64"))


CONST = np.array([0.0, 0.5, 0.25, 0.15, 0.1, 0.0])  # next-token probabilities, id 0 = <pad>
CONST_LOGITS = _log_table([CONST] * 6)
CONST_LOGITS[:, PAD_ID] = 10.0  # <pad> is the likeliest id, and banned
CYCLE = np.eye(8)[[1, 2, 3, 4, 5, 6, 7, 1]] * 1e9  # i -> i + 1, 7 -> 1


def _freq(tokens, n=6):
    return np.bincount(tokens, minlength=n) / len(tokens)


# ---------------------------------------------------------------- the loop
def test_greedy_follows_peaked_logits_and_stops():
    dec = Decoder(MarkovLM(CYCLE), jit_compile=False)
    assert dec.generate([1], max_tokens=10, temperature=0) == [2, 3, 4, 5, 6, 7, 1, 2, 3, 4]
    assert dec.generate([1], max_tokens=10, temperature=0, stop_ids=(5,)) == [2, 3, 4, 5]
    assert dec.generate([1], max_tokens=10, top_k=1, seed=3) == [2, 3, 4, 5, 6, 7, 1, 2, 3, 4]
    assert dec.generate([1], max_tokens=0) == []
    assert len(dec.generate([1], temperature=0)) == SamplingConfig().max_tokens


@pytest.mark.parametrize(
    "sampler", [GreedySampler(), RandomSampler(), TopKSampler(2), TopPSampler(0.5)], ids=repr
)
def test_every_sampler_follows_peaked_logits(sampler):
    dec = Decoder(MarkovLM(CYCLE), jit_compile=False)
    expected = [(1 + k) % 7 + 1 for k in range(40)]  # 2 .. 7, 1, 2 ...
    assert dec.generate([1], sampler, max_tokens=40, seed=9) == expected


@pytest.mark.parametrize(
    "sampling", [SamplingConfig(top_p=0.9), SamplingConfig(beam_size=2)], ids=["top_p", "beam"]
)
def test_sliding_the_context_does_not_change_the_tokens(sampling):
    class Bounded(MarkovLM):  # a context of 8 tokens: slides at 8, then every 4
        max_len = 8
        prefills = 0

        def init_state(self, batch):
            self.prefills += 1
            return super().init_state(batch)

    table = np.random.default_rng(5).normal(size=(V, V)) * 2
    free = Decoder(MarkovLM(table), jit_compile=False).generate(
        [1, 2, 3], sampling, max_tokens=30, seed=3
    )
    stepper = Bounded(table)
    assert (
        Decoder(stepper, jit_compile=False).generate([1, 2, 3], sampling, max_tokens=30, seed=3)
        == free
    )
    assert stepper.prefills == 1 + 7  # the prompt (5 tokens fit), then 7 slides of 4 tokens


def test_sampling_config_and_overrides():
    dec = Decoder(MarkovLM(CONST_LOGITS), jit_compile=False)
    config = SamplingConfig(max_tokens=30, temperature=0.8, top_k=3, seed=4)
    a = dec.generate([1], config)
    assert a == dec.generate([1], TopKSampler(3, temperature=0.8), max_tokens=30, seed=4)
    assert a == dec.generate([1], SamplingConfig(), max_tokens=30, temperature=0.8, top_k=3, seed=4)
    assert len(dec.generate([1], config, max_tokens=5)) == 5


@pytest.mark.parametrize("top_k,top_p", [(2, None), (None, 0.7), (None, 0.8), (3, 0.6)])
def test_top_k_top_p_keep_the_numpy_filters_support(top_k, top_p):
    dec = Decoder(MarkovLM(CONST_LOGITS), jit_compile=False)
    tokens = dec.generate([1], max_tokens=600, top_k=top_k, top_p=top_p, seed=1)
    logits = CONST_LOGITS[0].copy()
    logits[PAD_ID] = -np.inf
    allowed = np.isfinite(filter_logits(logits, top_k, top_p))
    p = np.where(allowed, CONST, 0.0)
    np.testing.assert_array_equal(_freq(tokens) > 0, allowed)
    np.testing.assert_allclose(_freq(tokens), p / p.sum(), atol=0.06)


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_temperature_reshapes_the_distribution(temperature):
    dec = Decoder(MarkovLM(CONST_LOGITS), jit_compile=False)
    tokens = dec.generate([1], max_tokens=800, temperature=temperature, seed=7)
    p = np.where(CONST > 0, CONST, 0.0) ** (1 / temperature)
    np.testing.assert_allclose(_freq(tokens), p / p.sum(), atol=0.05)


def test_temperature_and_top_p_do_not_retrace():
    dec = Decoder(MarkovLM(CONST_LOGITS), jit_compile=False)
    for temperature, top_p in [(0.5, 0.9), (1.5, 0.6), (1.0, 0.3)]:
        dec.generate([1], max_tokens=10, temperature=temperature, top_p=top_p, top_k=4)
    (loop,) = dec._loops.values()
    assert loop.experimental_get_tracing_count() == 1


@pytest.mark.parametrize(
    "sampling",
    [
        SamplingConfig(temperature=0),
        SamplingConfig(temperature=0.9),
        SamplingConfig(top_k=3, temperature=1.5),
        SamplingConfig(top_p=0.8, top_k=4),
        SamplingConfig(beam_size=3),
    ],
    ids=["greedy", "random", "top_k", "top_p", "beam"],
)
def test_same_tokens_with_and_without_xla(sampling):
    table = np.random.default_rng(4).normal(size=(V, V)) * 3
    plain = Decoder(MarkovLM(table), jit_compile=False)
    xla = Decoder(MarkovLM(table), jit_compile=True)
    a = plain.generate([1, 2], sampling, max_tokens=40, seed=11)
    assert a == xla.generate([1, 2], sampling, max_tokens=40, seed=11)
    assert a == plain.generate([1, 2], sampling, max_tokens=40, seed=11)
    if sampling.greedy or sampling.beam_size > 1:
        return
    assert a != plain.generate([1, 2], sampling, max_tokens=40, seed=12)
    assert a[:20] == plain.generate([1, 2], sampling, max_tokens=20, seed=11)


# ---------------------------------------------------------------- beam search
def _brute_force(table, prompt_last, n):
    lp = table - np.log(
        np.exp(np.where(np.arange(len(table)) == PAD_ID, -np.inf, table)).sum(-1, keepdims=True)
    )
    best, best_score = None, -np.inf
    for seq in itertools.product(range(1, len(table)), repeat=n):
        score, last = 0.0, prompt_last
        for t in seq:
            score += lp[last, t]
            last = t
        if score > best_score:
            best, best_score = list(seq), score
    return best


def test_beam_search_beats_greedy_where_greedy_is_myopic():
    rows = np.full((5, 5), 1e-9)
    rows[1, [2, 3]] = [0.6, 0.4]  # greedy takes 2 ...
    rows[2, 1:] = 0.25  # ... which is followed by anything
    rows[3, 4] = 1.0  # 3 is followed by 4 for sure
    rows[4, 1] = 1.0
    table = _log_table(rows)
    dec = Decoder(MarkovLM(table), jit_compile=False)
    assert dec.generate([1], max_tokens=2, temperature=0)[0] == 2
    assert dec.generate([1], max_tokens=2, beam_size=2) == [3, 4] == _brute_force(table, 1, 2)
    assert dec.generate([1], BeamSampler(2), max_tokens=2) == [3, 4]
    assert dec.generate([1], max_tokens=2, beam_size=1, temperature=0) == dec.generate(
        [1], max_tokens=2, temperature=0
    )


def test_beam_search_with_every_token_kept_is_exact():
    table = np.random.default_rng(0).normal(size=(6, 6)) * 2
    dec = Decoder(MarkovLM(table), jit_compile=False)
    assert dec.generate([3], max_tokens=2, beam_size=5) == _brute_force(table, 3, 2)
    assert dec.generate([3], max_tokens=3, beam_size=5) == _brute_force(table, 3, 3)


def test_beam_search_stops_and_keeps_the_stop_token():
    table = np.eye(6)[[1, 2, 3, 4, 5, 1]] * 1e9
    dec = Decoder(MarkovLM(table), jit_compile=False)
    assert dec.generate([1], max_tokens=10, beam_size=3, stop_ids=(4,)) == [2, 3, 4]


# ---------------------------------------------------------------- real models
def _tiny(arch, **kw):
    keras.utils.set_random_seed(0)
    cfg = ModelConfig(arch=arch, embedding_dim=8, units=16, layers=2, heads=2, max_len=12, **kw)
    return build_model(cfg, V)


def _listing():
    keras.utils.set_random_seed(0)
    return build_listing_lm(V, 8, 16)


def _full_pass_greedy(model, prompt, n):
    ids = list(prompt)
    for _ in range(n):
        p = np.array(model(np.asarray([ids], "int32")))[0, -1]
        p[PAD_ID] = -1
        ids.append(int(np.argmax(p)))
    return ids[len(prompt) :]


@pytest.mark.parametrize(
    "make",
    [
        lambda: _tiny("rnn"),
        lambda: _tiny("lstm", dropout=0.1),
        lambda: _tiny("transformer", tie_embeddings=True),
        _listing,
    ],
    ids=["rnn", "lstm", "transformer", "listing"],
)
def test_cached_greedy_decoding_equals_full_passes(make):
    model = make()
    prompt = [EOS_ID, 5, 9]
    dec = Decoder(stepping_view(model), jit_compile=False)
    assert dec.generate(prompt, max_tokens=6, temperature=0) == _full_pass_greedy(model, prompt, 6)


def test_the_listing_decodes_as_the_plain_lstm_stepper():
    model = _listing()
    prompt = [EOS_ID, 5, 9, 2]
    dec = Decoder(stepping_view(model), jit_compile=False)
    assert dec.generate(prompt, max_tokens=12, temperature=0) == LSTMStepper(model).greedy(
        prompt, 12
    )


def test_transformer_xla_decoding_and_sliding_past_max_len():
    model = _tiny("transformer")
    prompt = [EOS_ID, 5, 9]
    dec = Decoder(stepping_view(model), jit_compile=True)
    out = dec.generate(prompt, max_tokens=20, temperature=0)  # max_len is 12: the context slides
    assert len(out) == 20
    assert out[:9] == _full_pass_greedy(model, prompt, 9)
    plain = Decoder(stepping_view(model), jit_compile=False)
    assert dec.generate(prompt, max_tokens=20, seed=5) == plain.generate(
        prompt, max_tokens=20, seed=5
    )


def test_stream_log_probs_recurrent_equal_full_pass():
    model = _tiny("lstm")
    ids = np.random.default_rng(1).integers(1, V, size=30).astype("int32")
    p = np.asarray(model(ids[None, :-1]))[0]
    expected = np.log(p[np.arange(29), ids[1:]])
    got = Decoder(stepping_view(model)).stream_log_probs(ids, batch=1, window=7)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_stream_log_probs_of_the_listing_equal_lstm_stepper():
    model = _listing()
    ids = np.random.default_rng(2).integers(1, V, size=50).astype("int32")
    np.testing.assert_allclose(
        Decoder(stepping_view(model)).stream_log_probs(ids, batch=4, window=8),
        LSTMStepper(model).stream_log_probs(ids, batch=4, window=8),
        atol=1e-5,
    )


def test_stream_log_probs_transformer_windows():
    model = _tiny("transformer")
    L = model.max_len
    ids = np.random.default_rng(3).integers(1, V, size=30).astype("int32")
    dec = Decoder(stepping_view(model))
    short = ids[:L]
    p = np.asarray(model(short[None, :-1]))[0]
    np.testing.assert_allclose(
        dec.stream_log_probs(short), np.log(p[np.arange(L - 1), short[1:]]), atol=1e-5
    )
    got = dec.stream_log_probs(ids, batch=2, window=5)
    expected = []
    for t in range(1, len(ids)):  # target t, seen in the window ending at the chunk end e >= t
        e = L if t <= L else min(L + 5 * -(-(t - L) // 5), len(ids) - 1)
        window = ids[e - L : e]
        p = np.asarray(model(window[None]))[0, t - 1 - (e - L)]
        expected.append(np.log(p[ids[t]]))
    np.testing.assert_allclose(got, expected, atol=1e-5)


# ---------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"prompt_ids": []}, "empty"),
        ({"prompt_ids": [6]}, "lie in"),
        ({"beam_size": 0}, "beam_size"),
        ({"beam_size": 6}, "exceeds the vocabulary"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"temperature": -1.0}, "temperature"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_k": 0}, "top_k"),
        ({"sampling": GreedySampler(), "temperature": 0}, "temperature cannot be combined"),
    ],
)
def test_bad_generate_arguments(kwargs, match):
    dec = Decoder(MarkovLM(CONST_LOGITS), jit_compile=False)
    args = {"prompt_ids": [1], "max_tokens": 3, **kwargs}
    with pytest.raises(UserInputError, match=match):
        dec.generate(**args)


def test_bad_sampling_types():
    dec = Decoder(MarkovLM(CONST_LOGITS), jit_compile=False)
    with pytest.raises(TypeError, match="sampling must be"):
        dec.generate([1], {"temperature": 0})
    with pytest.raises(TypeError):
        dec.generate([1], max_token=3)


def test_the_decoder_rejects_what_cannot_step():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(UserInputError, match="not an llm-tf language model"):
        Decoder(model)


def test_a_context_shorter_than_max_len_is_the_model_cut_to_it():
    """Trained on 8-token windows, a max_len-12 Transformer is scored and sampled as if its
    max_len were 8: positions 8-11 were never trained, so the decoder stays below them."""
    model = _tiny("transformer")
    keras.utils.set_random_seed(0)
    short = build_model(ModelConfig(arch="transformer", embedding_dim=8, units=16, layers=2,
                                    heads=2, max_len=8), V)
    short.set_weights([w[:8] if w.shape == (12, 8) else w for w in model.get_weights()])
    ids = np.random.default_rng(4).integers(1, V, size=30).astype("int32")
    cut, ref = Decoder(stepping_view(model), context=8), Decoder(stepping_view(short))
    assert cut.max_len == 8 and Decoder(stepping_view(model), context=64).max_len == 12
    np.testing.assert_allclose(cut.stream_log_probs(ids, batch=2, window=4),
                               ref.stream_log_probs(ids, batch=2, window=4), atol=1e-5)
    prompt = [EOS_ID, 5, 9]
    assert cut.generate(prompt, max_tokens=20, temperature=0) == ref.generate(
        prompt, max_tokens=20, temperature=0)
    with pytest.raises(UserInputError, match="context"):
        Decoder(stepping_view(model), context=1)
