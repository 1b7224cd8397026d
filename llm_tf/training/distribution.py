"""Scale-out on TensorFlow's own engine: the ``tf.distribute`` strategy, precision, devices.

:func:`make_strategy` turns ``RuntimeConfig.strategy`` into a strategy:

- ``auto``: :class:`tf.distribute.MirroredStrategy` when several GPUs are visible,
  otherwise the default strategy (one CPU or GPU);
- ``one``: the default strategy;
- ``mirrored``: ``MirroredStrategy`` over every GPU (or, with no GPU, over every
  logical CPU device: :func:`split_cpu` makes several, for tests);
- ``multiworker``: ``MultiWorkerMirroredStrategy``; each worker reads ``TF_CONFIG``.

The one training loop (:mod:`llm_tf.training.loop`) runs its step with
``strategy.run`` over ``strategy.distribute_datasets_from_function``, the path that
works with every strategy (Keras 3's ``fit`` does not under
``MultiWorkerMirroredStrategy``: keras-team/keras#20585).
"""

from __future__ import annotations

import json
import os

import tensorflow as tf


def split_cpu(n: int) -> None:
    """Expose the CPU as ``n`` logical devices (before TensorFlow initialises its runtime)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])


def make_strategy(kind: str = "auto") -> tf.distribute.Strategy:
    if kind == "multiworker":  # first: collective ops must be set up before the runtime starts
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if kind == "mirrored":
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if kind == "auto" and len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def precision_policy(mixed: bool) -> str:
    """The Keras dtype policy: ``mixed_float16`` on GPU, ``mixed_bfloat16`` on CPU, or float32."""
    if not mixed:
        return "float32"
    return "mixed_float16" if tf.config.list_logical_devices("GPU") else "mixed_bfloat16"


def is_chief() -> bool:
    """True unless ``TF_CONFIG`` names this process a worker other than worker 0 (the chief)."""
    task = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}").get("task", {})
    return task.get("type", "worker") in ("chief", "worker") and (
        task.get("type") == "chief" or int(task.get("index", 0)) == 0)


def device_name() -> str:
    gpus = tf.config.list_physical_devices("GPU")
    return f"{len(gpus)} x GPU" if gpus else f"CPU ({os.cpu_count()} cores)"


def describe(strategy: tf.distribute.Strategy, policy: str, jit: bool) -> str:
    """One line: devices, strategy, precision, XLA."""
    devices = device_name()
    kind = type(strategy).__name__.replace("_DefaultDistributionStrategy", "default strategy")
    return (f"running on {devices}; strategy {kind} with {strategy.num_replicas_in_sync} "
            f"replica(s); precision {policy}; XLA {'on' if jit else 'off'}")


def describe_run(runtime) -> dict:
    """Device, strategy, precision and XLA of a run (for its summary), as this process sees them."""
    return {"device": device_name(), "strategy": runtime.strategy, "precision": precision_policy(runtime.mixed_precision),
            "xla": bool(runtime.jit_compile)}
