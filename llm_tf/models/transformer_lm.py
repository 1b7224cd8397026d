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

Two options (both off by default: the model, its weights and its saved files are
then those of before):

* ``kv_share=s`` (cross-layer key/value sharing, Brandon et al. 2024, "Reducing
  Transformer Key-Value Cache Size with Cross-Layer Attention"): the blocks form
  groups of ``s`` adjacent blocks; the first block of a group computes keys and
  values, the others only queries (they have no key/value projections) and attend
  with the first block's keys and values. The generation cache holds
  ``num_layers / s`` key/value pairs instead of ``num_layers``, and the model has
  ``(num_layers - num_layers / s) * 2 * (D * D + D)`` fewer parameters.
* ``cross_layer_attention=True`` (§4.3, ``Attention_hl(h_l, h_{l+1})`` read as two
  adjacent layers): every block after the first also attends, causally, to the
  previous layer's states ``h_{l-1}`` (the input of the previous block) through a
  :class:`~llm_tf.layers.CrossLayerAttention` with learned projections, added
  residually inside the block (:class:`~llm_tf.layers.TransformerBlock`). The cache
  then also holds, per block after the first, the keys and values projected from
  ``h_{l-1}``.
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
        kv_share: adjacent blocks per group sharing one set of keys and values
            (1: none); must divide ``num_layers``.
        cross_layer_attention: blocks after the first also attend to the previous
            layer's states (§4.3).

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
        kv_share=1,
        cross_layer_attention=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(embedding_dim) % int(num_heads):
            raise ValueError(
                f"embedding_dim ({embedding_dim}) must be divisible by num_heads ({num_heads})"
            )
        if isinstance(kv_share, bool) or int(kv_share) < 1 or int(num_layers) % int(kv_share):
            raise ValueError(
                f"kv_share must be a positive divisor of num_layers ({num_layers}), got {kv_share}"
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
        self.kv_share = int(kv_share)
        self.cross_layer_attention = bool(cross_layer_attention)
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
                project_kv=i % self.kv_share == 0,  # the first block of each group
                cross_layer_attention=self.cross_layer_attention and i > 0,
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

    def output_head(self):
        """The output layer's (kernel, bias, tied): the kernel is (D, V), or the (V, D)
        token embedding when ``tied``; ``logits = features @ kernel + bias``."""
        if self.tie_embeddings:
            return self.token_embedding.embeddings, self.lm_head.bias, True
        return self.lm_head.kernel, self.lm_head.bias, False

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
        return self._head(self._blocks(ids, training))

    def features(self, ids, training=None):
        """What the output layer reads: the final layer norm's output (B, T, D)."""
        return self.final_norm(self._blocks(ids, training))

    def _blocks(self, ids, training=None):
        x = self.embedding_dropout(self._embed(ids), training=training)
        below = None  # h_{l-1}: the previous block's input
        key_value = None  # the keys and values of the current group's first block
        for block in self.blocks:
            extra = {"context": below} if block.cross_layer_attention else {}
            if self.kv_share == 1:
                y = block(x, training=training, **extra)
            elif block.project_kv:
                y, key_value = block(x, training=training, return_key_value=True, **extra)
            else:
                y = block(x, training=training, key_value=key_value, **extra)
            below, x = x, y
        return x

    def call(self, ids, training=None):
        return keras.activations.softmax(self.logits(ids, training=training))  # (B, T, V)

    # ---- generation with a key/value cache
    @property
    def num_kv_groups(self) -> int:
        """Key/value pairs of self-attention in the cache: ``num_layers / kv_share``."""
        return self.num_layers // self.kv_share

    def init_state(self, batch_size):
        """An empty cache: a list of (keys, values) pairs, each (B, H, max_len, d_k).

        One pair per group of ``kv_share`` blocks (``num_layers / kv_share``), then,
        with ``cross_layer_attention``, one per block after the first: the keys and
        values of the previous layer's states.
        """
        shape = (batch_size, self.num_heads, self.max_len, self.key_dim)
        dtype = self.compute_dtype
        pairs = self.num_kv_groups + (self.num_layers - 1) * self.cross_layer_attention
        return [(ops.zeros(shape, dtype), ops.zeros(shape, dtype)) for _ in range(pairs)]

    def step(self, ids, state, index=0):
        """Logits (B, t, V) of new tokens ``ids`` (B, t) at positions ``index..``, and the cache.

        ``index + t`` must not exceed ``max_len``. Equal to the last ``t`` rows of
        ``logits(full_sequence)`` (inference mode).
        """
        groups = self.num_kv_groups
        expected = groups + (self.num_layers - 1) * self.cross_layer_attention
        if len(state) != expected:
            raise ValueError(
                f"the cache of this model holds {expected} (keys, values) pairs "
                f"(init_state), got {len(state)}"
            )
        self_kv, cross_kv = list(state[:groups]), list(state[groups:])
        x = self._embed(ids, start=index)  # (B, t, D)
        below = None  # the previous block's input at the new positions
        for i, block in enumerate(self.blocks):
            g = i // self.kv_share  # the first block of a group writes, the others read
            k, v = self_kv[g]
            if block.cross_layer_attention:
                y, k, v, cross_kv[i - 1] = block.call_cached(
                    x, k, v, index, context=below, cross_cache=cross_kv[i - 1]
                )
            else:
                y, k, v = block.call_cached(x, k, v, index)
            self_kv[g] = (k, v)
            below, x = x, y
        return self._head(x), self_kv + cross_kv

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
                "kv_share": self.kv_share,
                "cross_layer_attention": self.cross_layer_attention,
            }
        )
        return config
