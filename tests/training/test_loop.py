"""The training loop: best model, plateau, early stopping, limits, stateful streams,
mixed precision, recipes."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.models import ModelConfig
from llm_tf.text import lm_data
from llm_tf.training import DataConfig, OptimConfig, RunDir, RuntimeConfig, TrainConfig, train
from llm_tf.training.loop import Progress, TrainLoop
from llm_tf.training.recipes import load_recipe, merge, recipe_names

TINY = ModelConfig(embedding_dim=16, units=16)


def _cfg(corpus, **optim):
    return TrainConfig(data=DataConfig(corpus=str(corpus), seq_len=16, batch_size=16),
                       model=TINY, optim=OptimConfig(**{"epochs": 2, **optim}),
                       runtime=RuntimeConfig(jit_compile=False), seed=3)


@pytest.fixture(autouse=True)
def _float32_policy():
    yield
    keras.mixed_precision.set_dtype_policy("float32")  # a mixed run must not leak


def test_best_model_plateau_and_early_stopping(tmp_path, en_corpus, monkeypatch):
    """Validation 3.0, 2.0, 2.5, 2.6: best at epoch 2, the rate halves twice, stop at 4."""
    model, _ = train(_cfg(en_corpus, epochs=1), tmp_path / "r", verbose=0)
    cfg = _cfg(en_corpus, epochs=9, patience=2, decay_factor=2.0, lr_schedule="plateau",
               learning_rate=1e-3)
    loop = TrainLoop(RunDir(tmp_path / "r"), model, cfg, tf.distribute.get_strategy(),
                     jit=False, verbose=0)
    losses = iter([3.0, 2.0, 2.5, 2.6, 9.9])
    monkeypatch.setattr(loop, "evaluate", lambda path: next(losses))
    model.optimizer.learning_rate.assign(1e-3)
    (tmp_path / "r" / "best.keras").unlink()
    progress = loop.fit(Progress())
    assert progress.epoch == 4 and progress.best_epoch == 2
    assert progress.best_val_loss == 2.0 and progress.bad_epochs == 2
    assert "not improved for 2 epochs" in progress.stopped
    np.testing.assert_allclose(progress.history["learning_rate"], [1e-3, 1e-3, 1e-3, 5e-4],
                               rtol=1e-6)
    assert float(model.optimizer.learning_rate) == pytest.approx(2.5e-4)
    assert (tmp_path / "r" / "best.keras").is_file()
    state = json.loads((tmp_path / "r" / "state.json").read_text())
    assert state["best_epoch"] == 2 and state["epoch"] == 4


def test_plateau_after_a_warm_up_still_divides_the_rate(tmp_path, en_corpus, monkeypatch):
    """The rate climbs over the warm-up steps, then halves after each bad epoch (with a
    warm-up the division used to be skipped, silently)."""
    model, _ = train(_cfg(en_corpus, epochs=1), tmp_path / "r", verbose=0)
    cfg = _cfg(en_corpus, epochs=3, patience=0, lr_schedule="plateau", learning_rate=1e-3,
               warmup_steps=4)
    loop = TrainLoop(RunDir(tmp_path / "r"), model, cfg, tf.distribute.get_strategy(),
                     jit=False, verbose=0)
    seen = []
    step_fn = loop._step_fn

    def spy(iterator, state):
        seen.append(float(model.optimizer.learning_rate))
        return step_fn(iterator, state)

    monkeypatch.setattr(loop, "_step_fn", spy)
    losses = iter([2.0, 2.5, 2.6])
    monkeypatch.setattr(loop, "evaluate", lambda path: next(losses))
    progress = loop.fit(Progress())
    n = loop.steps_per_epoch
    assert n > 4
    np.testing.assert_allclose(seen[:5], [2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3], rtol=1e-6)
    # epoch 1 improves (on nothing), epochs 2 and 3 do not: halved after each
    np.testing.assert_allclose([seen[n - 1], seen[n], seen[2 * n]], [1e-3, 1e-3, 5e-4],
                               rtol=1e-6)
    np.testing.assert_allclose(progress.history["learning_rate"], [1e-3, 1e-3, 5e-4],
                               rtol=1e-6)
    assert progress.lr_scale == 0.25
    assert float(model.optimizer.learning_rate) == pytest.approx(2.5e-4)
    assert Progress.from_json(progress.to_json()).lr_scale == 0.25
    assert Progress.from_json({"epoch": 1}).lr_scale is None  # read from the optimizer


def test_max_steps_and_time_budget_stop_training(tmp_path, en_corpus):
    _, history = train(_cfg(en_corpus, max_steps=7, epochs=5), tmp_path / "a", verbose=0)
    state = RunDir(tmp_path / "a").state()
    assert state["step"] == 7 and "max-steps" in state["stopped"]
    assert len(history["val_loss"]) == 1  # the stopped epoch is still validated
    train(_cfg(en_corpus, time_budget=1e-3, epochs=5), tmp_path / "b", verbose=0)
    state = RunDir(tmp_path / "b").state()
    assert state["step"] == 1 and "time-budget" in state["stopped"]


def test_stateful_batches_are_contiguous_streams_and_carry_state(tmp_path, en_corpus):
    cfg = TrainConfig(data=DataConfig(corpus=str(en_corpus), seq_len=8, batch_size=4,
                                      stateful=True),
                      model=ModelConfig(embedding_dim=8, units=8, layers=2),
                      optim=OptimConfig(epochs=1, max_steps=1),
                      runtime=RuntimeConfig(jit_compile=False))
    model, _ = train(cfg, tmp_path / "s", verbose=0)
    run = RunDir(tmp_path / "s")
    loop = TrainLoop(run, model, cfg, tf.distribute.get_strategy(), jit=False, verbose=0)
    batches = list(loop._stream_fn(0)(tf.distribute.InputContext()))
    xs = np.concatenate([x.numpy() for x, _ in batches], axis=1)  # (4, steps * 8)
    ys = np.concatenate([y.numpy() for _, y in batches], axis=1)
    ids = np.asarray(lm_data.read_ids(run / "train.ids"))
    row = len(ids) // 4
    for r in range(4):  # each row is one contiguous piece of the stream
        np.testing.assert_array_equal(xs[r], ids[r * row : r * row + xs.shape[1]])
        np.testing.assert_array_equal(ys[r], ids[r * row + 1 : r * row + 1 + xs.shape[1]])
    # carrying the state batch to batch gives the logits of one pass over the whole rows
    state, parts = model.init_state(4), []
    for x, _ in batches[:5]:
        logits, state = model.step(x, state)
        parts.append(np.asarray(logits))
    whole, _ = model.step(xs[:, : 5 * 8], model.init_state(4))
    np.testing.assert_allclose(np.concatenate(parts, axis=1), np.asarray(whole), atol=1e-5)
    # each epoch starts from zeros
    zero = [np.asarray(t) for t in tf.distribute.get_strategy().experimental_local_results(
        loop.initial_state()[0])]
    assert not np.any(zero[0])


def test_mixed_precision_matches_float32(tmp_path, en_corpus):
    def run(mixed, out):
        cfg = TrainConfig(data=DataConfig(corpus=str(en_corpus), seq_len=16, batch_size=16),
                          model=ModelConfig(arch="transformer", embedding_dim=32, mlp_dim=64,
                                            layers=2, heads=2, max_len=16),
                          optim=OptimConfig(epochs=1, max_steps=30, learning_rate=3e-3),
                          runtime=RuntimeConfig(jit_compile=False, mixed_precision=mixed),
                          seed=5)
        _, history = train(cfg, tmp_path / out, verbose=0)
        return history

    full, mixed = run(False, "f32"), run(True, "mixed")
    assert all(np.isfinite(mixed["loss"] + mixed["val_loss"]))
    np.testing.assert_allclose(mixed["val_loss"], full["val_loss"], rtol=0.03)
    assert mixed["val_loss"][-1] < mixed["initial_val_perplexity"][0]  # it learned
    saved = RunDir(tmp_path / "mixed").load_model(compile=False)
    assert keras.backend.standardize_dtype(saved.weights[0].dtype) == "float32"


def _spy(monkeypatch, name, key):
    """Patch ``llm_tf.training.loop.<name>`` to record each call's keyword ``key``."""
    from llm_tf.training import loop as loop_module

    seen, real = [], getattr(loop_module, name)
    monkeypatch.setattr(loop_module, name, lambda *a, **k: seen.append(k[key]) or real(*a, **k))
    return seen


