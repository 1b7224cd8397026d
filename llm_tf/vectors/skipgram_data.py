"""Word2Vec training examples, made on the fly (§3.1.1, §4.1.1).

Keras 3 removed ``keras.preprocessing.sequence.skipgrams``, which built every
(centre, context) pair of a sentence as Python lists. This module replaces it with
the sampling of the original word2vec, vectorised with numpy over large chunks of
the id stream:

- **Frequent-word subsampling**: token ``w`` with corpus frequency ``f(w)`` is kept
  with probability ``(sqrt(f / (s T)) + 1) * s T / f`` (word2vec.c's formula, ``s``
  = ``sample``, ``T`` = total tokens), before windows are formed, so windows reach
  over the dropped tokens.
- **Dynamic window**: each kept centre draws its own window ``b ~ U{1..window}``, so
  near neighbours are seen more often than far ones.
- **Noise distribution** for negatives: unigram counts to the 3/4 power
  (:func:`noise_distribution`); the negatives themselves are drawn inside the train
  step (:mod:`llm_tf.vectors.word2vec`).

The corpus is encoded once into a temporary file of int32 ids
(:mod:`llm_tf.text.id_stream`; ``-1`` marks a line end and windows never cross lines),
read back in chunks that end at a line end. Pairs exist only for one chunk at a
time, so memory does not grow with the corpus.

Batches are cut by corpus position, not by pair count: batch ``k`` holds the pairs
whose centre is one of in-vocabulary tokens ``[k * words_per_batch, (k + 1) *
words_per_batch)``. The number of batches per epoch is therefore known in advance
(Keras' progress bar has a total) and step ``k`` has processed exactly ``k *
words_per_batch`` words, which is what word2vec's linearly decaying learning rate
is a function of. Each batch is padded with id 0 (``<pad>``) to a multiple of
``group`` rows; pad rows carry no gradient.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.text import pipeline
from llm_tf.text.id_stream import EncodedCorpus


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec.c's subsampling: probability of keeping each token id (1 where count 0).

    Args:
        counts: (V,) corpus count of each id.
        sample: the threshold ``s`` (1e-3 in word2vec and gensim); 0 disables it.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample < 0:
        raise UserInputError(f"sample must be >= 0, got {sample}")
    if sample == 0:
        return np.ones(len(counts), np.float32)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    p[counts == 0] = 1.0
    return np.minimum(p, 1.0).astype(np.float32)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution ``P(w) ∝ count(w) ** power`` (0 for count 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    weights = np.where(counts > 0, counts, 0.0) ** power
    weights[counts <= 0] = 0.0
    total = weights.sum()
    if total <= 0:
        raise UserInputError("cannot build a noise distribution: every count is 0")
    return weights / total


# ---- vectorised pair generation for one chunk


def _window_mask(sent: np.ndarray, reduced: np.ndarray, window: int) -> np.ndarray:
    """(n, 2W) bool: is offset ``offsets(window)[j]`` a context of centre ``i``?"""
    n = len(sent)
    mask = np.zeros((n, 2 * window), dtype=bool)
    for d in range(1, window + 1):
        near = reduced >= d  # (n,) centre's window reaches distance d
        same = sent[d:] == sent[:-d]  # (n-d,) positions i and i+d share a line
        mask[d:, window - d] = near[d:] & same  # context i - d
        mask[:-d, window + d - 1] = near[:-d] & same  # context i + d
    return mask


def offsets(window: int) -> np.ndarray:
    """Column ``j`` of a window mask is offset ``offsets(window)[j]``: -W..-1, 1..W."""
    return np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])


def _subsample(chunk, keep_prob, rng, position0):
    is_tok = chunk >= 0
    sent = np.cumsum(~is_tok)  # line number within the chunk
    pos = np.cumsum(is_tok) - 1 + position0  # corpus position of each token
    keep = is_tok.copy()
    ids = np.where(is_tok, chunk, 0)
    if keep_prob is not None:
        keep &= rng.random(len(chunk), dtype=np.float32) < keep_prob[ids]
    return ids[keep], sent[keep], pos[keep], int(is_tok.sum())


def skipgram_pairs(chunk, keep_prob, window, rng, position0=0):
    """All (centre, context) pairs of one chunk, ordered by centre position.

    Returns ``(centres, contexts, positions, n_tokens)``: int32 ids, the corpus
    position of each pair's centre, and the chunk's token count.
    """
    ids, sent, pos, n_tok = _subsample(chunk, keep_prob, rng, position0)
    reduced = rng.integers(1, window + 1, size=len(ids))
    rows, cols = np.nonzero(_window_mask(sent, reduced, window))
    ctx = ids[rows + offsets(window)[cols]]
    return ids[rows].astype(np.int32), ctx.astype(np.int32), pos[rows], n_tok


def cbow_examples(chunk, keep_prob, window, rng, position0=0):
    """CBOW examples of one chunk: ``(centres, contexts (n, 2W) padded with 0, positions, n_tokens)``."""
    ids, sent, pos, n_tok = _subsample(chunk, keep_prob, rng, position0)
    reduced = rng.integers(1, window + 1, size=len(ids))
    mask = _window_mask(sent, reduced, window)
    has = mask.any(axis=1)
    n = len(ids)
    src = np.clip(np.arange(n)[:, None] + offsets(window)[None, :], 0, max(n - 1, 0))
    ctx = np.where(mask, ids[src] if n else np.zeros_like(src), 0)
    return ids[has].astype(np.int32), ctx[has].astype(np.int32), pos[has], n_tok


# ---- batches over the whole corpus

MIN_STEPS_PER_EPOCH = 256  # a smaller corpus takes fewer words per step ...
MIN_WORDS_PER_STEP = 256  # ... down to this many


def words_per_step(n_tokens: int, words_per_batch: int) -> int:
    """Corpus tokens per step for a corpus of ``n_tokens``: ``words_per_batch`` at most.

    Batching buys speed and costs quality where updates are few: on a small corpus
    (60k words of PTB, 20 epochs) 2048 words per step leave 600 updates in all and
    WordSim-353 falls well below gensim's (``docs/benchmarks.md``). So an epoch takes
    at least :data:`MIN_STEPS_PER_EPOCH` steps, each of at least
    :data:`MIN_WORDS_PER_STEP` words (unless ``words_per_batch`` is smaller): PTB's
    887k tokens keep 2048 words per step, 60k words take 256.
    """
    auto = max(MIN_WORDS_PER_STEP, math.ceil(n_tokens / MIN_STEPS_PER_EPOCH))
    return max(1, min(words_per_batch, auto))


@dataclass(frozen=True)
class BatchPlan:
    """How the stream is cut: batch ``k`` covers tokens ``[k*wpb, (k+1)*wpb)``."""

    n_tokens: int  # in-vocabulary tokens in the corpus
    words_per_batch: int  # corpus tokens whose pairs make one batch
    group: int  # rows per batch are padded to a multiple of this

    @property
    def steps(self) -> int:
        return max(1, math.ceil(self.n_tokens / self.words_per_batch))

    def words_in(self, k: int) -> int:
        return min(self.words_per_batch, self.n_tokens - k * self.words_per_batch)


def _pad(arrays, group):
    n = len(arrays[0])
    extra = (-n) % group if n else group
    if extra == 0:
        return arrays
    return [np.concatenate([a, np.zeros((extra,) + a.shape[1:], a.dtype)]) for a in arrays]


def iter_batches(
    corpus: EncodedCorpus,
    plan: BatchPlan,
    keep_prob: np.ndarray | None,
    window: int,
    rng: np.random.Generator,
    cbow: bool = False,
    chunk_tokens: int = 1 << 18,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.float32]]:
    """Yield exactly ``plan.steps`` batches ``(centres, contexts, n_words)`` for one epoch.

    Skip-gram: ``centres`` and ``contexts`` are (P,) ids. CBOW: ``centres`` is (P,)
    and ``contexts`` (P, 2W), 0-padded. ``n_words`` is the number of corpus tokens
    the batch stands for.
    """
    make = cbow_examples if cbow else skipgram_pairs
    wpb = plan.words_per_batch
    pending = None
    next_k, position = 0, 0
    for chunk in corpus.chunks(chunk_tokens):
        c, x, p, n_tok = make(chunk, keep_prob, window, rng, position)
        position += n_tok
        batch_of = p // wpb
        if pending is not None:
            c, x = np.concatenate([pending[0], c]), np.concatenate([pending[1], x])
            batch_of = np.concatenate([pending[2], batch_of])
        done = position // wpb  # batches [next_k, done) are complete
        if position == corpus.n_tokens:
            done = plan.steps
        bounds = np.searchsorted(batch_of, np.arange(next_k, done + 1))
        for k in range(next_k, done):
            s, e = bounds[k - next_k], bounds[k - next_k + 1]
            cc, xx = _pad([c[s:e], x[s:e]], plan.group)
            yield cc, xx, np.float32(plan.words_in(k))
        cut = bounds[-1]
        pending = (c[cut:], x[cut:], batch_of[cut:])
        next_k = done
    for k in range(next_k, plan.steps):  # only if the corpus ended early
        cc, xx = _pad([pending[0][:0], pending[1][:0]], plan.group)
        yield cc, xx, np.float32(plan.words_in(k))


def make_dataset(
    corpus: EncodedCorpus,
    plan: BatchPlan,
    keep_prob: np.ndarray | None,
    window: int,
    seed: int,
    cbow: bool = False,
    prefetch: int = 8,
):
    """A ``tf.data.Dataset`` of one epoch of batches; each iteration is a new epoch.

    The pairs are made by :func:`iter_batches` in a generator, one chunk at a time,
    with a fresh random stream per epoch (seeded by ``(seed, epoch)``).
    """
    import tensorflow as tf

    epoch = [0]

    def gen():
        rng = np.random.default_rng([seed, epoch[0]])
        epoch[0] += 1
        yield from iter_batches(corpus, plan, keep_prob, window, rng, cbow=cbow)

    ctx_shape = (None, 2 * window) if cbow else (None,)
    signature = (
        tf.TensorSpec((None,), tf.int32),
        tf.TensorSpec(ctx_shape, tf.int32),
        tf.TensorSpec((), tf.float32),
    )
    ds = tf.data.Dataset.from_generator(gen, output_signature=signature)
    ds = ds.apply(tf.data.experimental.assert_cardinality(plan.steps))
    return pipeline.finish(ds, prefetch)
