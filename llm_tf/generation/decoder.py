"""§3.2, §4.2: one compiled generation loop for every language model in llm-tf.

A :class:`Decoder` wraps a model behind one step function,
``logits, state = step(ids, state, index)``:

- the §5 listing model (:func:`llm_tf.lstm_lm.build_lstm_lm`) and the recurrent
  models (:mod:`llm_tf.rnn_lm`, :mod:`llm_tf.lstm_stack`) carry their hidden state:
  ``state`` is ``[h]`` or ``[h, c]`` per layer and a new token costs one step;
- the Transformer (:mod:`llm_tf.transformer_lm`) carries a key/value cache of
  ``max_len`` slots per block; ``index`` is the position of the first new token.

The prompt is run once (prefill); then a ``tf.function`` (XLA-compiled by default)
runs a ``tf.while_loop`` that picks a token, feeds it back and stops at
``max_tokens`` or when every sequence has produced a stop id. Picking is greedy
(``temperature == 0``), sampling with temperature / top-k / top-p, or beam search
(``beam_size > 1``, sum of log-probabilities, no length penalty). Sampling noise
comes from a counter-based hash of ``(seed, token number, vocabulary id)``
(Gumbel-max), so a seed gives the same text with or without XLA and however the
Transformer's context window is slid. A Transformer whose cache fills up is
re-run on the last ``max_len // 2`` tokens and continues.

:meth:`Decoder.stream_log_probs` scores a token stream for evaluation.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.sampling import check_sampling_args
from llm_tf.vocab import PAD_ID


class _ListingLSTM:
    """Step function of the §5 functional model (layers ``embedding``, ``lstm``, ``dense``)."""

    max_len = None

    def __init__(self, model):
        self.embedding = model.get_layer("embedding")
        self.lstm = model.get_layer("lstm")
        self.dense = model.get_layer("dense")
        self.vocab_size = int(self.dense.units)

    def init_state(self, batch):
        z = tf.zeros((batch, int(self.lstm.units)))
        return [z, z]

    def step(self, ids, state, index=0):
        y, h, c = self.lstm(self.embedding(ids), initial_state=list(state))  # (B, T, U)
        return tf.matmul(y, self.dense.kernel) + self.dense.bias, [h, c]  # (B, T, V)


class _Native:
    """Step function of a model that defines ``init_state`` / ``step`` (RNN, LSTM, Transformer)."""

    def __init__(self, model):
        self.model = model
        self.vocab_size = int(model.vocab_size)
        self.max_len = getattr(model, "max_len", None)

    def init_state(self, batch):
        return self.model.init_state(batch)

    def step(self, ids, state, index=0):
        return self.model.step(ids, state, index)


def _adapter(model):
    if hasattr(model, "step") and hasattr(model, "init_state"):
        return _Native(model)
    try:
        return _ListingLSTM(model)
    except ValueError:
        raise UserInputError(
            f"cannot decode with {type(model).__name__} {getattr(model, 'name', '')!r}: "
            "not an llm-tf language model"
        ) from None


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


class Decoder:
    """Generation and stream scoring for any llm-tf language model (see the module docstring)."""

    def __init__(self, model, jit_compile: bool = True, banned_ids=(PAD_ID,)):
        self.model = model
        self.arch = _adapter(model)
        self.vocab_size = self.arch.vocab_size
        self.max_len = self.arch.max_len
        self.jit_compile = bool(jit_compile)
        self.banned_ids = tuple(int(i) for i in banned_ids)
        self._loops: dict = {}
        self._prefill = tf.function(self._prefill_fn, reduce_retracing=True)
        self._score = tf.function(self._score_fn, reduce_retracing=True)

    # ---- compiled pieces
    def _prefill_fn(self, ids, state, index):
        logits, state = self.arch.step(ids, state, index)  # (B, T, V)
        return logits[:, -1], state

    def _score_fn(self, x, y, state, index):
        logits, state = self.arch.step(x, state, index)  # (B, T, V)
        picked = tf.gather(logits, y, batch_dims=2) - tf.reduce_logsumexp(logits, -1)
        return picked, state

    def _loop(self, beam, greedy, top_k, use_top_p, stop_ids, cap):
        key = (beam, greedy, top_k, use_top_p, stop_ids, cap)
        if key not in self._loops:
            fn = self._make_loop(*key)
            self._loops[key] = tf.function(fn, jit_compile=self.jit_compile)
        return self._loops[key]

    def _make_loop(self, beam, greedy, top_k, use_top_p, stop_ids, cap):
        V = self.vocab_size
        banned = np.zeros(V, bool)
        banned[list(self.banned_ids)] = True
        stops = tf.constant(list(stop_ids) or [-1], tf.int32)

        def pick(logits, seed, counter, temperature, top_p):
            if greedy:
                return tf.argmax(logits, -1, output_type=tf.int32)
            logits = logits / temperature
            if top_k is not None and top_k < V:
                kth = tf.math.top_k(logits, top_k).values[:, -1:]
                logits = tf.where(logits < kth, -np.inf, logits)
            if use_top_p:
                srt = tf.sort(logits, -1, direction="DESCENDING")
                probs = tf.nn.softmax(srt, -1)
                keep = tf.cumsum(probs, -1) - probs < top_p  # the first is always kept
                last = tf.reduce_sum(tf.cast(keep, tf.int32), -1) - 1
                logits = tf.where(
                    logits < tf.gather(srt, last, batch_dims=1)[:, None], -np.inf, logits
                )
            noise = gumbel_noise(seed, counter, tf.shape(logits)[0], V)
            return tf.argmax(logits + noise, -1, output_type=tf.int32)

        def run(logits, state, index, n, seed, offset, temperature, top_p, scores, finished):
            rows = tf.shape(logits)[0]
            out = tf.zeros((rows, cap), tf.int32)
            origin = tf.range(rows)
            col = tf.range(cap)[None, :]

            def body(i, logits, state, out, scores, finished, origin):
                logits = tf.where(banned, -np.inf, tf.cast(logits, tf.float32))  # (B, V)
                if beam > 1:
                    logp = tf.nn.log_softmax(logits, -1)
                    pad_row = tf.where(tf.range(V) == PAD_ID, 0.0, -np.inf)
                    logp = tf.where(finished[:, None], pad_row[None, :], logp)
                    cand = tf.reshape(scores[:, None] + logp, (1, -1))  # (1, B * V)
                    top = tf.math.top_k(cand, beam)
                    scores, flat = top.values[0], top.indices[0]
                    parent, tok = flat // V, flat % V
                    out, finished, origin = (tf.gather(t, parent) for t in (out, finished, origin))
                    state = tf.nest.map_structure(lambda s: tf.gather(s, parent), state)
                else:
                    tok = pick(logits, seed, offset + i, temperature, top_p)
                    tok = tf.where(finished, PAD_ID, tok)
                out = tf.where(col == i, tok[:, None], out)
                finished = finished | tf.reduce_any(tok[:, None] == stops[None, :], -1)
                logits, state = self.arch.step(tok[:, None], state, index + i)
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
        max_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = 0,
        beam_size: int = 1,
        stop_ids=(),
    ) -> list[int]:
        """Token ids that continue ``prompt_ids`` (the prompt is not repeated).

        Stops after ``max_tokens`` ids or after the first id in ``stop_ids``, which
        is included. ``temperature == 0`` is greedy; ``beam_size > 1`` returns the
        highest-scoring beam (temperature, top-k and top-p are then ignored).
        """
        check_sampling_args(temperature, top_k, top_p)
        prompt = [int(i) for i in prompt_ids]
        if not prompt:
            raise UserInputError("the prompt is empty: give at least one token id")
        if min(prompt) < 0 or max(prompt) >= self.vocab_size:
            raise UserInputError(
                f"prompt ids must lie in [0, {self.vocab_size}), got "
                f"min {min(prompt)} max {max(prompt)}"
            )
        if not isinstance(max_tokens, (int, np.integer)) or max_tokens < 0:
            raise UserInputError(f"max_tokens must be an integer >= 0, got {max_tokens!r}")
        if not isinstance(beam_size, (int, np.integer)) or beam_size < 1:
            raise UserInputError(f"beam_size must be an integer >= 1, got {beam_size!r}")
        if beam_size > self.vocab_size - len(self.banned_ids):
            raise UserInputError(f"beam_size {beam_size} exceeds the vocabulary")
        stop_ids = tuple(sorted({int(s) for s in stop_ids}))
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (1 << 31))
        rows = int(beam_size)
        greedy = beam_size == 1 and temperature == 0
        loop_key = dict(
            beam=rows,
            greedy=greedy,
            top_k=None if greedy else top_k,
            use_top_p=not greedy and top_p is not None and top_p < 1.0,
            stop_ids=stop_ids,
        )
        hist = np.tile(np.asarray(prompt, np.int32), (rows, 1))  # (rows, P)
        scores = np.full(rows, -np.inf, np.float32)
        scores[0] = 0.0
        finished = np.zeros(rows, bool)
        logits, state, index = self._start(hist, len(prompt))
        produced = 0
        while produced < max_tokens and not finished.all():
            room = max_tokens - produced
            if self.max_len is not None:
                if index >= self.max_len:  # the cache is full: slide the context
                    logits, state, index = self._start(hist, self.max_len // 2)
                room = min(room, self.max_len - index)
            cap = max(16, 1 << (room - 1).bit_length())
            fn = self._loop(cap=cap, **loop_key)
            i, logits, state, out, sc, fin, origin = fn(
                logits,
                state,
                tf.constant(index),
                tf.constant(room),
                tf.constant(seed, tf.int64),
                tf.constant(produced),
                tf.constant(float(temperature or 1.0)),
                tf.constant(float(top_p or 1.0)),
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
        logits, state = self._prefill(ctx, self.arch.init_state(hist.shape[0]), tf.constant(0))
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
        state = self.arch.init_state(batch)
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
                ids[None, :-1], ids[None, 1:], self.arch.init_state(1), tf.constant(0)
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
            lp, _ = self._score(ids[idx], ids[idx + 1], self.arch.init_state(rows), tf.constant(0))
            lp = lp.numpy()
            out.extend(lp[r, L - k :] for r, k in enumerate(new[b : b + rows]))
        return np.concatenate(out).astype(np.float64)
