"""llm-tf: the runnable Keras 3 / TensorFlow companion to 《LLM系统内核：新一代AI的中枢》.

The package is organised by role (README.md maps every article section to its
module and chapter script):

- :mod:`llm_tf.text`: corpus -> tokens -> ids -> ``tf.data`` (used everywhere);
- :mod:`llm_tf.vectors`: §3.1 / §4.1 word vectors (Word2Vec, GloVe, evaluation);
- :mod:`llm_tf.layers`: Keras layers (§4.2.3 attention, the Transformer block, tied output);
- :mod:`llm_tf.models`: §5's LSTM as listed, §3.2's RNN / LSTM / Transformer LMs,
  the listings' classes, ``ModelConfig`` and the one registry of architectures;
- :mod:`llm_tf.generation`: samplers and the compiled decoder;
- :mod:`llm_tf.training`: configs, run folders, callbacks, the trainer (§5);
- :mod:`llm_tf.evaluation`: perplexity and the Kneser-Ney n-gram baseline;
- :mod:`llm_tf.cli`: the ``llm-tf`` command (nothing else imports it);
- ``llm_tf.RunDir`` (:mod:`llm_tf.run_dir`): a run folder from a notebook,
  ``RunDir(path).generate(prompt)`` / ``.evaluate(corpus)``;
- :mod:`llm_tf.runtime` (quiet TensorFlow import, seeding, determinism) and
  :mod:`llm_tf.settings` (config fields that carry their own help).

Nothing heavy is imported here, so ``import llm_tf`` stays cheap.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    """``llm_tf.RunDir`` (:mod:`llm_tf.run_dir`, a notebook's view of a run folder) is
    imported on first use, since it loads TensorFlow."""
    if name == "RunDir":
        from llm_tf.run_dir import RunDir

        return RunDir
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["RunDir", "__version__"]
