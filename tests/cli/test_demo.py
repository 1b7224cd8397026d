"""``llm-tf demo``: the checkout's data/ when run from one, ``--corpus`` otherwise; and a
normal (non-editable) install runs it from another folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from llm_tf.cli import main
from llm_tf.cli.demo import find_embedded_data
from tests.paths import DATA, ROOT

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")


def test_finds_the_checkouts_data_from_inside_it():
    assert find_embedded_data(ROOT / "chapters") == DATA


def test_quick_demo_on_a_given_corpus(capsys, tmp_path, en_corpus):
    rc = main(["demo", "--quick", "--corpus", str(en_corpus), "--out", str(tmp_path / "runs")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "validation perplexity" in out and "generated (temperature 0.0)" in out
    assert (tmp_path / "runs" / "demo-en" / "model.keras").is_file()


def test_quick_demo_on_the_embedded_data_also_answers_from_the_knowledge_base(capsys,
                                                                            tmp_path):
    rc = main(["demo", "--quick", "--lang", "zh", "--out", str(tmp_path / "runs")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "§3.4 answer generator" in out and "中国的首都是什么？" in out
    assert "§5 language model alone, from '中国的首都':" in out  # beside the LM's text
    assert "answer generator + knowledge base:" in out and "(retrieved: 中国 / 首都)" in out
    assert "蒙古的著名景点是什么？ (no such fact in the knowledge base)\n  answer generator: " \
           "<unknown>" in out  # retrieval finds Mongolia without a landmark
    assert "qa: 中国的首都是什么？ -> " in out.split("==== summary ====")[1]
    assert (tmp_path / "runs" / "demo-qa" / "model.keras").is_file()


def test_bad_demo_input_is_one_line(capsys, tmp_path):
    for argv in (["demo", "--corpus", str(tmp_path / "missing.txt")],
                 ["demo", "--quick", "--epochs", "0", "--corpus", str(DATA / "corpus.en.txt")]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("llm-tf: error:"), err


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``pip install .`` (not editable, no dependencies) into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-build-isolation", "--target", str(target), str(ROOT)],
                          capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return target


def _run_installed(target: Path, cwd: Path, *argv):
    code = ("import sys, llm_tf, llm_tf.cli\n"
            f"assert llm_tf.__file__.startswith({str(target)!r}), llm_tf.__file__\n"
            "sys.exit(llm_tf.cli.main(sys.argv[1:]))\n")
    env = dict(ENV, PYTHONPATH=str(target))
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow  # 13 s; the quick demo on the embedded data stays in the default run
def test_a_normal_install_runs_the_demo_from_another_folder(installed, tmp_path, en_corpus):
    work = tmp_path / "elsewhere"
    work.mkdir()
    assert not (installed / "data").exists()  # the package carries no corpus
    proc = _run_installed(installed, work, "demo", "--quick", "--corpus", str(en_corpus))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (work / "runs" / "demo-en" / "model.keras").is_file()
    proc = _run_installed(installed, work, "demo", "--quick")  # no checkout, no --corpus
    assert proc.returncode == 2
    assert "pass --corpus FILE" in proc.stderr and "Traceback" not in proc.stderr
