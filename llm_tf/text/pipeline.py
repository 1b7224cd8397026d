"""The end of every ``tf.data`` pipeline in llm-tf: a fixed prefetch, autotuning off.

``tf.data`` autotunes by default: each iterator gets a model thread that sleeps
for a period doubling from 10 ms towards 60 s, and deleting the iterator waits for
the current sleep to end. An epoch's iterator is deleted when the epoch (or
``fit``) ends, so a run could stall there for seconds, growing with how long the
iterator lived: measured by ``bench/iterator_teardown.py``, an iterator deleted
3 s after it was made took 2.1 s to go (0.4 s at the end of a 12 s
``Word2Vec.fit`` on PTB; up to a minute for long epochs), and none with
autotuning off. llm-tf's pipelines read fixed-size records and small batches, so
there is nothing for autotuning to tune: they prefetch :data:`PREFETCH_BATCHES`
batches and map with :data:`MAP_CALLS` parallel calls.
"""

from __future__ import annotations

PREFETCH_BATCHES = 4  # batches made ahead of the training step
MAP_CALLS = 2  # parallel calls of a pipeline's map (it only slices windows)


def finish(ds, prefetch: int = PREFETCH_BATCHES, autotune: bool = False):
    """``ds`` prefetched ``prefetch`` batches ahead, with ``tf.data``'s autotuning off.

    ``autotune=True`` keeps TensorFlow's default (for the benchmark that measures
    what it costs).
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = autotune
    return ds.prefetch(prefetch).with_options(options)
