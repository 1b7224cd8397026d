"""§5 项目实战: the article's LSTM language model, as listed, made to train and generate.

The listing::

    input_sequence = Input(shape=(None,), dtype='int32')
    embedded_sequence = Embedding(vocab_size, embedding_size)(input_sequence)
    lstm_output, state_h, state_c = LSTM(lstm_units, return_sequences=True,
                                         return_state=True)(embedded_sequence)
    encoded_sequence = Dense(vocab_size, activation='softmax')(lstm_output)
    model = Model(inputs=input_sequence, outputs=encoded_sequence)
    model.compile(optimizer='adam', loss='categorical_crossentropy', ...)

:func:`build_lstm_lm` is that graph, unchanged, in Keras 3. What the listing leaves
out, and where it is supplied:

- targets: the listing's ``categorical_crossentropy`` wants one-hot targets of
  N x T x V floats (40 KB a token for V = 10,000). :func:`compile_lstm_lm` uses
  ``sparse_categorical_crossentropy`` on integer ids instead; Keras's TensorFlow
  backend then computes the loss from the Dense layer's logits (fused, stable).
- ``state_h`` / ``state_c`` are returned but unused by the training graph. They
  matter for generation: :class:`LSTMStepper` shows, in a few readable lines, how the
  same three layers run with an ``initial_state`` so each new token costs one LSTM
  step, not a pass over the prefix. ``llm-tf generate`` uses the compiled decoder of
  :mod:`llm_tf.decoding`, which the tests check against this reference.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

VOCAB_SIZE = 10_000  # §5: vocab_size
EMBEDDING_SIZE = 256  # §5: embedding_size
LSTM_UNITS = 128  # §5: lstm_units


def build_lstm_lm(
    vocab_size: int = VOCAB_SIZE,
    embedding_size: int = EMBEDDING_SIZE,
    lstm_units: int = LSTM_UNITS,
    name: str = "lstm_lm",
) -> keras.Model:
    """The §5 listing's functional model: Input -> Embedding -> LSTM -> Dense(softmax)."""
    input_sequence = keras.layers.Input(shape=(None,), dtype="int32", name="input_sequence")
    embedded_sequence = keras.layers.Embedding(vocab_size, embedding_size, name="embedding")(
        input_sequence
    )  # (B, T, E)
    lstm_output, state_h, state_c = keras.layers.LSTM(
        lstm_units, return_sequences=True, return_state=True, name="lstm"
    )(embedded_sequence)  # (B, T, U), (B, U), (B, U)
    encoded_sequence = keras.layers.Dense(vocab_size, activation="softmax", name="dense")(
        lstm_output
    )  # (B, T, V)
    return keras.Model(inputs=input_sequence, outputs=encoded_sequence, name=name)


def compile_lstm_lm(
    model: keras.Model, learning_rate: float = 1e-3, jit_compile: bool | str = "auto"
) -> keras.Model:
    """Adam, as in the listing, with sparse integer targets instead of one-hot ones."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        jit_compile=jit_compile,
    )
    return model


def lstm_lm_param_counts(vocab_size: int, embedding_size: int, lstm_units: int) -> dict:
    """Closed-form parameter counts of the three layers (what ``model.summary()`` shows)."""
    emb = vocab_size * embedding_size
    lstm = 4 * lstm_units * (embedding_size + lstm_units + 1)
    dense = lstm_units * vocab_size + vocab_size
    return {"embedding": emb, "lstm": lstm, "dense": dense, "total": emb + lstm + dense}


def lstm_lm_flops_per_token(vocab_size: int, embedding_size: int, lstm_units: int) -> float:
    """Matmul FLOPs per token for one training step (forward + backward = 3x forward).

    The embedding lookup is a gather (no FLOPs); the LSTM does a (E+U) x 4U matmul
    per token; the output layer a U x V matmul. Backward costs twice the forward.
    """
    forward = 2 * (embedding_size + lstm_units) * 4 * lstm_units + 2 * lstm_units * vocab_size
    return 3.0 * forward


class PerplexityLogger(keras.callbacks.Callback):
    """Adds ``perplexity = exp(loss)`` (and ``val_perplexity``) to Keras's logs.

    Place it before the progress bar, TensorBoard and checkpoint callbacks so they
    all see it. It costs nothing: no second pass over the softmax.
    """

    @staticmethod
    def _add(logs):
        if not logs:
            return
        for key in ("loss", "val_loss"):
            if key in logs:
                ppl_key = key.replace("loss", "perplexity")
                logs[ppl_key] = float(math.exp(min(float(logs[key]), 50.0)))

    def on_train_batch_end(self, batch, logs=None):
        self._add(logs)

    def on_epoch_end(self, epoch, logs=None):
        self._add(logs)

    def on_test_end(self, logs=None):
        self._add(logs)


class LSTMStepper:
    """Runs a trained §5 model one chunk at a time, carrying ``(h, c)`` forward.

    ``logits, state = stepper(ids, state)`` with ``ids`` of shape (B, T) returns the
    logits for every position (B, T, V) and the LSTM state after the last one.
    The prefix is never recomputed: feed the prompt once, then one token per call.
    The step is a ``tf.function`` traced once per input rank. This is the plain
    reference implementation; :mod:`llm_tf.decoding` is the compiled one.
    """

    def __init__(self, model: keras.Model):
        import tensorflow as tf

        self.embedding = model.get_layer("embedding")
        self.lstm = model.get_layer("lstm")
        self.dense = model.get_layer("dense")
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
            logits = ops.matmul(y, self.dense.kernel) + self.dense.bias  # (B, T, V)
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
        ``window`` tokens at a time, with the state carried across windows (the
        standard evaluation of a recurrent LM). Returns one value per scored token.
        """
        import tensorflow as tf

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
