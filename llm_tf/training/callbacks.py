"""Keras callbacks of a training run (§5): perplexity in the logs, and the training curve.

- :class:`PerplexityLogger` adds ``perplexity = exp(loss)`` to Keras's logs;
- :func:`plot_history` draws loss and perplexity per epoch.
"""

from __future__ import annotations

import math
from pathlib import Path

import keras


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


def plot_history(history: dict, path: Path, title: str = "") -> None:
    """Training curve: loss and perplexity per epoch, train and validation."""
    from llm_tf.plotting import cjk_figure, save_figure

    with cjk_figure(figsize=(10, 4)) as fig:  # a Chinese corpus name may be in the title
        axes = fig.subplots(1, 2)
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
        save_figure(fig, path)
