"""§3.2.1 循环神经网络, §3.2.2 长短时记忆网络: recurrent language models (SimpleRNN and LSTM stacks).

§4.2.1 gives the recurrence ``h_t = sigma(W_h [h_{t-1}, x_t] + b_h)``: the hidden
state carries the history, one token at a time. As a language model::

    ids (B, T) -> Embedding                               (B, T, E)
               -> dropout
               -> num_layers x [recurrent layer -> dropout] (B, T, U)
               -> [Dense(E), no bias, when tied and U != E]
               -> logits (Dense, or tied to the embedding) (B, T, V)
               -> softmax                                   (B, T, V)

:class:`RecurrentLM` is that stack for either cell; :class:`SimpleRNNLM` fixes
the cell to ``keras.layers.SimpleRNN`` (the §4.2.1 equation, tanh by default).
Dropout sits on the non-recurrent connections only (Zaremba et al. 2014).
:meth:`RecurrentLM.step` runs tokens from a given state and returns the new one,
which is how generation and stream evaluation carry the state
(:mod:`llm_tf.generation.decoder`).
"""

from __future__ import annotations

import keras
from keras import ops

from llm_tf.layers.tied_output import TiedOutput
from llm_tf.models.listing_lm import listing_layers, listing_lm_param_counts

CELLS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}


@keras.saving.register_keras_serializable(package="llm_tf")
class RecurrentLM(keras.Model):
    """Embedding -> stacked SimpleRNN/LSTM layers -> softmax over the vocabulary.

    Args:
        vocab_size: vocabulary size ``V``.
        cell: ``"rnn"`` (``keras.layers.SimpleRNN``) or ``"lstm"``.
        embedding_dim: embedding width ``E``.
        units: hidden units ``U`` of every recurrent layer.
        num_layers: recurrent layers.
        dropout: dropout rate after the embedding and after each recurrent layer.
        tie_embeddings: reuse the embedding as the output kernel (a bias-free
            projection U -> E is added when ``units != embedding_dim``).
        seed: seed of the dropouts.

    Example:
        >>> model = RecurrentLM(vocab_size=50, cell="lstm", embedding_dim=8, units=16)
        >>> model(keras.ops.zeros((2, 5), "int32")).shape
        (2, 5, 50)
    """

    def __init__(
        self,
        vocab_size,
        cell="lstm",
        embedding_dim=256,
        units=128,
        num_layers=1,
        dropout=0.0,
        tie_embeddings=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if int(num_layers) < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.vocab_size = int(vocab_size)
        self.cell = cell
        self.embedding_dim = int(embedding_dim)
        self.units = int(units)
        self.num_layers = int(num_layers)
        self.dropout = float(dropout)
        self.tie_embeddings = bool(tie_embeddings)
        self.seed = seed
        policy = self.dtype_policy
        self.embedding = keras.layers.Embedding(
            self.vocab_size, self.embedding_dim, name="embedding", dtype=policy
        )
        self.recurrent_layers = [
            CELLS[cell](
                self.units,
                return_sequences=True,
                return_state=True,
                name=f"{cell}_{i}",
                dtype=policy,
            )
            for i in range(self.num_layers)
        ]
        self.dropouts = [
            keras.layers.Dropout(
                self.dropout, seed=None if seed is None else seed + i, dtype=policy
            )
            for i in range(self.num_layers + 1)
        ]
        self.projection = None
        if self.tie_embeddings and self.units != self.embedding_dim:
            self.projection = keras.layers.Dense(
                self.embedding_dim, use_bias=False, name="projection", dtype=policy
            )
        if self.tie_embeddings:
            self.lm_head = TiedOutput(self.vocab_size, name="lm_head", dtype=policy)
        else:
            self.lm_head = keras.layers.Dense(self.vocab_size, name="lm_head", dtype=policy)

    @property
    def state_per_layer(self) -> int:
        """Tensors of state per layer: ``[h]`` for SimpleRNN, ``[h, c]`` for LSTM."""
        return 2 if self.cell == "lstm" else 1

    def build(self, input_shape=(None, None)):
        b, t = input_shape[0], input_shape[1]
        self.embedding.build((b, t))
        width = self.embedding_dim
        for layer in self.recurrent_layers:
            layer.build((b, t, width))
            width = self.units
        if self.projection is not None:
            self.projection.build((b, t, self.units))
            width = self.embedding_dim
        self.lm_head.build((b, t, width))
        self.built = True

    def init_state(self, batch_size):
        """Zero state: a flat list of (B, U) tensors, ``state_per_layer`` per layer."""
        z = ops.zeros((batch_size, self.units), self.compute_dtype)
        return [z] * (self.num_layers * self.state_per_layer)

    def step(self, ids, state=None, index=0, training=None):
        """Logits (B, T, V) for ``ids`` (B, T) run from ``state``; returns (logits, new state).

        ``state=None`` starts from zeros; ``index`` is unused (recurrent models have
        no positions) and kept so every architecture has the same step signature.
        """
        x, new_state = self.step_features(ids, state, training=training)
        if self.tie_embeddings:
            logits = self.lm_head(x, self.embedding.embeddings)
        else:
            logits = self.lm_head(x)
        return ops.cast(logits, "float32"), new_state  # (B, T, V)

    def output_head(self):
        """The output layer's (kernel, bias, tied): the kernel is (D, V), or the (V, D)
        embedding when ``tied``; ``logits = features @ kernel + bias``."""
        if self.tie_embeddings:
            return self.embedding.embeddings, self.lm_head.bias, True
        return self.lm_head.kernel, self.lm_head.bias, False

    def step_features(self, ids, state=None, training=None):
        """What the output layer reads, (B, T, D), and the new state (see :meth:`step`)."""
        x = self.dropouts[0](self.embedding(ids), training=training)  # (B, T, E)
        n = self.state_per_layer
        new_state = []
        for i, layer in enumerate(self.recurrent_layers):
            initial = None if state is None else list(state[i * n : (i + 1) * n])
            x, *s = layer(x, initial_state=initial, training=training)  # (B, T, U)
            new_state.extend(s)
            x = self.dropouts[i + 1](x, training=training)
        if self.projection is not None:
            x = self.projection(x)  # (B, T, E)
        return x, new_state

    def features(self, ids, training=None):
        """What the output layer reads for ``ids`` from a zero state: (B, T, D)."""
        return self.step_features(ids, None, training=training)[0]

    def logits(self, ids, training=None):
        return self.step(ids, None, training=training)[0]

    def call(self, ids, training=None):
        return keras.activations.softmax(self.logits(ids, training=training))  # (B, T, V)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocab_size": self.vocab_size,
                "cell": self.cell,
                "embedding_dim": self.embedding_dim,
                "units": self.units,
                "num_layers": self.num_layers,
                "dropout": self.dropout,
                "tie_embeddings": self.tie_embeddings,
                "seed": self.seed,
            }
        )
        return config


