"""Keras callbacks of a training run (§5, §6): perplexity, checkpoints, the training curve.

- :class:`PerplexityLogger` adds ``perplexity = exp(loss)`` to Keras's logs;
- :func:`plot_history` draws loss and a second figure (perplexity, accuracy, the learning
  rate) per epoch;
- :class:`EpochBatches` and :class:`EpochCheckpoint` let a trainer that runs Keras
  ``fit`` (the answer generator, the classifier, the translator) be killed and resumed
  to the same weights: the batches of epoch ``e`` are a permutation seeded by
  ``(seed, e)``, not by how many epochs this process has run, and after every epoch the
  model with its optimizer (``checkpoint.keras``) and then ``state.json`` (the epochs
  done, the history, the dropout generators' states) are written atomically, the same
  two files the language-model trainer writes (:mod:`llm_tf.training.run_folder`).
  :func:`load_checkpoint` reads them back for ``fit(..., initial_epoch=state["epoch"])``.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path

import keras
import numpy as np

from llm_tf.files import read_json, require_keys, save_model_atomic, write_json_atomic

CHECKPOINT, STATE, CURVE = "checkpoint.keras", "state.json", "training_curve.png"


class PerplexityLogger(keras.callbacks.Callback):
    """Adds ``perplexity = exp(loss)`` (and ``val_perplexity``) to Keras's logs.

    Place it before the progress bar, TensorBoard and checkpoint callbacks so they
    all see it. It costs nothing: no second pass over the softmax.
    """

    @staticmethod
    def _add(logs):
        if not logs:
            return
        for key in ("loss", "val_loss"):
            if key in logs:
                ppl_key = key.replace("loss", "perplexity")
                logs[ppl_key] = float(math.exp(min(float(logs[key]), 50.0)))

    def on_train_batch_end(self, batch, logs=None):
        self._add(logs)

    def on_epoch_end(self, epoch, logs=None):
        self._add(logs)

    def on_test_end(self, logs=None):
        self._add(logs)


_LABELS = {"loss": "loss", "perplexity": "perplexity", "accuracy": "accuracy",
           "learning_rate": "learning rate"}


def plot_history(history: dict, path: Path, title: str = "",
                 panels: tuple[str, ...] = ("loss", "perplexity")) -> Path:
    """Training curve: one panel per key of ``panels`` (default loss and perplexity), train
    (``key``) and validation (``val_key``) per epoch; perplexity on a log scale. The
    title may hold Chinese (a corpus name): it is drawn with a CJK font."""
    from llm_tf.plotting import cjk_figure, save_figure

    with cjk_figure(figsize=(5 * len(panels), 4)) as fig:
        axes = np.atleast_1d(fig.subplots(1, len(panels)))
        for ax, key in zip(axes, panels, strict=True):
            for prefix, style in (("", "-o"), ("val_", "-s")):
                ys = history.get(prefix + key, [])
                if ys:
                    label = key if key == "learning_rate" else (prefix or "train_") + key
                    ax.plot(range(1, len(ys) + 1), ys, style, label=label)
            ax.set_xlabel("epoch")
            ax.set_ylabel(_LABELS.get(key, key))
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
            if key == "perplexity" and any(history.get(key, [])):
                ax.set_yscale("log")
        fig.suptitle(title or "training curve")
        return save_figure(fig, path)


# ---------------------------------------------------------------- resumable Keras fit
def _take(data, index):
    if isinstance(data, dict):
        return {k: v[index] for k, v in data.items()}
    return data[index]


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The order of ``n`` examples in epoch ``epoch``: a permutation seeded by both."""
    return np.random.default_rng([int(seed), int(epoch)]).permutation(n)


