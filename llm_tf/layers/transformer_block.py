"""§3.2.3, §4.2.3 (§4.3): one pre-norm Transformer decoder block (GPT-2 / nanoGPT style)::

    x = x + dropout(attention(layer_norm(x)))   causal self-attention (§4.2.3)
    x = x + dropout(mlp(layer_norm(x)))         D -> mlp_dim (GELU) -> D

Used by :class:`llm_tf.models.TransformerLM`; :meth:`TransformerBlock.call_cached`
runs new tokens against a key/value cache for generation.

Two options change what a block attends to:

* ``project_kv=False`` (cross-layer key/value sharing, Brandon et al. 2024): the
  block has no key and value projections; it attends with the keys and values
  of an earlier block (``key_value=`` in the full pass, that block's cache when
  generating).
* ``cross_layer_attention=True`` (§4.3): between the self-attention and the MLP the
  block's states also attend to the previous layer's states ``h_{l-1}`` (the input
  of the previous block), through the learned projections of a
  :class:`~llm_tf.layers.CrossLayerAttention`, with a causal mask (position ``i``
  sees ``h_{l-1}`` at positions ``<= i``)::

    x = x + dropout(cross_attention(layer_norm(x), layer_norm(h_{l-1})))

  ``CrossLayerAttention.call`` takes only padding masks, so the block applies the
  layer's projections around :func:`~llm_tf.layers.attention.scaled_dot_product_attention`
  with the causal mask (the same formula: ``softmax(Q K^T / sqrt(d_k)) V``; a test
  compares each position with ``CrossLayerAttention.call`` given the padding mask
  of the positions it may see).
"""

from __future__ import annotations

import keras
from keras import ops

from llm_tf.layers.attention import (
    CausalSelfAttention,
    causal_mask,
    merge_heads,
    scaled_dot_product_attention,
    split_heads,
)
from llm_tf.layers.cross_layer_attention import CrossLayerAttention


def gpt_initializer(stddev=0.02):
    """Normal(0, 0.02), GPT-2's initialisation of every kernel and embedding."""
    return keras.initializers.RandomNormal(stddev=stddev)


