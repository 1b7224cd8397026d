"""Word2Vec: skip-gram and CBOW with negative sampling, trained by Keras ``fit`` (§3.1.1, §4.1.1).

§3.1.1 sketches ``model.fit(sequence, epochs=10)`` then ``model.get_word_vectors()``;
§4.1.1 gives the skip-gram objective ``J = -Σ_i Σ_{j∈context(i)} log p(w_j | w_i)``.
The full softmax ``p(w_j | w_i)`` costs a pass over the vocabulary per pair, so
word2vec replaces it by negative sampling (Mikolov et al., 2013): for a pair of
words in a window, input word ``i`` and predicted word ``o``, and ``K`` noise words
``n_k ~ P(w) ∝ count(w)^0.75``,

    loss(i, o) = -log σ(v_i · u_o) - Σ_k log σ(-v_i · u_{n_k})

with input vectors ``v`` (``target_embedding``, the word vectors returned) and
output vectors ``u`` (``context_embedding``). As in word2vec.c and gensim, the
predicted word is the window's centre and each context word is an input (the same
pairs as §4.1.1's, read the other way round); CBOW predicts the centre from the
mean of the context words' input vectors.

Speed (a pair-at-a-time Keras model is several times slower; the figures are in
``docs/benchmarks.md``):

- Skip-gram trains by default with word2vec.c's and gensim's own update: each pair
  in turn moves its input row and its ``1 + K`` output rows (``update="kernel"``), in a
  compiled TensorFlow op (:mod:`llm_tf.vectors.native`, built on first use), ``workers``
  threads on parts of each batch at once without row locks, as gensim's workers do.
  The rest of this list is the batched step (``update="batched"``; CBOW, or where no
  C++ compiler is found), TensorFlow ops on whole batches of pairs.
- Each step takes all the pairs of ``words_per_batch`` consecutive corpus tokens
  (about 8k pairs for 2048 words) from :mod:`llm_tf.vectors.skipgram_data`, made with
  numpy in a ``tf.data`` generator, and ``steps_per_execution`` steps run per
  compiled call. A small corpus takes fewer words per step
  (:func:`llm_tf.vectors.skipgram_data.words_per_step`: at least
  ``MIN_STEPS_PER_EPOCH`` steps an epoch), since there the batching costs quality: few
  updates, each summed over many pairs.
- ``negative_group`` pairs share one draw of ``K`` negatives (pair ``p`` of a batch
  uses group ``p % G``, so a group's pairs have different centre words): every pair
  still meets exactly ``K`` negatives, but the step is a few small batched matrix
  products instead of ``K`` gathers per pair (after Ji et al., 2016, HogBatch). The
  train step permutes the pairs' ids so that groups are contiguous; no (P, D) array
  is ever transposed.
- The gradients are the closed form above (:func:`llm_tf.vectors.sgns.sgns_gradients`),
  equal to automatic differentiation of :meth:`Word2VecModel.call`'s logits
  (tested), with the learning rate folded into per-pair scalars, and plain SGD
  touches only the rows of the batch (``scatter_nd_sub``). The learning rate is the
  compiled optimizer's, a schedule decaying linearly to ``1e-4`` of its start over
  all the training words, as in word2vec; the optimizer's own update (which would
  touch every row for Adam, and costs extra passes for SGD) is not used.
- Summed over a big batch, a row that many pairs touch (``the`` as a noise word)
  would take hundreds of steps at once and diverge; ``max_row_updates`` scales such
  a row's step down to that many pairs' worth. Sequential word2vec needs no cap;
  this is the price of batching (measured in ``docs/benchmarks.md``).

The train step uses TensorFlow ops (sparse updates and ``tf.data`` are
TensorFlow's); the forward ``call`` uses ``keras.ops``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.files import check_model_file, read_json
from llm_tf.text import id_stream
from llm_tf.text.vocab import SPECIALS, Vocabulary
from llm_tf.vectors import skipgram_data
from llm_tf.vectors.config import WORD2VEC_GENSIM_NAMES, Word2VecConfig, config_overrides
from llm_tf.vectors.sgns import sgns_gradients
from llm_tf.vectors.trainer import WordVectorTrainer
from llm_tf.vectors.word_vectors import WordVectors


@keras.saving.register_keras_serializable(package="llm_tf")
class Word2VecModel(keras.Model):
    """Input and output embeddings with word2vec's sparse SGD train step.

    ``call(inputs, candidates)`` (or ``call((inputs, candidates))``) returns the
    logits ``v · u`` of shape (B, C): ``inputs`` is (B,) centre ids (skip-gram) or
    (B, 2W) context ids padded with 0 (CBOW, averaged). ``fit`` expects the batches
    of :func:`llm_tf.vectors.skipgram_data.make_dataset`; the compiled optimizer supplies the
    learning rate (a float or a schedule) and counts the steps.

    Args:
        vocab_size: rows of both embeddings (ids 0-3 are the special tokens).
        embedding_dim: vector size.
        negative: noise words per pair.
        cbow: CBOW instead of skip-gram.
        negative_group: pairs sharing one draw of negatives.
        seed: seed of the initial weights and of the negative sampler.
        max_row_updates: most pair-updates one row takes per step (None: no cap).
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 100,
        negative: int = 5,
        cbow: bool = False,
        negative_group: int = 16,
        seed: int | None = None,
        max_row_updates: float | None = 64.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.negative = negative
        self.cbow = cbow
        self.negative_group = negative_group
        self.seed = seed
        self.max_row_updates = max_row_updates
        half = 0.5 / embedding_dim  # word2vec.c: input U(-0.5/D, 0.5/D), output zeros
        self.target_embedding = keras.layers.Embedding(
            vocab_size,
            embedding_dim,
            embeddings_initializer=keras.initializers.RandomUniform(-half, half, seed=seed),
            dtype=self.dtype_policy,
            name="target_embedding",
        )
        self.context_embedding = keras.layers.Embedding(
            vocab_size,
            embedding_dim,
            embeddings_initializer="zeros",
            dtype=self.dtype_policy,
            name="context_embedding",
        )
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self._kernel = None  # set by use_kernel(): (op module, workers, alias tables)

    def build(self, input_shape=None):
        self.target_embedding.build()
        self.context_embedding.build()
        # Cumulative noise distribution, set by `set_noise_distribution`.
        self.noise_cdf = self.add_weight(
            shape=(self.vocab_size,), initializer="zeros", trainable=False, name="noise_cdf"
        )
        self.built = True

    def set_noise_distribution(self, probabilities: np.ndarray) -> None:
        """Use ``probabilities`` (V,) for the negatives (e.g. counts ** 0.75, normalised)."""
        p = np.asarray(probabilities, np.float64)
        if p.shape != (self.vocab_size,) or p.min() < 0 or p.sum() <= 0:
            raise UserInputError(f"noise distribution must be ({self.vocab_size},) >= 0")
        self.noise_cdf.assign(np.cumsum(p / p.sum()).astype("float32"))

    def use_kernel(self, module, workers: int = 1) -> None:
        """Train with the compiled pair-by-pair update (:mod:`llm_tf.vectors.native`'s
        op ``module``, ``workers`` threads), or with the batched step (``module=None``).

        Takes effect at the next ``compile``; the noise distribution must be set.
        """
        if module is None:
            self._kernel = None
            return
        if self.cbow:
            raise UserInputError("the kernel update is skip-gram's; CBOW trains batched")
        from llm_tf.vectors.native import alias_tables

        p = np.diff(np.concatenate([[0.0], np.asarray(self.noise_cdf.numpy(), np.float64)]))
        keep, alias = alias_tables(np.maximum(p, 0.0))
        self._kernel = (module, int(workers), tf.constant(keep), tf.constant(alias))

    @property
    def metrics(self):
        return [self.loss_tracker]

    def _input_vectors(self, inputs):
        if not self.cbow:
            return self.target_embedding(inputs)
        mask = keras.ops.cast(keras.ops.not_equal(inputs, 0), self.compute_dtype)
        total = keras.ops.sum(self.target_embedding(inputs) * mask[..., None], axis=1)
        return total / keras.ops.maximum(keras.ops.sum(mask, axis=1, keepdims=True), 1.0)

    def call(self, inputs, candidates=None):
        if candidates is None:  # called with one (inputs, candidates) pair
            inputs, candidates = inputs
        v = self._input_vectors(inputs)  # (B, D)
        u = self.context_embedding(candidates)  # (B, C, D)
        return keras.ops.einsum("bd,bcd->bc", v, u)  # (B, C)

    def sample_negatives(self, groups):
        """(groups, negative) ids drawn from the noise distribution."""
        u = keras.random.uniform((groups, self.negative), seed=self.seed_generator)
        ids = tf.searchsorted(self.noise_cdf, tf.reshape(u, [-1]), side="right")
        return tf.reshape(tf.minimum(ids, self.vocab_size - 1), [groups, self.negative])

    def _row_scale(self, indices, weights=None):
        """``min(1, cap / n)`` for each entry, where ``n`` pairs of the batch touch its row."""
        if not self.max_row_updates:
            return tf.ones(tf.shape(indices), self.compute_dtype)
        counts = tf.math.bincount(
            indices, weights=weights, minlength=self.vocab_size, dtype=self.compute_dtype
        )
        n = tf.gather(counts, indices)
        return tf.minimum(1.0, self.max_row_updates / tf.maximum(n, 1.0))

    def _kernel_step(self, centres, contexts):
        """One batch by the compiled op: each pair's SGD update in turn, in place."""
        module, workers, keep, alias = self._kernel
        seed = tf.cast(self.optimizer.iterations, tf.int64) + 1_000_003 * (self.seed or 0)
        loss, n_pairs = module.llm_tf_sgns_update(
            self.target_embedding.embeddings.value.handle,
            self.context_embedding.embeddings.value.handle,
            tf.cast(contexts, tf.int32),
            tf.cast(centres, tf.int32),
            keep,
            alias,
            tf.cast(self.optimizer.learning_rate, tf.float32),
            seed,
            negative=self.negative,
            threads=workers,
        )
        return loss, n_pairs

    def train_step(self, data):
        centres, contexts = data[0], data[1]  # data[2]: corpus words in the batch
        step = self._batched_step if self._kernel is None else self._kernel_step
        loss, n_pairs = step(centres, contexts)
        self.optimizer.iterations.assign_add(1)  # drives the learning-rate schedule
        self.loss_tracker.update_state(loss / tf.maximum(n_pairs, 1.0), sample_weight=n_pairs)
        return {"loss": self.loss_tracker.result()}

    def _batched_step(self, centres, contexts):
        """One batch by TensorFlow ops: the pairs' closed-form gradients summed, sparse SGD."""
        p = tf.shape(centres)[0]
        groups = p // self.negative_group
        # Pair p uses the negatives of group p % G, so that a group's pairs have
        # different centres: permute the (cheap) index arrays so that those groups
        # are contiguous, instead of transposing (P, D) arrays.
        order = tf.reshape(tf.transpose(tf.reshape(tf.range(p), [-1, groups])), [-1])
        centres, contexts = tf.gather(centres, order), tf.gather(contexts, order)
        # As in word2vec.c and gensim, the centre word is the one predicted: skip-gram
        # predicts it from each context word's vector, CBOW from their mean.
        positives = centres
        w_in = self.target_embedding.embeddings.value  # the tf.Variable
        w_out = self.context_embedding.embeddings.value
        lr = tf.cast(self.optimizer.learning_rate, self.compute_dtype)
        weight = tf.cast(tf.not_equal(positives, 0), self.compute_dtype)  # pad rows: 0
        negatives = self.sample_negatives(groups)  # (G, K)
        u_pos = tf.gather(w_out, positives)  # (P, D)
        u_neg = tf.gather(w_out, negatives)  # (G, K, D)
        # Rows touched by many pairs of one step take at most `max_row_updates` of them.
        out_scale = lr * self._row_scale(
            tf.concat([positives, tf.reshape(negatives, [-1])], 0),
            tf.concat([weight, tf.fill([groups * self.negative], float(self.negative_group))], 0),
        )
        pos_scale = out_scale[:p]
        neg_scale = tf.reshape(out_scale[p:], [groups, self.negative])
        if self.cbow:
            mask = tf.cast(tf.not_equal(contexts, 0), self.compute_dtype)  # (P, 2W)
            count = tf.maximum(tf.reduce_sum(mask, axis=1, keepdims=True), 1.0)
            v = tf.reduce_sum(tf.gather(w_in, contexts) * mask[..., None], axis=1) / count
            v_scale = None
        else:
            v = tf.gather(w_in, contexts)  # (P, D)
            v_scale = lr * self._row_scale(contexts)
        grad_v, grad_pos, grad_neg, (loss, n_pairs) = sgns_gradients(
            v,
            u_pos,
            u_neg,
            positives,
            negatives,
            weight,
            v_scale,
            pos_scale,
            neg_scale,
            loss_groups=max(1, 1024 // self.negative_group),
            strided=False,  # the pairs were permuted above
        )
        # Plain SGD on the touched rows only (duplicates summed).
        if self.cbow:  # word2vec.c adds the mean's error to every context word
            flat = tf.reshape(contexts, [-1])
            ctx_scale = lr * self._row_scale(flat) * tf.reshape(mask, [-1])
            rows = tf.reshape(
                grad_v[:, None, :] * tf.reshape(ctx_scale, tf.shape(mask))[..., None],
                [-1, self.embedding_dim],
            )
            w_in.scatter_nd_sub(flat[:, None], rows)
        else:
            w_in.scatter_nd_sub(contexts[:, None], grad_v)
        w_out.scatter_nd_sub(positives[:, None], grad_pos)
        w_out.scatter_nd_sub(
            tf.reshape(negatives, [-1, 1]), tf.reshape(grad_neg, [-1, self.embedding_dim])
        )
        return loss, n_pairs

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.vocab_size,
            embedding_dim=self.embedding_dim,
            negative=self.negative,
            cbow=self.cbow,
            negative_group=self.negative_group,
            seed=self.seed,
            max_row_updates=self.max_row_updates,
        )
        return config


