"""``--seed`` + ``--deterministic``: bit-identical weights (and generated text) across runs (issue 12).

Every trainer runs twice, each time in its own process and folder, with the tiniest
settings the command accepts, the same ``--seed`` and ``--deterministic``; every array
its ``model.keras`` saves (the weights, and the optimizer's slots when it saves them)
must then be bit-identical between the two runs, and so must the word vectors and
the text ``llm-tf generate`` samples. The two processes of a case run concurrently.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np
import pytest

from tests.paths import DATA, ROOT
from tests.tiny_inputs import DOCS, KB, PAIRS

SEED = "7"  # not any command's default, so the flag is what the runs share
LM_TINY = ["--epochs", "1", "--max-steps", "4", "--seq-len", "8", "--batch-size", "4",
           "--embedding-dim", "8", "--patience", "0"]
ENC_DEC_TINY = ["--epochs", "1", "--units", "8", "--embedding-dim", "8",
                "--attention-units", "8", "--batch-size", "8"]

# name -> (the command's argv, with {corpus} {kb} {pairs} {docs} {out} to fill in;
# the saved models to compare). Each is the command's tiniest run that still takes
# several shuffled steps with dropout.
CASES = {
    "lm-lstm": (["train", "--corpus", "{corpus}", "--out", "{out}", *LM_TINY, "--units", "8"],
                ("model.keras", "best.keras")),
    "lm-transformer": (["train", "--corpus", "{corpus}", "--out", "{out}", *LM_TINY,
                        "--arch", "transformer", "--layers", "1", "--heads", "2",
                        "--mlp-dim", "16", "--max-len", "16", "--warmup-steps", "2",
                        "--dropout", "0.1"],
                       ("model.keras", "best.keras")),
    "word2vec": (["word2vec", "--corpus", "{corpus}", "--out", "{out}", "--dim", "8",
                  "--epochs", "1", "--min-count", "1", "--words-per-batch", "512", "--quiet"],
                 ("model.keras",)),
    "glove": (["glove", "--corpus", "{corpus}", "--out", "{out}", "--dim", "8", "--epochs", "1",
               "--min-count", "1", "--batch-size", "512", "--quiet"],
              ("model.keras",)),
    "qa": (["qa", "train", "--kb", "{kb}", "--out", "{out}", *ENC_DEC_TINY, "--json"],
           ("model.keras",)),
    "translate": (["translate", "train", "--pairs", "{pairs}", "--out", "{out}",
                   "--direction", "en-zh", "--max-target-len", "12", *ENC_DEC_TINY, "--json"],
                  ("model.keras",)),
    "classify": (["classify", "train", "--data", "{docs}", "--val-data", "{docs}", "--out",
                  "{out}", "--epochs", "1", "--embedding-dim", "8", "--num-heads", "1",
                  "--mlp-dim", "8", "--batch-size", "2", "--json"],
                 ("model.keras",)),
}
# Kept out of the default run (marked slow; ~10-20 s each on 2 CPU cores): the default
# run keeps one LM, both word-vector trainers and one encoder-decoder (~35 s in all).
SLOW = ("lm-transformer", "translate", "classify", "qa")  # lstm, word2vec, glove stay fast


def _inputs(tmp_path) -> dict:
    """The small input files every case draws from (read-only, shared by both runs)."""
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[:300]
    files = {"corpus": ("corpus.txt", "\n".join(lines) + "\n"),
             "kb": ("kb.json", json.dumps(KB, ensure_ascii=False)),
             "pairs": ("pairs.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                              for r in PAIRS * 4)),
             "docs": ("docs.tsv", "label\ttext\n" + "".join(f"{y}\t{t}\n" for y, t in DOCS))}
    paths = {}
    for key, (name, text) in files.items():
        paths[key] = tmp_path / name
        paths[key].write_text(text, encoding="utf-8")
    return paths


def _cli(*argv) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONHASHSEED", None)  # each process its own string hashing: order must not matter
    return subprocess.run([sys.executable, "-m", "llm_tf.cli", *map(str, argv)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def _saved_arrays(path) -> dict[str, np.ndarray]:
    """Every array a ``.keras`` file holds (its ``model.weights.h5``), by its h5 path."""
    with zipfile.ZipFile(path) as z:
        data = z.read("model.weights.h5")
    arrays = {}

    def keep(name, obj):
        if isinstance(obj, h5py.Dataset):
            arrays[name] = obj[()]

    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(keep)
    return arrays


def _cases():
    return [pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else [], id=name)
            for name in CASES]


@pytest.mark.parametrize("name", _cases())
def test_two_seeded_deterministic_runs_are_bit_identical(name, tmp_path):
    argv, models = CASES[name]
    paths = _inputs(tmp_path)
    outs = [tmp_path / "run-a", tmp_path / "run-b"]
    runs = [[a.format(out=out, **paths) for a in argv] + ["--seed", SEED, "--deterministic"]
            for out in outs]
    with ThreadPoolExecutor(2) as pool:
        procs = list(pool.map(lambda run: _cli(*run), runs))
    for proc in procs:
        assert proc.returncode == 0, proc.stderr[-3000:]

    for model in models:
        a, b = (_saved_arrays(out / model) for out in outs)
        assert a.keys() == b.keys() and a, model
        different = [k for k in a if not np.array_equal(a[k], b[k])]
        assert not different, f"{model}: {len(different)}/{len(a)} arrays differ: {different[:5]}"
    if (outs[0] / "vectors.txt").is_file():
        assert (outs[0] / "vectors.txt").read_bytes() == (outs[1] / "vectors.txt").read_bytes()
    if name.startswith("lm-"):
        with ThreadPoolExecutor(2) as pool:
            gens = list(pool.map(lambda out: _cli("generate", "--model", out, "--seed", "0",
                                                  "--temperature", "1", "--max-tokens", "20"),
                                 outs))
        for proc in gens:
            assert proc.returncode == 0, proc.stderr[-3000:]
        assert gens[0].stdout.strip() and gens[0].stdout == gens[1].stdout
