"""A run folder: everything one training run needs to be resumed, evaluated or reused.

::

    RUN_DIR/
      config.json          TrainConfig (data, model, optim) + tokenizer + data statistics
      vocab.json           the vocabulary
      train.ids, val.ids   the encoded corpus (raw int32 token ids); test.ids with a test corpus
      checkpoint.keras     model + optimizer at the last checkpoint (epoch end or mid-epoch)
      state.json           where training stands (epoch, batch, counters) and the history
      best.keras           the model with the best validation loss so far
      model.keras          the last model (written when training finishes)
      metrics.json         the final summary (``llm-tf train --json`` prints it)
      training_curve.png   loss / perplexity per epoch
      logs/                TensorBoard logs
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from llm_tf.errors import UserInputError
from llm_tf.text.tokenizers import Tokenizer
from llm_tf.text.vocab import Vocabulary
from llm_tf.training.config import TrainConfig

CONFIG, VOCAB, STATE = "config.json", "vocab.json", "state.json"
CHECKPOINT, MODEL, CURVE = "checkpoint.keras", "model.keras", "training_curve.png"
BEST, METRICS = "best.keras", "metrics.json"
TRAIN_IDS, VAL_IDS, TEST_IDS, LOGS = "train.ids", "val.ids", "test.ids", "logs"


@dataclass
class RunInfo:
    """What a run folder's config.json holds."""

    config: TrainConfig
    tokenizer: Tokenizer
    vocab_size: int
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "tokenizer": self.tokenizer.to_config(),
            "vocab_size": self.vocab_size,
            "data": self.data,
            "arch": self.config.model.arch,
        }


def new_run_folder(out) -> Path:
    """``out`` as the folder of a new run (the classifier's and the answer generator's):
    it must not be a file, nor a folder that already holds something."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserInputError(f"--out {str(out)!r} is a file, expected a folder for the run")
    if path.is_dir() and any(path.iterdir()):
        raise UserInputError(f"--out {str(out)!r} already exists and is not empty: choose a "
                             "new folder for the run")
    return path


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

    def model_path(self, which: str = "best") -> Path | None:
        """``best.keras`` (default) or ``model.keras`` (``which="last"``), else the checkpoint."""
        names = (BEST, MODEL, CHECKPOINT) if which == "best" else (MODEL, CHECKPOINT, BEST)
        for name in names:
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

    def load_model(self, compile: bool = True, which: str = "best"):
        """The run's best model (or ``which="last"``: its last one), registered classes loaded."""
        import keras

        import llm_tf.models  # noqa: F401  (registers every llm-tf class for loading)
        import llm_tf.training.optimizers  # noqa: F401  (the learning-rate schedules)

        path = self.model_path(which)
        if path is None:
            raise UserInputError(f"run folder {str(self.path)!r} has no model")
        try:
            return keras.saving.load_model(path, compile=compile)
        except (ValueError, OSError) as e:
            raise UserInputError(f"cannot load the model in {str(path)!r}: {e}") from None
