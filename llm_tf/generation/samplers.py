"""§3.2, §4.2: samplers, the objects that pick each next token inside the compiled loop.

In the manner of keras-hub's samplers, each way of choosing a token is a class
that holds its parameters as attributes:

============================== ====================================================
:class:`GreedySampler`         the likeliest token (``temperature == 0``)
:class:`RandomSampler`         a draw from ``softmax(logits / temperature)``
:class:`TopKSampler`           the same, among the ``k`` likeliest tokens only
:class:`TopPSampler`           nucleus sampling: the smallest set holding mass ``p``
                               (optionally within the top ``k`` first)
:class:`BeamSampler`           beam search: the ``num_beams`` best continuations by
                               summed log-probability, no length penalty
============================== ====================================================

:func:`make_sampler` maps a :class:`~llm_tf.generation.config.SamplingConfig` onto
one of them. :class:`~llm_tf.generation.decoder.Decoder` calls
:meth:`Sampler.advance` once per token inside its ``tf.while_loop``; a new way of
choosing (a repetition or length penalty) is a new subclass, not a new flag.

A sampler splits its parameters in two. The *static* ones (``k``, ``num_beams``)
shape the traced graph and form :attr:`Sampler.key`, the decoder's cache key for
its compiled loops. The *dynamic* ones (``temperature``, ``p``) travel into the
loop as float32 tensors (:meth:`Sampler.params`), so changing them does not
retrace.

Random samplers draw by Gumbel-max: ``argmax(logits + g)`` with ``g`` from
:func:`gumbel_noise`, a counter-based hash of ``(seed, token number, row,
vocabulary id)``. Pure integer arithmetic, so a seed gives the same tokens with
and without XLA and however the Transformer's context window is slid.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.generation.config import SamplingConfig
from llm_tf.text.vocab import PAD_ID


def gumbel_noise(seed, counter, rows, vocab_size):
    """Gumbel(0, 1) noise (rows, V) from a murmur3 hash of (seed, counter, row, id).

    Pure integer arithmetic, so XLA and plain TensorFlow (and numpy, in the tests)
    produce the same bits.
    """

    def mix(x):  # murmur3's 32-bit finaliser
        x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16)) * np.uint32(0x85EBCA6B)
        x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 13)) * np.uint32(0xC2B2AE35)
        return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))

    s = mix(tf.cast(seed, tf.uint32) * np.uint32(0x9E3779B9) + tf.cast(counter, tf.uint32))
    r = tf.cast(tf.range(rows), tf.uint32)[:, None] * np.uint32(0x27D4EB2F)
    v = tf.cast(tf.range(vocab_size), tf.uint32)[None, :]
    bits = mix(mix(s + r) + v)  # (rows, V)
    u = (tf.cast(tf.bitwise.right_shift(bits, 8), tf.float32) + 0.5) / float(1 << 24)
    return -tf.math.log(-tf.math.log(u))


class Sampler:
    """Base class: picks the next token of every row from float32 logits (B, V).

    Subclasses name their constructor arguments in ``STATIC`` (compiled into the
    loop) and ``DYNAMIC`` (fed as float32 tensors) and implement :meth:`pick`;
    a sampler that also reorders the rows (beam search) overrides :meth:`advance`.
    Inside the loop a sampler reads its dynamic arguments from ``params`` only: the
    decoder reuses a compiled loop for every sampler with the same :attr:`key`.
    """

    STATIC: tuple[str, ...] = ()  # arguments that shape the traced graph
    DYNAMIC: tuple[str, ...] = ()  # arguments fed to the compiled loop as tensors
    rows = 1  # sequences decoded side by side

    @property
    def key(self) -> tuple:
        """What the compiled loop depends on: the class and its static arguments."""
        return (type(self),) + tuple(getattr(self, n) for n in self.STATIC)

    def params(self) -> dict[str, float]:
        """The dynamic arguments, by name (the decoder feeds them as float32 scalars)."""
        return {n: float(getattr(self, n)) for n in self.DYNAMIC}

    def get_config(self) -> dict:
        return {n: getattr(self, n) for n in self.STATIC + self.DYNAMIC}

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def pick(self, logits, seed, counter, params=None):
        """Next ids (B,) int32 from ``logits`` (B, V); ``counter`` numbers the token.

        ``params`` is :meth:`params`'s dict, as tensors inside the compiled loop
        (``None``: this sampler's own values). Beam search picks with
        :meth:`BeamSampler.select` instead.
        """
        raise NotImplementedError(f"{type(self).__name__} has no pick(); beam search uses select()")

    def advance(self, logits, scores, finished, seed, counter, params):
        """One step of the loop: ``(tokens (B,), parents (B,) or None, scores (B,))``.

        Rows already ``finished`` emit ``<pad>``. ``parents`` is ``None`` when the
        rows keep their order (every sampler but beam search).
        """
        tokens = self.pick(logits, seed, counter, params)
        return tf.where(finished, PAD_ID, tokens), None, scores

    def _params(self, params):
        return self.params() if params is None else params


class GreedySampler(Sampler):
    """The likeliest token (``argmax``); no randomness."""

    def pick(self, logits, seed=0, counter=0, params=None):
        return tf.argmax(logits, -1, output_type=tf.int32)


class RandomSampler(Sampler):
    """A draw from ``softmax(logits / temperature)`` (Gumbel-max with :func:`gumbel_noise`)."""

    DYNAMIC = ("temperature",)

    def __init__(self, temperature: float = 1.0):
        self.temperature = _positive(temperature, "temperature")

    def pick(self, logits, seed, counter, params=None):
        return self._draw(self.mask(logits, self._params(params)), seed, counter)

    def mask(self, logits, params):
        """``logits`` divided by the temperature, the tokens left out set to ``-inf``."""
        return logits / params["temperature"]

    @staticmethod
    def _draw(logits, seed, counter):
        noise = gumbel_noise(seed, counter, tf.shape(logits)[0], _vocab_size(logits))
        return tf.argmax(logits + noise, -1, output_type=tf.int32)


class TopKSampler(RandomSampler):
    """Sampling among the ``k`` likeliest tokens (all of them when ``k >= V``)."""

    STATIC = ("k",)

    def __init__(self, k: int, temperature: float = 1.0):
        super().__init__(temperature)
        self.k = _positive_int(k, "k")

    def mask(self, logits, params):
        logits = super().mask(logits, params)
        return _top_k_mask(logits, self.k)


class TopPSampler(RandomSampler):
    """Nucleus sampling: the smallest set of likeliest tokens whose mass reaches ``p``.

    With ``k``, the top-``k`` cut comes first. The likeliest token is always kept.
    """

    STATIC = ("k",)
    DYNAMIC = ("p", "temperature")

    def __init__(self, p: float, k: int | None = None, temperature: float = 1.0):
        super().__init__(temperature)
        self.p = float(p)
        if not 0.0 < self.p <= 1.0:
            raise UserInputError(f"p must be in (0, 1], got {p!r}")
        self.k = None if k is None else _positive_int(k, "k")

    def mask(self, logits, params):
        logits = super().mask(logits, params)
        if self.k is not None:
            logits = _top_k_mask(logits, self.k)
        # by position in the sorted order (ties: lower id first), so exact ties at the
        # boundary are cut like any other token: four at 0.25 with p = 0.5 keep two
        order = tf.argsort(logits, -1, direction="DESCENDING", stable=True)
        probs = tf.nn.softmax(tf.gather(logits, order, batch_dims=1), -1)
        keep = tf.cumsum(probs, -1) - probs < params["p"]  # the first is always kept
        keep = keep | (params["p"] >= 1.0)  # p = 1: everything (rounding could cut the tail)
        keep = tf.gather(keep, tf.argsort(order, -1, stable=True), batch_dims=1)  # id order
        return tf.where(keep, logits, -np.inf)


class BeamSampler(Sampler):
    """Beam search: keeps the ``num_beams`` continuations with the highest summed
    log-probability (no length penalty); a finished beam is extended by ``<pad>`` at
    no cost."""

    STATIC = ("num_beams",)

    def __init__(self, num_beams: int):
        self.num_beams = _positive_int(num_beams, "num_beams")

    @property
    def rows(self):
        return self.num_beams

    def select(self, logits, scores, finished):
        """``(tokens, parents, scores)`` (each (beams,)): the best extensions of all beams.

        ``logits`` (beams, V); ``scores`` the beams' summed log-probabilities so far.
        """
        V = _vocab_size(logits)
        logp = tf.nn.log_softmax(logits, -1)
        pad_row = tf.where(tf.range(V) == PAD_ID, 0.0, -np.inf)
        logp = tf.where(finished[:, None], pad_row[None, :], logp)
        cand = tf.reshape(scores[:, None] + logp, (1, -1))  # (1, beams * V)
        top = tf.math.top_k(cand, self.num_beams)
        scores, flat = top.values[0], top.indices[0]
        return flat % V, flat // V, scores

    def advance(self, logits, scores, finished, seed, counter, params):
        return self.select(logits, scores, finished)


def make_sampler(config: SamplingConfig) -> Sampler:
    """The sampler a :class:`SamplingConfig` asks for.

    ``beam_size > 1``: beam search (temperature, top-k and top-p ignored);
    ``temperature == 0``: greedy (top-k and top-p ignored); ``top_p < 1``: nucleus,
    after the top-``k`` cut if ``top_k`` is set; ``top_k``: top-k; else plain
    sampling at ``temperature``.
    """
    if config.beam_size > 1:
        return BeamSampler(config.beam_size)
    if config.temperature == 0:
        return GreedySampler()
    if config.top_p is not None and config.top_p < 1.0:
        return TopPSampler(config.top_p, k=config.top_k, temperature=config.temperature)
    if config.top_k is not None:
        return TopKSampler(config.top_k, temperature=config.temperature)
    return RandomSampler(config.temperature)


def _vocab_size(logits):
    """``V`` of logits (B, V): a Python int when the shape is static (it is in the loop)."""
    return logits.shape[-1] if logits.shape[-1] is not None else tf.shape(logits)[-1]


def _top_k_mask(logits, k):
    if logits.shape[-1] is not None and k >= logits.shape[-1]:
        return logits
    kth = tf.math.top_k(logits, k).values[:, -1:]
    return tf.where(logits < kth, -np.inf, logits)


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0:
        raise UserInputError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise UserInputError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)
