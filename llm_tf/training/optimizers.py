"""The optimiser and learning-rate schedule an :class:`~llm_tf.training.OptimConfig` asks for.

Adam is the §5 listing's optimiser; AdamW and SGD (with the step schedule, the
recipe of Zaremba et al. 2014) reproduce the published recipes. Schedules are a
function of the optimizer's step counter (saved with the optimizer, so a resumed
run continues the schedule); ``plateau`` instead divides the optimizer's rate
variable when validation stops improving (:mod:`llm_tf.training.loop`).
"""

from __future__ import annotations

import contextlib
import math

import keras
from keras import ops

from llm_tf.training.config import OptimConfig


@keras.saving.register_keras_serializable(package="llm_tf")
class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up to ``learning_rate``, then constant, cosine or step decay.

    Args:
        learning_rate: the peak rate.
        kind: ``constant``, ``cosine`` or ``step``.
        warmup_steps: steps from 0 to the peak.
        total_steps: cosine: steps until the end of training.
        steps_per_epoch: step: steps in one epoch.
        decay_after: step: the last epoch (1-based) at the full rate.
        decay_factor: step: divide by this each epoch after ``decay_after``.
        min_lr_ratio: cosine: final rate / peak rate.
    """

    def __init__(self, learning_rate, kind="constant", warmup_steps=0, total_steps=1,
                 steps_per_epoch=1, decay_after=4, decay_factor=2.0, min_lr_ratio=0.1):
        self.learning_rate = float(learning_rate)
        self.kind = kind
        self.warmup_steps = int(warmup_steps)
        self.total_steps = max(1, int(total_steps))
        self.steps_per_epoch = max(1, int(steps_per_epoch))
        self.decay_after = int(decay_after)
        self.decay_factor = float(decay_factor)
        self.min_lr_ratio = float(min_lr_ratio)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        lr = ops.convert_to_tensor(self.learning_rate, "float32")
        if self.kind == "cosine":
            span = float(max(1, self.total_steps - self.warmup_steps))
            t = ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
            cosine = 0.5 * (1.0 + ops.cos(math.pi * t))
            lr = lr * (self.min_lr_ratio + (1.0 - self.min_lr_ratio) * cosine)
        elif self.kind == "step":
            epoch = ops.floor(step / self.steps_per_epoch) + 1.0  # 1-based
            lr = lr * ops.power(1.0 / self.decay_factor,
                                ops.maximum(0.0, epoch - self.decay_after))
        if self.warmup_steps:
            lr = lr * ops.minimum(1.0, (step + 1.0) / self.warmup_steps)
        return lr

    def get_config(self):
        return {"learning_rate": self.learning_rate, "kind": self.kind,
                "warmup_steps": self.warmup_steps, "total_steps": self.total_steps,
                "steps_per_epoch": self.steps_per_epoch, "decay_after": self.decay_after,
                "decay_factor": self.decay_factor, "min_lr_ratio": self.min_lr_ratio}


def learning_rate(cfg: OptimConfig, steps_per_epoch: int, total_steps: int):
    """A float for ``plateau`` (a rate variable the loop sets: warm-up, then divided when
    validation stops improving, :func:`plateau_rate`) or a :class:`WarmupSchedule`."""
    if cfg.lr_schedule == "plateau":
        return plateau_rate(cfg, step=0, scale=1.0)
    kind = "constant" if cfg.lr_schedule == "plateau" else cfg.lr_schedule
    return WarmupSchedule(cfg.learning_rate, kind, cfg.warmup_steps, total_steps,
                          steps_per_epoch, cfg.decay_after, cfg.decay_factor, cfg.min_lr_ratio)


def plateau_rate(cfg: OptimConfig, step: int, scale: float) -> float:
    """The ``plateau`` schedule's rate for the optimizer step ``step`` (0-based) after its
    divisions so far (``scale``: 1 / decay_factor per division): linear warm-up as in
    :class:`WarmupSchedule`, then the peak times ``scale``."""
    rate = cfg.learning_rate * scale
    if cfg.warmup_steps:
        rate *= min(1.0, (step + 1.0) / cfg.warmup_steps)
    return rate


def make_optimizer(cfg: OptimConfig, steps_per_epoch: int, total_steps: int,
                   loss_scale: bool = False) -> keras.optimizers.Optimizer:
    """The optimiser, with global-norm clipping and weight decay as configured."""
    lr = learning_rate(cfg, steps_per_epoch, total_steps)
    decay = {"weight_decay": cfg.weight_decay or None, "global_clipnorm": cfg.clip_norm}
    if cfg.ema:  # Keras keeps the average in the optimizer's variables (so in checkpoints)
        decay.update(use_ema=True, ema_momentum=cfg.ema)
    if cfg.optimizer == "sgd":
        opt = keras.optimizers.SGD(lr, **decay)
    else:  # Keras 3 applies weight_decay decoupled (w -= lr * wd * w) for every optimizer
        kind = keras.optimizers.Adam if cfg.optimizer == "adam" else keras.optimizers.AdamW
        opt = kind(lr, beta_2=cfg.beta_2, **decay)
    if cfg.weight_decay:  # as nanoGPT and most LMs: matrices and embeddings only
        opt.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    if loss_scale:
        opt = keras.optimizers.LossScaleOptimizer(opt)
    return opt


@contextlib.contextmanager
def averaged_weights(model):
    """Within the block the model holds its weights' moving average (``--ema``), if its
    optimizer keeps one and has taken a step; the raw weights come back afterwards."""
    opt = getattr(model.optimizer, "inner_optimizer", model.optimizer)
    averages = getattr(opt, "_model_variables_moving_average", None) if opt is not None else None
    if not getattr(opt, "use_ema", False) or not averages or int(opt.iterations.numpy()) == 0:
        yield
        return
    variables = model.trainable_variables
    if len(variables) != len(averages):
        raise RuntimeError(f"{len(averages)} averaged weights for {len(variables)} variables")
    raw = [v.numpy() for v in variables]
    for v, avg in zip(variables, averages, strict=True):
        v.assign(avg)
    try:
        yield
    finally:
        for v, r in zip(variables, raw, strict=True):
            v.assign(r)
