"""The end of every ``tf.data`` pipeline in llm-tf: a fixed prefetch, autotuning off.

``tf.data`` autotunes by default, with a model thread per iterator, and deleting
an iterator could wait for that thread. An epoch's (or ``fit``'s) iterator is
deleted when it ends, so a run stalled there now and then: measured by
``bench/iterator_teardown.py`` and in ``docs/benchmarks.md``, 0.28-0.34 s after 2
of 6 epochs or fits, 0.38-0.80 s at the end of a 5-epoch ``Word2Vec.fit`` on PTB in
four of five calls, and once 2.1 s for an iterator deleted 3 s after it was made;
never with autotuning off. llm-tf's pipelines read fixed-size records and small
batches, so there is nothing for autotuning to tune: they prefetch
:data:`PREFETCH_BATCHES` batches and map with :data:`MAP_CALLS` parallel calls."""

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