# ---- the trainer behind the listing's `model.fit(sequence)` / `model.get_word_vectors()`


class Word2Vec(WordVectorTrainer):
    """The listing's ``model``: ``fit(sequence_or_corpus, epochs=10)``, ``get_word_vectors()``.

    gensim's spelling works too: ``Word2Vec(sentences, vector_size=100, window=5,
    min_count=1, sg=1, negative=5, epochs=5, seed=1, workers=4)`` trains at once on
    ``sentences`` (token lists) or ``corpus_file`` (a path); ``model.wv`` holds the
    vectors; ``model.train(more, epochs=2)`` continues; ``model.save(folder)`` and
    ``Word2Vec.load(folder)``. Where gensim differs:

    - the default is skip-gram (``sg=True``, the article's), gensim's is CBOW (``sg=0``);
    - ``save`` writes a folder (``vectors.txt``, ``vocab.json``, ``config.json``,
      ``model.keras``), nothing that runs code when read (JSON and arrays only);
    - ``workers`` (default 2) are the kernel update's threads; the batched update
      (CBOW, or where the kernel cannot be built) leaves the threads to TensorFlow;
    - ``hs=1`` and ``cbow_mean=0`` are not implemented (a clear error);
    - ``train`` returns Keras' ``History`` and builds the vocabulary itself if needed.

    Args:
        config: a :class:`Word2VecConfig` (default: the defaults); or, as in gensim,
            the sentences to train on.
        sentences: token lists (or one token list) to train on at once (quietly).
        corpus_file: a corpus path (file, .gz or folder) to train on at once.
        **options: config fields (``embedding_dim=8``) or gensim's names
            (``vector_size``, ``alpha``, ``min_alpha``, ``max_final_vocab``, ``sg``,
            ``workers``, ``hs``, ``cbow_mean``).

    Example:
        >>> w2v = Word2Vec(Word2VecConfig.tiny())
        >>> history = w2v.fit(["我", "爱", "中国"], epochs=2, verbose=0)
        >>> w2v.get_word_vectors().vectors.shape
        (3, 16)
        >>> Word2Vec([["我", "爱", "中国"]], vector_size=8, min_count=1, epochs=1).wv["中国"].shape
        (8,)
    """

    config_class = Word2VecConfig
    _GENSIM_ONLY = ("sentences", "corpus_file", "min_alpha", "hs", "cbow_mean")

    def __init__(self, config=None, sentences=None, corpus_file=None, **options):
        if hasattr(config, "__dataclass_fields__") and not isinstance(config, Word2VecConfig):
            raise TypeError(f"Word2Vec() takes a Word2VecConfig, got a {type(config).__name__}")
        if config is not None and not isinstance(config, Word2VecConfig):
            if sentences is not None:  # gensim's first argument is the sentences
                raise TypeError("Word2Vec() got the sentences twice (first argument and "
                                "sentences=)")
            config, sentences = None, config
        if sentences is not None and corpus_file is not None:
            raise TypeError("Word2Vec() takes sentences or corpus_file, not both")
        min_alpha = options.pop("min_alpha", None)
        if options.pop("hs", 0):
            raise UserInputError("hs=1 (hierarchical softmax) is not implemented: llm-tf's "
                                 "Word2Vec uses negative sampling (hs=0, negative=K)")
        if not options.pop("cbow_mean", 1):
            raise UserInputError("cbow_mean=0 (CBOW on the sum of the context vectors) is not "
                                 "implemented: CBOW averages them (cbow_mean=1)")
        if options.get("sg") in (0, 1):  # gensim's 0 / 1
            options["sg"] = bool(options["sg"])
        overrides = config_overrides(
            Word2VecConfig, options, WORD2VEC_GENSIM_NAMES, "Word2Vec", self._GENSIM_ONLY
        )
        super().__init__(config, **overrides)
        if min_alpha is not None:
            start = self.config.start_learning_rate
            if not 0 <= min_alpha <= start:
                raise UserInputError(f"min_alpha must be in [0, alpha={start}], got {min_alpha!r}")
            self.config = replace(self.config, min_learning_rate_ratio=min_alpha / start)
        self._wv: WordVectors | None = None
        self.update_used: str | None = None  # "kernel" or "batched", set by fit
        source = sentences if sentences is not None else corpus_file
        if source is not None:
            self.fit(source, verbose=0)

    def __repr__(self) -> str:
        cfg = self.config
        words = "untrained" if self.vocab is None else f"vocab={len(self.vocab) - len(SPECIALS)}"
        return (f"Word2Vec<{words}, vector_size={cfg.embedding_dim}, window={cfg.window}, "
                f"sg={cfg.sg}, negative={cfg.negative}, alpha={cfg.start_learning_rate}>")

    @property
    def wv(self) -> WordVectors:
        """The trained vectors (gensim's ``model.wv``), special tokens dropped.

        A snapshot of the model's input vectors, taken once and again after each
        ``fit`` / ``train``.
        """
        if self._wv is None:
            self._wv = self.get_word_vectors()
        return self._wv

    def fit(self, source, epochs: int | None = None, verbose="auto", callbacks=None):
        """Train on a corpus path (file, .gz or folder), a token list or token lists.

        Returns Keras' ``History``. A second call (or a call after :meth:`load`)
        continues training with the same vocabulary: words it lacks are skipped, and
        the learning rate decays again from its start over the new epochs.
        """
        cfg = self.config
        epochs = self._epochs(epochs)
        tokens = self._tokens(source)
        if self.vocab is None:
            self.build_vocab(source)
        self._wv = None  # the weights are about to change
        kernel, workers = self._update(cfg)
        self.update_used = "batched" if kernel is None else "kernel"
        encoded = id_stream.encode_lines(tokens(), self.vocab.index)
        try:
            # pair-by-pair updates need no smaller steps on a small corpus; batched ones do
            words = cfg.words_per_batch if kernel else skipgram_data.words_per_step(
                encoded.n_tokens, cfg.words_per_batch)
            plan = skipgram_data.BatchPlan(encoded.n_tokens, words, cfg.negative_group)
            counts = id_stream.vocabulary_counts(self.vocab)
            keep = skipgram_data.keep_probabilities(counts, cfg.sample) if cfg.sample else None
            ds = skipgram_data.make_dataset(
                encoded, plan, keep, cfg.window, seed=cfg.seed, cbow=not cfg.sg
            )
            if self.model is None:
                self.model = self._new_model(counts)
            self.model.use_kernel(kernel, workers)
            lr0 = cfg.start_learning_rate
            schedule = keras.optimizers.schedules.PolynomialDecay(
                lr0,
                decay_steps=epochs * plan.steps,
                end_learning_rate=lr0 * cfg.min_learning_rate_ratio,
            )
            self.model.compile(
                optimizer=keras.optimizers.SGD(schedule),
                jit_compile=False,
                steps_per_execution=min(cfg.steps_per_execution, plan.steps),
            )
            # One iterator for the whole run (steps_per_epoch keeps Keras from making a
            # new one, and tf.data a new generator, every epoch: ~10% on a small corpus).
            return self.model.fit(
                ds.repeat(epochs), epochs=epochs, steps_per_epoch=plan.steps,
                verbose=verbose, callbacks=callbacks, shuffle=False,
            )
        finally:
            encoded.close()

    def train(
        self,
        corpus_iterable=None,
        corpus_file=None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        callbacks=None,
        verbose=0,
    ):
        """gensim's ``train``: :meth:`fit` on ``corpus_iterable`` (token lists) or ``corpus_file``.

        ``total_examples`` and ``total_words`` are accepted and not needed (the corpus
        is counted here); ``callbacks`` are Keras callbacks. Returns Keras' ``History``.
        """
        del total_examples, total_words  # gensim needs them for its rate decay; fit counts
        if (corpus_iterable is None) == (corpus_file is None):
            raise TypeError("train() takes one of corpus_iterable or corpus_file")
        source = corpus_iterable if corpus_file is None else corpus_file
        return self.fit(source, epochs=epochs, verbose=verbose, callbacks=callbacks)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Word2Vec:
        """The model :meth:`save` wrote to ``directory``, ready for ``wv`` or more training.

        Reads ``config.json``, ``vocab.json`` and ``model.keras`` (checked first: a
        damaged file or one holding code is refused, then ``safe_mode`` loading);
        each problem is a :class:`~llm_tf.errors.UserInputError` naming the file.
        """
        d = Path(directory)
        if d.is_file():
            raise UserInputError(
                f"{str(d)!r} is a file: Word2Vec.load takes the folder Word2Vec.save wrote "
                "(a vectors file loads with WordVectors.load_word2vec_format)"
            )
        if not d.is_dir():
            raise UserInputError(f"word2vec folder not found: {str(d)!r}")
        for name in ("config.json", "vocab.json", "model.keras"):
            if not (d / name).is_file():
                raise UserInputError(
                    f"{str(d)!r} is not a folder written by Word2Vec.save (no {name})"
                )
        saved = read_json(d / "config.json", "word2vec config")
        try:
            config = Word2VecConfig(**saved)
        except TypeError as e:
            raise UserInputError(
                f"{str(d / 'config.json')!r} is not a Word2Vec config ({e})"
            ) from None
        vocab = Vocabulary.load(d / "vocab.json")
        model_path = check_model_file(d / "model.keras")
        try:
            model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
        except (ValueError, OSError, KeyError, TypeError, AttributeError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise UserInputError(f"cannot load the model in {str(model_path)!r}: {first}") from None
        if not isinstance(model, Word2VecModel):
            raise UserInputError(
                f"{str(model_path)!r} holds a {type(model).__name__}, not a Word2VecModel"
            )
        if model.vocab_size != len(vocab) or model.cbow == config.sg:
            raise UserInputError(
                f"{str(d)!r}: the model ({model.vocab_size} rows, "
                f"{'CBOW' if model.cbow else 'skip-gram'}) does not match vocab.json "
                f"({len(vocab)} tokens) and config.json (sg={config.sg})"
            )
        trainer = cls(config)
        trainer.vocab, trainer.model = vocab, model
        return trainer

    @staticmethod
    def _update(cfg: Word2VecConfig) -> tuple:
        """(op module or None, workers): the kernel for skip-gram where it builds."""
        if cfg.update == "batched" or not cfg.sg:
            return None, 1
        from llm_tf.vectors import native

        module = native.sgns_kernel()
        if module is None and cfg.update == "kernel":
            raise UserInputError(f"update='kernel': the word2vec kernel cannot be built here "
                                 f"({native.why_unavailable()}); use update='batched'")
        if module is None:  # auto: say once why this run takes the slower step
            warnings.warn(f"word2vec: the compiled update is not available "
                          f"({native.why_unavailable()}); training with the batched "
                          "TensorFlow-ops step (about 2.5x slower)", RuntimeWarning,
                          stacklevel=3)
        return module, 1 if cfg.deterministic else cfg.workers

    def _new_model(self, counts: np.ndarray) -> Word2VecModel:
        cfg = self.config
        model = Word2VecModel(
            len(self.vocab),
            cfg.embedding_dim,
            negative=cfg.negative,
            cbow=not cfg.sg,
            negative_group=cfg.negative_group,
            seed=cfg.seed,
            max_row_updates=cfg.max_row_updates,
            name="word2vec_skipgram" if cfg.sg else "word2vec_cbow",
        )
        model.build()
        model.set_noise_distribution(skipgram_data.noise_distribution(counts, cfg.ns_exponent))
        return model

    def _vector_matrix(self) -> np.ndarray:
        return keras.ops.convert_to_numpy(self.model.target_embedding.embeddings)  # input vectors v
