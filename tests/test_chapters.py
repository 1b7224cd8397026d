"""Every chapter script runs with --quick (so the examples never rot)."""

import os
import subprocess
import sys

import pytest

from tests.paths import ROOT

CHAPTERS = sorted((ROOT / "chapters").glob("ch*.py"))
# The §6 scenarios take 30-40 s each even with --quick (each trains a model end to end);
# they run in the slow suite (make test-slow), while the commands they drive keep fast
# tests of their own (tests/cli/test_qa.py, test_translate.py, test_classify.py).
SLOW_CHAPTERS = {"ch06_1_question_answering", "ch06_3_translation", "ch06_4_understanding"}


@pytest.mark.parametrize("script", [
    pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW_CHAPTERS else [])
    for p in CHAPTERS])
def test_chapter_runs_quick(script, tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(script), "--quick", "--seed", "0"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_the_slow_chapters_exist():
    assert SLOW_CHAPTERS <= {p.stem for p in CHAPTERS}


def test_every_chapter_is_literate():
    for script in CHAPTERS:
        text = script.read_text(encoding="utf-8")
        assert text.startswith('"""§'), f"{script.name}: header docstring must name its section"
        assert "--quick" in text and "def main(" in text, script.name
        assert "sys.path" not in text, f"{script.name}: import the installed package"
