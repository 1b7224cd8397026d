"""The TensorFlow runtime, set up once: a quiet import, the device, seeding and determinism.

Entry points (the CLI, chapter scripts, benchmarks) call
:func:`quiet_tensorflow_import` before anything imports TensorFlow, so its C++
start-up chatter does not bury the output; library modules import TensorFlow and
Keras normally. The chatter is the pre-``absl::InitializeLog`` notes of the import
(oneDNN, CPU features, "Could not find cuda drivers") and, on a machine without a
GPU, the ``failed call to cuInit ... UNKNOWN ERROR (303)`` line TensorFlow logs as
an *error* the first time it lists GPUs (so ``TF_CPP_MIN_LOG_LEVEL=2`` shows it).
Both happen here, once, with file descriptor 2 captured; lines that are not this
known noise are written back to stderr. :func:`device_summary` says in plain words
which device is used. Nothing here imports TensorFlow at module level.
"""

from __future__ import annotations

import os
import re
import sys

# What TensorFlow prints while it starts, with no GPU or with one, that says nothing
# wrong: dropped from the captured stderr of the import and the first device listing.
STARTUP_NOISE = re.compile("|".join((
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"oneDNN custom operations are on",
    r"Could not find cuda drivers on your machine",
    r"cpu_feature_guard\.cc",
    r"^To enable the following instructions:",
    r"rebuild TensorFlow with the appropriate compiler flags",
    r"failed call to cuInit",
    r"CUDA error: Failed call to cuInit",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
    r"computation_placer\.cc.*already registered",
    r"TF-TRT Warning: Could not find TensorRT",
    r"successful NUMA node read from SysFS",
)))

_devices: list | None = None  # the physical GPUs, listed once (see _probe)


def _captured(work) -> None:
    """Run ``work`` with fd 2 captured; write back what is not :data:`STARTUP_NOISE` (all
    of it if ``work`` fails)."""
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        failed = True
        try:
            work()
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            lines = tmp.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept = lines if failed else [ln for ln in lines if not STARTUP_NOISE.search(ln)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def _probe() -> None:
    global _devices
    import tensorflow as tf

    _devices = tf.config.list_physical_devices("GPU")


def quiet_tensorflow_import() -> None:
    """Import TensorFlow and Keras and list the GPUs, their start-up chatter silenced.

    ``TF_CPP_MIN_LOG_LEVEL`` is set to 3 only if the user has not set it; whatever it
    is, the known noise is dropped and anything else TensorFlow says is kept."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if _devices is not None:
        return

    def work():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401

        _probe()

    _captured(work)


def device_summary() -> str:
    """The devices TensorFlow computes on, in plain words: ``CPU (no GPU found)`` or
    ``1 GPU (NVIDIA H200)``."""
    quiet_tensorflow_import()
    if not _devices:
        return "CPU (no GPU found)"
    import tensorflow as tf

    names = []
    for gpu in _devices:
        try:
            name = tf.config.experimental.get_device_details(gpu).get("device_name")
        except (RuntimeError, ValueError):
            name = None
        names.append(name or gpu.name)
    n = len(_devices)
    return f"{n} GPU{'s' if n > 1 else ''} ({', '.join(sorted(set(names)))})"


def set_seed(seed: int) -> None:
    """Seed Python, numpy and TensorFlow at once (``keras.utils.set_random_seed``)."""
    import keras

    keras.utils.set_random_seed(int(seed))


def enable_determinism(seed: int | None = None) -> None:
    """Bit-exact TensorFlow ops (``tf.config.experimental.enable_op_determinism``), seeded."""
    import tensorflow as tf

    if seed is not None:
        set_seed(seed)
    tf.config.experimental.enable_op_determinism()
