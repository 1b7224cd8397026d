"""The llm_tf.vectors package: its public names, TensorFlow loaded late, the language-model side never."""

import os
import subprocess
import sys

from tests.paths import ROOT

CODE = """
import pkgutil, sys
import llm_tf.vectors as vectors

early = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
assert not early, f"importing llm_tf.vectors loaded {early}"
for name in vectors.__all__:
    assert getattr(vectors, name).__name__ == name, name
for module in pkgutil.iter_modules(vectors.__path__):
    __import__(f"llm_tf.vectors.{module.name}")
import llm_tf.cli.vectors  # the word-vector commands, too

forbidden = ("models", "layers", "generation", "training", "evaluation")
leaked = sorted(m for m in sys.modules if m.split(".")[:2] in [["llm_tf", f] for f in forbidden])
assert not leaked, f"the word-vector side imported the language-model side: {leaked}"
"""


def test_public_names_and_import_rules():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
