"""ClassifierConfig: the hierarchical document classifier's data, model and training settings
(§3.3, §6.4). No TensorFlow here.

Each field carries its help (:func:`llm_tf.settings.setting`), so ``llm-tf classify
train --help`` lists them all; a run folder's ``config.json`` keeps them.
:func:`ClassifierConfig.tiny` is the preset of the tests and ``--quick`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from llm_tf.errors import UserInputError
from llm_tf.settings import (
    SavedConfig,
    check_choice,
    check_int,
    check_positive,
    check_positive_int,
    check_range,
    setting,
)
from llm_tf.text.tokenizers import NAMES as TOKENIZERS


@dataclass(frozen=True)
class ClassifierConfig(SavedConfig):
    """How documents become (sentences x words) ids, the model's sizes, and the training."""

    KIND = "classifier config"
    TINY = {"embedding_dim": 32, "num_heads": 2, "mlp_dim": 64,
            "epochs": 8, "patience": 3}  # tiny()

    # ---- data
    tokenizer: str = setting("auto", "auto: characters for mostly-CJK sentences, else NLTK "
                             "words (decided sentence by sentence)",
                             choices=TOKENIZERS)
    lower: bool = setting(False, "lower-case the text")
    vocab_size: int = setting(20_000, "maximum vocabulary size, special tokens included")
    min_count: int = setting(1, "drop tokens seen in the training texts fewer times")
    max_sentences: int = setting(16, "keep at most this many sentences of a document")
    max_words: int = setting(48, "keep at most this many tokens of a sentence")
    val_fraction: float = setting(0.1, "without --val-data: the share of the training data "
                                  "held out (stratified) for validation, in (0, 0.5)")
    # ---- model
    embedding_dim: int = setting(64, "width of every state (divisible by --num-heads)")
    num_heads: int = setting(4, "attention heads")
    mlp_dim: int = setting(128, "hidden width of the encoder blocks' MLPs")
    word_layers: int = setting(1, "Transformer encoder blocks within each sentence")
    text_layers: int = setting(1, "Transformer encoder blocks over the sentences")
    dropout: float = setting(0.1, "dropout rate, in [0, 1)")
    cross_level: bool = setting(True, "cross-level attention, text<->words (§3.3); "
                                "--no-cross-level is the ablation")
    # ---- training
    batch_size: int = setting(32, "documents per batch")
    learning_rate: float = setting(2e-3, "Adam learning rate", aliases=("--lr",))
    epochs: int = setting(30, "most epochs")
    patience: int = setting(5, "stop when validation accuracy has not improved for this many "
                            "epochs (0: never); the best epoch's weights are kept")
    seed: int = setting(42, "seeds the split, the weights, the shuffling and the dropout")
    deterministic: bool = setting(False, "TensorFlow op determinism: bit-exact reruns")

    def __post_init__(self):
        check_choice(self, "tokenizer", TOKENIZERS)
        check_positive_int(self, "vocab_size", "min_count", "max_sentences", "max_words",
                           "embedding_dim", "num_heads", "mlp_dim", "word_layers",
                           "text_layers", "batch_size", "epochs")
        check_int(self, "patience", minimum=0)
        check_int(self, "seed", minimum=0)
        if self.vocab_size <= 4:
            raise UserInputError(f"vocab_size must be > 4 (the special tokens), got "
                                 f"{self.vocab_size}")
        if self.embedding_dim % self.num_heads:
            raise UserInputError(f"embedding_dim ({self.embedding_dim}) must be divisible by "
                                 f"num_heads ({self.num_heads})")
        check_range(self, "val_fraction", 0.0, 0.5, low_open=True)
        check_range(self, "dropout", 0.0, 1.0)
        check_positive(self, "learning_rate")

    def model_kwargs(self, vocab_size: int, num_classes: int) -> dict:
        """The :class:`~llm_tf.models.HierarchicalClassifier` arguments of this config."""
        return {"vocab_size": vocab_size, "num_classes": num_classes,
                "embedding_dim": self.embedding_dim, "num_heads": self.num_heads,
                "mlp_dim": self.mlp_dim, "word_layers": self.word_layers,
                "text_layers": self.text_layers, "dropout": self.dropout,
                "cross_level": self.cross_level, "seed": self.seed}

