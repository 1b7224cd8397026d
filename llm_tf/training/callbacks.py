"""Keras callbacks of a training run (§5): perplexity in the logs, per-epoch checkpoints, the curve.

- :class:`PerplexityLogger` adds ``perplexity = exp(loss)`` to Keras's logs;
- :func:`epoch_checkpoint` saves model + optimizer, then the history, after every
  epoch, each atomically (a temporary file, then a rename), so an interrupted run
  resumes from its last completed epoch;
- :func:`plot_history` draws loss and perplexity per epoch.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import keras

from llm_tf.training import run_folder as rd
from llm_tf.training.run_folder import RunDir


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


class EpochCheckpoint(keras.callbacks.Callback):
    """Save model + optimizer (``checkpoint.keras``) and the history (``state.json``) each epoch."""

    def __init__(self, run: RunDir, history: dict):
        super().__init__()
        self.run, self.history = run, history

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))
        tmp = self.run / (rd.CHECKPOINT + ".tmp.keras")
        self.model.save(tmp)
        os.replace(tmp, self.run / rd.CHECKPOINT)
        rd.write_json_atomic(self.run / rd.STATE, {"epoch": epoch + 1, "history": self.history})


def plot_history(history: dict, path: Path, title: str = "") -> None:
    """Training curve: loss and perplexity per epoch, train and validation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("loss", "perplexity"), strict=True):
        for prefix, style in (("", "-o"), ("val_", "-s")):
            ys = history.get(prefix + key, [])
            if ys:
                ax.plot(range(1, len(ys) + 1), ys, style, label=(prefix or "train_") + key)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[1].set_yscale("log")
    fig.suptitle(title or "training curve")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
