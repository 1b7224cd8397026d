"""GloVe: weighted least squares on log co-occurrences, trained by Keras ``fit`` (§3.1.2, §4.1.2).

§3.1.2's listing factorises a 3x3 co-occurrence matrix with
``glove-factorization(cooccurrence_matrix, embedding_size)``;
:func:`glove_factorization` runs it. The objective is the paper's (Pennington,
Socher and Manning, 2014, eq. 8), not the one printed in §4.1.2 (see
``docs/errata.md`` and :func:`article_objective`):

    J = Σ_{i,j: X_ij > 0} f(X_ij) (w_i · w̃_j + b_i + b̃_j - log X_ij)²,
    f(x) = min(1, (x / x_max) ** alpha),   x_max = 100, alpha = 3/4.

``x_max`` = 100 is the paper's, for corpora of billions of tokens. On a small corpus
most counts are 1-2, so ``f(x)`` stays near 0.04 and the fit barely moves: use 10, the
value of ``glove.c``'s own ``demo.sh`` (text8, 17M tokens), for corpora of a few million
tokens or fewer (PTB, 887k tokens, 15 epochs: WordSim-353 0.19 with 10 against 0.10
with 100; ``docs/benchmarks.md``). The default stays the paper's.

Training follows the paper and ``glove.c``: the nonzero cells are visited in a new
random order each epoch, AdaGrad with initial rate 0.05, and the word vectors
returned are ``W + W̃``. The AdaGrad step is ``glove.c``'s: with ``g`` the gradient
of ``J / 2`` (clipped to ±100), ``θ -= η g / √G`` and then ``G += (η g)²``, ``G``
starting at 1 (the same as textbook AdaGrad with rate 1 and a starting sum of
``1/η²``). It touches only the rows of the batch (``scatter_nd``); Keras' own
``Adagrad`` would take a square root over the whole (V, D) accumulator at every
step.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.text import id_stream, pipeline
from llm_tf.vectors.config import GLOVE_GENSIM_NAMES, GloVeConfig, config_overrides
from llm_tf.vectors.cooccurrence import Cooccurrence, count_cooccurrences
from llm_tf.vectors.trainer import WordVectorTrainer
from llm_tf.vectors.word_vectors import WordVectors

GRAD_CLIP = 100.0  # glove.c's grad_clip_value


def weighting(x, x_max: float = 100.0, alpha: float = 0.75):
    """GloVe's weighting ``f(x) = min(1, (x / x_max) ** alpha)`` (numpy or tensor input)."""
    if isinstance(x, tf.Tensor):
        return tf.minimum(1.0, tf.pow(x / x_max, alpha))
    return np.minimum(1.0, (np.asarray(x, np.float64) / x_max) ** alpha)


def glove_objective(w, w_ctx, b, b_ctx, cooc: Cooccurrence, x_max=100.0, alpha=0.75) -> float:
    """The paper's J (eq. 8) in numpy, summed over the nonzero cells of ``cooc``."""
    i, j, x = cooc.rows, cooc.cols, cooc.values
    pred = np.einsum("nd,nd->n", w[i], w_ctx[j]) + b[i] + b_ctx[j]
    return float(np.sum(weighting(x, x_max, alpha) * (pred - np.log(x)) ** 2))


def article_objective(vectors, pairs, decay=lambda d: 1.0 / (1.0 + d)) -> float:
    """§4.1.2's printed objective, for the erratum: it ignores the counts.

    ``J = Σ_(i,j) 1/f(d_ij) · log(exp(<v_i, v_j>) / (||v_i|| ||v_j||))`` with
    ``d_ij = ||v_i - v_j||``. The article leaves the "decay function" ``f``
    undefined; any positive ``f`` shows the same defects.
    """
    v = np.asarray(vectors, np.float64)
    i, j = np.asarray(pairs).T
    dot = np.einsum("nd,nd->n", v[i], v[j])
    norms = np.linalg.norm(v[i], axis=1) * np.linalg.norm(v[j], axis=1)
    d = np.linalg.norm(v[i] - v[j], axis=1)
    return float(np.sum(1.0 / decay(d) * (dot - np.log(norms))))  # log(exp(s) / n) = s - log n


