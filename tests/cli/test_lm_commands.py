"""The llm-tf CLI end to end: train, generate, evaluate, summary, finetune, resume, bad input."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from llm_tf.cli import main
from tests.paths import DATA, ROOT

SMALL = ["--seq-len", "16", "--batch-size", "16", "--embedding-dim", "32", "--units", "32"]


def run_cli(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One small English run shared by the read-only CLI tests."""
    tmp = tmp_path_factory.mktemp("run")
    corpus = tmp / "en.txt"
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()
    corpus.write_text("\n".join(lines[:1500]) + "\n", encoding="utf-8")
    assert main(["train", "--corpus", str(corpus), "--out", str(tmp / "r"), "--epochs", "2",
                 *SMALL]) == 0
    return tmp / "r", lines


def test_train_writes_a_complete_run_folder(trained):
    run, _ = trained
    for name in ("model.keras", "vocab.json", "config.json", "training_curve.png", "state.json",
                 "train.ids", "val.ids"):
        assert (run / name).is_file(), name
    assert any((run / "logs").rglob("*tfevents*"))  # TensorBoard
    state = json.loads((run / "state.json").read_text())
    assert state["epoch"] == 2 and len(state["history"]["val_perplexity"]) == 2
    assert state["history"]["val_loss"][1] < state["history"]["val_loss"][0]
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["tokenizer"]["kind"] == "word" and cfg["config"]["optim"]["epochs"] == 2


def test_generate_is_seeded(capsys, trained):
    run, _ = trained
    rc, out1, err = run_cli(capsys, "generate", "--model", run, "--prompt", "The capital of",
                            "--max-tokens", "12", "--seed", "3", "--top-k", "20")
    assert rc == 0 and out1.startswith("The capital of"), err
    _, out2, _ = run_cli(capsys, "generate", "--model", run, "--prompt", "The capital of",
                         "--max-tokens", "12", "--seed", "3", "--top-k", "20")
    assert out1 == out2
    greedy = [run_cli(capsys, "generate", "--model", run, "--prompt", "The capital of",
                      "--temperature", "0", "--max-tokens", "5", "--seed", str(s)) for s in (1, 2)]
    assert greedy[0][0] == 0 and greedy[0] == greedy[1]  # greedy ignores the seed


def test_generate_beam_and_stop(capsys, trained):
    run, _ = trained
    rc, out, err = run_cli(capsys, "generate", "--model", run, "--prompt", "The capital of",
                           "--max-tokens", "40", "--stop", "<eos>", "--temperature", "0.8")
    assert rc == 0, err
    assert out.rstrip("\n").count("\n") == 0  # one line: generation stopped at <eos>
    rc, beam, err = run_cli(capsys, "generate", "--model", run, "--prompt", "The capital of",
                            "--max-tokens", "6", "--beam-size", "3")
    assert rc == 0 and beam.startswith("The capital of"), err
    rc, _, err = run_cli(capsys, "generate", "--model", run, "--stop", "zzzz-not-a-token")
    assert rc == 2 and "not in the vocabulary" in err


def test_evaluate_json(capsys, trained, tmp_path):
    run, lines = trained
    held = tmp_path / "held.txt"
    held.write_text("\n".join(lines[3000:3300]) + "\nZanzibar qwerty is here.\n",
                    encoding="utf-8")
    rc, out, err = run_cli(capsys, "evaluate", "--model", run, "--corpus", held, "--json")
    assert rc == 0, err
    result = json.loads(out)
    assert {"perplexity", "tokens", "oov_rate", "ngram_perplexity"} <= set(result)
    assert result["oov_rate"] > 0  # "Zanzibar", "qwerty" are not in the vocabulary
    assert 1.0 < result["perplexity"] < 60 and 1.0 < result["ngram_perplexity"] < 60
    rc, out, _ = run_cli(capsys, "evaluate", "--model", run, "--corpus", held)
    assert rc == 0 and "KN-3 perplexity" in out


