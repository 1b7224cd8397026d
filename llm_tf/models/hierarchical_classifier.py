"""§3.3 (§4.3, §6.4): a hierarchical document classifier with cross-level attention.

§3.3 says cross-level attention "builds attention interactions between the text
level and the word level"; §6.4 names understanding (classification) as a use.
This model reads a document as sentences of words, as Yang et al.'s (2016)
hierarchical attention network does, and adds the interaction in both directions
with :class:`~llm_tf.layers.CrossLayerAttention`::

    ids (B, S, W)  S sentences of W token ids, 0 = padding
     -> word level   embedding * sqrt(D) + sinusoidal positions, then pre-norm
                     Transformer encoder blocks within each sentence (masked
                     self-attention, no causal mask)              h_w (B, S, W, D)
     -> sentence vectors: the masked mean of each sentence's word states (B, S, D)
     -> text level   + sentence positions, Transformer encoder blocks over the
                     sentences                                    h_t (B, S, D)
     -> cross level  (``cross_level=True``)
                     text attends to words: each sentence's text state queries
                     every word state of the document   h_t += CLA(h_t, h_w)
                     words attend to text: each word state queries the S text
                     states                             h_w += CLA(h_w, h_t)
                     padded words and sentences are masked on both sides
     -> word attention pooling in each sentence: alpha (B, S, W), v (B, S, D)
     -> text attention pooling over LN(h_t + v): beta (B, S), the document (B, D)
     -> softmax over the labels (B, C)

The word-level encoder is a small Transformer block (its self-attention is a
``CrossLayerAttention`` with projections, called with one input), not a GRU: it is
parallel over the words, which on CPU trains several times faster, and its masks
are exact. With ``cross_level=False`` the two cross-level attentions (and their
two layer norms) are left out and everything else is the same: the ablation.

The pooling weights alpha and beta are the word-level and text-level attention
of :meth:`HierarchicalClassifier.attention_weights`; a padded word or sentence
gets exactly zero weight, and padding (more sentences or more words of zeros)
does not change the prediction.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from llm_tf.layers import CrossLayerAttention

__all__ = ["AttentionPooling", "HierarchicalClassifier", "MaskedEncoderBlock",
           "sinusoidal_positions"]


def sinusoidal_positions(length, dim: int, dtype="float32"):
    """Vaswani et al.'s (2017) position encodings (length, dim), any length, no weights."""
    pos = ops.cast(ops.arange(length), "float32")[:, None]  # (T, 1)
    i = np.arange(dim // 2 + dim % 2, dtype="float32")
    inv = ops.convert_to_tensor(np.power(10_000.0, -2.0 * i / dim).astype("float32"))
    angles = pos * inv[None, :]  # (T, ceil(D/2))
    enc = ops.reshape(ops.stack([ops.sin(angles), ops.cos(angles)], axis=-1), (length, -1))
    return ops.cast(enc[:, :dim], dtype)


def masked_softmax(scores, mask):
    """Softmax over the last axis of float32 ``scores`` where ``mask``; a row with no
    unmasked entry is all zeros (not NaN)."""
    scores = ops.where(mask, scores, -1e9)
    scores = scores - ops.max(scores, axis=-1, keepdims=True)
    e = ops.where(mask, ops.exp(scores), 0.0)
    return e / ops.maximum(ops.sum(e, axis=-1, keepdims=True), 1e-30)


@keras.saving.register_keras_serializable(package="llm_tf")
class MaskedEncoderBlock(keras.layers.Layer):
    """A pre-norm Transformer encoder block with a padding mask (no causal mask)::

        x = x + dropout(self_attention(LN(x), mask))   a CrossLayerAttention, one input
        x = x + dropout(mlp(LN(x)))                    D -> mlp_dim (GELU) -> D

    Call: ``block(x, mask)``, x (B, T, D), mask (B, T) true where real; padded
    positions come out as zeros.
    """

    def __init__(self, num_heads=2, mlp_dim=128, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.mlp_dim = int(mlp_dim)
        self.dropout = float(dropout)
        self.seed = seed
        policy = self.dtype_policy
        seed2 = None if seed is None else seed + 1
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=1e-5, name="attention_norm", dtype=policy)
        self.attention = CrossLayerAttention(num_heads=self.num_heads, use_projections=True,
                                             dropout=self.dropout, seed=seed, name="attention",
                                             dtype=policy)
        self.attention_dropout = keras.layers.Dropout(self.dropout, seed=seed, dtype=policy)
        self.mlp_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="mlp_norm",
                                                        dtype=policy)
        self.mlp_in = keras.layers.Dense(self.mlp_dim, activation="gelu", name="mlp_in",
                                         dtype=policy)
        self.mlp_out = None  # back to the input width: created in build()
        self.mlp_dropout = keras.layers.Dropout(self.dropout, seed=seed2, dtype=policy)

    def build(self, x_shape, mask_shape=None):
        x_shape = tuple(x_shape)
        self.mlp_out = keras.layers.Dense(x_shape[-1], name="mlp_out", dtype=self.dtype_policy)
        self.attention_norm.build(x_shape)
        self.attention.build(x_shape)
        self.mlp_norm.build(x_shape)
        self.mlp_in.build(x_shape)
        self.mlp_out.build(x_shape[:-1] + (self.mlp_dim,))

    def call(self, x, mask, training=None):
        h = self.attention_norm(x)
        a = self.attention(h, query_mask=mask, training=training)  # (B, T, D)
        x = x + self.attention_dropout(a, training=training)
        m = self.mlp_out(self.mlp_in(self.mlp_norm(x)))
        x = x + self.mlp_dropout(m, training=training)
        return ops.where(ops.cast(mask, "bool")[..., None], x, ops.zeros_like(x))

    def compute_output_shape(self, x_shape, mask_shape=None):
        return x_shape

    def get_config(self):
        config = super().get_config()
        config.update({"num_heads": self.num_heads, "mlp_dim": self.mlp_dim,
                       "dropout": self.dropout, "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="llm_tf")
class AttentionPooling(keras.layers.Layer):
    """Yang et al.'s (2016) attention pooling: ``u = tanh(W x + b)``, ``a = softmax(u . c)``
    over the unmasked positions, output ``sum_t a_t x_t``.

    Call: ``pool(x, mask)``, x (..., T, D), mask (..., T); returns (pooled (..., D),
    weights (..., T) in float32, zero where masked and in rows with no position).
    """

    def __init__(self, units=64, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.projection = keras.layers.Dense(self.units, activation="tanh", name="projection",
                                             dtype=self.dtype_policy)
        self.context = keras.layers.Dense(1, use_bias=False, name="context",
                                          dtype=self.dtype_policy)

    def build(self, x_shape, mask_shape=None):
        x_shape = tuple(x_shape)
        self.projection.build(x_shape)
        self.context.build(x_shape[:-1] + (self.units,))

    def call(self, x, mask):
        scores = ops.cast(self.context(self.projection(x))[..., 0], "float32")  # (..., T)
        weights = masked_softmax(scores, ops.cast(mask, "bool"))
        pooled = ops.sum(ops.cast(weights, x.dtype)[..., None] * x, axis=-2)  # (..., D)
        return pooled, weights

    def compute_output_shape(self, x_shape, mask_shape=None):
        return tuple(x_shape[:-2]) + (x_shape[-1],), tuple(x_shape[:-1])

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


@keras.saving.register_keras_serializable(package="llm_tf")
class HierarchicalClassifier(keras.Model):
    """Word level -> text level -> cross-level attention both ways -> label (§3.3, §6.4).

    Args:
        vocab_size: token ids are ``0 .. vocab_size - 1``; 0 is padding.
        num_classes: labels ``C``.
        embedding_dim: the width ``D`` of every state (divisible by ``num_heads``).
        num_heads: heads of every attention (encoder blocks and cross level).
        mlp_dim: hidden width of the encoder blocks' MLPs (default ``2 D``).
        word_layers: encoder blocks within each sentence.
        text_layers: encoder blocks over the sentences.
        dropout: rate of the embedding, attention, residual and head dropouts.
        cross_level: the cross-level attention in both directions; ``False`` is the
            ablation (the same encoder without it).
        seed: seed of the dropouts.

    Call: ``model(ids)`` with ids (B, S, W) int -> label probabilities (B, C) (float32).

    Example:
        >>> model = HierarchicalClassifier(vocab_size=50, num_classes=3, embedding_dim=16)
        >>> model(np.ones((2, 4, 6), "int32")).shape
        (2, 3)
    """

    def __init__(self, vocab_size, num_classes, embedding_dim=64, num_heads=4, mlp_dim=None,
                 word_layers=1, text_layers=1, dropout=0.1, cross_level=True, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        for name, value, low in (("vocab_size", vocab_size, 2), ("num_classes", num_classes, 2),
                                 ("embedding_dim", embedding_dim, 1), ("num_heads", num_heads, 1),
                                 ("word_layers", word_layers, 1), ("text_layers", text_layers, 1)):
            if isinstance(value, bool) or int(value) < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if int(embedding_dim) % int(num_heads):
            raise ValueError(f"embedding_dim ({embedding_dim}) must be divisible by num_heads "
                             f"({num_heads})")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.vocab_size = int(vocab_size)
        self.num_classes = int(num_classes)
        self.embedding_dim = int(embedding_dim)
        self.num_heads = int(num_heads)
        self.mlp_dim = int(mlp_dim) if mlp_dim else 2 * self.embedding_dim
        self.word_layers = int(word_layers)
        self.text_layers = int(text_layers)
        self.dropout = float(dropout)
        self.cross_level = bool(cross_level)
        self.seed = seed
        policy, d = self.dtype_policy, self.embedding_dim

        def seeded(k):
            return None if seed is None else seed + 10 * k

        self.embedding = keras.layers.Embedding(
            self.vocab_size, d, embeddings_initializer=keras.initializers.RandomNormal(
                stddev=d ** -0.5), name="embedding", dtype=policy)
        self.embedding_dropout = keras.layers.Dropout(self.dropout, seed=seeded(1), dtype=policy)
        self.word_blocks = [
            MaskedEncoderBlock(self.num_heads, self.mlp_dim, self.dropout, seed=seeded(2 + i),
                               name=f"word_block_{i}", dtype=policy)
            for i in range(self.word_layers)]
        self.text_blocks = [
            MaskedEncoderBlock(self.num_heads, self.mlp_dim, self.dropout, seed=seeded(20 + i),
                               name=f"text_block_{i}", dtype=policy)
            for i in range(self.text_layers)]
        self.word_pool = AttentionPooling(d, name="word_attention", dtype=policy)
        self.word_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="word_norm",
                                                         dtype=policy)
        self.text_pool = AttentionPooling(d, name="text_attention", dtype=policy)
        self.text_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="text_norm",
                                                         dtype=policy)
        self.head_dropout = keras.layers.Dropout(self.dropout, seed=seeded(40), dtype=policy)
        self.head = keras.layers.Dense(self.num_classes, name="classifier", dtype=policy)
        self.cross_word_norm = self.cross_text_norm = None
        self.text_to_words = self.words_to_text = self.cross_dropout = None
        if self.cross_level:  # created last: the ablation's weights are a prefix of these

            def cla(name, k):
                return CrossLayerAttention(num_heads=self.num_heads, use_projections=True,
                                           dropout=self.dropout, seed=seeded(k), name=name,
                                           dtype=policy)

            self.cross_word_norm = keras.layers.LayerNormalization(
                epsilon=1e-5, name="cross_word_norm", dtype=policy)
            self.cross_text_norm = keras.layers.LayerNormalization(
                epsilon=1e-5, name="cross_text_norm", dtype=policy)
            self.text_to_words = cla("text_to_words", 50)
            self.words_to_text = cla("words_to_text", 51)
            self.cross_dropout = keras.layers.Dropout(self.dropout, seed=seeded(52), dtype=policy)

    def build(self, input_shape=(None, None, None)):
        b = input_shape[0]
        d = self.embedding_dim
        words, texts = (None, None, d), (b, None, d)
        self.embedding.build((b, None, None))
        for block in self.word_blocks:
            block.build(words)
        for block in self.text_blocks:
            block.build(texts)
        self.word_pool.build((b, None, None, d))
        self.word_norm.build((b, None, None, d))
        self.text_pool.build(texts)
        self.text_norm.build(texts)
        self.head.build((b, d))
        if self.cross_level:
            self.cross_word_norm.build((b, None, d))
            self.cross_text_norm.build(texts)
            self.text_to_words.build(texts, (b, None, d))
            self.words_to_text.build((b, None, d), texts)
        self.built = True

    # ---- the forward pass, with every attention kept for attention_weights()
    def _forward(self, ids, training=None):
        ids = ops.cast(ids, "int32")
        shape = ops.shape(ids)
        b, s, w = shape[0], shape[1], shape[2]
        d = self.embedding_dim
        word_mask = ops.not_equal(ids, 0)  # (B, S, W)
        sentence_mask = ops.any(word_mask, axis=-1)  # (B, S)
        dtype = self.compute_dtype

        # ---- word level, within each sentence
        x = self.embedding(ids) * ops.cast(math.sqrt(d), dtype)  # (B, S, W, D)
        x = x + sinusoidal_positions(w, d, dtype)[None, None]
        x = self.embedding_dropout(x, training=training)
        x = ops.reshape(x, (-1, w, d))  # (B*S, W, D)
        flat_mask = ops.reshape(word_mask, (-1, w))  # (B*S, W)
        for block in self.word_blocks:
            x = block(x, flat_mask, training=training)
        h_w = ops.reshape(x, (b, s, w, d))  # (B, S, W, D)

        # ---- sentence vectors and the text level
        counts = ops.sum(ops.cast(word_mask, dtype), axis=-1, keepdims=True)  # (B, S, 1)
        sentences = ops.sum(h_w, axis=2) / ops.maximum(counts, 1.0)  # (B, S, D)
        t = sentences + sinusoidal_positions(s, d, dtype)[None]
        t = ops.where(sentence_mask[..., None], t, ops.zeros_like(t))
        for block in self.text_blocks:
            t = block(t, sentence_mask, training=training)  # (B, S, D)

        # ---- cross level, both directions
        out = {}
        if self.cross_level:
            words = ops.reshape(h_w, (b, -1, d))  # (B, S*W, D): every word of the document
            words_mask = ops.reshape(word_mask, (b, -1))  # (B, S*W)
            nw, nt = self.cross_word_norm(words), self.cross_text_norm(t)
            c_t, out["text_to_words"] = self.text_to_words(
                nt, nw, query_mask=sentence_mask, context_mask=words_mask,
                return_attention_scores=True, training=training)  # (B, S, D), (B, H, S, S*W)
            c_w, out["words_to_text"] = self.words_to_text(
                nw, nt, query_mask=words_mask, context_mask=sentence_mask,
                return_attention_scores=True, training=training)  # (B, S*W, D), (B, H, S*W, S)
            t = t + self.cross_dropout(c_t, training=training)
            words = words + self.cross_dropout(c_w, training=training)
            h_w = ops.reshape(words, (b, s, w, d))

        # ---- pooling: words -> sentence, sentences -> document
        v, out["word"] = self.word_pool(self.word_norm(h_w), word_mask)  # (B, S, D), (B, S, W)
        g = self.text_norm(t + v)
        doc, out["text"] = self.text_pool(g, sentence_mask)  # (B, D), (B, S)
        logits = self.head(self.head_dropout(doc, training=training))
        out["logits"] = ops.cast(logits, "float32")  # (B, C)
        return out

    def call(self, ids, training=None):
        return ops.softmax(self._forward(ids, training=training)["logits"], axis=-1)

    def attention_weights(self, ids) -> dict:
        """The attention of one document ``ids`` (S, W) (or (1, S, W)), as numpy arrays.

        Returns ``word`` (S, W): each sentence's pooling weights over its words;
        ``text`` (S,): the pooling weights over the sentences; ``probabilities``
        (C,); and with ``cross_level`` ``text_to_words`` (H, S, S, W) (sentence i's
        weights over word w of sentence j) and ``words_to_text`` (H, S, W, S).
        Real rows sum to 1; padded words and sentences have zero weight.
        """
        ids = np.asarray(ids)
        if ids.ndim == 2:
            ids = ids[None]
        if ids.ndim != 3 or ids.shape[0] != 1:
            raise ValueError(f"attention_weights takes one document (S, W), got shape "
                             f"{ids.shape}")
        _, s, w = ids.shape
        out = {k: np.asarray(ops.convert_to_numpy(ops.cast(v, "float32")))[0]
               for k, v in self._forward(ids, training=False).items()}
        logits = out.pop("logits")
        e = np.exp(logits - logits.max())
        result = {"word": out["word"], "text": out["text"], "probabilities": e / e.sum()}
        if self.cross_level:
            h = self.num_heads
            result["text_to_words"] = out["text_to_words"].reshape(h, s, s, w)
            result["words_to_text"] = out["words_to_text"].reshape(h, s, w, s)
        return result

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocab_size": self.vocab_size,
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim,
            "num_heads": self.num_heads,
            "mlp_dim": self.mlp_dim,
            "word_layers": self.word_layers,
            "text_layers": self.text_layers,
            "dropout": self.dropout,
            "cross_level": self.cross_level,
            "seed": self.seed,
        })
        return config