@keras.saving.register_keras_serializable(package="llm_tf")
class GloVeModel(keras.Model):
    """Word and context vectors with biases, and a sparse AdaGrad train step.

    ``call(rows, cols)`` returns ``w_i · w̃_j + b_i + b̃_j`` (B,); ``fit`` takes
    batches ``(rows, cols, counts)``. The compiled optimizer only supplies the
    learning rate (a float or schedule) and counts steps.

    Args:
        vocab_size: V.
        embedding_dim: vector size.
        x_max, alpha: the weighting function's parameters.
        initial_accumulator: AdaGrad's starting sum (1 in glove.c).
        seed: seed of the initial weights.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 100,
        x_max: float = 100.0,
        alpha: float = 0.75,
        initial_accumulator: float = 1.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.x_max = x_max
        self.alpha = alpha
        self.initial_accumulator = initial_accumulator
        self.seed = seed
        half = 0.5 / embedding_dim  # glove.c: U(-0.5, 0.5) / D for vectors and biases

        def table(name, dim, k):
            init = keras.initializers.RandomUniform(
                -half, half, seed=None if seed is None else seed + k
            )
            return keras.layers.Embedding(
                vocab_size, dim, embeddings_initializer=init, dtype=self.dtype_policy, name=name
            )

        self.word_embedding = table("word_embedding", embedding_dim, 0)  # W
        self.context_embedding = table("context_embedding", embedding_dim, 1)  # W~
        self.word_bias = table("word_bias", 1, 2)  # b
        self.context_bias = table("context_bias", 1, 3)  # b~
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def build(self, input_shape=None):
        self._tables = [
            self.word_embedding,
            self.context_embedding,
            self.word_bias,
            self.context_bias,
        ]
        for layer in self._tables:
            layer.build()
        self.accumulators = [
            self.add_weight(
                shape=(self.vocab_size, layer.output_dim),
                initializer=keras.initializers.Constant(self.initial_accumulator),
                trainable=False,
                name=f"{layer.name}_adagrad",
            )
            for layer in self._tables
        ]
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, rows, cols=None):
        if cols is None:  # called with one (rows, cols) pair
            rows, cols = rows
        w, wc = self.word_embedding(rows), self.context_embedding(cols)
        bias = self.word_bias(rows)[..., 0] + self.context_bias(cols)[..., 0]
        return keras.ops.sum(w * wc, axis=-1) + bias

    def train_step(self, data):
        rows, cols, x = data
        x = tf.cast(x, self.compute_dtype)
        lr = tf.cast(self.optimizer.learning_rate, self.compute_dtype)
        tables = [t.embeddings.value for t in self._tables]
        w, wc = tf.gather(tables[0], rows), tf.gather(tables[1], cols)
        b, bc = tf.gather(tables[2], rows)[:, 0], tf.gather(tables[3], cols)[:, 0]
        diff = tf.reduce_sum(w * wc, axis=-1) + b + bc - tf.math.log(x)  # (B,)
        f = weighting(x, self.x_max, self.alpha)
        fdiff = f * diff
        grads = [fdiff[:, None] * wc, fdiff[:, None] * w, fdiff[:, None], fdiff[:, None]]
        indices = [rows, cols, rows, cols]
        for table, acc, idx, g in zip(tables, self.accumulators, indices, grads, strict=True):
            # glove.c's AdaGrad: step = lr*g / sqrt(G), then G += (lr*g)^2, G0 = 1.
            idx = idx[:, None]
            acc = acc.value
            step = lr * tf.clip_by_value(g, -GRAD_CLIP, GRAD_CLIP)
            table.scatter_nd_sub(idx, step * tf.math.rsqrt(tf.gather_nd(acc, idx)))
            acc.scatter_nd_add(idx, step * step)
        self.optimizer.iterations.assign_add(1)
        self.loss_tracker.update_state(tf.reduce_mean(fdiff * diff), sample_weight=tf.size(diff))
        return {"loss": self.loss_tracker.result()}

    def word_vectors(self, combine: str = "sum") -> np.ndarray:
        """``W + W̃`` (the paper's choice), or ``"word"`` (W) or ``"context"`` (W̃)."""
        w = keras.ops.convert_to_numpy(self.word_embedding.embeddings)
        wc = keras.ops.convert_to_numpy(self.context_embedding.embeddings)
        if combine not in ("sum", "word", "context"):
            raise UserInputError(f"combine must be sum, word or context, got {combine!r}")
        return {"sum": w + wc, "word": w, "context": wc}[combine]

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.vocab_size,
            embedding_dim=self.embedding_dim,
            x_max=self.x_max,
            alpha=self.alpha,
            initial_accumulator=self.initial_accumulator,
            seed=self.seed,
        )
        return config