def test_summary(capsys, trained):
    rc, out, _ = run_cli(capsys, "summary", "--model", trained[0])
    assert rc == 0 and "(LSTM)" in out and "8,320" in out  # 4 * 32 * (32 + 32 + 1)


def test_finetune_keeps_vocabulary_and_reports_oov(capsys, trained, tmp_path):
    run, lines = trained
    new = tmp_path / "new.txt"
    new.write_text("\n".join(lines[2000:2600]) + "\nThe Martian capital is Olympus.\n",
                   encoding="utf-8")
    rc, out, err = run_cli(capsys, "finetune", "--from", run, "--corpus", new, "--out",
                           tmp_path / "ft", "--epochs", "1", "--quiet")
    assert rc == 0, err
    assert "out-of-vocabulary rate" in out and "out-of-vocabulary rate 0.00%" not in out
    # --quiet: the result lines only, no start, per-epoch or device lines
    assert "running on" not in out + err and "Epoch" not in out + err and "device:" not in err
    assert out.splitlines()[1].startswith("validation perplexity:") and " steps, " in out
    assert (tmp_path / "ft" / "vocab.json").read_text() == (run / "vocab.json").read_text()
    assert (tmp_path / "ft" / "model.keras").is_file()


def _start_training(out, epochs=6):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [sys.executable, "-m", "llm_tf.cli", "train", "--corpus", str(DATA / "corpus.en.txt"),
           "--out", str(out), "--epochs", str(epochs), "--seq-len", "16", "--batch-size", "16",
           "--embedding-dim", "64", "--units", "64"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_epoch(out, proc, timeout=240):
    t0 = time.time()
    while time.time() - t0 < timeout:
        st = out / "state.json"
        if st.is_file():
            try:
                return json.loads(st.read_text())["epoch"]
            except (json.JSONDecodeError, KeyError):
                pass
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read())
        time.sleep(0.02)
    raise AssertionError("no epoch completed in time")


@pytest.mark.parametrize("sig", [  # killed (~17 s) in the slow run: the default run kills a
    # training process mid-epoch and compares weights bit for bit in test_distribution.py
    pytest.param(signal.SIGKILL, id="killed", marks=pytest.mark.slow),
    pytest.param(signal.SIGINT, id="ctrl-c")])
def test_resume_after_interruption_loses_nothing(capsys, tmp_path, sig):
    out = tmp_path / "r"
    proc = _start_training(out)
    done = _wait_for_epoch(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    before = json.loads((out / "state.json").read_text())
    assert 1 <= before["epoch"] < 6, "training finished before it could be interrupted"
    assert before["epoch"] >= done
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "--resume" in err
        assert "Traceback" not in err
    # without --resume the folder is protected
    rc, _, err = run_cli(capsys, "train", "--corpus", DATA / "corpus.en.txt", "--out", out)
    assert rc == 2 and "--resume" in err
    rc, _, err = run_cli(capsys, "train", "--corpus", DATA / "corpus.en.txt", "--out", out,
                         "--resume")
    assert rc == 0, err
    after = json.loads((out / "state.json").read_text())
    assert after["epoch"] == 6
    k = before["epoch"]
    assert after["history"]["val_loss"][:k] == before["history"]["val_loss"]
    assert len(after["history"]["val_loss"]) == 6
    assert (out / "model.keras").is_file()


def _bad_inputs(tmp_path, run):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n  \n", encoding="utf-8")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Ça coûte très cher à Zürich.\n".encode("latin-1") * 10)
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("a b c\n", encoding="utf-8")
    notrun = tmp_path / "notrun"
    notrun.mkdir()
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    c = str(DATA / "corpus.en.txt")
    o = str(tmp_path / "out")
    return [
        ("train", "--corpus", tmp_path / "missing.txt", "--out", o),
        ("train", "--corpus", empty, "--out", o),
        ("train", "--corpus", binary, "--out", o),
        ("train", "--corpus", latin, "--out", o),
        ("train", "--corpus", tiny, "--out", o),
        ("train", "--corpus", c, "--out", o, "--seq-len", "0"),
        ("train", "--corpus", c, "--out", o, "--vocab-size", "3"),
        ("train", "--corpus", c, "--out", o, "--val-fraction", "0.9"),
        ("train", "--corpus", c, "--out", o, "--learning-rate", "-1"),
        ("train", "--corpus", c, "--out", o, "--batch-size", "100000"),
        ("train", "--corpus", c, "--out", afile),
        ("train", "--corpus", c),
        ("train", "--corpus", c, "--out", o, "--epochs", "two"),
        ("generate", "--model", tmp_path / "nowhere"),
        ("generate", "--model", notrun),
        ("generate", "--model", run, "--temperature", "-1"),
        ("generate", "--model", run, "--top-p", "1.5"),
        ("evaluate", "--model", run, "--corpus", tmp_path / "missing.txt"),
        ("evaluate", "--model", run, "--corpus", binary),
        ("evaluate", "--model", notrun, "--corpus", c),
        ("finetune", "--from", notrun, "--corpus", c, "--out", o),
        ("finetune", "--from", run, "--corpus", c, "--out", run),
        ("summary", "--model", afile),
        ("nonsense-command",),
    ]


