"""§3.3, §4.3: attention from the states of one level to those of another.

§3.3 says cross-level attention "builds attention interactions between the text
level and the word level" to fuse information across levels; its listing is::

    attention = CrossLayerAttention(embedding_size)
    text_attention = attention(text_sequence)
    word_attention = attention(word_sequence)

and §4.3 gives the mathematics as::

    Attention_hl(h_l, h_{l+1}) = softmax(scale * dot(h_l, h_{l+1}^T))

with ``h_l`` and ``h_{l+1}`` "the hidden states of different levels".

What the formula leaves out, and what :class:`CrossLayerAttention` does about it:

* **No values.** The formula stops at the weights, a (T_l x T_{l+1}) matrix; it
  fuses nothing. Fusion needs a weighted sum of vectors: the layer returns
  ``weights @ V`` with the values ``V = h_{l+1}`` (or their learned projection),
  and the weights themselves with ``return_attention_scores=True``.
* **``scale`` is undefined.** The layer uses ``1 / sqrt(d)`` (``d`` the features
  per head the dot product runs over), as in §4.2.3's corrected formula, and takes
  any positive ``scale=``.
* **Which levels.** ``h_l``, ``h_{l+1}`` read as layers ``l`` and ``l + 1`` of one
  network, while §3.3 speaks of a text level and a word level (granularities, as
  in Yang et al.'s 2016 hierarchical attention). The mathematics is the same for
  both: queries come from one sequence of states (the first argument, ``h_l``),
  keys and values from another (the second, ``h_{l+1}``); the two may have
  different lengths, and with ``use_projections=False`` they must have the same
  width for the dot product to exist.
* **No batch, no padding, no heads.** The layer works on batches (B, T, D), takes
  a padding mask for each side (a padded key gets exactly zero weight, a padded
  query gives a zero output and a zero row of weights) and splits the features
  into ``num_heads`` heads.
* **One input.** The listing calls ``attention(text_sequence)`` with one sequence
  (of strings, which need an embedding first): the only reading is attention of
  the sequence to itself, and that is what ``layer(x)`` does. Cross-level fusion
  needs both levels in one call: ``layer(h_l, h_{l+1})``.

With ``use_projections=False`` (the default) the layer has no weights and its
attention weights are exactly §4.3's formula on the raw states; with
``use_projections=True`` it learns query, key, value and output projections (then it
is ``keras.layers.MultiHeadAttention`` without a causal mask, plus §4.3's scale and
the padding rules above). It is unrelated to "cross-layer attention" in the sense
of Brandon et al. (2024), which shares key/value caches between layers.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from llm_tf.layers.attention import MASK_VALUE


def _width(shape, what):
    if shape is None or len(shape) != 3:
        raise ValueError(f"{what} must have shape (batch, length, features), got {shape}")
    return shape[-1]


@keras.saving.register_keras_serializable(package="llm_tf")
class CrossLayerAttention(keras.layers.Layer):
    """``softmax(scale * h_l h_{l+1}^T) h_{l+1}`` per head, with padding masks (§3.3, §4.3).

    Args:
        key_dim: features per head of queries and keys. Without projections it must
            equal the input width divided by ``num_heads`` (``None``: that value), so
            the listing's ``CrossLayerAttention(embedding_size)`` is the formula on
            states of width ``embedding_size``. With projections, ``None`` means the
            query width divided by ``num_heads`` (at least 1).
        num_heads: number of heads ``H``; without projections the raw features are
            split into ``H`` groups of ``key_dim``.
        use_projections: learn query, key, value and output projections (Dense
            layers). ``False``: queries are ``h_l``, keys and values ``h_{l+1}``.
        value_dim: features per head of the values (projections only; default
            ``key_dim``).
        output_dim: width of the output (projections only; default the query width).
        scale: the factor on the dot products; ``None`` for ``1 / sqrt(key_dim)``.
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the projections have biases.
        kernel_initializer: initializer of the projection kernels.
        seed: seed of the attention dropout.

    Call:
        ``layer(query_states, context_states=None, query_mask=None,
        context_mask=None, return_attention_scores=False, training=None)``.
        ``query_states`` (B, Tq, Dq) are ``h_l``, ``context_states`` (B, Tk, Dk)
        are ``h_{l+1}`` (``None``: the query states themselves, self-attention).
        Masks are (B, Tq) and (B, Tk), true (or 1) where a position is real; with
        one input ``context_mask`` defaults to ``query_mask``. Returns the output
        (B, Tq, D_out), and with ``return_attention_scores`` also the weights
        (B, H, Tq, Tk) before dropout: the row of a real query sums to 1 over the
        unmasked keys; a padded query (or one with no unmasked key) has a zero row
        and a zero output.
        ``D_out`` is ``Dq`` without projections, ``output_dim`` (or ``Dq``) with.

    Example:
        >>> words = keras.ops.ones((1, 3, 4))  # h_{l+1}: 我 爱 中国
        >>> text = keras.ops.ones((1, 1, 4))  # h_l: the text level
        >>> y, w = CrossLayerAttention()(text, words, return_attention_scores=True)
        >>> tuple(y.shape), tuple(w.shape)
        ((1, 1, 4), (1, 1, 1, 3))
    """

    def __init__(
        self,
        key_dim=None,
        num_heads=1,
        use_projections=False,
        value_dim=None,
        output_dim=None,
        scale=None,
        dropout=0.0,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("key_dim", key_dim),
            ("value_dim", value_dim),
            ("output_dim", output_dim),
        ):
            if value is not None and int(value) < 1:
                raise ValueError(f"{name} must be >= 1 or None, got {value}")
        if int(num_heads) < 1:
            raise ValueError(f"num_heads must be >= 1, got {num_heads}")
        if not use_projections and (value_dim is not None or output_dim is not None):
            raise ValueError(
                "value_dim and output_dim need use_projections=True (without projections "
                f"the values are the raw context states), got value_dim={value_dim}, "
                f"output_dim={output_dim}"
            )
        if scale is not None and not (math.isfinite(float(scale)) and float(scale) > 0):
            raise ValueError(f"scale must be a positive number or None, got {scale}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.key_dim = None if key_dim is None else int(key_dim)
        self.num_heads = int(num_heads)
        self.use_projections = bool(use_projections)
        self.value_dim = None if value_dim is None else int(value_dim)
        self.output_dim = None if output_dim is None else int(output_dim)
        self.scale = None if scale is None else float(scale)
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.seed = seed
        self.attention_dropout = keras.layers.Dropout(
            self.dropout, seed=seed, dtype=self.dtype_policy
        )
        # the projections' widths depend on the inputs' widths: created in build()
        self.query_dense = self.key_dense = self.value_dense = self.output_dense = None

    # ---- shapes
    def _check_shapes(self, query_shape, context_shape):
        """ValueError naming both shapes unless they fit; returns (Dq, Dk)."""
        dq = _width(query_shape, "query_states")
        dk = _width(context_shape, "context_states")
        bq, bk = query_shape[0], context_shape[0]
        if bq is not None and bk is not None and bq != bk:
            raise ValueError(
                f"query_states and context_states must have the same batch size, got "
                f"shapes {tuple(query_shape)} and {tuple(context_shape)}"
            )
        if dq is None or dk is None:
            raise ValueError(
                f"the feature sizes must be known, got shapes {tuple(query_shape)} and "
                f"{tuple(context_shape)}"
            )
        if not self.use_projections:
            if dq != dk:
                raise ValueError(
                    "without projections (use_projections=False) the dot product h_l h_{l+1}^T "
                    "needs the same feature size on both sides, got shapes "
                    f"{tuple(query_shape)} and {tuple(context_shape)}"
                )
            if dq % self.num_heads or (
                self.key_dim is not None and self.key_dim * self.num_heads != dq
            ):
                raise ValueError(
                    f"without projections the {dq} features are split into num_heads="
                    f"{self.num_heads} heads of key_dim={self.key_dim or 'features / heads'}, "
                    f"which needs features = num_heads * key_dim; got shapes "
                    f"{tuple(query_shape)} and {tuple(context_shape)}"
                )
        return dq, dk

    def build(self, query_states_shape, context_states_shape=None):
        context_states_shape = context_states_shape or query_states_shape
        dq, dk = self._check_shapes(query_states_shape, context_states_shape)
        self._dims = (dq, dk)
        if not self.use_projections:
            self._key_dim = self._value_dim = dq // self.num_heads
            self._output_dim = dq
            return
        self._key_dim = self.key_dim or max(1, dq // self.num_heads)
        self._value_dim = self.value_dim or self._key_dim
        self._output_dim = self.output_dim or dq

        def dense(units, name):
            return keras.layers.Dense(
                units,
                use_bias=self.use_bias,
                kernel_initializer=self.kernel_initializer,
                name=name,
                dtype=self.dtype_policy,
            )

        h = self.num_heads
        self.query_dense = dense(h * self._key_dim, "query")
        self.key_dense = dense(h * self._key_dim, "key")
        self.value_dense = dense(h * self._value_dim, "value")
        self.output_dense = dense(self._output_dim, "attention_output")
        self.query_dense.build(tuple(query_states_shape))
        self.key_dense.build(tuple(context_states_shape))
        self.value_dense.build(tuple(context_states_shape))
        self.output_dense.build(tuple(query_states_shape[:-1]) + (h * self._value_dim,))

    def _split_heads(self, x, d):
        b, t = ops.shape(x)[0], ops.shape(x)[1]
        x = ops.reshape(x, (b, t, self.num_heads, d))  # (B, T, H, d)
        return ops.transpose(x, (0, 2, 1, 3))  # (B, H, T, d)

    def _mask(self, mask, states, what):
        """(B, T) boolean from a (B, T) mask; ValueError naming the shapes if it does not fit."""
        mask_shape, want = tuple(mask.shape), tuple(states.shape[:2])
        if len(mask_shape) != 2 or any(
            m is not None and s is not None and m != s
            for m, s in zip(mask_shape, want, strict=True)
        ):
            raise ValueError(
                f"{what} must have shape (batch, length) = {want} of its states "
                f"{tuple(states.shape)}, got {mask_shape}"
            )
        return ops.cast(mask, "bool")

    def call(
        self,
        query_states,
        context_states=None,
        query_mask=None,
        context_mask=None,
        return_attention_scores=False,
        training=None,
    ):
        if context_states is None:  # one input: the sequence attends to itself
            context_states = query_states
            context_mask = query_mask if context_mask is None else context_mask
        dims = self._check_shapes(tuple(query_states.shape), tuple(context_states.shape))
        if dims != self._dims:
            raise ValueError(
                f"the layer was built for feature sizes {self._dims}, got shapes "
                f"{tuple(query_states.shape)} and {tuple(context_states.shape)}"
            )
        qm = None if query_mask is None else self._mask(query_mask, query_states, "query_mask")
        km = (
            None
            if context_mask is None
            else self._mask(context_mask, context_states, "context_mask")
        )

        if self.use_projections:
            q = self.query_dense(query_states)  # (B, Tq, H * d_k)
            k = self.key_dense(context_states)  # (B, Tk, H * d_k)
            v = self.value_dense(context_states)  # (B, Tk, H * d_v)
        else:  # §4.3 on the raw states: h_l against h_{l+1}, values h_{l+1}
            q, k, v = query_states, context_states, context_states
        q = self._split_heads(q, self._key_dim)  # (B, H, Tq, d_k)
        k = self._split_heads(k, self._key_dim)  # (B, H, Tk, d_k)
        v = self._split_heads(v, self._value_dim)  # (B, H, Tk, d_v)

        # scores and softmax in float32 whatever the compute dtype (mixed precision)
        scale = self.scale if self.scale is not None else 1.0 / math.sqrt(self._key_dim)
        scores = ops.einsum("bhqd,bhkd->bhqk", ops.cast(q, "float32"), ops.cast(k, "float32"))
        scores = scale * scores  # (B, H, Tq, Tk)
        if km is not None:
            km = km[:, None, None, :]  # (B, 1, 1, Tk)
            scores = ops.where(km, scores, MASK_VALUE)
        # softmax written out: ops.softmax warns on an axis of size 1, but a single key
        # (one text-level state) is a valid context, whose weight is then exactly 1
        scores = scores - ops.max(scores, axis=-1, keepdims=True)
        weights = ops.exp(scores)
        weights = weights / ops.sum(weights, axis=-1, keepdims=True)  # rows sum to 1
        keep = km
        if qm is not None:
            q_keep = qm[:, None, :, None]  # (B, 1, Tq, 1)
            keep = q_keep if keep is None else ops.logical_and(keep, q_keep)
        if keep is not None:  # exact zeros: masked keys, padded queries, rows with no key
            weights = ops.where(keep, weights, 0.0)
        weights = ops.cast(weights, v.dtype)

        dropped = self.attention_dropout(weights, training=training)
        out = ops.einsum("bhqk,bhkd->bhqd", dropped, v)  # (B, H, Tq, d_v)
        b, tq = ops.shape(out)[0], ops.shape(out)[2]
        out = ops.reshape(
            ops.transpose(out, (0, 2, 1, 3)), (b, tq, self.num_heads * self._value_dim)
        )
        if self.use_projections:
            out = self.output_dense(out)  # (B, Tq, D_out)
            if qm is not None:  # the output bias would make padded queries non-zero
                out = ops.where(qm[:, :, None], out, ops.zeros_like(out))
        return (out, weights) if return_attention_scores else out

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "key_dim": self.key_dim,
                "num_heads": self.num_heads,
                "use_projections": self.use_projections,
                "value_dim": self.value_dim,
                "output_dim": self.output_dim,
                "scale": self.scale,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "seed": self.seed,
            }
        )
        return config
