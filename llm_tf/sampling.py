"""Next-token samplers: greedy, temperature, top-k and top-p (nucleus).

Pure numpy functions on one row of logits, seeded through a
``numpy.random.Generator`` so a given seed always gives the same text.
"""

from __future__ import annotations

import numpy as np

from llm_tf.errors import UserInputError


def check_sampling_args(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if temperature < 0:
        raise UserInputError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise UserInputError(f"top_k must be >= 1, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise UserInputError(f"top_p must be in (0, 1], got {top_p}")


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
