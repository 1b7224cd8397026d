"""`--resume` on the word-vector and section commands: a run killed mid-training and
resumed from the command line ends as an unbroken one would (issue 12)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.paths import DATA, ROOT

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")


def _llm_tf(*argv, timeout=900):
    return subprocess.run([sys.executable, "-m", "llm_tf.cli", *argv], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=timeout)


def _epoch(out):
    try:
        return json.loads((out / "state.json").read_text(encoding="utf-8")).get("epoch", 0)
    except (OSError, ValueError):
        return 0


@pytest.mark.parametrize("command", [  # one command in the default run (4 s each)
    pytest.param(["qa", "train", "--kb", str(DATA / "facts.json")], id="qa"),
    pytest.param(["classify", "train", "--data", str(DATA / "classify" / "sample.tsv")],
                 id="classify", marks=pytest.mark.slow),
    pytest.param(["word2vec", "--corpus", str(DATA / "corpus.en.txt")], id="word2vec",
                 marks=pytest.mark.slow)])
def test_resume_refuses_a_folder_of_another_kind(command, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text('{"arch": "lstm", "what": 1}', encoding="utf-8")
    (other / "vocab.json").write_text("{}", encoding="utf-8")
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    proc = _llm_tf(*command, "--out", str(other), "--resume", timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
def test_word2vec_killed_and_resumed_from_the_command_line_equals_an_unbroken_run(tmp_path):
    args = ["word2vec", "--corpus", str(DATA / "corpus.en.txt"), "--dim", "16", "--epochs",
            "4", "--seed", "3", "--deterministic", "--quiet"]
    ref, cut = tmp_path / "ref", tmp_path / "cut"
    done = _llm_tf(*args, "--out", str(ref))
    assert done.returncode == 0, done.stderr[-2000:]
    proc = subprocess.Popen([sys.executable, "-m", "llm_tf.cli", *args, "--out", str(cut)],
                            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    start = time.time()
    while _epoch(cut) < 1 and proc.poll() is None and time.time() - start < 600:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert 1 <= _epoch(cut) < 4, "the run ended before it could be killed"
    resumed = _llm_tf(*args, "--out", str(cut), "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (cut / "vectors.txt").read_bytes() == (ref / "vectors.txt").read_bytes()
    assert (cut / "training_curve.png").stat().st_size > 1000
