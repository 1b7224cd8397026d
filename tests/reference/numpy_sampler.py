"""Reference samplers in plain numpy, for the tests of llm_tf.generation.samplers.

One row of logits at a time, written the obvious way: the top-k and top-p
(nucleus) filters, softmax sampling through a ``numpy.random.Generator``, and the
counter-based Gumbel noise the compiled samplers draw with.
"""

from __future__ import annotations

import numpy as np


def filter_logits(
    logits: np.ndarray, top_k: int | None = None, top_p: float | None = None
) -> np.ndarray:
    """Set to -inf every logit outside the top-k and outside the top-p nucleus."""
    logits = np.asarray(logits, np.float64).copy()
    if top_k is not None and top_k < logits.shape[-1]:
        kth = np.partition(logits, -top_k)[-top_k]
        logits[logits < kth] = -np.inf
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-logits, kind="stable")
        probs = softmax(logits[order])
        # keep the smallest prefix whose mass reaches top_p (always at least one token)
        keep = np.cumsum(probs) - probs < top_p
        logits[order[~keep]] = -np.inf
    return logits


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - np.max(logits)
    e = np.exp(z)
    return e / e.sum()


def sample_next(
    logits: np.ndarray,
    rng: np.random.Generator,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> int:
    """One token id from a 1-D logits vector. ``temperature == 0`` is greedy."""
    if temperature == 0:
        return int(np.argmax(logits))
    filtered = filter_logits(np.asarray(logits, np.float64) / temperature, top_k, top_p)
    return int(rng.choice(len(filtered), p=softmax(filtered)))


def gumbel_noise(seed: int, counter: int, rows: int, vocab_size: int) -> np.ndarray:
    """Gumbel(0, 1) noise (rows, V): murmur3's finaliser over (seed, counter, row, id)."""

    def mix(x):
        x = (x ^ (x >> np.uint32(16))) * np.uint32(0x85EBCA6B)
        x = (x ^ (x >> np.uint32(13))) * np.uint32(0xC2B2AE35)
        return x ^ (x >> np.uint32(16))

    u32 = np.uint32
    s = mix(np.array([seed], u32) * u32(0x9E3779B9) + np.array([counter], u32))  # (1,)
    r = np.arange(rows, dtype=u32)[:, None] * u32(0x27D4EB2F)  # (rows, 1)
    bits = mix(mix(s + r) + np.arange(vocab_size, dtype=u32)[None, :])  # (rows, V)
    u = ((bits >> u32(8)).astype(np.float32) + np.float32(0.5)) / np.float32(1 << 24)
    return -np.log(-np.log(u))


def gumbel_pick(logits, seed, counter, temperature=1.0, top_k=None, top_p=None) -> np.ndarray:
    """Ids (B,): ``argmax(filtered logits / temperature + Gumbel noise)``, row by row."""
    logits = np.asarray(logits, np.float32) / np.float32(temperature)
    noise = gumbel_noise(seed, counter, *logits.shape)
    return np.array(
        [
            np.argmax(filter_logits(row, top_k, top_p) + g)
            for row, g in zip(logits, noise, strict=True)
        ]
    )
