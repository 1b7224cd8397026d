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
      .llm-tf.lock         while a process writes the folder (:meth:`RunDir.lock`)

Every file is written atomically and read back checked (:mod:`llm_tf.files`): a
malformed or inconsistent file is named in the error, a model only loads through
:func:`llm_tf.files.load_model_file` (``safe_mode``, no code).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from llm_tf.errors import UserInputError
from llm_tf.files import (  # noqa: F401  (re-exported for the trainers)
    atomic_path,
    folder_entries,
    load_model_file,
    read_json,
    require_keys,
    run_lock,
    save_model_atomic,
    write_json_atomic,
)
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


def out_lock(out):
    """``with out_lock(out):`` the run folder ``out`` has one writer (:func:`run_lock`;
    nothing to lock when ``out`` is None). Check ``out`` with :func:`new_run_folder` before
    and again inside: a second process is refused by the lock, not by what the first wrote."""
    import contextlib

    return contextlib.nullcontext() if out is None else run_lock(out)


def new_run_folder(out) -> Path:
    """``out`` as the folder of a new run (the classifier's and the answer generator's):
    it must not be a file, nor a folder that already holds something."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserInputError(f"--out {str(out)!r} is a file, expected a folder for the run")
    if path.is_dir() and folder_entries(path):
        raise UserInputError(f"--out {str(out)!r} already exists and is not empty: choose a "
                             "new folder for the run")
    return path


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

    def lock(self):
        """``with run.lock():`` this process is the folder's only writer (see
        :func:`llm_tf.files.run_lock`)."""
        return run_lock(self.path)

    def info(self) -> RunInfo:
        path = self.path / CONFIG
        d = read_json(path, "run config")
        require_keys(d, path, {"config": dict, "tokenizer": dict, "vocab_size": int},
                     "run config")
        if d["vocab_size"] <= 0:
            raise UserInputError(f"run config {str(path)!r}: 'vocab_size' should be positive, "
                                 f"got {d['vocab_size']}")
        try:
            return RunInfo(
                config=TrainConfig.from_dict(d["config"]),
                tokenizer=Tokenizer.from_config(d["tokenizer"]),
                vocab_size=d["vocab_size"],
                data=d.get("data") if isinstance(d.get("data"), dict) else {},
            )
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            raise UserInputError(f"{str(path)!r} is not a valid run config ({e})") from None

    def write_info(self, info: RunInfo) -> None:
        write_json_atomic(self.path / CONFIG, info.to_json())

    def vocab(self) -> Vocabulary:
        return Vocabulary.load(self.path / VOCAB)

    def state(self) -> dict:
        p = self.path / STATE
        if not p.is_file():
            return {"epoch": 0, "history": {}}
        d = read_json(p, "training state")
        counters = {k: int for k in ("epoch", "batch", "step", "tokens") if k in d}
        require_keys(d, p, counters, "training state")
        if any(d[k] < 0 for k in counters):
            raise UserInputError(f"training state {str(p)!r} has a negative counter")
        if not isinstance(d.get("history", {}), dict):
            raise UserInputError(f"training state {str(p)!r}: 'history' should be an object")
        return d

    def load_model(self, compile: bool = True, which: str = "best"):
        """The run's best model (or ``which="last"``: its last one), registered classes
        loaded, read safely (:func:`llm_tf.files.load_model_file`) and checked against
        the vocabulary."""
        import llm_tf.models  # noqa: F401  (registers every llm-tf class for loading)
        import llm_tf.training.optimizers  # noqa: F401  (the learning-rate schedules)

        path = self.model_path(which)
        if path is None:
            raise UserInputError(f"run folder {str(self.path)!r} has no model")
        model = load_model_file(path, compile=compile)
        if (self.path / VOCAB).is_file():
            check_vocab_size(model, len(self.vocab()), self.path / VOCAB, path)
        return model


def model_vocab_size(model) -> int | None:
    """The number of token ids ``model`` takes (its embedding rows), if it says."""
    v = getattr(model, "vocab_size", None)
    if isinstance(v, int):
        return v
    for layer in getattr(model, "layers", ()):
        if hasattr(layer, "input_dim") and type(layer).__name__ == "Embedding":
            return int(layer.input_dim)
    return None


def check_vocab_size(model, size: int, vocab_path, model_path) -> None:
    """A clear error when ``vocab_path``'s ``size`` tokens are not the model's rows."""
    rows = model_vocab_size(model)
    if rows is not None and rows != size:
        raise UserInputError(
            f"{str(vocab_path)!r} holds {size} tokens but the model {str(model_path)!r} has "
            f"{rows} embedding rows: the vocabulary does not belong to this model")
