"""Shared fixtures: quiet TensorFlow, small corpora written to tmp_path."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture
def en_corpus(tmp_path):
    """The first 1,500 English sentences of data/ (word-level)."""
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[:1500]
    p = tmp_path / "en.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def zh_corpus(tmp_path):
    """The first 1,500 Chinese sentences of data/ (character-level)."""
    lines = (DATA / "corpus.zh.txt").read_text(encoding="utf-8").splitlines()[:1500]
    p = tmp_path / "zh.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p