@keras.saving.register_keras_serializable(package="llm_tf")
class TransformerBlock(keras.layers.Layer):
    """One pre-norm decoder block: causal self-attention then an MLP, each residual.

    Args:
        num_heads: attention heads.
        key_dim: features per head (``D / num_heads`` in a standard block).
        mlp_dim: hidden width of the MLP (4 D in GPT).
        dropout: rate of the attention-weight and residual dropouts.
        epsilon: layer-norm epsilon.
        residual_stddev: stddev of the two projections into the residual stream.
        seed: seed of the dropouts.
        project_kv: whether the self-attention has key/value projections;
            ``False``: it uses another block's keys and values (``key_value=``).
        cross_layer_attention: add the causal attention to the previous layer's
            states (§4.3); the block then needs ``context``.

    Call:
        ``block(x)`` (B, T, D) -> (B, T, D); with ``cross_layer_attention``
        ``block(x, context)`` where ``context`` (B, T, D) is ``h_{l-1}``, the previous
        block's input. ``key_value=(k, v)`` (B, H, T, d_k) each, from another block's
        ``return_key_value=True``, replaces the block's own keys and values;
        ``return_key_value=True`` returns ``(y, (k, v))``.
        ``block.call_cached(x, cache_k, cache_v, index)`` -> ``(y, cache_k, cache_v)``;
        with ``cross_layer_attention`` ``block.call_cached(x, cache_k, cache_v, index,
        context, cross_cache)`` -> ``(y, cache_k, cache_v, cross_cache)``, where
        ``cross_cache`` is the (keys, values) pair (B, H, max_len, d_k) of the
        previous layer's states and ``context`` (B, t, D) those states at the new
        positions.
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        mlp_dim,
        dropout=0.0,
        epsilon=1e-5,
        residual_stddev=0.02,
        seed=None,
        project_kv=True,
        cross_layer_attention=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.mlp_dim = int(mlp_dim)
        self.dropout = float(dropout)
        self.epsilon = float(epsilon)
        self.residual_stddev = float(residual_stddev)
        self.seed = seed
        self.project_kv = bool(project_kv)
        self.cross_layer_attention = bool(cross_layer_attention)
        policy = self.dtype_policy
        seed2 = None if seed is None else seed + 1
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=epsilon, name="attention_norm", dtype=policy
        )
        self.attention = CausalSelfAttention(
            num_heads,
            key_dim,
            dropout=dropout,
            kernel_initializer=gpt_initializer(),
            output_initializer=gpt_initializer(residual_stddev),
            seed=seed,
            project_kv=self.project_kv,
            name="attention",
            dtype=policy,
        )
        self.attention_dropout = keras.layers.Dropout(dropout, seed=seed, dtype=policy)
        self.mlp_norm = keras.layers.LayerNormalization(
            epsilon=epsilon, name="mlp_norm", dtype=policy
        )
        self.mlp_in = keras.layers.Dense(
            mlp_dim,
            activation="gelu",
            name="mlp_in",
            kernel_initializer=gpt_initializer(),
            dtype=policy,
        )
        self.mlp_out = None  # back to the input width: created in build()
        self.mlp_dropout = keras.layers.Dropout(dropout, seed=seed2, dtype=policy)
        self.cross_norm = self.context_norm = self.cross_attention = self.cross_dropout = None
        if self.cross_layer_attention:  # created last: the weights of a plain block stay put
            seed3 = None if seed is None else seed + 2
            self.cross_norm = keras.layers.LayerNormalization(
                epsilon=epsilon, name="cross_norm", dtype=policy
            )
            self.context_norm = keras.layers.LayerNormalization(
                epsilon=epsilon, name="context_norm", dtype=policy
            )
            self.cross_attention = CrossLayerAttention(
                key_dim=self.key_dim,
                num_heads=self.num_heads,
                use_projections=True,
                dropout=self.dropout,
                kernel_initializer=gpt_initializer(),
                seed=seed3,
                name="cross_attention",
                dtype=policy,
            )
            self.cross_dropout = keras.layers.Dropout(dropout, seed=seed3, dtype=policy)

    def build(self, x_shape, context_shape=None):
        d_model = x_shape[-1]
        self.mlp_out = keras.layers.Dense(
            d_model,
            name="mlp_out",
            kernel_initializer=gpt_initializer(self.residual_stddev),
            dtype=self.dtype_policy,
        )
        self.attention_norm.build(x_shape)
        self.attention.build(x_shape)
        self.mlp_norm.build(x_shape)
        self.mlp_in.build(x_shape)
        self.mlp_out.build(tuple(x_shape[:-1]) + (self.mlp_dim,))
        if self.cross_layer_attention:
            context_shape = tuple(context_shape or x_shape)
            self.cross_norm.build(x_shape)
            self.context_norm.build(context_shape)
            self.cross_attention.build(tuple(x_shape), context_shape)

    def _mlp(self, x, training=None):
        return self.mlp_dropout(self.mlp_out(self.mlp_in(self.mlp_norm(x))), training=training)

    # ---- §4.3: attention to the previous layer's states, with CrossLayerAttention's weights
    def _cross_key_value(self, context):
        """Keys and values (B, H, T, d_k) of the previous layer's states ``context`` (B, T, D)."""
        c = self.context_norm(context)
        cross = self.cross_attention
        return (
            split_heads(cross.key_dense(c), self.num_heads, self.key_dim),
            split_heads(cross.value_dense(c), self.num_heads, self.key_dim),
        )

    def _cross(self, x, k, v, mask, training=None):
        """softmax(Q K^T / sqrt(d_k)) V with queries from ``x``, masked, output-projected."""
        cross = self.cross_attention
        q = split_heads(cross.query_dense(self.cross_norm(x)), self.num_heads, self.key_dim)
        out, _ = scaled_dot_product_attention(
            q, k, v, mask, cross.attention_dropout, training
        )  # (B, H, T, d_k)
        return cross.output_dense(merge_heads(out))  # (B, T, D)

    def _check_context(self, context):
        if self.cross_layer_attention and context is None:
            raise ValueError(
                f"{self.name} has cross_layer_attention=True: pass context=, the previous "
                "layer's states, got None"
            )
        if not self.cross_layer_attention and context is not None:
            raise ValueError(
                f"{self.name} has cross_layer_attention=False: it takes no context, got "
                f"one of shape {tuple(context.shape)}"
            )

    def call(self, x, context=None, training=None, key_value=None, return_key_value=False):
        self._check_context(context)
        h = self.attention_norm(x)  # (B, T, D)
        if return_key_value and key_value is None:
            key_value = self.attention.key_value(h)  # (B, H, T, d_k) each
        a = self.attention(h, training=training, key_value=key_value)  # (B, T, D)
        x = x + self.attention_dropout(a, training=training)
        if self.cross_layer_attention:
            k, v = self._cross_key_value(context)  # (B, H, T, d_k) each
            mask = causal_mask(ops.shape(x)[1], ops.shape(k)[2])  # (T, T)
            c = self._cross(x, k, v, mask, training)
            x = x + self.cross_dropout(c, training=training)
        y = x + self._mlp(x, training)  # (B, T, D)
        return (y, key_value) if return_key_value else y

    def call_cached(self, x, cache_k, cache_v, index, context=None, cross_cache=None):
        self._check_context(context)
        a, cache_k, cache_v = self.attention.call_cached(
            self.attention_norm(x), cache_k, cache_v, index
        )
        x = x + a
        if not self.cross_layer_attention:
            return x + self._mlp(x), cache_k, cache_v
        if cross_cache is None:
            raise ValueError(f"{self.name} has cross_layer_attention=True: pass cross_cache=")
        ck, cv = cross_cache  # (B, H, L, d_k): the previous layer's states, projected
        k, v = self._cross_key_value(context)  # (B, H, t, d_k): its new positions
        start = (0, 0, index, 0)
        ck = ops.slice_update(ck, start, ops.cast(k, ck.dtype))
        cv = ops.slice_update(cv, start, ops.cast(v, cv.dtype))
        mask = causal_mask(ops.shape(x)[1], ops.shape(ck)[2], offset=index)  # (t, L)
        x = x + self._cross(x, ck, cv, mask)
        return x + self._mlp(x), cache_k, cache_v, (ck, cv)

    def compute_output_shape(self, x_shape, context_shape=None):
        return x_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "mlp_dim": self.mlp_dim,
                "dropout": self.dropout,
                "epsilon": self.epsilon,
                "residual_stddev": self.residual_stddev,
                "seed": self.seed,
                "project_kv": self.project_kv,
                "cross_layer_attention": self.cross_layer_attention,
            }
        )
        return config
