"""The answer generator's, the classifier's and the translator's trainers checkpoint after
every epoch, resume a stopped run to the weights of an unbroken one (``deterministic``, the
same seed) and draw their training curve (issue 13).

The default run stops each trainer in-process after its first epoch (a callback raises,
after the checkpoint was written) and resumes it; the slow run kills a real training
process with SIGKILL once its first checkpoint is on disk, and resumes it in another.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from llm_tf.models import ClassifierConfig, QAConfig, TranslationConfig
from llm_tf.text.parallel_corpus import load_pairs
from tests.paths import DATA, ROOT

KB = {"中国": {"首都": "北京", "大洲": "亚洲"}, "日本": {"首都": "东京", "大洲": "亚洲"},
      "法国": {"首都": "巴黎", "大洲": "欧洲"}}
QA = QAConfig.tiny(epochs=3, units=16, embedding_dim=8, attention_units=16, batch_size=8,
                   deterministic=True)
TR = TranslationConfig.tiny(direction="zh-en", epochs=3, embedding_dim=8, units=16,
                            attention_units=16, batch_size=8, max_target_len=12,
                            deterministic=True)
CLF = ClassifierConfig.tiny(epochs=3, seed=0, patience=0, deterministic=True)
PNG = b"\x89PNG\r\n\x1a\n"


class Stop(Exception):
    """Raised by :class:`_StopAfter`: the run dies after its checkpoint was written."""


class _StopAfter:
    """A Keras callback raising :class:`Stop` at the end of epoch ``n`` (1-based)."""

    def __new__(cls, n):
        import keras

        class StopAfter(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch + 1 == n:
                    raise Stop(f"stopped after epoch {n}")

        return StopAfter()


def _qa(out, **kw):
    from llm_tf.training.qa_trainer import train_qa

    return train_qa(KB, out, QA, verbose=0, **kw)[0]


def _classifier(out, **kw):
    from llm_tf.training.classifier_trainer import train_classifier

    return train_classifier(DATA / "classify" / "en" / "validation", out, CLF,
                            verbose=0, **kw)[0].model


def _translator(out, **kw):
    from llm_tf.training.translation_trainer import train_translation

    pairs = load_pairs(DATA / "parallel" / "train.jsonl")[:24]
    return train_translation(pairs, out, TR, verbose=0, **kw)[0]


TRAINERS = {"qa": _qa, "classifier": _classifier, "translate": _translator}


def _assert_curve(path):
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 1000, path


def _same_weights(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.slow  # 30-150 s each on 2 busy cores; the word-vector one runs by default
@pytest.mark.parametrize("kind", ["qa", "classifier", "translate"])
def test_a_stopped_run_resumes_to_the_weights_of_an_unbroken_one(kind, tmp_path):
    train = TRAINERS[kind]
    whole = train(tmp_path / "whole")
    with pytest.raises(Stop):
        train(tmp_path / "cut", callbacks=[_StopAfter(1)])
    state = json.loads((tmp_path / "cut" / "state.json").read_text(encoding="utf-8"))
    assert state["epoch"] == 1 and len(state["history"]["loss"]) == 1
    assert not (tmp_path / "cut" / "model.keras").exists()
    resumed = train(tmp_path / "cut", resume=True)
    _same_weights(whole.weights, resumed.weights)
    for run in ("whole", "cut"):
        _assert_curve(tmp_path / run / "training_curve.png")
    a, b = (json.loads((tmp_path / r / "metrics.json").read_text(encoding="utf-8"))
            for r in ("whole", "cut"))
    assert a["history"]["loss"] == b["history"]["loss"] and len(a["history"]["loss"]) == 3


# ---- a real process, killed
KILLED = """
import sys
from llm_tf.runtime import quiet_tensorflow_import
quiet_tensorflow_import()
from dataclasses import replace
sys.path.insert(0, {root!r})
from tests.training.test_resume_section_trainers import TRAINERS, CONFIGS
import tests.training.test_resume_section_trainers as t
kind, out = sys.argv[1], sys.argv[2]
setattr(t, CONFIGS[kind], replace(getattr(t, CONFIGS[kind]), epochs=int(sys.argv[3])))
TRAINERS[kind](out, resume=len(sys.argv) > 4)
"""
CONFIGS = {"qa": "QA", "classifier": "CLF", "translate": "TR"}
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")


def _state(out):
    try:
        return json.loads((out / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _weights(run):
    code = ("import sys, numpy as np\nfrom llm_tf.files import load_model_file\n"
            "import llm_tf.models\n"
            "m = load_model_file(sys.argv[1] + '/model.keras', compile=False)\n"
            "np.savez(sys.argv[1] + '/w.npz', *[np.asarray(w) for w in m.weights])")
    subprocess.run([sys.executable, "-c", code, str(run)], cwd=ROOT, env=ENV, check=True,
                   capture_output=True, timeout=300)
    with np.load(run / "w.npz") as z:
        return [z[k] for k in z.files]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["qa", "classifier", "translate"])
def test_a_killed_run_resumes_to_the_weights_of_an_unbroken_one(kind, tmp_path):
    epochs = {"qa": 12, "classifier": 6, "translate": 12}[kind]
    code = KILLED.format(root=str(ROOT))
    ref, cut = tmp_path / "ref", tmp_path / "cut"

    def python(out, *more):
        return subprocess.run([sys.executable, "-c", code, kind, str(out), str(epochs), *more],
                              cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)

    done = python(ref)
    assert done.returncode == 0, done.stderr[-2000:]
    proc = subprocess.Popen([sys.executable, "-c", code, kind, str(cut), str(epochs)],
                            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    t0 = time.time()
    while _state(cut).get("epoch", 0) < 1 and proc.poll() is None and time.time() - t0 < 600:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    before = _state(cut).get("epoch", 0)
    assert 1 <= before < epochs, "the run ended before it could be killed"
    assert not (cut / "model.keras").exists()
    resumed = python(cut, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert _state(cut)["history"]["loss"] == _state(ref)["history"]["loss"]
    _same_weights(_weights(ref), _weights(cut))
    _assert_curve(cut / "training_curve.png")
