"""Atomic writes (issue 12): a process killed while it writes, or stopped by a full disk,
leaves the previous version of the file whole and loadable."""

import json
import os
import resource
import signal
import subprocess
import sys

import pytest

from llm_tf.files import atomic_path, load_model_file, save_model_atomic, write_json_atomic
from llm_tf.text.vocab import Vocabulary
from tests.paths import ROOT
from tests.reliability_files.conftest import LEGACY

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}

# Each writer writes half of the new content into the file it was handed, says so and
# waits to be killed: the kill lands in the middle of the write, every time.
SLOW_WRITER = """
import json, sys, time
from pathlib import Path
import llm_tf.files as files
from llm_tf.text.vocab import Vocabulary

what, target, new = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]).read_bytes()

def half_then_hang(f_or_path):
    if isinstance(f_or_path, (str, Path)):
        f = open(f_or_path, "wb")
    else:
        f = f_or_path.buffer if hasattr(f_or_path, "buffer") else f_or_path
    f.write(new[: len(new) // 2])
    f.flush()
    print("writing", flush=True)
    time.sleep(120)

class Model:  # what save_model_atomic needs of a Keras model
    def save(self, path):
        half_then_hang(path)

if what == "model":
    files.save_model_atomic(Model(), target)
elif what == "vocab":
    json.dump = lambda obj, f, **kw: half_then_hang(f)
    Vocabulary(["<pad>", "<unk>", "<bos>", "<eos>", "new"]).save(target)
elif what == "json":
    json.dump = lambda obj, f, **kw: half_then_hang(f)
    files.write_json_atomic(target, {"new": 1})
"""


def _kill_mid_write(what, target, new_content_file):
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, what, str(target),
                             str(new_content_file)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def test_a_model_save_killed_midway_leaves_the_previous_model(tmp_path):
    target = tmp_path / "checkpoint.keras"
    old = (LEGACY / "lstm2" / "model.keras").read_bytes()
    target.write_bytes(old)
    _kill_mid_write("model", target, LEGACY / "lstm5" / "model.keras")
    assert target.read_bytes() == old
    assert load_model_file(target, compile=False).count_params() > 0
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != target.name]
    assert all(n.startswith(".checkpoint.keras.") for n in leftovers), leftovers


@pytest.mark.parametrize("what", ["vocab", "json"])
def test_a_json_write_killed_midway_leaves_the_previous_file(tmp_path, what):
    target = tmp_path / "vocab.json"
    Vocabulary(["<pad>", "<unk>", "<bos>", "<eos>", "old"]).save(target)
    old = target.read_bytes()
    new = tmp_path / "new.json"
    new.write_text(json.dumps({"tokens": ["<pad>", "<unk>", "<bos>", "<eos>", "new"]}) * 50)
    _kill_mid_write(what, target, new)
    assert target.read_bytes() == old
    assert Vocabulary.load(target).tokens[-1] == "old"


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "metrics.json"
    write_json_atomic(target, {"v": 1})
    with pytest.raises(RuntimeError, match="crash"):
        with atomic_path(target) as tmp:
            tmp.write_text("{partial")
            raise RuntimeError("crash")
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


# The file-size limit stands in for a full disk: writes past it fail with EFBIG (the
# signal it would also send is ignored, as a full disk sends none).
DISK_FULL = """
import os, resource, signal, sys
import keras
import numpy as np
from llm_tf.files import save_model_atomic, write_json_atomic
from llm_tf.errors import UserInputError
from llm_tf.plotting import cjk_figure, save_figure
from llm_tf.vectors.word_vectors import WordVectors

folder = sys.argv[1]
limit = os.path.getsize(os.path.join(folder, "checkpoint.keras")) // 2
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
big = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4000)])
writes = {
    "checkpoint.keras": lambda p: save_model_atomic(big, p),
    "state.json": lambda p: write_json_atomic(p, {"epoch": 2, "pad": "x" * limit}),
    "vectors.txt": lambda p: WordVectors(["w%d" % i for i in range(500)],
                                         np.ones((500, 50))).save_word2vec_format(p),
}
for name, write in writes.items():
    try:
        write(os.path.join(folder, name))
        print(name, "written")
    except UserInputError as e:
        print(name, "refused:", e)
"""


def test_a_full_disk_is_one_clear_error_and_the_last_checkpoint_stays(tmp_path):
    import keras

    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    save_model_atomic(small, tmp_path / "checkpoint.keras")
    write_json_atomic(tmp_path / "state.json", {"epoch": 1})
    (tmp_path / "vectors.txt").write_text("1 2\nw 0.5 0.5\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)

    proc = subprocess.run([sys.executable, "-c", DISK_FULL, str(tmp_path)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=limit_file_size)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 3, proc.stdout
    for name, line in zip(["checkpoint.keras", "state.json", "vectors.txt"], lines, strict=True):
        assert line.startswith(f"{name} refused: cannot write '{tmp_path / name}'"), line
        assert "disk is full or a file-size limit" in line and "previous" in line, line
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no leftovers
    assert load_model_file(tmp_path / "checkpoint.keras").layers[-1].units == 3


SAVE_LOOP = """
import sys
import keras
from llm_tf.files import save_model_atomic
target = sys.argv[1]
for i in range(10_000):
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64 + i % 7)])
    save_model_atomic(model, target)
    print(i, flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.013, 0.05])
def test_a_real_save_loop_killed_at_any_moment_leaves_a_loadable_model(tmp_path, delay):
    import time

    target = tmp_path / "model.keras"
    proc = subprocess.Popen([sys.executable, "-c", SAVE_LOOP, str(target)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, text=True)
    try:
        while int(proc.stdout.readline()) < 3:
            pass
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stdout.close()
    units = load_model_file(target).layers[-1].units
    assert 64 <= units < 71


@pytest.mark.slow
def test_training_on_a_full_disk_stops_with_one_line_and_resumes_later(tmp_path, en_corpus):
    from llm_tf.cli import main

    run = tmp_path / "run"
    small = ["--seq-len", "16", "--batch-size", "16", "--embedding-dim", "16", "--units", "16",
             "--patience", "0"]
    assert main(["train", "--corpus", str(en_corpus), "--out", str(run), "--epochs", "1",
                 *small]) == 0
    checkpoint = (run / "checkpoint.keras").read_bytes()
    limit = len(checkpoint) - 1

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run([sys.executable, "-m", "llm_tf.cli", "train", "--corpus",
                           str(en_corpus), "--out", str(run), "--resume", "--epochs", "2"],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600,
                          preexec_fn=limit_file_size)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("llm-tf: error:")]
    assert proc.returncode == 2 and len(errors) == 1, proc.stderr[-3000:]
    assert "disk is full or a file-size limit" in errors[0], errors
    assert (run / "checkpoint.keras").read_bytes() == checkpoint  # the last good one
    assert json.loads((run / "state.json").read_text())["epoch"] == 1
    load_model_file(run / "checkpoint.keras")
    assert main(["train", "--corpus", str(en_corpus), "--out", str(run), "--resume",
                 "--epochs", "2"]) == 0
    assert json.loads((run / "state.json").read_text())["epoch"] == 2


def test_figures_leave_the_matplotlib_backend_alone(tmp_path):
    """A notebook's backend must survive our figures (no ``matplotlib.use``, no pyplot)."""
    import matplotlib

    before = matplotlib.get_backend()
    from llm_tf.plotting import cjk_figure, save_figure

    with cjk_figure(figsize=(3, 2)) as fig:
        fig.subplots().set_title("中国 北京")
        path = save_figure(fig, tmp_path / "f.png")
    assert matplotlib.get_backend() == before
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000
