"""A resumed run continues where it stopped (issue 12): the history keeps its prefix,
holds exactly the epochs asked for, and the resumed call trains only the epochs left,
starting from the saved weights. A restart from epoch 0 with the same seed would
reproduce the same first epoch, so the history alone cannot tell: the epochs the
resumed call runs and the weights it starts from do."""

import keras
import numpy as np
import pytest

from llm_tf.models import ModelConfig
from llm_tf.training import DataConfig, OptimConfig, RunDir, RuntimeConfig, TrainConfig, train
from tests.paths import DATA


class _Epochs(keras.callbacks.Callback):
    """Records the epochs a ``train`` call runs, and the weights it starts from."""

    def __init__(self):
        super().__init__()
        self.epochs, self.start_weights = [], None

    def on_train_begin(self, logs=None):
        self.start_weights = [np.array(w) for w in self.model.get_weights()]

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


@pytest.mark.parametrize(
    "arch",
    ["transformer", pytest.param("lstm", marks=pytest.mark.slow)],  # a second trace
)
def test_resume_keeps_the_history_prefix_and_trains_only_the_epochs_left(arch, tmp_path):
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[:300]
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = TrainConfig(
        data=DataConfig(corpus=str(corpus), seq_len=16, batch_size=16, vocab_size=300),
        model=ModelConfig.tiny(arch=arch, layers=1),
        optim=OptimConfig(epochs=1, learning_rate=3e-3),
        runtime=RuntimeConfig(jit_compile=False),
        seed=5,
    )
    out = tmp_path / "run"
    first = _Epochs()
    model, h1 = train(cfg, out, verbose=0, callbacks=[first])
    assert first.epochs == [0] and len(h1["val_loss"]) == 1
    after_one = [np.array(w) for w in model.get_weights()]
    steps = RunDir(out).state()["step"]
    assert steps > 0

    second = _Epochs()
    _, h2 = train(cfg, out, resume=True, resume_epochs=3, verbose=0, callbacks=[second])
    assert second.epochs == [1, 2]  # not [0, 1, 2]: it continues
    for got, want in zip(second.start_weights, after_one, strict=True):
        np.testing.assert_array_equal(got, want)  # from the saved weights, not new ones
    state = RunDir(out).state()
    assert state["epoch"] == 3 and state["step"] == 3 * steps
    for h in (h2, state["history"]):
        assert len(h["val_loss"]) == len(h["loss"]) == len(h["val_perplexity"]) == 3
        assert h["val_loss"][:1] == h1["val_loss"] and h["loss"][:1] == h1["loss"]
        assert h["initial_val_perplexity"] == h1["initial_val_perplexity"]
