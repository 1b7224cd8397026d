"""The package's layering rules hold, and the checker catches a forbidden import."""

import shutil

import pytest

from tests.layering import violations
from tests.paths import ROOT


def test_the_package_keeps_its_layering_rules():
    assert violations(ROOT) == []


BAD = {
    "llm_tf/models/bad.py": ("from llm_tf.training import train\n", "rule 3"),
    "llm_tf/layers/bad.py": ("import numpy as np\n", "rule 2"),
    "llm_tf/generation/bad.py": ("def f():\n    from llm_tf.models import build_model\n", "rule 4"),
    "llm_tf/text/bad.py": ("import tensorflow as tf\n", "rule 5"),
    "llm_tf/training/config.py": ("import keras\n", "rule 5"),
    "llm_tf/vectors/bad.py": ("from llm_tf.layers import TiedOutput\n", "rule 6"),
    "llm_tf/evaluation/bad.py": ("from llm_tf.vectors import WordVectors\n", "rule 6"),
    "chapters/bad.py": ("from llm_tf.cli import main\n", "rule 1"),
    "llm_tf/cli/bad.py": ('ARCHS = ("lstm", "rnn", "transformer")\n', "rule 7"),
}


@pytest.mark.parametrize("path", sorted(BAD))
def test_a_forbidden_import_fails_the_check(tmp_path, path):
    for folder in ("llm_tf", "chapters", "bench"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    assert violations(tmp_path) == []
    source, rule = BAD[path]
    (tmp_path / path).write_text(source, encoding="utf-8")
    found = violations(tmp_path)
    assert found and all(line.startswith(rule) for line in found), found