class _OneCellLM(RecurrentLM):
    """A :class:`RecurrentLM` whose cell is fixed by the subclass (``cell`` is not in its config)."""

    CELL = "lstm"

    def __init__(self, vocab_size, **kwargs):
        kwargs.pop("cell", None)
        super().__init__(vocab_size, cell=self.CELL, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        return config


@keras.saving.register_keras_serializable(package="llm_tf")
class SimpleRNNLM(_OneCellLM):
    """:class:`RecurrentLM` with ``keras.layers.SimpleRNN`` cells (§3.2.1, §4.2.1)."""

    CELL = "rnn"


@keras.saving.register_keras_serializable(package="llm_tf")
class StackedLSTMLM(_OneCellLM):
    """§3.2.2 长短时记忆网络: :class:`RecurrentLM` with LSTM cells; the §5 sizes by default.

    The §5 listing (:mod:`llm_tf.models.listing_lm`) is one LSTM layer between an
    embedding and a softmax. This is the same model grown the usual ways (Zaremba
    et al. 2014; Press & Wolf 2017): ``num_layers`` LSTM layers, dropout on the
    non-recurrent connections, optionally the embedding reused as the output
    kernel. With one layer, no dropout and no tying it *is* the §5 model:
    :meth:`from_listing` copies a §5 model's weights into it and the two give the
    same probabilities (tested).

    Example:
        >>> model = StackedLSTMLM(vocab_size=100, embedding_dim=16, units=16,
        ...                       num_layers=2, dropout=0.2, tie_embeddings=True)
        >>> model(keras.ops.zeros((1, 4), "int32")).shape
        (1, 4, 100)
    """

    CELL = "lstm"

    @classmethod
    def from_listing(cls, model: keras.Model) -> StackedLSTMLM:
        """A one-layer StackedLSTMLM holding the weights of a §5 ``build_listing_lm`` model.

        The §5 graph is recognised by its layers' types (Embedding -> LSTM -> Dense),
        not their names.
        """
        emb, lstm, dense = listing_layers(model)
        new = cls(int(dense.units), embedding_dim=int(emb.output_dim), units=int(lstm.units))
        new.build((None, None))
        new.embedding.set_weights(emb.get_weights())
        new.recurrent_layers[0].set_weights(lstm.get_weights())
        new.lm_head.set_weights(dense.get_weights())
        return new


def stacked_lstm_param_counts(
    vocab_size: int,
    embedding_size: int,
    lstm_units: int,
    num_layers: int = 1,
    tie_embeddings: bool = False,
) -> dict:
    """Closed-form parameter counts; with one untied layer, exactly §5's.

    Layer ``i > 0`` reads the previous layer's ``U`` outputs instead of ``E``
    embeddings; tying drops the output kernel (``U x V``, or ``E x V`` after the
    ``U x E`` projection) and keeps its ``V`` biases.
    """
    base = listing_lm_param_counts(vocab_size, embedding_size, lstm_units)
    upper = 4 * lstm_units * (2 * lstm_units + 1)
    lstm = base["lstm"] + (num_layers - 1) * upper
    if tie_embeddings:
        projection = 0 if lstm_units == embedding_size else lstm_units * embedding_size
        dense = vocab_size + projection
    else:
        dense = base["dense"]
    total = base["embedding"] + lstm + dense
    return {"embedding": base["embedding"], "lstm": lstm, "dense": dense, "total": total}