def cooccurrence_dataset(cooc: Cooccurrence, batch_size: int, seed: int, repeat: int = 1):
    """A ``tf.data.Dataset`` of ``(rows, cols, counts)`` batches, reshuffled each iteration."""
    epoch = [0]
    n = cooc.nnz

    def gen():
        rng = np.random.default_rng([seed, epoch[0]])
        epoch[0] += 1
        for _ in range(repeat):
            order = rng.permutation(n)
            for s in range(0, n, batch_size):
                idx = order[s : s + batch_size]
                yield cooc.rows[idx], cooc.cols[idx], cooc.values[idx].astype(np.float32)

    spec = tf.TensorSpec((None,), tf.int32)
    ds = tf.data.Dataset.from_generator(
        gen, output_signature=(spec, spec, tf.TensorSpec((None,), tf.float32))
    )
    steps = repeat * -(-n // batch_size)
    return pipeline.finish(ds.apply(tf.data.experimental.assert_cardinality(steps)))


def _new_model(cfg: GloVeConfig, vocab_size: int, steps_per_execution: int) -> GloVeModel:
    model = GloVeModel(
        vocab_size, cfg.embedding_dim, x_max=cfg.x_max, alpha=cfg.alpha, seed=cfg.seed, name="glove"
    )
    model.build()
    model.compile(
        optimizer=keras.optimizers.SGD(cfg.learning_rate),  # supplies the rate only
        jit_compile=False,
        steps_per_execution=steps_per_execution,
    )
    return model


class GloVe(WordVectorTrainer):
    """``GloVe(config).fit(corpus)`` then ``get_word_vectors()`` (``W + W̃``).

    Keywords are config fields (``GloVe(embedding_dim=50)``) or, as for
    :class:`~llm_tf.vectors.Word2Vec`, gensim's ``vector_size``; ``wv`` holds the
    vectors as gensim's ``model.wv`` does.
    """

    config_class = GloVeConfig

    def __init__(self, config: GloVeConfig | None = None, **options):
        if config is not None and not isinstance(config, GloVeConfig):
            raise TypeError(f"GloVe() takes a GloVeConfig, got a {type(config).__name__}")
        super().__init__(config, **config_overrides(GloVeConfig, options, GLOVE_GENSIM_NAMES,
                                                     "GloVe"))
        self.cooccurrence: Cooccurrence | None = None
        self._wv: WordVectors | None = None

    @property
    def wv(self) -> WordVectors:
        """``W + W̃`` as gensim's ``model.wv``: a snapshot, taken again after each ``fit``."""
        if self._wv is None:
            self._wv = self.get_word_vectors()
        return self._wv

    def count(self, source) -> Cooccurrence:
        """Build the vocabulary and the co-occurrence counts (two streaming passes)."""
        cfg = self.config
        self.build_vocab(source)
        encoded = id_stream.encode_lines(self._tokens(source)(), self.vocab.index)
        try:
            self.cooccurrence = count_cooccurrences(
                encoded.chunks(), len(self.vocab), cfg.window, symmetric=cfg.symmetric
            )
        finally:
            encoded.close()
        return self.cooccurrence

    def fit(self, source=None, epochs: int | None = None, verbose="auto", callbacks=None):
        """Count (unless :meth:`count` ran) and train; returns Keras' ``History``."""
        cfg = self.config
        epochs = self._epochs(epochs)
        if source is not None:
            self.count(source)
        if self.cooccurrence is None:
            raise UserInputError("fit() needs a corpus (or call count() first)")
        self._wv = None  # the weights are about to change
        ds = cooccurrence_dataset(self.cooccurrence, cfg.batch_size, cfg.seed)
        steps = -(-self.cooccurrence.nnz // cfg.batch_size)
        if self.model is None:
            self.model = _new_model(cfg, len(self.vocab), min(cfg.steps_per_execution, steps))
        return self.model.fit(
            ds, epochs=epochs, verbose=verbose, callbacks=callbacks, shuffle=False
        )

    def get_word_vectors(self, combine: str = "sum") -> WordVectors:
        """``W + W̃`` (the paper's choice), or ``"word"`` (W) or ``"context"`` (W̃)."""
        return super().get_word_vectors(combine=combine)

    def _vector_matrix(self, combine: str = "sum") -> np.ndarray:
        return self.model.word_vectors(combine)


def glove_factorization(
    cooccurrence_matrix,
    embedding_size: int,
    steps: int = 1000,
    learning_rate: float = 0.5,
    x_max: float = 100.0,
    alpha: float = 0.75,
    seed: int = 1,
    return_model: bool = False,
):
    """The §3.1.2 listing: GloVe vectors (``W + W̃``, shape (V, embedding_size)) of a dense matrix.

    Each step is one AdaGrad step on all nonzero cells (small matrices fit in one
    batch); the rate is higher than the paper's 0.05, which suits millions of cells. With ``return_model`` the trained :class:`GloVeModel` is returned too,
    to check ``w_i · w̃_j + b_i + b̃_j ≈ log X_ij``.

    Example:
        >>> X = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]])
        >>> glove_factorization(X, embedding_size=2).shape
        (3, 2)
    """
    cooc = Cooccurrence.from_dense(cooccurrence_matrix)
    if not isinstance(embedding_size, int) or embedding_size < 1:
        raise UserInputError(f"embedding_size must be a positive integer, got {embedding_size!r}")
    cfg = GloVeConfig(
        embedding_dim=embedding_size,
        x_max=x_max,
        alpha=alpha,
        learning_rate=learning_rate,
        batch_size=max(cooc.nnz, 1),
        seed=seed,
    )
    model = _new_model(cfg, cooc.vocab_size, steps_per_execution=min(100, steps))
    ds = cooccurrence_dataset(cooc, cooc.nnz, seed, repeat=steps)
    model.fit(ds, epochs=1, verbose=0, shuffle=False)
    vectors = model.word_vectors("sum")
    return (vectors, model) if return_model else vectors
