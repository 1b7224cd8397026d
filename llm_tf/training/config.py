"""TrainConfig: everything a training run needs, in three parts. No TensorFlow here.

- :class:`DataConfig`: the corpus, its tokenizer and vocabulary, the windows;
- :class:`~llm_tf.models.ModelConfig`: the architecture and its sizes;
- :class:`OptimConfig`: the optimiser and how long to train.

The defaults are the article's §5 sizes. A run folder's ``config.json`` keeps the
three parts; :meth:`TrainConfig.from_dict` also reads the flat configs written
before the parts existed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from llm_tf.errors import UserInputError
from llm_tf.models.config import ModelConfig
from llm_tf.settings import (
    check_choice,
    check_positive,
    check_positive_int,
    check_range,
    known_fields,
    setting,
)
from llm_tf.text.tokenizers import NAMES as TOKENIZERS


@dataclass(frozen=True)
class DataConfig:
    """The training corpus and how it becomes windows of token ids."""

    corpus: str = setting("", "UTF-8 text file, .gz file, or folder of .txt files")
    tokenizer: str = setting("auto", "auto: characters for mostly-CJK text, else NLTK words",
                             choices=TOKENIZERS)
    lower: bool = setting(False, "lower-case the text")
    vocab_size: int = setting(10_000, "maximum vocabulary size, special tokens included (§5)")
    min_count: int = setting(1, "drop tokens seen fewer times")
    seq_len: int = setting(32, "tokens per training window (truncated BPTT length)")
    batch_size: int = setting(32, "windows per batch")
    val_fraction: float = setting(0.1, "share of the corpus held out for validation, in (0, 0.5)")

    def __post_init__(self):
        check_choice(self, "tokenizer", TOKENIZERS)
        check_positive_int(self, "vocab_size", "min_count", "seq_len", "batch_size")
        if self.vocab_size <= 4:
            raise UserInputError(
                f"vocab_size must be > 4 (the special tokens), got {self.vocab_size}")
        check_range(self, "val_fraction", 0.0, 0.5, low_open=True)


@dataclass(frozen=True)
class OptimConfig:
    """The optimiser (Adam, as in §5) and the length of training."""

    learning_rate: float = setting(1e-3, "Adam's step size")
    epochs: int = setting(10, "total epochs (a resumed run trains up to this number)")
    jit_compile: bool = setting(True, "XLA-compile the train step", flag="--xla")

    def __post_init__(self):
        check_positive(self, "learning_rate")
        check_positive_int(self, "epochs")


@dataclass(frozen=True)
class TrainConfig:
    """A training run: data, model and optimisation settings, a seed, and its origin."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    seed: int = setting(42, "seeds weights, shuffling and dropout")
    finetuned_from: str = setting("", "run folder this run was fine-tuned from, if any")

    def __post_init__(self):
        if self.model.arch == "transformer" and self.data.seq_len > self.model.max_len:
            raise UserInputError(
                f"seq_len {self.data.seq_len} exceeds the Transformer's max_len "
                f"{self.model.max_len}")

    def replace(self, **changes) -> TrainConfig:
        """A copy with fields of any part changed: ``cfg.replace(epochs=3, corpus=...)``."""
        parts = {"data": {}, "model": {}, "optim": {}}
        top = {}
        for key, value in changes.items():
            part = _PART_OF.get(key)
            if part is None:
                top[key] = value
            else:
                parts[part][key] = value
        new = {name: replace(getattr(self, name), **kv) for name, kv in parts.items() if kv}
        return replace(self, **new, **top)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """From ``to_dict()``'s nested form, or the flat form of older run folders."""
        if not any(isinstance(d.get(k), dict) for k in ("data", "model", "optim")):
            return cls._from_flat(d)  # written before the parts existed
        return cls(
            data=DataConfig(**known_fields(DataConfig, d.get("data", {}))),
            model=ModelConfig.from_dict(d.get("model", {})),
            optim=OptimConfig(**known_fields(OptimConfig, d.get("optim", {}))),
            **known_fields(cls, {k: d[k] for k in ("seed", "finetuned_from") if k in d}),
        )

    @classmethod
    def _from_flat(cls, d: dict) -> TrainConfig:
        return cls(
            data=DataConfig(**known_fields(DataConfig, d)),
            model=ModelConfig.from_legacy(d),
            optim=OptimConfig(**known_fields(OptimConfig, d)),
            **{k: d[k] for k in ("seed", "finetuned_from") if k in d},
        )

_PART_OF = {f.name: part for part, cls in (("data", DataConfig), ("model", ModelConfig),
                                           ("optim", OptimConfig)) for f in fields(cls)}
