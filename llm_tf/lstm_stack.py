"""§3.2.2 长短时记忆网络: the LSTM language model with layers, dropout and tied embeddings.

The §5 listing (:mod:`llm_tf.lstm_lm`) is one LSTM layer between an embedding and
a softmax. :class:`StackedLSTMLM` is the same model grown the usual ways (Zaremba
et al. 2014; Press & Wolf 2017):

- ``num_layers`` LSTM layers, each feeding the next;
- dropout on the non-recurrent connections (after the embedding and each layer);
- optionally the embedding reused as the output layer's kernel.

With one layer, no dropout and no tying it *is* the §5 model:
:meth:`StackedLSTMLM.from_listing` copies a trained §5 model's weights into it and
the two give the same probabilities (tested). The shared machinery (embedding,
recurrent stack, output, state-carrying :meth:`~llm_tf.rnn_lm.RecurrentLM.step`)
lives in :class:`llm_tf.rnn_lm.RecurrentLM`.
"""

from __future__ import annotations

import keras

from llm_tf.lstm_lm import EMBEDDING_SIZE, LSTM_UNITS, lstm_lm_param_counts
from llm_tf.rnn_lm import RecurrentLM


@keras.saving.register_keras_serializable(package="llm_tf")
class StackedLSTMLM(RecurrentLM):
    """:class:`~llm_tf.rnn_lm.RecurrentLM` with LSTM cells; the §5 sizes by default.

    Example:
        >>> model = StackedLSTMLM(vocab_size=100, embedding_dim=16, units=16,
        ...                       num_layers=2, dropout=0.2, tie_embeddings=True)
        >>> model(keras.ops.zeros((1, 4), "int32")).shape
        (1, 4, 100)
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim=EMBEDDING_SIZE,
        units=LSTM_UNITS,
        num_layers=1,
        dropout=0.0,
        tie_embeddings=False,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("cell", None)
        super().__init__(
            vocab_size,
            cell="lstm",
            embedding_dim=embedding_dim,
            units=units,
            num_layers=num_layers,
            dropout=dropout,
            tie_embeddings=tie_embeddings,
            seed=seed,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        return config

    @classmethod
    def from_listing(cls, model: keras.Model) -> StackedLSTMLM:
        """A one-layer StackedLSTMLM holding the weights of a §5 ``build_lstm_lm`` model."""
        emb, lstm, dense = (model.get_layer(n) for n in ("embedding", "lstm", "dense"))
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
    base = lstm_lm_param_counts(vocab_size, embedding_size, lstm_units)
    upper = 4 * lstm_units * (2 * lstm_units + 1)
    lstm = base["lstm"] + (num_layers - 1) * upper
    if tie_embeddings:
        projection = 0 if lstm_units == embedding_size else lstm_units * embedding_size
        dense = vocab_size + projection
    else:
        dense = base["dense"]
    total = base["embedding"] + lstm + dense
    return {"embedding": base["embedding"], "lstm": lstm, "dense": dense, "total": total}
