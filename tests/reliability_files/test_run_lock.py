"""One writer per run folder (issue 12): a second training command pointed at a folder
another process is writing is refused, naming the folder and the holder's pid; a lock
left by a killed process does not block."""

import os
import signal
import subprocess
import sys

import pytest

from llm_tf.errors import UserInputError
from llm_tf.files import LOCK_NAME, check_unlocked, run_lock
from tests.paths import DATA, ROOT
from tests.reliability_files.conftest import FACTS, LEGACY, run_cli

HOLDER = """
import sys, time
from llm_tf.files import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path):
    """(a folder, the pid of another process holding its lock)."""
    folder = tmp_path / "busy"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield folder, proc
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()


def test_a_second_lock_in_the_same_process_is_refused(tmp_path):
    d = tmp_path / "run"
    with run_lock(d) as lock:
        assert lock.read_text().strip() == str(os.getpid())
        with pytest.raises(UserInputError, match=f"'{d}' is in use by process {os.getpid()}"):
            with run_lock(d):
                pass
        with pytest.raises(UserInputError, match="in use"):
            check_unlocked(d)
    assert not d.exists()  # made by the lock, nothing written: removed again
    d.mkdir()
    (d / "kept.txt").write_text("x")
    with run_lock(d):
        pass
    assert [p.name for p in d.iterdir()] == ["kept.txt"]  # the lock file goes on release


def test_every_training_command_refuses_a_folder_in_use(holder, capsys, tmp_path):
    folder, proc = holder
    corpus = LEGACY / "en.txt"
    commands = {
        "train": ["train", "--corpus", corpus, "--out", folder],
        "train --resume": ["train", "--corpus", corpus, "--out", folder, "--resume"],
        "finetune": ["finetune", "--from", LEGACY / "lstm5", "--corpus", corpus,
                     "--out", folder],
        "word2vec": ["word2vec", "--corpus", corpus, "--out", folder],
        "glove": ["glove", "--corpus", corpus, "--out", folder],
        "qa train": ["qa", "train", "--kb", FACTS, "--out", folder],
        "translate train": ["translate", "train", "--pairs", DATA / "parallel/test.jsonl",
                            "--out", folder],
        "classify train": ["classify", "train", "--data", DATA / "classify/sample.tsv",
                           "--out", folder],
    }
    for name, argv in commands.items():
        rc, _, err = run_cli(capsys, *argv)
        assert rc == 2, (name, err)
        assert f"run folder '{folder}' is in use by process {proc.pid}" in err, (name, err)
    assert sorted(p.name for p in folder.iterdir()) == [LOCK_NAME]  # nothing written


def test_the_library_trainers_take_the_lock_too(holder):
    from llm_tf.training import RunDir
    from llm_tf.training.qa_trainer import train_qa

    folder, proc = holder
    with pytest.raises(UserInputError, match=f"in use by process {proc.pid}"):
        train_qa(FACTS, folder)
    with pytest.raises(UserInputError, match=f"in use by process {proc.pid}"):
        with RunDir(folder).lock():
            pass


def test_a_lock_left_by_a_killed_process_does_not_block(holder, capsys):
    folder, proc = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    lock = folder / LOCK_NAME
    assert lock.read_text().strip() == str(proc.pid)  # left behind, naming a dead process
    check_unlocked(folder)
    with run_lock(folder) as held:
        assert held.read_text().strip() == str(os.getpid())
    # a lock file naming a pid that never ran, or garbage: no one holds it
    folder.mkdir(exist_ok=True)
    lock.write_text("999999999\n")
    with run_lock(folder):
        pass
    lock.write_text("garbage")
    rc, _, err = run_cli(capsys, "qa", "train", "--kb", FACTS, "--out", folder, "--epochs", "0")
    assert "in use" not in err  # refused for its --epochs, not for the stale lock


RACE = """
import sys, time
from llm_tf.errors import UserInputError
from llm_tf.files import run_lock
start = float(sys.argv[2])
while time.time() < start:
    pass
try:
    with run_lock(sys.argv[1]):
        print("won", flush=True)
        time.sleep(2)
except UserInputError as e:
    print("lost", e, flush=True)
"""


def test_of_processes_racing_for_a_folder_exactly_one_wins(tmp_path):
    import time

    start = str(time.time() + 1.5)
    procs = [subprocess.Popen([sys.executable, "-c", RACE, str(tmp_path / "run"), start],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert sorted(o.split()[0] for o in outs) == ["lost", "lost", "lost", "won"], outs
