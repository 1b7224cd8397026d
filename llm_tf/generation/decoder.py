"""§3.2, §4.2, §5: one compiled generation loop for every language model in llm-tf.

A :class:`Decoder` knows a model only through its stepping interface:

- ``vocab_size``, and ``max_len`` when the context is bounded (a Transformer);
- ``state = init_state(batch)``;
- ``logits, state = step(ids, state, index)``: logits (B, T, V) for ids (B, T).

:func:`llm_tf.models.stepping_view` gives every llm-tf model this interface (the
§5 listing's functional model included). Recurrent models carry ``[h]`` or
``[h, c]`` per layer, so a new token costs one step; the Transformer carries a
key/value cache of ``max_len`` slots per block and ``index`` is the position of
the first new token; an encoder-decoder carries its encoder outputs in the state.

The prompt is run once (prefill); then a ``tf.function`` (XLA-compiled by default)
runs a ``tf.while_loop`` that asks the sampler (:mod:`llm_tf.generation.samplers`)
for the next tokens, feeds them back and stops at ``max_tokens`` or when every
sequence has produced a stop id. One loop is compiled per sampler
:attr:`~llm_tf.generation.samplers.Sampler.key`, stop set and power-of-two length
cap; temperature and top-p enter as tensors, so changing them does not retrace.
Sampling noise is a hash of ``(seed, token number, vocabulary id)``, so a seed
gives the same text with or without XLA and however the Transformer's context
window is slid. A Transformer whose cache fills up is re-run on the last
``max_len // 2`` tokens and continues.

:meth:`Decoder.stream_log_probs` scores a token stream for evaluation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.generation.config import SamplingConfig
from llm_tf.generation.samplers import Sampler, make_sampler
from llm_tf.text.vocab import PAD_ID

# SamplingConfig fields that a Sampler object already settles
_SAMPLER_FIELDS = ("temperature", "top_k", "top_p", "beam_size")


class Decoder:
    """Generation and stream scoring for any model with the stepping interface.

    Args:
        stepper: an object with ``init_state``, ``step`` and ``vocab_size`` (and
            optionally ``max_len``); pass ``llm_tf.models.stepping_view(model)``.
        jit_compile: compile the generation loop with XLA.
        banned_ids: ids never generated (``<pad>``).
        context: a Transformer's longest context, at most its ``max_len``: the length
            of the windows it was trained on (``TrainConfig.trained_context``), since
            learned positions beyond them are untrained. Recurrent models ignore it.

    Example::

        dec = Decoder(stepping_view(model))
        dec.generate([EOS_ID, 5], max_tokens=20, temperature=0)  # greedy
        dec.generate([EOS_ID, 5], TopPSampler(0.9), max_tokens=20, seed=1)
    """

    def __init__(self, stepper, jit_compile: bool = True, banned_ids=(PAD_ID,),
                 context: int | None = None):
        if not (hasattr(stepper, "step") and hasattr(stepper, "init_state")):
            raise UserInputError(
                f"cannot decode with {type(stepper).__name__} {getattr(stepper, 'name', '')!r}: "
                "not an llm-tf language model"
            )
        self.stepper = stepper
        self.vocab_size = int(stepper.vocab_size)
        self.max_len = getattr(stepper, "max_len", None)
        if context is not None and self.max_len is not None:
            if isinstance(context, bool) or not isinstance(context, int) or context < 2:
                raise UserInputError(f"context must be an integer >= 2, got {context!r}")
            # positions past the training windows' length were never trained: stay inside
            self.max_len = min(self.max_len, context)
        self.jit_compile = bool(jit_compile)
        self.banned_ids = tuple(int(i) for i in banned_ids)
        self._loops: dict = {}
        # autograph=False: the loops are written with tf.while_loop and the models'
        # steps with keras.ops, so there is nothing to convert, and converting them
        # cost 0.6 s of a 20-token `llm-tf generate` (issue 11's start-up figure).
        self._prefill = tf.function(self._prefill_fn, reduce_retracing=True, autograph=False)
        self._score = tf.function(self._score_fn, reduce_retracing=True, autograph=False)

    # ---- compiled pieces
    def _prefill_fn(self, ids, state, index):
        logits, state = self.stepper.step(ids, state, index)  # (B, T, V)
        return logits[:, -1], state

    def _score_fn(self, x, y, state, index):
        logits, state = self.stepper.step(x, state, index)  # (B, T, V)
        picked = tf.gather(logits, y, batch_dims=2) - tf.reduce_logsumexp(logits, -1)
        return picked, state

    def _loop(self, sampler: Sampler, stop_ids, cap):
        key = (sampler.key, stop_ids, cap)
        if key not in self._loops:
            fn = self._make_loop(sampler, stop_ids, cap)
            self._loops[key] = tf.function(fn, jit_compile=self.jit_compile, autograph=False)
        return self._loops[key]

    def _make_loop(self, sampler: Sampler, stop_ids, cap):
        banned = np.zeros(self.vocab_size, bool)
        banned[list(self.banned_ids)] = True
        stops = tf.constant(list(stop_ids) or [-1], tf.int32)

        def run(logits, state, index, n, seed, offset, params, scores, finished):
            rows = tf.shape(logits)[0]
            out = tf.zeros((rows, cap), tf.int32)
            origin = tf.range(rows)
            col = tf.range(cap)[None, :]

            def body(i, logits, state, out, scores, finished, origin):
                logits = tf.where(banned, -np.inf, tf.cast(logits, tf.float32))  # (B, V)
                tok, parent, scores = sampler.advance(
                    logits, scores, finished, seed, offset + i, params
                )
                if parent is not None:  # beam search: the rows follow their parents
                    out, finished, origin = (tf.gather(t, parent) for t in (out, finished, origin))
                    state = tf.nest.map_structure(lambda s: tf.gather(s, parent), state)
                out = tf.where(col == i, tok[:, None], out)
                finished = finished | tf.reduce_any(tok[:, None] == stops[None, :], -1)
                logits, state = self.stepper.step(tok[:, None], state, index + i)
                return i + 1, logits[:, -1], state, out, scores, finished, origin

            def cond(i, logits, state, out, scores, finished, origin):
                return (i < n) & ~tf.reduce_all(finished)

            return tf.while_loop(
                cond, body, (tf.constant(0), logits, state, out, scores, finished, origin)
            )

        return run

    # ---- public API
    def generate(
        self,
        prompt_ids,
        sampling: SamplingConfig | Sampler | None = None,
        stop_ids=(),
        **overrides,
    ) -> list[int]:
        """Token ids that continue ``prompt_ids`` (the prompt is not repeated).

        Args:
            prompt_ids: the ids to continue (at least one).
            sampling: a :class:`SamplingConfig` (default: ``SamplingConfig()``) or a
                :class:`~llm_tf.generation.samplers.Sampler`.
            stop_ids: stop after the first of these ids, which is included.
            **overrides: :class:`SamplingConfig` fields replacing those of
                ``sampling``, e.g. ``max_tokens=10, temperature=0``. With a Sampler
                object only ``max_tokens`` and ``seed`` apply (``seed=None``: a
                fresh random seed). ``stop`` (token strings) is read by
                :func:`~llm_tf.generation.text.generate_text`, not here.

        ``beam_size > 1`` returns the highest-scoring beam.
        """
        config, sampler = _resolve(sampling, overrides)
        prompt = [int(i) for i in prompt_ids]
        if not prompt:
            raise UserInputError("the prompt is empty: give at least one token id")
        if min(prompt) < 0 or max(prompt) >= self.vocab_size:
            raise UserInputError(
                f"prompt ids must lie in [0, {self.vocab_size}), got "
                f"min {min(prompt)} max {max(prompt)}"
            )
        rows = sampler.rows
        if rows > self.vocab_size - len(self.banned_ids):
            raise UserInputError(
                f"beam_size {rows} exceeds the vocabulary ({self.vocab_size} ids, "
                f"{len(self.banned_ids)} banned)"
            )
        stop_ids = tuple(sorted({int(s) for s in stop_ids}))
        seed = config.seed
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (1 << 31))
        params = {k: tf.constant(v, tf.float32) for k, v in sampler.params().items()}
        hist = np.tile(np.asarray(prompt, np.int32), (rows, 1))  # (rows, P)
        scores = np.full(rows, -np.inf, np.float32)
        scores[0] = 0.0
        finished = np.zeros(rows, bool)
        logits, state, index = self._start(hist, len(prompt))
        produced = 0
        while produced < config.max_tokens and not finished.all():
            room = config.max_tokens - produced
            if self.max_len is not None:
                if index >= self.max_len:  # the cache is full: slide the context
                    logits, state, index = self._start(hist, self.max_len // 2)
                room = min(room, self.max_len - index)
            cap = max(16, 1 << (room - 1).bit_length())
            fn = self._loop(sampler, stop_ids, cap)
            i, logits, state, out, sc, fin, origin = fn(
                logits,
                state,
                tf.constant(index),
                tf.constant(room),
                tf.constant(seed, tf.int64),
                tf.constant(produced),
                params,
                tf.constant(scores),
                tf.constant(finished),
            )
            i = int(i)
            hist = np.concatenate([hist[origin.numpy()], out.numpy()[:, :i]], axis=1)
            scores, finished = sc.numpy(), fin.numpy()
            produced += i
            index += i
        best = int(np.argmax(scores)) if rows > 1 else 0
        tokens = hist[best, len(prompt) :].tolist()
        for j, t in enumerate(tokens):
            if t in stop_ids:
                return tokens[: j + 1]
        return tokens

    def _start(self, hist, keep):
        """Prefill with the last ``keep`` tokens of every row: (last logits, state, index)."""
        keep = min(keep, hist.shape[1], self.max_len or hist.shape[1])
        ctx = tf.constant(hist[:, hist.shape[1] - keep :])
        logits, state = self._prefill(ctx, self.stepper.init_state(hist.shape[0]), tf.constant(0))
        return logits, state, keep

    def stream_log_probs(self, ids: np.ndarray, batch: int = 32, window: int = 64) -> np.ndarray:
        """Natural-log probability of ``ids[1:]``, each given the text before it.

        Recurrent models: the stream is cut into ``batch`` contiguous rows scored
        side by side, ``window`` tokens at a time, the state carried across windows.
        Transformer: windows of ``max_len`` tokens advance ``window`` tokens at a
        time and score only their newest ``window`` targets, so every token (after
        the first ``max_len``) sees between ``max_len - window`` and ``max_len - 1``
        tokens of context.
        """
        ids = np.asarray(ids, np.int32)
        if ids.ndim != 1:
            raise UserInputError(f"ids must be a 1-D token stream, got shape {ids.shape}")
        if batch < 1 or window < 1:
            raise UserInputError(f"batch and window must be >= 1, got {batch}, {window}")
        n = len(ids) - 1
        if n < 1:
            return np.zeros((0,), np.float64)
        if self.max_len is None:
            return self._stream_recurrent(ids, n, batch, window)
        return self._stream_windows(ids, n, batch, window)

    def _stream_recurrent(self, ids, n, batch, window):
        batch = max(1, min(batch, n))
        row = -(-n // batch)  # tokens per row (the last row padded)
        window = min(window, row)
        width = -(-row // window) * window  # padded so that every call has one shape
        x, y = (np.zeros(batch * row, np.int32) for _ in range(2))
        x[:n], y[:n] = ids[:-1], ids[1:]
        pad = ((0, 0), (0, width - row))
        x, y = np.pad(x.reshape(batch, row), pad), np.pad(y.reshape(batch, row), pad)
        state = self.stepper.init_state(batch)
        out = np.empty((batch, width), np.float64)
        for s in range(0, width, window):
            lp, state = self._score(
                x[:, s : s + window], y[:, s : s + window], state, tf.constant(0)
            )
            out[:, s : s + window] = lp.numpy()
        return out[:, :row].reshape(-1)[:n]

    def _stream_windows(self, ids, n, batch, window):
        L = self.max_len
        if n <= L:  # one pass sees everything
            lp, _ = self._score(
                ids[None, :-1], ids[None, 1:], self.stepper.init_state(1), tf.constant(0)
            )
            return lp.numpy()[0].astype(np.float64)
        stride = min(window, L)
        ends = list(range(L, n, stride)) + [n]  # chunk k predicts targets (ends[k-1], ends[k]]
        starts = [e - L for e in ends]
        new = [L] + [e - p for p, e in zip(ends, ends[1:], strict=False)]
        rows = max(1, min(batch, 4096 // L))
        out = []
        for b in range(0, len(ends), rows):
            st = np.asarray(starts[b : b + rows])
            st = np.pad(st, (0, rows - len(st)))  # a full batch: one shape for every call
            idx = st[:, None] + np.arange(L)[None, :]  # (rows, L)
            lp, _ = self._score(
                ids[idx], ids[idx + 1], self.stepper.init_state(rows), tf.constant(0)
            )
            lp = lp.numpy()
            out.extend(lp[r, L - k :] for r, k in enumerate(new[b : b + rows]))
        return np.concatenate(out).astype(np.float64)


def _resolve(sampling, overrides) -> tuple[SamplingConfig, Sampler]:
    """The (validated) config and the sampler one ``generate`` call runs with."""
    if isinstance(sampling, Sampler):
        clash = sorted(set(overrides) & set(_SAMPLER_FIELDS))
        if clash:
            raise UserInputError(
                f"{', '.join(clash)} cannot be combined with the sampler {sampling!r}: "
                "set them on the sampler, or pass a SamplingConfig"
            )
        return SamplingConfig(**overrides), sampling
    if sampling is None:
        config = SamplingConfig(**overrides)
    elif isinstance(sampling, SamplingConfig):
        config = dataclasses.replace(sampling, **overrides) if overrides else sampling
    else:
        raise TypeError(
            f"sampling must be a SamplingConfig, a Sampler or None, got {type(sampling).__name__}"
        )
    return config, make_sampler(config)
