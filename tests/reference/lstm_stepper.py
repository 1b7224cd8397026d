"""A plain, uncompiled stepper for the §5 listing's model, for the decoder's tests.

It runs the model's three layers (found by :func:`llm_tf.models.listing_lm.listing_layers`)
one chunk at a time and carries ``(h, c)`` forward, the obvious way, so the
compiled :class:`llm_tf.generation.Decoder` has something independent to agree with.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from llm_tf.models.listing_lm import listing_layers


class LSTMStepper:
    """Runs a §5 model one chunk at a time, carrying ``(h, c)`` forward.

    ``logits, state = stepper(ids, state)`` with ``ids`` of shape (B, T) returns the
    logits for every position (B, T, V) and the LSTM state after the last one.
    """

    def __init__(self, model: keras.Model):
        self.embedding, self.lstm, self.dense = listing_layers(model)
        self.units = int(self.lstm.units)
        self.vocab_size = int(self.dense.units)

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, None], tf.int32),
                tf.TensorSpec([None, self.units], tf.float32),
                tf.TensorSpec([None, self.units], tf.float32),
            ],
            reduce_retracing=True,
        )
        def step(ids, h, c):
            x = self.embedding(ids)  # (B, T, E)
            y, h2, c2 = self.lstm(x, initial_state=[h, c])  # (B, T, U)
            logits = keras.ops.matmul(y, self.dense.kernel) + self.dense.bias  # (B, T, V)
            return logits, h2, c2

        self._step = step

    def initial_state(self, batch: int = 1):
        z = np.zeros((batch, self.units), np.float32)
        return z, z.copy()

    def __call__(self, ids, state=None):
        ids = np.asarray(ids, np.int32)
        if ids.ndim == 1:
            ids = ids[None, :]
        h, c = state if state is not None else self.initial_state(ids.shape[0])
        logits, h, c = self._step(ids, h, c)
        return logits.numpy(), (h, c)

    def stream_log_probs(self, ids: np.ndarray, batch: int = 32, window: int = 64) -> np.ndarray:
        """Natural-log probability of ``ids[1:]``, each given all tokens before it.

        The stream is cut into ``batch`` contiguous rows processed side by side,
        ``window`` tokens at a time, with the state carried across windows.
        """
        ids = np.asarray(ids, np.int32)
        n = len(ids) - 1
        if n < 1:
            return np.zeros((0,), np.float64)
        batch = max(1, min(batch, n))
        row = -(-n // batch)  # tokens per row (last row padded)
        pad = row * batch - n
        x = np.concatenate([ids[:-1], np.zeros(pad, np.int32)]).reshape(batch, row)
        y = np.concatenate([ids[1:], np.zeros(pad, np.int32)]).reshape(batch, row)
        h, c = self.initial_state(batch)
        out = np.empty((batch, row), np.float64)
        for s in range(0, row, window):
            logits, h, c = self._step(x[:, s : s + window], h, c)
            lp = tf.nn.log_softmax(logits, axis=-1)
            picked = tf.gather(lp, y[:, s : s + window], batch_dims=2)
            out[:, s : s + window] = picked.numpy()
        return out.reshape(-1)[:n]

    def greedy(self, prompt_ids, max_tokens: int, banned_ids=(0,)) -> list[int]:
        """Greedy continuation, one token per call, the banned ids never chosen."""
        logits, state = self(prompt_ids)
        out = []
        for _ in range(max_tokens):
            last = logits[0, -1].copy()
            last[list(banned_ids)] = -np.inf
            out.append(int(np.argmax(last)))
            logits, state = self([out[-1]], state)
        return out
