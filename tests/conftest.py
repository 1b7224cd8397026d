"""Shared fixtures: quiet TensorFlow, small corpora written to tmp_path."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tests.paths import DATA, ROOT  # noqa: E402

if str(ROOT) not in sys.path:  # `python -m pytest` from elsewhere
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from llm_tf.runtime import quiet_tensorflow_import  # noqa: E402

quiet_tensorflow_import()


def _first_lines(tmp_path, lang: str, n: int = 1500):
    lines = (DATA / f"corpus.{lang}.txt").read_text(encoding="utf-8").splitlines()[:n]
    p = tmp_path / f"{lang}.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def en_corpus(tmp_path):
    """The first 1,500 English sentences of data/ (word-level)."""
    return _first_lines(tmp_path, "en")


@pytest.fixture
def zh_corpus(tmp_path):
    """The first 1,500 Chinese sentences of data/ (character-level)."""
    return _first_lines(tmp_path, "zh")


@pytest.fixture(autouse=True)
def _op_determinism_stays_in_its_test():
    """``deterministic=True`` turns TensorFlow's op determinism on for the whole process
    (as ``llm-tf train --deterministic`` does, on purpose); a test that does so must not
    leave it on for the next, where Keras would then refuse XLA."""
    from tensorflow.python.framework import config  # (no public switch back off)

    before = config.is_op_determinism_enabled()
    yield
    if not before and config.is_op_determinism_enabled():
        config.disable_op_determinism()
