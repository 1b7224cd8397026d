"""Scale-out on tf.distribute, with real processes: MirroredStrategy over two logical CPU
devices, MultiWorkerMirroredStrategy with two workers on 127.0.0.1, and a run killed
mid-epoch that resumes to the same weights, bit for bit."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.paths import DATA, ROOT

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
SMALL = ["--seq-len", "16", "--batch-size", "16", "--embedding-dim", "32", "--units", "32",
         "--no-xla"]


def _python(code: str, *args, timeout=300, env=None):
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT,
                          env=env or ENV, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


MIRRORED = """
import json, sys
from llm_tf.runtime import quiet_tensorflow_import
quiet_tensorflow_import()
from llm_tf.training.distribution import split_cpu
split_cpu(2)  # two logical CPU devices, before TensorFlow starts its runtime
from llm_tf.models import ModelConfig
from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig, train
corpus, out = sys.argv[1], sys.argv[2]
result = {}
for strategy in ("one", "mirrored"):
    cfg = TrainConfig(data=DataConfig(corpus=corpus, seq_len=16, batch_size=16),
                      model=ModelConfig(embedding_dim=16, units=16),
                      optim=OptimConfig(epochs=2, learning_rate=3e-3),
                      runtime=RuntimeConfig(strategy=strategy, jit_compile=False), seed=1)
    _, history = train(cfg, f"{out}/{strategy}", verbose=0)
    result[strategy] = history["loss"] + history["val_loss"]
print(json.dumps(result))
"""


def test_mirrored_over_two_devices_trains_like_one(tmp_path, en_corpus):
    """The §5 model, global batch 16: one device vs two replicas of 8."""
    out = _python(MIRRORED, en_corpus, tmp_path)
    result = json.loads(out.strip().splitlines()[-1])
    np.testing.assert_allclose(result["mirrored"], result["one"], rtol=1e-4)
    assert result["one"][-1] < result["one"][-2] + 1  # it trained


def _state(out):
    try:
        return json.loads((out / "state.json").read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def _weights(run):
    code = ("import sys, numpy as np, keras\nimport llm_tf.models\n"
            "m = keras.saving.load_model(sys.argv[1] + '/model.keras')\n"
            "np.savez(sys.argv[1] + '/w.npz', *[np.asarray(w) for w in m.weights])")
    _python(code, run)
    with np.load(run / "w.npz") as z:
        return [z[k] for k in z.files]


@pytest.mark.parametrize("stateful", [  # ~25-40 s each: both in the slow run (make
    pytest.param(False, id="windows", marks=pytest.mark.slow),  # test-slow); the default run
    pytest.param(True, id="stateful", marks=pytest.mark.slow)])  # kills writers in
# tests/reliability_files instead
def test_killed_mid_epoch_resumes_to_identical_weights(tmp_path, stateful):
    corpus = DATA / "corpus.en.txt"
    args = ["-m", "llm_tf.cli", "train", "--corpus", corpus, "--epochs", "2", "--save-every",
            "5", "--deterministic", "--layers", "2", "--dropout", "0.2", "--patience", "0",
            *SMALL, "--stateful" if stateful else "--no-stateful"]
    ref, cut = tmp_path / "ref", tmp_path / "cut"
    subprocess.run([sys.executable, *map(str, args), "--out", ref], cwd=ROOT, env=ENV,
                   check=True, capture_output=True, timeout=600)
    proc = subprocess.Popen([sys.executable, *map(str, args), "--out", cut], cwd=ROOT,
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while _state(cut).get("batch", 0) < 10 and proc.poll() is None and time.time() - t0 < 300:
        time.sleep(0.02)  # killed mid-epoch, after at least two saves
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    before = _state(cut)
    assert before.get("epoch") == 0 and before.get("batch", 0) >= 10, before
    subprocess.run([sys.executable, *map(str, args), "--out", cut, "--resume"], cwd=ROOT,
                   env=ENV, check=True, capture_output=True, timeout=600)
    assert _state(cut)["step"] == _state(ref)["step"]
    for a, b in zip(_weights(ref), _weights(cut), strict=True):
        np.testing.assert_array_equal(a, b)


WORKER = """
import json, sys, os
from llm_tf.runtime import quiet_tensorflow_import
quiet_tensorflow_import()
from llm_tf.models import ModelConfig
from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig, train
corpus, out = sys.argv[1], sys.argv[2]
cfg = TrainConfig(data=DataConfig(corpus=corpus, seq_len=16, batch_size=16),
                  model=ModelConfig(embedding_dim=16, units=16),
                  optim=OptimConfig(epochs=1, max_steps=6, learning_rate=3e-3),
                  runtime=RuntimeConfig(strategy="multiworker", jit_compile=False), seed=1)
model, _ = train(cfg, out, verbose=0)
import numpy as np
np.savez(out + ".weights.npz", *[np.asarray(w) for w in model.weights])
"""


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_two_workers_end_with_identical_weights_and_the_chief_writes(tmp_path, en_corpus):
    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs = []
    for i in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
        env = dict(ENV, TF_CONFIG=json.dumps(tf_config))
        procs.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, str(en_corpus), str(tmp_path / f"w{i}")], cwd=ROOT,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    errors = []
    for p in procs:
        try:
            errors.append(p.communicate(timeout=300)[1])
        finally:
            p.kill()
    for p, err in zip(procs, errors, strict=True):
        assert p.returncode == 0, err[-3000:]
    w = []
    for i in range(2):
        with np.load(tmp_path / f"w{i}.weights.npz") as z:
            w.append([z[k] for k in z.files])
    for a, b in zip(*w, strict=True):
        np.testing.assert_array_equal(a, b)
    for name in ("checkpoint.keras", "model.keras", "best.keras"):
        assert (tmp_path / "w0" / name).is_file()  # the chief writes
        assert not (tmp_path / "w1" / name).exists(), name
