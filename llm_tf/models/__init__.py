"""Language models (§5, §3.2) and the one registry of architectures.

Importing this package registers every llm-tf Keras class (layers, language
models, the listings' ``RNN`` / ``LSTM`` / ``Transformer``), so
``keras.saving.load_model(path)`` works with no other import.

- :func:`build_listing_lm`: the §5 listing, as printed (:mod:`.listing_lm`);
- :class:`SimpleRNNLM`, :class:`StackedLSTMLM` (:mod:`.recurrent_lm`) and
  :class:`TransformerLM` (:mod:`.transformer_lm`): §3.2's models;
- :class:`RNN`, :class:`LSTM`, :class:`Transformer`: §3.2's listing-shaped classes, and
  :class:`NeuralNetwork`: §3.1.1's (a full-softmax skip-gram);
- :class:`ModelConfig`, :func:`build_model`, :func:`stepping_view`: the registry;
- :class:`HierarchicalClassifier` (:mod:`.hierarchical_classifier`) and its
  :class:`ClassifierConfig`: §3.3's cross-level attention in a document classifier (§6.4);
- :class:`AnswerGenerator` (:mod:`.answer_generator`) and its :class:`QAConfig`: §3.4's
  knowledge-grounded encoder-decoder with attention (§4.4) and copying (§6.1);
- :class:`Translator` (:mod:`.translator`) and its :class:`TranslationConfig`: the same
  encoder-decoder translating sentences between English and Chinese (§6.3).
"""

import llm_tf.layers  # noqa: F401  (registers the layers)
from llm_tf.models.answer_generator import AnswerGenerator
from llm_tf.models.classifier_config import ClassifierConfig
from llm_tf.models.compile import compile_lm
from llm_tf.models.config import ModelConfig
from llm_tf.models.hierarchical_classifier import HierarchicalClassifier
from llm_tf.models.listing_lm import (
    build_listing_lm,
    listing_lm_flops_per_token,
    listing_lm_param_counts,
)
from llm_tf.models.listing_models import LSTM, RNN, NeuralNetwork, Transformer
from llm_tf.models.qa_config import QAConfig
from llm_tf.models.recurrent_lm import (
    RecurrentLM,
    SimpleRNNLM,
    StackedLSTMLM,
    stacked_lstm_param_counts,
)
from llm_tf.models.registry import ARCHITECTURES, architecture_names, build_model, stepping_view
from llm_tf.models.transformer_lm import TransformerLM
from llm_tf.models.translation_config import TranslationConfig
from llm_tf.models.translator import Translator

__all__ = [
    "ARCHITECTURES",
    "AnswerGenerator",
    "ClassifierConfig",
    "HierarchicalClassifier",
    "LSTM",
    "NeuralNetwork",
    "RNN",
    "ModelConfig",
    "QAConfig",
    "RecurrentLM",
    "SimpleRNNLM",
    "StackedLSTMLM",
    "Transformer",
    "TransformerLM",
    "TranslationConfig",
    "Translator",
    "architecture_names",
    "build_listing_lm",
    "build_model",
    "compile_lm",
    "listing_lm_flops_per_token",
    "listing_lm_param_counts",
    "stacked_lstm_param_counts",
    "stepping_view",
]