class EpochBatches:
    """Batches of ``(x, y)`` (arrays, or a dict of arrays for ``x``), each epoch in the
    order :func:`epoch_order` fixes from ``(seed, epoch)``: ``fit(**batches.fit_args())``
    runs epochs ``first .. epochs - 1``, so a run resumed at epoch ``k`` replays epoch ``k``
    of an unbroken run exactly. (Keras's ``shuffle=True`` draws each epoch's order from a
    random state a new process starts afresh; a ``PyDataset`` is read one epoch ahead,
    before it is told the epoch has changed.) One generator spans all the epochs, with
    ``steps_per_epoch`` set, so Keras keeps reading it from epoch to epoch."""

    def __init__(self, x, y, batch_size: int, seed: int, first: int, epochs: int):
        self.x, self.y = x, np.asarray(y)
        self.n, self.batch_size, self.seed = len(self.y), int(batch_size), int(seed)
        self.first, self.epochs = int(first), int(epochs)

    def __len__(self) -> int:
        """Batches per epoch."""
        return -(-self.n // self.batch_size)

    def batches(self):
        for epoch in range(self.first, self.epochs):
            order = epoch_order(self.n, self.seed, epoch)
            for start in range(0, self.n, self.batch_size):
                idx = order[start:start + self.batch_size]
                yield _take(self.x, idx), self.y[idx]

    def fit_args(self) -> dict:
        """``x``, ``epochs``, ``initial_epoch``, ``steps_per_epoch`` and ``shuffle`` (off: the
        order is this generator's) for Keras ``fit``."""
        return {"x": self.batches(), "epochs": self.epochs, "initial_epoch": self.first,
                "steps_per_epoch": len(self), "shuffle": False}


class EpochCheckpoint(keras.callbacks.Callback):
    """After every epoch, in ``folder``: ``checkpoint.keras`` (model and optimizer), then
    ``state.json`` (``epoch`` done, ``history`` so far, the dropout generators' ``rng``,
    ``seconds`` of training and what ``extra()`` adds), both atomic. :meth:`plot` draws
    the training curve (``panels``, ``title``) when the trainer is done. ``history``: the
    history of the epochs already done (a resumed run's), continued here; the learning
    rate is added to it. ``title`` may be a function (of nothing), called when drawing."""

    def __init__(self, folder, history: dict | None = None, title="",
                 panels: tuple[str, ...] = ("loss", "learning_rate"), extra=None,
                 seconds: float = 0.0):
        super().__init__()
        self.folder = None if folder is None else Path(folder)
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.title, self.panels, self.extra = title, panels, extra
        self.seconds, self._start = float(seconds), None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        """Training seconds, the resumed run's earlier ones included."""
        return self.seconds + (time.perf_counter() - self._start if self._start else 0.0)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(
            self.model.optimizer.learning_rate))
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))
        if self.folder is None:
            return
        from llm_tf.training.loop import rng_state

        save_model_atomic(self.model, self.folder / CHECKPOINT)
        state = {"epoch": epoch + 1, "history": self.history, "rng": rng_state(self.model),
                 "seconds": self.elapsed(), **(self.extra() if self.extra else {})}
        write_json_atomic(self.folder / STATE, state)

    def plot(self) -> Path | None:
        """Draw the curve of the history so far into ``folder/training_curve.png``."""
        if self.folder is None:
            return None
        title = self.title() if callable(self.title) else self.title
        return plot_history(self.history, self.folder / CURVE, title, self.panels)


def read_state(folder) -> dict | None:
    """``folder/state.json`` checked (``epoch``, ``history``), or None when there is none."""
    path = Path(folder) / STATE
    if not path.is_file() or not (Path(folder) / CHECKPOINT).is_file():
        return None
    state = read_json(path, "training state")
    require_keys(state, path, {"epoch": int, "history": dict}, "training state")
    return state


def load_checkpoint(folder, state: dict, expected: type | None = None, what: str = ""):
    """The model of ``folder/checkpoint.keras`` with its optimizer, its dropout generators
    put back where ``state`` says they were; a clear error when it is not an ``expected``
    (``what`` names it, e.g. "the translator of llm-tf translate train")."""
    from llm_tf.errors import UserInputError
    from llm_tf.files import load_model_file
    from llm_tf.training.loop import restore_rng_state

    model = load_model_file(Path(folder) / CHECKPOINT, compile=True)
    if expected is not None and not isinstance(model, expected):
        raise UserInputError(f"{str(Path(folder) / CHECKPOINT)!r} holds a "
                             f"{type(model).__name__}, not {what}")
    restore_rng_state(model, state.get("rng") or [])
    return model


@contextlib.contextmanager
def resumable_run(out, kind: str, resume: bool, config_class, config):
    """``with resumable_run(out, "qa", resume, QAConfig, config) as (config, resumed):``
    the section trainers' start: a new run folder, or (``resume``) the stopped run of
    ``kind`` in ``out`` with its saved config (checked again once the folder is locked);
    ``out`` is locked for the block (one writer). ``out=None`` writes nothing."""
    from llm_tf.training.run_folder import new_run_folder, out_lock

    saved = saved_run(out, kind) if resume and out is not None else None
    if out is not None and saved is None:
        new_run_folder(out)
    with out_lock(out):
        if saved is not None:
            saved = saved_run(out, kind)  # again, now that no other process writes it
            config = config_class.from_dict(saved["config"])
        yield config, saved is not None


def saved_run(out, kind: str) -> dict | None:
    """What ``resume=True`` continues in ``out``: its ``config.json`` (of ``kind``) when it
    holds a run of that kind, None when ``out`` is missing or empty (a fresh start); a
    clear error for a file or another kind of folder."""
    from llm_tf.errors import UserInputError
    from llm_tf.files import folder_entries

    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserInputError(f"--out {str(out)!r} is a file, expected a folder for the run")
    if not path.is_dir() or not folder_entries(path):
        return None
    info = read_json(path / "config.json", "run config") if (path / "config.json").is_file() \
        else None
    if not isinstance(info, dict) or info.get("kind") != kind:
        raise UserInputError(f"--resume: {str(out)!r} is not a {kind} run folder")
    require_keys(info, path / "config.json", {"config": dict}, "run config")
    return info
