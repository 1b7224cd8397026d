"""Training (§5): configs, run folders, callbacks and the trainer.

- :mod:`.config`: :class:`TrainConfig` = :class:`DataConfig` + ``ModelConfig`` +
  :class:`OptimConfig` + :class:`RuntimeConfig` (no TensorFlow);
- :mod:`.loop`: the one training loop, for every ``tf.distribute`` strategy;
- :mod:`.optimizers`, :mod:`.distribution`: optimiser and schedule; strategy and precision;
- :mod:`.run_folder`: what a run folder holds and how it is read;
- :mod:`.callbacks`: perplexity in the logs, per-epoch checkpoints, the curve;
- :mod:`.trainer`: :func:`train` and :func:`finetune`.
"""

from llm_tf.training.config import DataConfig, OptimConfig, RuntimeConfig, TrainConfig
from llm_tf.training.run_folder import RunDir, RunInfo
from llm_tf.training.trainer import finetune, train

__all__ = [
    "DataConfig",
    "OptimConfig",
    "RunDir",
    "RunInfo",
    "RuntimeConfig",
    "TrainConfig",
    "finetune",
    "train",
]
