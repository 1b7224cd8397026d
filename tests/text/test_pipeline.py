"""Every llm-tf tf.data pipeline ends in pipeline.finish: a fixed prefetch, autotuning off.

With tf.data's autotuning on, deleting an iterator (at the end of every epoch and
every fit) could wait for its model thread: bench/iterator_teardown.py measures it.
"""

import numpy as np
import tensorflow as tf

from llm_tf.text import lm_data, pipeline
from llm_tf.text.id_stream import encode_lines
from llm_tf.text.tokenizers import Tokenizer
from llm_tf.text.vocab import Vocabulary
from llm_tf.vectors import skipgram_data
from llm_tf.vectors.cooccurrence import Cooccurrence
from llm_tf.vectors.glove import cooccurrence_dataset


def test_finish_turns_autotuning_off_and_keeps_the_elements():
    ds = tf.data.Dataset.range(10).batch(3)
    done = pipeline.finish(ds)
    assert done.options().autotune.enabled is False
    assert ds.options().autotune.enabled is not False  # TensorFlow's default, untouched
    assert [b.tolist() for b in done.as_numpy_iterator()] == [[0, 1, 2], [3, 4, 5], [6, 7, 8],
                                                              [9]]
    assert pipeline.finish(ds, autotune=True).options().autotune.enabled is True


def test_the_language_model_windows_have_autotuning_off(tmp_path):
    text = tmp_path / "c.txt"
    text.write_text("the cat sat on the mat\n" * 40, encoding="utf-8")
    tok = Tokenizer("space")
    vocab = Vocabulary.from_counts(lm_data.count_tokens(text, tok))
    lm_data.encode_corpus(text, tok, vocab, tmp_path / "t.ids", None, seq_len=4)
    ds = lm_data.lm_dataset(tmp_path / "t.ids", 4, 2, seed=0)
    assert ds.options().autotune.enabled is False
    x, y = next(iter(ds))
    assert x.shape == y.shape == (2, 4)


def test_the_word_vector_pipelines_have_autotuning_off():
    ids = {"a": 4, "b": 5, "c": 6}
    encoded = encode_lines([["a", "b", "c", "a", "b"]] * 20, ids)
    try:
        plan = skipgram_data.BatchPlan(encoded.n_tokens, 16, 4)
        ds = skipgram_data.make_dataset(encoded, plan, None, 2, seed=0)
        assert ds.options().autotune.enabled is False
        assert len(list(ds)) == plan.steps
    finally:
        encoded.close()
    cooc = Cooccurrence(np.array([4, 5], np.int32), np.array([5, 4], np.int32),
                        np.array([1.0, 2.0]), 7)
    ds = cooccurrence_dataset(cooc, batch_size=1, seed=0)
    assert ds.options().autotune.enabled is False
    assert len(list(ds)) == 2
