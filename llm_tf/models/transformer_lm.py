"""§3.2.3 变压器模型: a decoder-only Transformer language model (GPT-style).

The listing ``Transformer(input_shape=(1, embedding_size), output_shape=(vocab_size,))``
names the model and nothing else. This module supplies the model the name usually
means for language modelling (Radford et al. 2019; nanoGPT)::

    ids (B, T) -> token embedding + learned position embedding     (B, T, D)
               -> dropout
               -> num_layers x TransformerBlock (pre-norm):
                      x = x + dropout(attention(layer_norm(x)))   causal, §4.2.3
                      x = x + dropout(mlp(layer_norm(x)))         D -> mlp_dim -> D
               -> layer_norm -> logits (Dense, or tied to the token embedding)
               -> softmax                                          (B, T, V)

The model outputs probabilities, like the §5 listing's ``Dense(softmax)``, so it
trains with the same :func:`~llm_tf.models.compile_lm` (sparse cross-entropy: Keras's TensorFlow
backend reads the logits behind ``keras.activations.softmax``).
:meth:`TransformerLM.step` runs new tokens against a key/value cache for generation
(:mod:`llm_tf.generation.decoder`); it gives the same logits as a full pass (tested at 1e-5).
"""

from __future__ import annotations

import math

import keras
from keras import ops

from llm_tf.layers.tied_output import TiedOutput
from llm_tf.layers.transformer_block import TransformerBlock, gpt_initializer


@keras.saving.register_keras_serializable(package="llm_tf")
class TransformerLM(keras.Model):
    """Decoder-only Transformer LM: token ids (B, T) -> next-token probabilities (B, T, V).

    Args:
        vocab_size: vocabulary size ``V``.
        max_len: longest context (rows of the learned position embedding).
        embedding_dim: model width ``D``; must be divisible by ``num_heads``.
        num_layers: decoder blocks.
        num_heads: attention heads per block.
        mlp_dim: MLP hidden width (default ``4 * embedding_dim``).
        dropout: embedding, attention and residual dropout rate.
        tie_embeddings: use the token embedding as the output layer's kernel.
        seed: seed of the dropouts.

    Example:
        >>> model = TransformerLM(vocab_size=100, max_len=32, embedding_dim=32,
        ...                       num_layers=2, num_heads=4)
        >>> model(keras.ops.zeros((2, 8), "int32")).shape
        (2, 8, 100)
    """

    def __init__(
        self,
        vocab_size,
        max_len=256,
        embedding_dim=128,
        num_layers=2,
        num_heads=4,
        mlp_dim=None,
        dropout=0.0,
        tie_embeddings=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(embedding_dim) % int(num_heads):
            raise ValueError(
                f"embedding_dim ({embedding_dim}) must be divisible by num_heads ({num_heads})"
            )
        self.vocab_size = int(vocab_size)
        self.max_len = int(max_len)
        self.embedding_dim = int(embedding_dim)
        self.num_layers = int(num_layers)
        self.num_heads = int(num_heads)
        self.mlp_dim = int(mlp_dim) if mlp_dim else 4 * self.embedding_dim
        self.dropout = float(dropout)
        self.tie_embeddings = bool(tie_embeddings)
        self.seed = seed
        self.key_dim = self.embedding_dim // self.num_heads
        policy = self.dtype_policy
        self.token_embedding = keras.layers.Embedding(
            self.vocab_size,
            self.embedding_dim,
            embeddings_initializer=gpt_initializer(),
            name="token_embedding",
            dtype=policy,
        )
        self.position_embedding = keras.layers.Embedding(
            self.max_len,
            self.embedding_dim,
            embeddings_initializer=gpt_initializer(),
            name="position_embedding",
            dtype=policy,
        )
        self.embedding_dropout = keras.layers.Dropout(self.dropout, seed=seed, dtype=policy)
        residual_stddev = 0.02 / math.sqrt(2 * self.num_layers)  # GPT-2's depth scaling
        self.blocks = [
            TransformerBlock(
                self.num_heads,
                self.key_dim,
                self.mlp_dim,
                dropout=self.dropout,
                residual_stddev=residual_stddev,
                seed=None if seed is None else seed + 10 * (i + 1),
                name=f"block_{i}",
                dtype=policy,
            )
            for i in range(self.num_layers)
        ]
        self.final_norm = keras.layers.LayerNormalization(
            epsilon=1e-5, name="final_norm", dtype=policy
        )
        if self.tie_embeddings:
            self.lm_head = TiedOutput(self.vocab_size, name="lm_head", dtype=policy)
        else:
            self.lm_head = keras.layers.Dense(
                self.vocab_size, name="lm_head", kernel_initializer=gpt_initializer(), dtype=policy
            )

    def build(self, input_shape=(None, None)):
        b, t = input_shape[0], input_shape[1]
        self.token_embedding.build((b, t))
        self.position_embedding.build((t,))
        for block in self.blocks:
            block.build((b, t, self.embedding_dim))
        self.final_norm.build((b, t, self.embedding_dim))
        self.lm_head.build((b, t, self.embedding_dim))
        self.built = True

    def _head(self, x):
        x = self.final_norm(x)  # (B, T, D)
        if self.tie_embeddings:
            logits = self.lm_head(x, self.token_embedding.embeddings)
        else:
            logits = self.lm_head(x)
        return ops.cast(logits, "float32")  # (B, T, V)

    def _embed(self, ids, start=0):
        t = ops.shape(ids)[1]
        positions = ops.arange(t, dtype="int32") + ops.cast(start, "int32")  # (T,)
        return self.token_embedding(ids) + self.position_embedding(positions)[None]  # (B, T, D)

    def logits(self, ids, training=None):
        """Next-token logits (B, T, V) for every position of ``ids`` (B, T)."""
        x = self.embedding_dropout(self._embed(ids), training=training)
        for block in self.blocks:
            x = block(x, training=training)
        return self._head(x)

    def call(self, ids, training=None):
        return keras.activations.softmax(self.logits(ids, training=training))  # (B, T, V)

    # ---- generation with a key/value cache
    def init_state(self, batch_size):
        """An empty cache: per block, keys and values (B, H, max_len, d_k)."""
        shape = (batch_size, self.num_heads, self.max_len, self.key_dim)
        dtype = self.compute_dtype
        return [(ops.zeros(shape, dtype), ops.zeros(shape, dtype)) for _ in self.blocks]

    def step(self, ids, state, index=0):
        """Logits (B, t, V) of new tokens ``ids`` (B, t) at positions ``index..``, and the cache.

        ``index + t`` must not exceed ``max_len``. Equal to the last ``t`` rows of
        ``logits(full_sequence)`` (inference mode).
        """
        x = self._embed(ids, start=index)
        new_state = []
        for block, (k, v) in zip(self.blocks, state, strict=True):
            x, k, v = block.call_cached(x, k, v, index)
            new_state.append((k, v))
        return self._head(x), new_state

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocab_size": self.vocab_size,
                "max_len": self.max_len,
                "embedding_dim": self.embedding_dim,
                "num_layers": self.num_layers,
                "num_heads": self.num_heads,
                "mlp_dim": self.mlp_dim,
                "dropout": self.dropout,
                "tie_embeddings": self.tie_embeddings,
                "seed": self.seed,
            }
        )
        return config