def _assert_trained_alike(first, second):
    """Two (model, history) pairs: the same losses and weights up to float rounding."""
    (m1, h1), (m2, h2) = first, second
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-4)
    np.testing.assert_allclose(h1["val_loss"], h2["val_loss"], rtol=1e-4)
    for a, b in zip(m1.weights, m2.weights, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-3, atol=1e-5)


def _tiny_lm(corpus, arch, stateful, runtime, max_steps):
    """A tiny language model's run (the §5 listing's graph for ``arch="listing"``); the
    output tied to the embedding when the state is carried."""
    model = (ModelConfig(embedding_dim=16, units=16) if arch == "listing"
             else ModelConfig(arch=arch, embedding_dim=16, units=16, layers=1, heads=2,
                              max_len=16, tie_embeddings=stateful))
    return TrainConfig(data=DataConfig(corpus=str(corpus), seq_len=16, batch_size=16,
                                       stateful=stateful),
                       model=model, optim=OptimConfig(epochs=1, max_steps=max_steps,
                                                      learning_rate=3e-3),
                       runtime=runtime, seed=5)


@pytest.mark.parametrize("arch, stateful", [("lstm", True), ("transformer", False),
                                            ("listing", False)])
def test_the_fused_output_loss_trains_as_the_plain_one(tmp_path, en_corpus, arch, stateful,
                                                       monkeypatch):
    """Same seed, same batches: the chunked loss (no (B, T, V) logits) gives the same
    losses and weights as the plain softmax cross-entropy, up to float rounding."""
    traced = _spy(monkeypatch, "chunked_cross_entropy_sum", "tied")

    def run(fused, out):
        runtime = RuntimeConfig(jit_compile=False, fused_loss=fused)
        return train(_tiny_lm(en_corpus, arch, stateful, runtime, 12), tmp_path / out, verbose=0)

    (m1, h1) = run(True, "fused")
    assert traced and set(traced) == {stateful}  # the fused path ran (tied for the LSTM)
    if arch == "listing":  # the §5 functional graph itself, its Dense(softmax) bypassed
        assert isinstance(m1, keras.Model) and not hasattr(m1, "output_head")
    traced.clear()
    (m2, h2) = run(False, "plain")
    assert not traced
    _assert_trained_alike((m1, h1), (m2, h2))


