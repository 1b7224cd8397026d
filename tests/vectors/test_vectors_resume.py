"""Word2Vec and GloVe trained into a run folder (``WordVectorTrainer.train_run``): a checkpoint
and the training curve after every epoch, and a stopped run that resumes to the vectors of
an unbroken one, bit for bit (issue 13).

The default run stops the trainer in-process after its first epoch and resumes it; the
slow run kills a real training process with SIGKILL once its first checkpoint is on disk.
"""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.vectors import GloVe, GloVeConfig, Word2Vec, Word2VecConfig
from llm_tf.vectors.trainer import epoch_seed
from tests.paths import DATA, ROOT

PNG = b"\x89PNG\r\n\x1a\n"
TRAINERS = {"word2vec": (Word2Vec, Word2VecConfig), "glove": (GloVe, GloVeConfig)}


class Stop(Exception):
    """The run dies after the checkpoint of its first epoch."""


class StopOnSecondEpoch(keras.callbacks.Callback):
    """``train_run`` runs one ``fit`` per epoch, checkpointing after each: stop the second."""

    calls = 0

    def on_train_begin(self, logs=None):
        type(self).calls += 1
        if type(self).calls == 2:
            raise Stop("stopped after epoch 1")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """200 lines of the Chinese corpus and 200 of the English one."""
    path = tmp_path_factory.mktemp("vec") / "corpus.txt"
    lines = []
    for name in ("corpus.zh.txt", "corpus.en.txt"):
        lines += (DATA / name).read_text(encoding="utf-8").splitlines()[:200]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _config(kind):
    _, config_cls = TRAINERS[kind]
    return config_cls.tiny(epochs=2, min_count=2, deterministic=True)


def test_epoch_seeds_differ_and_the_first_is_the_seed():
    assert epoch_seed(7, 0) == 7
    seeds = {epoch_seed(7, e) for e in range(1, 20)}
    assert len(seeds) == 19 and epoch_seed(7, 3) == epoch_seed(7, 3) != epoch_seed(8, 3)


@pytest.mark.parametrize("kind", ["word2vec", pytest.param("glove", marks=pytest.mark.slow)])
def test_a_stopped_run_resumes_to_the_vectors_of_an_unbroken_one(kind, corpus, tmp_path):
    trainer_cls, _ = TRAINERS[kind]
    whole = trainer_cls(_config(kind))
    history = whole.train_run(corpus, tmp_path / "whole", verbose=0)
    assert len(history["loss"]) == 2 and all(np.isfinite(history["loss"]))
    StopOnSecondEpoch.calls = 0
    with pytest.raises(Stop):
        trainer_cls(_config(kind)).train_run(corpus, tmp_path / "cut", verbose=0,
                                         callbacks=[StopOnSecondEpoch()])
    state = json.loads((tmp_path / "cut" / "state.json").read_text(encoding="utf-8"))
    assert state["epoch"] == 1 and state["history"]["loss"] == history["loss"][:1]
    resumed = trainer_cls(_config(kind).__class__.tiny())  # the saved config wins
    again = resumed.train_run(corpus, tmp_path / "cut", resume=True, verbose=0)
    assert resumed.config == _config(kind)
    assert again["loss"] == history["loss"]
    np.testing.assert_array_equal(resumed.get_word_vectors().vectors,
                                  whole.get_word_vectors().vectors)
    for run in ("whole", "cut"):
        curve = (tmp_path / run / "training_curve.png").read_bytes()
        assert curve.startswith(PNG) and len(curve) > 1000
        assert (tmp_path / run / "vectors.txt").is_file()


def test_word2vec_epochs_follow_the_whole_runs_learning_rate(corpus, tmp_path):
    cfg = Word2VecConfig.tiny(epochs=4, min_count=2)
    w2v = Word2Vec(cfg)
    rates = [w2v._epoch_config(cfg, e, 4) for e in range(4)]
    lr0, end = cfg.start_learning_rate, cfg.start_learning_rate * cfg.min_learning_rate_ratio
    for e, c in enumerate(rates):
        assert c.epochs == 1 and c.seed == epoch_seed(cfg.seed, e)
        assert c.learning_rate == pytest.approx(lr0 - (lr0 - end) * e / 4)
        assert c.learning_rate * c.min_learning_rate_ratio == pytest.approx(
            lr0 - (lr0 - end) * (e + 1) / 4)


def test_resume_refuses_another_folder(corpus, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UserInputError, match="not a Word2Vec run folder"):
        Word2Vec(_config("word2vec")).train_run(corpus, other, resume=True, verbose=0)


# ---- a real process, killed
KILLED = """
import sys
from llm_tf.runtime import quiet_tensorflow_import
quiet_tensorflow_import()
from llm_tf.vectors import {cls}, {cls}Config
cfg = {cls}Config.tiny(epochs={epochs}, min_count=2, deterministic=True)
{cls}(cfg).train_run(sys.argv[1], sys.argv[2], resume=len(sys.argv) > 3, verbose=0)
"""
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")


def _state(out):
    try:
        return json.loads((out / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["word2vec", "glove"])
def test_a_killed_run_resumes_to_the_vectors_of_an_unbroken_one(kind, corpus, tmp_path):
    code = KILLED.format(cls={"word2vec": "Word2Vec", "glove": "GloVe"}[kind],
                         epochs=6 if kind == "word2vec" else 40)
    ref, cut = tmp_path / "ref", tmp_path / "cut"

    def python(*args, **kw):
        return subprocess.run([sys.executable, "-c", code, str(corpus), *map(str, args)],
                              cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600,
                              **kw)

    done = python(ref)
    assert done.returncode == 0, done.stderr[-2000:]
    proc = subprocess.Popen([sys.executable, "-c", code, str(corpus), str(cut)], cwd=ROOT,
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while _state(cut).get("epoch", 0) < 1 and proc.poll() is None and time.time() - t0 < 300:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    before = _state(cut).get("epoch", 0)
    assert 1 <= before < _state(ref)["epoch"], "the run ended before it could be killed"
    resumed = python(cut, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert _state(cut)["history"]["loss"] == _state(ref)["history"]["loss"]
    assert (cut / "vectors.txt").read_text(encoding="utf-8") == (
        ref / "vectors.txt").read_text(encoding="utf-8")
