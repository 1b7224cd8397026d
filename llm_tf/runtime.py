"""The TensorFlow runtime, set up once: a quiet import, seeding and determinism.

Entry points (the CLI, chapter scripts, benchmarks) call
:func:`quiet_tensorflow_import` before anything imports TensorFlow, so its C++
start-up chatter does not bury the output; library modules import TensorFlow and
Keras normally. Nothing here imports TensorFlow at module level.
"""

from __future__ import annotations

import os
import sys


def quiet_tensorflow_import() -> None:
    """Import TensorFlow and Keras with the C++ start-up chatter silenced (replayed on failure)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            tmp.seek(0)
            sys.stderr.write(tmp.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


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
