"""--ema: validation and best.keras use an exponential moving average of the weights,
kept by the Keras optimizer (so in every checkpoint), while training moves the raw ones."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.models import ModelConfig
from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig, train
from llm_tf.training.loop import TrainLoop
from llm_tf.training.optimizers import averaged_weights
from llm_tf.training.run_folder import RunDir


def _cfg(corpus, ema, epochs=2):
    return TrainConfig(
        data=DataConfig(corpus=str(corpus), seq_len=16, batch_size=8, stateful=False),
        model=ModelConfig(arch="transformer", embedding_dim=16, layers=1, heads=2, mlp_dim=32,
                          max_len=32),
        optim=OptimConfig(epochs=epochs, ema=ema, lr_schedule="constant", patience=0),
        runtime=RuntimeConfig(jit_compile=False), seed=3)


def test_ema_must_be_a_momentum():
    for bad in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(UserInputError, match="ema"):
            OptimConfig(ema=bad)


def test_best_model_holds_the_average_and_training_the_raw_weights(tmp_path, en_corpus):
    model, _ = train(_cfg(en_corpus, 0.9), tmp_path / "r", verbose=0)
    run = tmp_path / "r"
    opt = model.optimizer
    averages = [a.numpy() for a in opt._model_variables_moving_average]
    raw = [v.numpy() for v in model.trainable_variables]
    assert any(not np.allclose(a, r) for a, r in zip(averages, raw, strict=True))
    with averaged_weights(model):  # swapped in, then the raw weights come back exactly
        assert all(np.array_equal(v.numpy(), a)
                   for v, a in zip(model.trainable_variables, averages, strict=True))
    assert all(np.array_equal(v.numpy(), r)
               for v, r in zip(model.trainable_variables, raw, strict=True))
    # the checkpoint keeps the average (a resumed run continues it)
    ckpt = keras.saving.load_model(run / "checkpoint.keras")
    assert all(np.array_equal(a.numpy(), b) for a, b in
               zip(ckpt.optimizer._model_variables_moving_average, averages, strict=True))
    # best.keras scores what the history says the best epoch scored: the averaged weights
    history = json.loads((run / "state.json").read_text())["history"]
    best = keras.saving.load_model(run / "best.keras")
    loop = TrainLoop(RunDir(run), best, _cfg(en_corpus, 0.9), tf.distribute.get_strategy(),
                     jit=False, verbose=0)
    assert loop.evaluate(run / "val.ids") == pytest.approx(min(history["val_loss"]), rel=1e-6)
    last_raw = [v.numpy() for v in best.trainable_variables]
    assert any(not np.allclose(a, r) for a, r in zip(last_raw, raw, strict=True))


def test_without_ema_nothing_is_swapped(tmp_path, en_corpus):
    model, _ = train(_cfg(en_corpus, None, epochs=1), tmp_path / "r", verbose=0)
    raw = [v.numpy() for v in model.trainable_variables]
    with averaged_weights(model):
        assert all(np.array_equal(v.numpy(), r)
                   for v, r in zip(model.trainable_variables, raw, strict=True))
