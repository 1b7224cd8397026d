"""Tied input/output embeddings (Press & Wolf 2017; used by §3.2's LSTM and Transformer LMs).

A language model's output layer maps a hidden vector ``h`` (width D) to one
logit per vocabulary entry; its kernel (D x V) has the same shape as the
transposed input embedding (V x D). Tying them, ``logits = h E^T + b``, removes
V x D parameters and usually lowers perplexity on small corpora.

:class:`TiedOutput` owns only the bias; the embedding matrix is an input of its
call, so the model that holds both layers passes ``embedding.embeddings`` in and
the weight is stored once in the ``.keras`` file.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="llm_tf")
class TiedOutput(keras.layers.Layer):
    """``logits = h @ embeddings^T + bias``.

    Args:
        vocab_size: number of output classes ``V`` (rows of the embedding).

    Call:
        ``layer(h, embeddings)`` with ``h`` (..., D) and ``embeddings`` (V, D)
        returns logits (..., V).
    """

    def __init__(self, vocab_size, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = int(vocab_size)

    def build(self, input_shape):  # the shape of h; the bias needs only V
        self.bias = self.add_weight(name="bias", shape=(self.vocab_size,), initializer="zeros")

    def call(self, h, embeddings):
        w = ops.cast(embeddings, h.dtype)  # (V, D)
        return ops.matmul(h, ops.transpose(w)) + ops.cast(self.bias, h.dtype)  # (..., V)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config["vocab_size"] = self.vocab_size
        return config
