"""WordVectorTrainer: what the Word2Vec and GloVe façades share (§3.1).

§3.1.1's listing reads ``model.fit(sequence, epochs=10)`` then
``model.get_word_vectors()``; :class:`~llm_tf.vectors.word2vec.Word2Vec` and
:class:`~llm_tf.vectors.glove.GloVe` both offer that shape. This base class holds
their common part: a config (with keyword overrides), the vocabulary built from a
corpus, the trained Keras model, the vectors with the special tokens dropped, and
the folder they are saved to:

- ``vectors.txt``: the word2vec text format (gensim's ``load_word2vec_format``);
- ``vocab.json``: the vocabulary, special tokens first;
- ``config.json``: the config's fields;
- ``model.keras``: the Keras model (its class registered, so ``keras.saving.load_model``
  restores it once :mod:`llm_tf.vectors.word2vec` or :mod:`llm_tf.vectors.glove` is imported).

Nothing here imports TensorFlow; the subclasses build and train the models.
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from typing import Any, ClassVar

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.files import save_model_atomic, write_json_atomic
from llm_tf.runtime import enable_determinism
from llm_tf.text import id_stream
from llm_tf.text.vocab import SPECIALS, Vocabulary
from llm_tf.vectors.word_vectors import WordVectors


class WordVectorTrainer:
    """A config, a vocabulary and a Keras model whose embeddings are the word vectors.

    Subclasses set :attr:`config_class`, train ``self.model`` in ``fit`` and say in
    :meth:`_vector_matrix` which (V, D) matrix holds the vectors.

    Args:
        config: the settings (default: ``config_class()``).
        **overrides: fields to change, e.g. ``Word2Vec(epochs=1)``.
    """

    config_class: ClassVar[type]

    def __init__(self, config=None, **overrides):
        config = config if config is not None else self.config_class()
        self.config = replace(config, **overrides) if overrides else config
        if self.config.deterministic:  # process-wide, as `llm-tf train --deterministic`
            enable_determinism()
        self.vocab: Vocabulary | None = None
        self.model: Any = None  # the Keras model, once trained

    def _tokens(self, source):
        """A re-iterable factory of token lists (a corpus path, a token list or token lists)."""
        return id_stream.token_source(source, self.config.tokenizer, self.config.lower)

    def build_vocab(self, source) -> Vocabulary:
        """Count tokens (one streaming pass) and keep those with ``count >= min_count``."""
        cfg = self.config
        self.vocab = id_stream.build_vocabulary(self._tokens(source), cfg.min_count, cfg.max_vocab)
        return self.vocab

    def _epochs(self, epochs: int | None) -> int:
        """The epochs of one ``fit`` call: ``config.epochs`` unless given."""
        epochs = self.config.epochs if epochs is None else epochs
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise UserInputError(f"epochs must be a positive integer, got {epochs!r}")
        return epochs

    def _vector_matrix(self, **options) -> np.ndarray:
        """The (V, D) word vectors of the trained model, rows in vocabulary order."""
        raise NotImplementedError

    def get_word_vectors(self, **options) -> WordVectors:
        """The trained vectors as :class:`~llm_tf.vectors.WordVectors` (special tokens dropped)."""
        if self.model is None:
            raise UserInputError("the model is not trained yet: call fit() first")
        n = len(SPECIALS)
        return WordVectors(self.vocab.tokens[n:], self._vector_matrix(**options)[n:])

    def save(self, directory: str | os.PathLike) -> None:
        """Write ``vectors.txt`` (word2vec text format), ``vocab.json``, ``config.json``, ``model.keras``."""
        os.makedirs(directory, exist_ok=True)  # each file atomic: a crash keeps the old one
        self.get_word_vectors().save_word2vec_format(os.path.join(directory, "vectors.txt"))
        self.vocab.save(os.path.join(directory, "vocab.json"))
        write_json_atomic(os.path.join(directory, "config.json"), asdict(self.config))
        save_model_atomic(self.model, os.path.join(directory, "model.keras"))
