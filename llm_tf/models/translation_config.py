"""TranslationConfig: the translator's model and training settings (§6.3). No TensorFlow here.

Each field carries its help (:func:`llm_tf.settings.setting`), so ``llm-tf translate
train --help`` lists them all; a run folder's ``config.json`` keeps them.
:func:`TranslationConfig.tiny` is the preset of the tests and ``--quick`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from llm_tf.errors import UserInputError
from llm_tf.models.qa_config import check_encoder_decoder
from llm_tf.settings import (
    SavedConfig,
    setting,
)

DIRECTIONS = ("en-zh", "zh-en")  # llm_tf.text.parallel_corpus.DIRECTIONS


@dataclass(frozen=True)
class TranslationConfig(SavedConfig):
    """Which way to translate, the encoder-decoder's sizes and how it is trained."""

    KIND = "translation config"
    TINY = {"embedding_dim": 32, "units": 48, "attention_units": 48,
            "epochs": 4, "batch_size": 16}  # tiny()

    direction: str = setting("en-zh", "source-target languages", choices=DIRECTIONS)
    # ---- model
    embedding_dim: int = setting(64, "width of the token embeddings (one table for both "
                                 "languages)")
    units: int = setting(128, "LSTM units of the decoder and of each encoder direction")
    attention_units: int = setting(128, "width of the additive attention's hidden layer")
    copy: bool = setting(False, "the pointer-generator copy mechanism (helps only with "
                         "numbers and Latin names left as they are)")
    dropout: float = setting(0.1, "dropout on the embeddings, in [0, 1)")
    max_source_len: int = setting(64, "keep at most this many source tokens")
    max_target_len: int = setting(40, "longest translation generated, in tokens (<eos> "
                                  "included)")
    min_count: int = setting(1, "drop tokens seen in the training pairs fewer times")
    # ---- training
    batch_size: int = setting(64, "sentence pairs per batch")
    learning_rate: float = setting(1e-2, "Adam learning rate", aliases=("--lr",))
    epochs: int = setting(18, "training epochs")
    seed: int = setting(42, "seeds the weights, the shuffling and the dropout")
    deterministic: bool = setting(False, "TensorFlow op determinism: bit-exact reruns")

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise UserInputError(f"direction must be one of {', '.join(DIRECTIONS)}, got "
                                 f"{self.direction!r}")
        check_encoder_decoder(self, "max_target_len")

    @property
    def source_lang(self) -> str:
        return self.direction.split("-")[0]

    @property
    def target_lang(self) -> str:
        return self.direction.split("-")[1]

    def model_kwargs(self) -> dict:
        """The :class:`~llm_tf.models.Translator` arguments of this config."""
        return {"source_lang": self.source_lang, "target_lang": self.target_lang,
                "embedding_dim": self.embedding_dim, "units": self.units,
                "attention_units": self.attention_units, "copy": self.copy,
                "dropout": self.dropout, "max_source_len": self.max_source_len,
                "max_target_len": self.max_target_len, "min_count": self.min_count,
                "seed": self.seed}