def test_bad_input_matrix(capsys, tmp_path, trained):
    for argv in _bad_inputs(tmp_path, trained[0]):
        rc, out, err = run_cli(capsys, *argv)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert rc == 2, (argv, err)
        assert len(lines) == 1 and lines[0].startswith("llm-tf: error:"), (argv, err)
        assert "Traceback" not in err


def test_generate_in_a_fresh_process_has_no_cuda_noise_and_one_device_line(trained):
    """The whole process, as a user runs it: TensorFlow's C++ start-up chatter (on a machine
    without a GPU, ``failed call to cuInit ... (303)``, logged as an error and so shown with
    TF_CPP_MIN_LOG_LEVEL=2) is gone, and the device is said once, in plain words."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-m", "llm_tf.cli", "generate", "--model",
                           str(trained[0]), "--prompt", "The", "--max-tokens", "3"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "cuInit" not in proc.stderr and "CUDA error" not in proc.stderr, proc.stderr
    assert "absl::InitializeLog" not in proc.stderr and "oneDNN" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("llm-tf: device: ")]
    assert len(lines) == 1, proc.stderr
    assert lines[0] == "llm-tf: device: CPU (no GPU found)" or " GPU (" in lines[0]
    assert proc.stdout.startswith("The")


def test_console_script_error_has_no_traceback(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-m", "llm_tf.cli", "summary", "--model",
                           str(tmp_path / "none")], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"llm-tf: error: run folder not found: {str(tmp_path / 'none')!r}"]


@pytest.mark.slow  # ~25 s; a fresh-process resume is also tested, bit for bit, in
# tests/training/test_distribution.py (killed mid-epoch, stateful LSTM)
def test_transformer_run_resumes_in_a_fresh_process(capsys, tmp_path, en_corpus):
    out = tmp_path / "tr"
    rc, _, err = run_cli(capsys, "train", "--corpus", en_corpus, "--out", out, "--arch",
                         "transformer", "--layers", "1", "--heads", "2", "--embedding-dim", "16",
                         "--units", "32", "--seq-len", "16", "--max-len", "32", "--epochs", "1")
    assert rc == 0, err
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-m", "llm_tf.cli", "train", "--corpus", str(en_corpus),
                           "--out", str(out), "--resume", "--epochs", "2"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((out / "state.json").read_text())["epoch"] == 2
    rc, text, err = run_cli(capsys, "generate", "--model", out, "--prompt", "The", "--max-tokens",
                            "5", "--seed", "1")
    assert rc == 0 and text.startswith("The"), err
