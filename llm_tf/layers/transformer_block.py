"""§3.2.3, §4.2.3: one pre-norm Transformer decoder block (GPT-2 / nanoGPT style)::

    x = x + dropout(attention(layer_norm(x)))   causal self-attention (§4.2.3)
    x = x + dropout(mlp(layer_norm(x)))         D -> mlp_dim (GELU) -> D

Used by :class:`llm_tf.models.TransformerLM`; :meth:`TransformerBlock.call_cached`
runs new tokens against a key/value cache for generation.
"""

from __future__ import annotations

import keras

from llm_tf.layers.attention import CausalSelfAttention


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

    Call: ``block(x)`` (B, T, D) -> (B, T, D);
    ``block.call_cached(x, cache_k, cache_v, index)`` -> (y, cache_k, cache_v).
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

    def build(self, input_shape):
        d_model = input_shape[-1]
        self.mlp_out = keras.layers.Dense(
            d_model,
            name="mlp_out",
            kernel_initializer=gpt_initializer(self.residual_stddev),
            dtype=self.dtype_policy,
        )
        self.attention_norm.build(input_shape)
        self.attention.build(input_shape)
        self.mlp_norm.build(input_shape)
        self.mlp_in.build(input_shape)
        self.mlp_out.build(tuple(input_shape[:-1]) + (self.mlp_dim,))

    def _mlp(self, x, training=None):
        return self.mlp_dropout(self.mlp_out(self.mlp_in(self.mlp_norm(x))), training=training)

    def call(self, x, training=None):
        a = self.attention(self.attention_norm(x), training=training)  # (B, T, D)
        x = x + self.attention_dropout(a, training=training)
        return x + self._mlp(x, training)  # (B, T, D)

    def call_cached(self, x, cache_k, cache_v, index):
        a, cache_k, cache_v = self.attention.call_cached(
            self.attention_norm(x), cache_k, cache_v, index
        )
        x = x + a
        return x + self._mlp(x), cache_k, cache_v

    def compute_output_shape(self, input_shape):
        return input_shape

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
            }
        )
        return config
