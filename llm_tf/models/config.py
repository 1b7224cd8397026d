"""ModelConfig: which language model to build and its sizes (§5, §3.2). No TensorFlow here.

The defaults are the §5 listing's sizes; :func:`llm_tf.models.build_model` turns a
config into a model, and the registry (:mod:`llm_tf.models.registry`) is the one
place that lists the architectures.

How the fields map onto each architecture:

============== ======================= ======================= =========================
field          rnn (§3.2.1)            lstm (§3.2.2, §5)       transformer (§3.2.3)
============== ======================= ======================= =========================
embedding_dim  embedding width         embedding width         model width D
units          hidden units per layer  hidden units per layer  (unused)
mlp_dim        (unused)                (unused)                MLP hidden width (4 D)
layers         SimpleRNN layers        LSTM layers             decoder blocks
heads          (unused)                (unused)                attention heads (D % heads == 0)
dropout        non-recurrent dropout   non-recurrent dropout   embedding/attention/residual
tie_embeddings output kernel = embedding (all three)
max_len        (unused)                (unused)                longest context
kv_share       (1 only)                (1 only)                blocks sharing keys/values
cross_layer    (off only)              (off only)              §4.3 attention to h_{l-1}
============== ======================= ======================= =========================
"""

from __future__ import annotations

from dataclasses import dataclass

from llm_tf.errors import UserInputError
from llm_tf.settings import check_positive_int, check_range, known_fields, setting


def _architecture_names() -> tuple[str, ...]:
    from llm_tf.models.registry import architecture_names

    return architecture_names()


@dataclass(frozen=True)
class ModelConfig:
    """Architecture and sizes of a language model; the defaults give exactly the §5 listing."""

    arch: str = setting("lstm", "architecture; `llm-tf train --help` lists them")
    embedding_dim: int = setting(256, "embedding size, or the Transformer width (§5: 256)")
    units: int = setting(128, "RNN / LSTM units per layer (§5: 128)")
    mlp_dim: int | None = setting(None, "Transformer MLP width (default: 4 x embedding-dim)")
    layers: int = setting(1, "recurrent layers or Transformer blocks")
    heads: int = setting(4, "Transformer attention heads")
    dropout: float = setting(0.0, "dropout rate between layers, in [0, 1)")
    tie_embeddings: bool = setting(False, "share the input embedding with the output layer")
    max_len: int = setting(256, "Transformer: longest context (learned positions)")
    kv_share: int = setting(1, "Transformer: adjacent blocks sharing one set of keys and "
                               "values, which divides the generation cache by it (Brandon "
                               "et al. 2024); must divide layers")
    cross_layer: bool = setting(False, "Transformer: each block after the first also "
                                       "attends causally to the previous layer's states "
                                       "(§4.3)")

    def __post_init__(self):
        names = _architecture_names()
        if self.arch not in names:
            raise UserInputError(f"arch must be one of {', '.join(names)}, got {self.arch!r}")
        check_positive_int(self, "embedding_dim", "units", "layers", "heads", "max_len",
                           "kv_share")
        check_positive_int(self, "mlp_dim", optional=True)
        check_range(self, "dropout", 0.0, 1.0)
        if self.arch == "transformer" and self.embedding_dim % self.heads:
            raise UserInputError(
                f"embedding_dim {self.embedding_dim} must be divisible by heads {self.heads}"
            )
        if not isinstance(self.cross_layer, bool):
            raise UserInputError(f"cross_layer must be true or false, got {self.cross_layer!r}")
        if self.arch != "transformer" and (self.kv_share != 1 or self.cross_layer):
            what = "kv_share" if self.kv_share != 1 else "cross_layer"
            raise UserInputError(
                f"{what} applies only to the transformer; arch {self.arch!r} got "
                f"{what} {getattr(self, what)!r}"
            )
        if self.layers % self.kv_share:
            raise UserInputError(
                f"kv_share must divide layers ({self.layers}), got {self.kv_share}"
            )

    @property
    def is_listing(self) -> bool:
        """True when this asks for exactly the §5 listing's model (one plain LSTM layer)."""
        return (self.arch == "lstm" and self.layers == 1 and self.dropout == 0.0
                and not self.tie_embeddings)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        return cls(**known_fields(cls, d))

    @classmethod
    def from_legacy(cls, d: dict) -> ModelConfig:
        """From settings written before ``mlp_dim`` existed (flat run configs, ``--units``)."""
        return cls(**legacy_fields(known_fields(cls, d)))

    @classmethod
    def tiny(cls, **overrides) -> ModelConfig:
        """A small model for tests and ``--quick`` chapters."""
        return cls(**{"embedding_dim": 16, "units": 16, "mlp_dim": 32, "max_len": 32,
                      "heads": 2, **overrides})


def legacy_fields(d: dict) -> dict:
    """Before ``mlp_dim`` existed, a Transformer's ``units`` was its MLP width."""
    d = dict(d)
    if d.get("arch") == "transformer" and d.get("mlp_dim") is None and "units" in d:
        d["mlp_dim"] = d.pop("units")
    return d