@pytest.mark.parametrize("arch, stateful", [("lstm", True), ("listing", False)])
def test_the_split_output_loss_trains_as_the_xla_one(tmp_path, en_corpus, arch, stateful,
                                                     monkeypatch):
    """--output-matmuls onednn (matmuls by TensorFlow's kernels, softmax and update by XLA)
    trains as the one compiled step, up to float rounding; onednn-bf16 stays close."""
    dtypes = _spy(monkeypatch, "split_cross_entropy_sum", "dtype")

    def run(where, out):
        runtime = RuntimeConfig(jit_compile=True, output_matmuls=where)
        return train(_tiny_lm(en_corpus, arch, stateful, runtime, 10), tmp_path / out, verbose=0)

    m1, h1 = run("onednn", "onednn")
    assert dtypes and set(dtypes) == {"float32"}  # the split path ran
    dtypes.clear()
    m2, h2 = run("xla", "xla")
    assert not dtypes
    _assert_trained_alike((m1, h1), (m2, h2))
    _, h3 = run("onednn-bf16", "bf16")
    assert set(dtypes) == {"bfloat16"}
    np.testing.assert_allclose(h3["val_loss"], h2["val_loss"], rtol=0.01)
    assert h3["val_loss"] != h2["val_loss"]  # bfloat16 rounding, not float32 in disguise


@pytest.mark.parametrize("arch, where, fused, jit, want", [
    ("lstm", "auto", True, True, "float32"), ("rnn", "auto", True, True, "float32"),
    ("transformer", "auto", True, True, None), ("lstm", "auto", True, False, None),
    ("lstm", "auto", False, True, None), ("lstm", "xla", True, True, None),
    ("transformer", "onednn", True, False, "float32"),
    ("lstm", "onednn-bf16", True, True, "bfloat16")])
def test_where_the_output_matmuls_run(arch, where, fused, jit, want):
    from llm_tf.training.loop import split_output_dtype

    cfg = TrainConfig(model=ModelConfig(arch=arch), runtime=RuntimeConfig(output_matmuls=where))
    assert split_output_dtype(cfg, fused, jit) == want  # this machine has no GPU


def test_a_callback_that_stops_mid_epoch_stops_the_run(tmp_path, en_corpus):
    """keras's stop_training set by a callback after batch 3: the epoch ends there (with
    its validation and save) and the run stops, instead of going on batch by batch."""
    class StopAfterThree(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    _, history = train(_cfg(en_corpus, epochs=3), tmp_path / "r", verbose=0,
                       callbacks=[StopAfterThree()])
    state = RunDir(tmp_path / "r").state()
    assert state["stopped"] == "stopped by a callback"
    assert state["step"] == 3 and state["epoch"] == 1
    assert len(history["val_loss"]) == 1


def test_the_split_output_loss_needs_the_fused_loss(tmp_path, en_corpus):
    from llm_tf.errors import UserInputError

    cfg = TrainConfig(data=DataConfig(corpus=str(en_corpus), seq_len=16, batch_size=16),
                      model=TINY, optim=OptimConfig(epochs=1, max_steps=2),
                      runtime=RuntimeConfig(fused_loss=False, output_matmuls="onednn"))
    with pytest.raises(UserInputError, match="--output-matmuls onednn needs the fused"):
        train(cfg, tmp_path / "r", verbose=0)


@pytest.mark.parametrize("name", recipe_names())
def test_every_recipe_parses_and_trains_a_few_steps(name, tmp_path, en_corpus):
    recipe = load_recipe(name)
    assert recipe["summary"]
    cfg = TrainConfig.from_dict(merge(recipe, {"data": {"corpus": str(en_corpus)},
                                               "optim": {"max_steps": 3},
                                               "runtime": {"jit_compile": False}}))
    for part in ("data", "model", "optim"):  # the recipe's values are in the config
        for key, value in recipe.get(part, {}).items():
            if key not in ("corpus", "max_steps"):
                assert getattr(getattr(cfg, part), key) == value, (part, key)
    _, history = train(cfg, tmp_path / name, verbose=0)
    assert np.isfinite(history["val_loss"][-1])
    assert RunDir(tmp_path / name).state()["step"] == 3
