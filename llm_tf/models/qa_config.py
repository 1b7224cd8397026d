"""QAConfig: the answer generator's model and training settings (§3.4, §4.4, §6.1). No
TensorFlow here.

Each field carries its help (:func:`llm_tf.settings.setting`), so ``llm-tf qa train
--help`` lists them all; a run folder's ``config.json`` keeps them.
:func:`QAConfig.tiny` is the preset of the tests and ``--quick`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from llm_tf.errors import UserInputError
from llm_tf.settings import (
    SavedConfig,
    check_int,
    check_positive,
    check_positive_int,
    check_range,
    setting,
)


def check_encoder_decoder(cfg, longest: str) -> None:
    """The checks of an encoder-decoder's config (this one, and
    :class:`~llm_tf.models.TranslationConfig`); ``longest`` names its output-length field."""
    check_positive_int(cfg, "embedding_dim", "units", "attention_units", "max_source_len",
                       "min_count", "batch_size", "epochs")
    check_int(cfg, longest, minimum=2)
    check_int(cfg, "seed", minimum=0)
    check_range(cfg, "dropout", 0.0, 1.0)
    check_positive(cfg, "learning_rate")
    if not isinstance(cfg.copy, bool):
        raise UserInputError(f"copy must be true or false, got {cfg.copy!r}")


@dataclass(frozen=True)
class QAConfig(SavedConfig):
    """Sizes of the encoder-decoder and how it is trained."""

    KIND = "QA config"
    TINY = {"embedding_dim": 32, "units": 48, "attention_units": 48,
            "epochs": 4, "batch_size": 32}  # tiny()

    # ---- model
    embedding_dim: int = setting(64, "width of the token embeddings (shared by encoder and "
                                 "decoder)")
    units: int = setting(128, "LSTM units of the decoder and of each encoder direction")
    attention_units: int = setting(128, "width of the additive attention's hidden layer")
    copy: bool = setting(True, "the copy mechanism (pointer-generator); --no-copy is the "
                         "ablation, which can only write vocabulary tokens")
    dropout: float = setting(0.1, "dropout on the embeddings, in [0, 1)")
    max_source_len: int = setting(128, "keep at most this many tokens of question + facts")
    max_answer_len: int = setting(16, "longest answer generated, in tokens (<eos> included)")
    min_count: int = setting(1, "drop tokens seen in the training data fewer times")
    relation_hint: bool = setting(True, "the encoder also reads the relation retrieval found "
                                  "in the question; --no-relation-hint is the ablation")
    # ---- training
    batch_size: int = setting(64, "questions per batch")
    learning_rate: float = setting(3e-3, "Adam's peak learning rate (cosine decay to a "
                                   "tenth of it over the run, gradients clipped to norm 1)",
                                   aliases=("--lr",))
    epochs: int = setting(12, "training epochs")
    seed: int = setting(42, "seeds the weights, the shuffling and the dropout")
    deterministic: bool = setting(False, "TensorFlow op determinism: bit-exact reruns")

    def __post_init__(self):
        check_encoder_decoder(self, "max_answer_len")

    def model_kwargs(self) -> dict:
        """The :class:`~llm_tf.models.AnswerGenerator` arguments of this config."""
        return {"embedding_dim": self.embedding_dim, "units": self.units,
                "attention_units": self.attention_units, "copy": self.copy,
                "dropout": self.dropout, "max_source_len": self.max_source_len,
                "max_answer_len": self.max_answer_len, "min_count": self.min_count,
                "relation_hint": self.relation_hint, "seed": self.seed}

