"""Fixtures of the word-vector tests: hand-made vectors and the `llm-tf` parser."""

import numpy as np
import pytest

from llm_tf.vectors.word_vectors import WordVectors


@pytest.fixture
def wv():
    """Royalty along axis 0, gender along axis 1, fruit far away: king - man + woman = queen."""
    words = ["king", "queen", "man", "woman", "apple", "pear", "中国", "北京"]
    vectors = np.array(
        [
            [1.0, 1.0, 0.1],
            [1.0, -1.0, 0.1],
            [0.1, 1.0, 0.0],
            [0.1, -1.0, 0.0],
            [0.0, 0.1, 2.0],
            [0.1, 0.0, 2.0],
            [-1.0, 0.2, 0.5],
            [-1.0, 0.1, 0.6],
        ]
    )
    return WordVectors(words, vectors)


@pytest.fixture
def parser():
    """The real `llm-tf` parser."""
    from llm_tf.cli import build_parser

    return build_parser()
