"""Word vectors (§3.1, §4.1): word2vec and GloVe trained with Keras, and what to do with them.

- :class:`Word2Vec` (:mod:`.word2vec`, §3.1.1, §4.1.1): skip-gram / CBOW with negative
  sampling; :class:`Word2VecModel` is its Keras model, fed by :mod:`.skipgram_data`,
  its update in closed form in :mod:`.sgns`;
- :class:`GloVe` (:mod:`.glove`, §3.1.2, §4.1.2): weighted least squares on the log
  co-occurrences counted by :mod:`.cooccurrence` (:class:`Cooccurrence`);
  :func:`glove_factorization` runs §3.1.2's listing; :class:`GloVeModel` is the model;
- ``Word2Vec`` also takes gensim's names (``vector_size``, ``sg``, ``negative``, ...),
  has ``wv``, ``train`` and ``Word2Vec.load(folder)``; an unknown word raises
  :class:`UnknownWordError` (a ``KeyError``, as in gensim);
- :class:`Word2VecConfig`, :class:`GloVeConfig` (:mod:`.config`): their settings;
  both trainers share :class:`WordVectorTrainer` (:mod:`.trainer`): ``fit(corpus)``,
  ``get_word_vectors()``, ``save(folder)``;
- :class:`WordVectors` (:mod:`.word_vectors`): neighbours, analogies, word2vec text
  format, TensorBoard projector files;
- :func:`evaluate_similarity`, :func:`evaluate_analogies`, :func:`plot_pca`
  (:mod:`.evaluation`): WordSim-style Spearman, 3CosAdd accuracy, a PCA picture.

The word-vector side stands apart from the language-model side: nothing here
imports :mod:`llm_tf.models`, :mod:`llm_tf.layers`, :mod:`llm_tf.generation`,
:mod:`llm_tf.training`, :mod:`llm_tf.evaluation` or :mod:`llm_tf.cli`.

The trainers and their Keras models import TensorFlow, so they are loaded on first
use (``from llm_tf.vectors import Word2Vec``); the configs, :class:`WordVectors` and
the evaluation need only numpy, so the CLI can check its arguments before
TensorFlow starts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from llm_tf.vectors.config import GloVeConfig, Word2VecConfig
from llm_tf.vectors.cooccurrence import Cooccurrence, count_cooccurrences
from llm_tf.vectors.evaluation import evaluate_analogies, evaluate_similarity, plot_pca
from llm_tf.vectors.trainer import WordVectorTrainer
from llm_tf.vectors.word_vectors import UnknownWordError, WordVectors

if TYPE_CHECKING:
    from llm_tf.vectors.glove import GloVe, GloVeModel, glove_factorization
    from llm_tf.vectors.word2vec import Word2Vec, Word2VecModel

_WITH_TENSORFLOW = {
    "Word2Vec": "llm_tf.vectors.word2vec",
    "Word2VecModel": "llm_tf.vectors.word2vec",
    "GloVe": "llm_tf.vectors.glove",
    "GloVeModel": "llm_tf.vectors.glove",
    "glove_factorization": "llm_tf.vectors.glove",
}


def __getattr__(name: str):
    """Import the TensorFlow-backed names on first use (PEP 562)."""
    if name in _WITH_TENSORFLOW:
        return getattr(importlib.import_module(_WITH_TENSORFLOW[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Cooccurrence",
    "GloVe",
    "GloVeConfig",
    "GloVeModel",
    "Word2Vec",
    "Word2VecConfig",
    "Word2VecModel",
    "UnknownWordError",
    "WordVectorTrainer",
    "WordVectors",
    "count_cooccurrences",
    "evaluate_analogies",
    "evaluate_similarity",
    "glove_factorization",
    "plot_pca",
]
