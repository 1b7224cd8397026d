"""§3.2.3, §4.2.3: multi-head causal self-attention, written from the formula.

The article prints (§4.2.3)::

    Attention(Q, K, V) = softmax(scale * dot(Q, K^T)) / d_k * V

with the division by ``d_k`` outside the softmax. The rows of the softmax then sum
to ``1 / d_k`` instead of 1 and the output shrinks by ``d_k``; the formula of
Vaswani et al. (2017), which this module implements, scales the scores *inside*::

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V

(see ``docs/errata.md``; ``tests/test_sequence_math.py`` computes both forms).

:class:`CausalSelfAttention` projects its input into ``num_heads`` heads of
``key_dim`` features, applies the formula per head with a causal mask (a token
attends to itself and the tokens before it, never after), concatenates the heads
and projects back to the input width. With the same weights it equals
``keras.layers.MultiHeadAttention(..., use_causal_mask=True)`` (tested).

Generation calls :meth:`CausalSelfAttention.call_cached`, which keeps the keys and
values of all earlier positions in a fixed-size cache of ``max_len`` slots: a new
token costs one projection and one attention row instead of a pass over the
whole prefix.

Cross-layer key/value sharing (Brandon et al. 2024): a layer built with
``project_kv=False`` has only query and output projections and attends with the
keys and values of another layer (``key_value=`` in the full pass, that layer's
cache in :meth:`~CausalSelfAttention.call_cached`), so a stack of layers needs
fewer caches.
"""

from __future__ import annotations

import math

import keras
from keras import ops

# Added to the scores of masked (future or empty) positions; exp() of it is exactly 0.
MASK_VALUE = -1e9


def scaled_dot_product_attention(q, k, v, mask=None, dropout=None, training=None):
    """softmax(Q K^T / sqrt(d_k)) V for tensors shaped (B, H, T, d_k) / (B, H, S, d_k).

    ``mask`` (broadcastable to (B, H, T, S)) is True where a query may attend to a
    key. The scores and the softmax are computed in float32 whatever the input
    dtype (mixed precision), then cast back. Returns (output (B, H, T, d_v),
    weights (B, H, T, S)).
    """
    d_k = q.shape[-1]
    scores = ops.einsum("bhtd,bhsd->bhts", q, k)  # (B, H, T, S)
    scores = ops.cast(scores, "float32") / math.sqrt(d_k)
    if mask is not None:
        scores = ops.where(mask, scores, MASK_VALUE)
    weights = ops.softmax(scores, axis=-1)  # rows sum to 1
    weights = ops.cast(weights, v.dtype)
    if dropout is not None:
        weights = dropout(weights, training=training)
    return ops.einsum("bhts,bhsd->bhtd", weights, v), weights  # (B, H, T, d_v)


def split_heads(x, num_heads, head_dim):
    """(B, T, H * d) -> (B, H, T, d)."""
    b, t = ops.shape(x)[0], ops.shape(x)[1]
    x = ops.reshape(x, (b, t, num_heads, head_dim))  # (B, T, H, d)
    return ops.transpose(x, (0, 2, 1, 3))  # (B, H, T, d)


def merge_heads(x):
    """(B, H, T, d) -> (B, T, H * d)."""
    b, h, t, d = ops.shape(x)[0], x.shape[1], ops.shape(x)[2], x.shape[3]
    x = ops.transpose(x, (0, 2, 1, 3))  # (B, T, H, d)
    return ops.reshape(x, (b, t, h * d))  # (B, T, H * d)


def causal_mask(query_len, key_len, offset=0):
    """(T, S) boolean mask: query i (absolute position offset + i) sees keys 0..offset+i."""
    q_pos = ops.arange(query_len, dtype="int32") + ops.cast(offset, "int32")
    k_pos = ops.arange(key_len, dtype="int32")
    return ops.expand_dims(k_pos, 0) <= ops.expand_dims(q_pos, 1)


