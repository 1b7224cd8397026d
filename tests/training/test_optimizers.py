"""Optimisers and learning-rate schedules from OptimConfig, checked against closed forms."""

import math

import keras
import numpy as np
import pytest

from llm_tf.training import OptimConfig
from llm_tf.training.optimizers import WarmupSchedule, learning_rate, make_optimizer


def _lr(schedule, step):
    return float(keras.ops.convert_to_numpy(schedule(step)))


def test_step_schedule_halves_after_the_given_epoch():
    s = WarmupSchedule(1.0, "step", steps_per_epoch=10, decay_after=4, decay_factor=2.0)
    # epochs 1-4 at the full rate, then 1/2, 1/4, ... (Zaremba et al.)
    assert [_lr(s, e * 10 + 3) for e in range(7)] == [1, 1, 1, 1, 0.5, 0.25, 0.125]


def test_cosine_with_warmup_closed_form():
    s = WarmupSchedule(1e-3, "cosine", warmup_steps=10, total_steps=110, min_lr_ratio=0.1)
    assert _lr(s, 0) == pytest.approx(1e-4)  # (0 + 1) / 10 of the peak
    assert _lr(s, 9) == pytest.approx(1e-3)
    mid = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 50 / 100))
    assert _lr(s, 60) == pytest.approx(1e-3 * mid, rel=1e-5)
    assert _lr(s, 110) == pytest.approx(1e-4, rel=1e-5)
    assert _lr(s, 500) == pytest.approx(1e-4, rel=1e-5)  # stays at the floor


def test_schedule_serialises():
    s = WarmupSchedule(0.5, "step", 3, 100, 7, 2, 3.0, 0.2)
    again = WarmupSchedule.from_config(s.get_config())
    for step in (0, 5, 30):
        assert _lr(again, step) == _lr(s, step)


@pytest.mark.parametrize("kind,cls", [("adam", keras.optimizers.Adam),
                                      ("adamw", keras.optimizers.AdamW),
                                      ("sgd", keras.optimizers.SGD)])
def test_make_optimizer(kind, cls):
    cfg = OptimConfig(optimizer=kind, clip_norm=0.5, weight_decay=0.01, lr_schedule="cosine")
    opt = make_optimizer(cfg, steps_per_epoch=10, total_steps=100)
    assert type(opt) is cls and opt.global_clipnorm == 0.5 and opt.weight_decay == 0.01
    assert isinstance(opt._learning_rate, WarmupSchedule)
    scaled = make_optimizer(cfg, 10, 100, loss_scale=True)
    assert isinstance(scaled, keras.optimizers.LossScaleOptimizer)


def test_plateau_is_a_rate_variable_the_loop_can_divide():
    cfg = OptimConfig(lr_schedule="plateau", learning_rate=1e-3)
    assert learning_rate(cfg, 10, 100) == 1e-3
    opt = make_optimizer(cfg, 10, 100)
    opt.learning_rate.assign(opt.learning_rate / 2)
    np.testing.assert_allclose(float(opt.learning_rate), 5e-4)


def test_clipping_bounds_the_update():
    cfg = OptimConfig(optimizer="sgd", learning_rate=1.0, clip_norm=1.0, lr_schedule="constant")
    opt = make_optimizer(cfg, 1, 1)
    w = keras.Variable(np.zeros(4, "float32"))
    opt.apply([keras.ops.convert_to_tensor(np.full(4, 100.0, "float32"))], [w])
    np.testing.assert_allclose(np.linalg.norm(keras.ops.convert_to_numpy(w)), 1.0, rtol=1e-5)
