"""§5 项目实战: the article's LSTM language model, as listed, made to train and generate.

The listing::

    input_sequence = Input(shape=(None,), dtype='int32')
    embedded_sequence = Embedding(vocab_size, embedding_size)(input_sequence)
    lstm_output, state_h, state_c = LSTM(lstm_units, return_sequences=True,
                                         return_state=True)(embedded_sequence)
    encoded_sequence = Dense(vocab_size, activation='softmax')(lstm_output)
    model = Model(inputs=input_sequence, outputs=encoded_sequence)
    model.compile(optimizer='adam', loss='categorical_crossentropy', ...)

:func:`build_listing_lm` is that graph, unchanged, in Keras 3. What the listing leaves
out, and where it is supplied:

- targets: the listing's ``categorical_crossentropy`` wants one-hot targets of
  N x T x V floats (40 KB a token for V = 10,000). :func:`llm_tf.models.compile_lm`
  uses ``sparse_categorical_crossentropy`` on integer ids instead; Keras's TensorFlow
  backend then computes the loss from the Dense layer's logits (fused, stable).
- ``state_h`` / ``state_c`` are returned but unused by the training graph. They
  matter for generation: the registry's stepping view
  (:func:`llm_tf.models.stepping_view`) runs the same three layers from a carried
  ``(h, c)``, so each new token costs one LSTM step, not a pass over the prefix.
"""

from __future__ import annotations

import keras

VOCAB_SIZE = 10_000  # §5: vocab_size
EMBEDDING_SIZE = 256  # §5: embedding_size
LSTM_UNITS = 128  # §5: lstm_units


def build_listing_lm(
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


def listing_lm_param_counts(vocab_size: int, embedding_size: int, lstm_units: int) -> dict:
    """Closed-form parameter counts of the three layers (what ``model.summary()`` shows)."""
    emb = vocab_size * embedding_size
    lstm = 4 * lstm_units * (embedding_size + lstm_units + 1)
    dense = lstm_units * vocab_size + vocab_size
    return {"embedding": emb, "lstm": lstm, "dense": dense, "total": emb + lstm + dense}


def listing_lm_flops_per_token(vocab_size: int, embedding_size: int, lstm_units: int) -> float:
    """Matmul FLOPs per token for one training step (forward + backward = 3x forward).

    The embedding lookup is a gather (no FLOPs); the LSTM does a (E+U) x 4U matmul
    per token; the output layer a U x V matmul. Backward costs twice the forward.
    """
    forward = 2 * (embedding_size + lstm_units) * 4 * lstm_units + 2 * lstm_units * vocab_size
    return 3.0 * forward




def listing_layers(model: keras.Model) -> tuple:
    """The (Embedding, LSTM, Dense) layers of a §5 model, found by type, or a ValueError."""
    kinds = (keras.layers.Embedding, keras.layers.LSTM, keras.layers.Dense)
    found = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if len(found) != 3 or not all(isinstance(x, k) for x, k in zip(found, kinds, strict=True)):
        raise ValueError(
            f"{getattr(model, 'name', model)!r} is not the §5 listing's model "
            f"(Input -> Embedding -> LSTM -> Dense), got {[type(x).__name__ for x in found]}"
        )
    return tuple(found)


def listing_output_parts(model: keras.Model):
    """For the trainer's fused output layer and loss: ``(features, output_head)`` of the
    §5 functional model, ``features(ids, training)`` the LSTM's output (B, T, U) and
    ``output_head()`` the Dense layer's ``(kernel, bias, tied=False)`` (its logits are
    ``features @ kernel + bias``, before the softmax the listing applies)."""
    embedding, lstm, dense = listing_layers(model)

    def features(ids, training=None):
        return lstm(embedding(ids), training=training)[0]

    return features, lambda: (dense.kernel, dense.bias, False)