@keras.saving.register_keras_serializable(package="llm_tf")
class CausalSelfAttention(keras.layers.Layer):
    """Multi-head causal self-attention (§4.2.3).

    Args:
        num_heads: number of attention heads ``H``.
        key_dim: features per head ``d_k`` (queries, keys and values).
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the four projections have biases.
        kernel_initializer: initializer of the projection kernels.
        output_initializer: initializer of the output projection (GPT-2 scales it
            down with depth); defaults to ``kernel_initializer``.
        seed: seed of the attention dropout.
        project_kv: whether the layer has key and value projections. ``False``:
            it reuses the keys and values of another layer (cross-layer key/value
            sharing, Brandon et al. 2024) and has only the query and output
            projections.

    Call:
        ``layer(x)`` with ``x`` of shape (B, T, D) returns (B, T, D);
        ``layer(x, key_value=(k, v))`` attends with given keys and values
        (B, H, T, d_k), e.g. ``other.key_value(x_other)`` (required without
        ``project_kv``).
        ``layer.call_cached(x, cache_k, cache_v, index)`` processes the new tokens
        ``x`` (B, t, D) at absolute positions ``index .. index + t - 1`` against a
        cache of shape (B, H, max_len, d_k) and returns ``(y, cache_k, cache_v)``;
        without ``project_kv`` the cache is read, not written: it must already hold
        the sharing layer's keys and values of these positions.

    Example:
        >>> layer = CausalSelfAttention(num_heads=4, key_dim=16)
        >>> layer(keras.ops.zeros((2, 10, 64))).shape
        (2, 10, 64)

    References:
        Vaswani et al. 2017, "Attention is all you need", eq. (1).
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        dropout=0.0,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        output_initializer=None,
        seed=None,
        project_kv=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(num_heads) < 1 or int(key_dim) < 1:
            raise ValueError(f"num_heads and key_dim must be >= 1, got {num_heads}, {key_dim}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.output_initializer = keras.initializers.get(output_initializer or kernel_initializer)
        self.seed = seed
        self.project_kv = bool(project_kv)
        width = self.num_heads * self.key_dim

        def dense(units, name, init):
            return keras.layers.Dense(
                units,
                use_bias=self.use_bias,
                kernel_initializer=init,
                name=name,
                dtype=self.dtype_policy,
            )

        self.query_dense = dense(width, "query", self.kernel_initializer)
        self.key_dense = self.value_dense = None  # without project_kv: another layer's
        if self.project_kv:
            self.key_dense = dense(width, "key", self.kernel_initializer)
            self.value_dense = dense(width, "value", self.kernel_initializer)
        self.output_dense = None  # its width is the input's: created in build()
        self.attention_dropout = keras.layers.Dropout(
            self.dropout, seed=seed, dtype=self.dtype_policy
        )

    def build(self, input_shape):
        d_model = input_shape[-1]
        self.output_dense = keras.layers.Dense(
            d_model,
            use_bias=self.use_bias,
            kernel_initializer=self.output_initializer,
            name="attention_output",
            dtype=self.dtype_policy,
        )
        for layer in (self.query_dense, self.key_dense, self.value_dense):
            if layer is not None:
                layer.build(input_shape)
        self.output_dense.build(tuple(input_shape[:-1]) + (self.num_heads * self.key_dim,))

    def _split_heads(self, x):
        return split_heads(x, self.num_heads, self.key_dim)  # (B, H, T, d_k)

    def key_value(self, x):
        """Keys and values of ``x`` (B, T, D), each (B, H, T, d_k): what sharing layers reuse."""
        if not self.project_kv:
            raise ValueError(
                f"{self.name} has no key/value projections (project_kv=False): it "
                "uses the keys and values of the layer it shares with"
            )
        return self._split_heads(self.key_dense(x)), self._split_heads(self.value_dense(x))

    def _query_key_value(self, x):
        """Queries, keys and values of ``x`` (B, T, D), each (B, H, T, d_k), by one matmul.

        The three kernels (and biases) are concatenated into one (D, 3 H d_k) product: one
        larger matmul runs faster than three narrow ones on a CPU (and its gradient is
        two matmuls instead of six); the weights stay the three Dense layers' own.
        """
        dense = (self.query_dense, self.key_dense, self.value_dense)
        kernel = ops.concatenate([ops.cast(d.kernel, self.compute_dtype) for d in dense], axis=1)
        qkv = ops.matmul(x, kernel)  # (B, T, 3 H d_k)
        if self.use_bias:
            qkv = qkv + ops.concatenate([ops.cast(d.bias, self.compute_dtype) for d in dense])
        q, k, v = ops.split(qkv, 3, axis=-1)
        return self._split_heads(q), self._split_heads(k), self._split_heads(v)

    def call(self, x, training=None, return_attention_scores=False, key_value=None):
        if key_value is None and self.project_kv:
            q, k, v = self._query_key_value(x)  # (B, H, T, d_k) each
            key_value = (k, v)
        else:
            q = self._split_heads(self.query_dense(x))  # (B, H, T, d_k)
        if key_value is None:
            if not self.project_kv:
                raise ValueError(
                    f"{self.name} has no key/value projections (project_kv=False): pass "
                    "key_value=(keys, values) of the layer it shares with, got None"
                )
            key_value = self.key_value(x)
        k, v = key_value  # (B, H, T, d_k) each
        t = ops.shape(x)[1]
        out, weights = scaled_dot_product_attention(
            q, k, v, causal_mask(t, ops.shape(k)[2]), self.attention_dropout, training
        )
        y = self.output_dense(merge_heads(out))  # (B, T, D)
        return (y, weights) if return_attention_scores else y

    def call_cached(self, x, cache_k, cache_v, index):
        """New tokens ``x`` (B, t, D) at positions ``index..``; caches (B, H, L, d_k)."""
        q = self._split_heads(self.query_dense(x))  # (B, H, t, d_k)
        if self.project_kv:  # write this layer's keys and values; sharing layers only read
            k, v = self.key_value(x)  # (B, H, t, d_k)
            start = (0, 0, index, 0)
            cache_k = ops.slice_update(cache_k, start, ops.cast(k, cache_k.dtype))
            cache_v = ops.slice_update(cache_v, start, ops.cast(v, cache_v.dtype))
        mask = causal_mask(ops.shape(x)[1], ops.shape(cache_k)[2], offset=index)  # (t, L)
        out, _ = scaled_dot_product_attention(q, cache_k, cache_v, mask)
        return self.output_dense(merge_heads(out)), cache_k, cache_v

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "output_initializer": keras.initializers.serialize(self.output_initializer),
                "seed": self.seed,
                "project_kv": self.project_kv,
            }
        )
        return config
