"""A run folder: everything one training run needs to be resumed, evaluated or reused.

::

    RUN_DIR/
      config.json          TrainConfig + tokenizer + data statistics
      vocab.json           the vocabulary
      train.ids, val.ids   the encoded corpus (raw int32 token ids)
      checkpoint.keras     model + optimizer after the last completed epoch
      state.json           last completed epoch and the history so far
      model.keras          the final model (written when training finishes)
      training_curve.png   loss / perplexity per epoch
      logs/                TensorBoard logs
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from llm_tf.errors import UserInputError
from llm_tf.tokenizers import Tokenizer
from llm_tf.vocab import Vocabulary

CONFIG, VOCAB, STATE = "config.json", "vocab.json", "state.json"
CHECKPOINT, MODEL, CURVE = "checkpoint.keras", "model.keras", "training_curve.png"
TRAIN_IDS, VAL_IDS, LOGS = "train.ids", "val.ids", "logs"
ARCHS = ("lstm", "rnn", "transformer")


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of a run; the defaults are the article's §5 sizes."""

    corpus: str = ""  # path of the training corpus
    tokenizer: str = "auto"  # auto | word | space | char
    lower: bool = False  # lower-case text before tokenizing
    vocab_size: int = 10_000  # maximum vocabulary size, special tokens included (§5)
    min_count: int = 1  # drop tokens seen fewer times
    seq_len: int = 32  # tokens per training window (truncated BPTT length)
    batch_size: int = 32  # windows per batch
    epochs: int = 10  # total epochs (a resumed run trains up to this number)
    embedding_dim: int = 256  # §5: embedding_size
    units: int = 128  # §5: lstm_units
    learning_rate: float = 1e-3  # Adam's step size
    val_fraction: float = 0.1  # share of the corpus held out for validation
    seed: int = 42  # seeds weights, shuffling and dropout
    jit_compile: bool = True  # XLA-compile the train step
    arch: str = "lstm"  # lstm (§5, §3.2.2) | rnn (§3.2.1) | transformer (§3.2.3)
    layers: int = 1  # recurrent layers / Transformer blocks
    heads: int = 4  # Transformer attention heads
    dropout: float = 0.0  # dropout rate between layers
    tie_embeddings: bool = False  # share the input embedding with the output layer
    max_len: int = 256  # Transformer: longest context (learned positions)
    finetuned_from: str = ""  # run folder this run was fine-tuned from, if any

    def check(self) -> None:
        for name in ("vocab_size", "min_count", "seq_len", "batch_size", "epochs",
                     "embedding_dim", "units"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise UserInputError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
        if self.vocab_size <= 4:
            raise UserInputError(f"--vocab-size must be > 4 (the special tokens), got {self.vocab_size}")
        if self.arch not in ARCHS:
            raise UserInputError(f"--arch must be one of {', '.join(ARCHS)}, got {self.arch!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise UserInputError(f"--dropout must be in [0, 1), got {self.dropout}")
        for name in ("layers", "heads", "max_len"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise UserInputError(f"--{name.replace('_', '-')} must be a positive integer")
        if self.arch == "transformer" and self.seq_len > self.max_len:
            raise UserInputError(f"--seq-len {self.seq_len} exceeds --max-len {self.max_len}")
        if not self.learning_rate > 0:
            raise UserInputError(f"--learning-rate must be > 0, got {self.learning_rate}")
        if not 0.0 < self.val_fraction < 0.5:
            raise UserInputError(f"--val-fraction must be in (0, 0.5), got {self.val_fraction}")

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class RunInfo:
    """What a run folder's config.json holds."""

    config: TrainConfig
    tokenizer: Tokenizer
    vocab_size: int
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "config": asdict(self.config),
            "tokenizer": self.tokenizer.to_config(),
            "vocab_size": self.vocab_size,
            "data": self.data,
            "arch": self.config.arch,
        }


def write_json_atomic(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


class RunDir:
    """Accessors for a run folder (see the module docstring)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def exists(self) -> bool:
        return (self.path / CONFIG).is_file()

    def require(self, need_model: bool = True) -> RunDir:
        """Raise a clear error unless this is a run folder (with a trained model)."""
        if not self.path.exists():
            raise UserInputError(f"run folder not found: {str(self.path)!r}")
        if not self.exists() or not (self.path / VOCAB).is_file():
            raise UserInputError(
                f"{str(self.path)!r} is not an llm-tf run folder (no {CONFIG} / {VOCAB})"
            )
        if need_model and self.model_path() is None:
            raise UserInputError(
                f"run folder {str(self.path)!r} has no trained model yet "
                f"(train it, or continue it with --resume)"
            )
        return self

    def model_path(self) -> Path | None:
        for name in (MODEL, CHECKPOINT):
            if (self.path / name).is_file():
                return self.path / name
        return None

    def info(self) -> RunInfo:
        try:
            d = json.loads((self.path / CONFIG).read_text(encoding="utf-8"))
            return RunInfo(
                config=TrainConfig.from_dict(d["config"]),
                tokenizer=Tokenizer.from_config(d["tokenizer"]),
                vocab_size=int(d["vocab_size"]),
                data=d.get("data", {}),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise UserInputError(f"{str(self.path / CONFIG)!r} is not a run config ({e})") from None

    def write_info(self, info: RunInfo) -> None:
        write_json_atomic(self.path / CONFIG, info.to_json())

    def vocab(self) -> Vocabulary:
        return Vocabulary.load(self.path / VOCAB)

    def state(self) -> dict:
        p = self.path / STATE
        if not p.is_file():
            return {"epoch": 0, "history": {}}
        return json.loads(p.read_text(encoding="utf-8"))

    def load_model(self, compile: bool = True):
        import keras

        import llm_tf.architectures  # noqa: F401  (registers the §3.2 layers for loading)
        path = self.model_path()
        if path is None:
            raise UserInputError(f"run folder {str(self.path)!r} has no model")
        try:
            return keras.saving.load_model(path, compile=compile)
        except (ValueError, OSError) as e:
            raise UserInputError(f"cannot load the model in {str(path)!r}: {e}") from None
