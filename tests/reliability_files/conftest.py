"""Fixtures of the file-reliability tests (issue 12): a model file that would run code
when loaded, and run folders of every kind to put it (or a damaged file) in."""

import json
import shutil
import zipfile

import pytest

from tests.paths import DATA, ROOT

LEGACY = ROOT / "tests" / "fixtures" / "legacy_runs"
FACTS = DATA / "facts.json"


def run_cli(capsys, *argv):
    """``llm-tf ARGV`` in this process: (exit status, stdout, stderr)."""
    from llm_tf.cli import main

    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="session")
def evil_model(tmp_path_factory):
    """(a .keras file whose Lambda layer writes a marker file when it runs, the marker).

    The function runs when Keras rebuilds the model, so loading the file without
    ``safe_mode`` writes the marker: checked here, so the tests below test something."""
    import keras

    tmp = tmp_path_factory.mktemp("evil")
    marker = tmp / "PWNED"
    fn = eval(f"lambda x: (open({str(marker)!r}, 'w').close(), x)[1]")  # noqa: S307
    inputs = keras.Input((4,), dtype="int32")
    model = keras.Model(inputs, keras.layers.Lambda(fn)(inputs))
    path = tmp / "evil.keras"
    model.save(path)
    marker.unlink()  # written while the model was built
    keras.saving.load_model(path, safe_mode=False)
    assert marker.is_file(), "the Lambda should run on an unsafe load"
    marker.unlink()
    return path, marker


def lm_run(dest):
    """A copy of a small legacy language-model run folder (tests/fixtures/legacy_runs/lstm5)."""
    shutil.copytree(LEGACY / "lstm5", dest)
    return dest


def qa_run(dest, model_file):
    dest.mkdir()
    (dest / "config.json").write_text(json.dumps({"kind": "qa"}), encoding="utf-8")
    shutil.copyfile(model_file, dest / "model.keras")
    return dest


def translate_run(dest, model_file):
    dest.mkdir()
    (dest / "config.json").write_text(json.dumps({"kind": "translate"}), encoding="utf-8")
    shutil.copyfile(model_file, dest / "model.keras")
    return dest


def classifier_run(dest, model_file, labels=("geography", "science")):
    from llm_tf.models import ClassifierConfig
    from llm_tf.text.vocab import SPECIALS

    dest.mkdir()
    (dest / "config.json").write_text(json.dumps({
        "kind": "classifier", "model": "HierarchicalClassifier",
        "config": ClassifierConfig().to_dict(), "label_names": list(labels),
        "tokenizer": {"kind": "auto", "lower": False}, "vocab_size": 6}), encoding="utf-8")
    (dest / "vocab.json").write_text(json.dumps({"tokens": [*SPECIALS, "the", "map"]}),
                                     encoding="utf-8")
    shutil.copyfile(model_file, dest / "model.keras")
    return dest


def damaged(kind: str, good, dest):
    """``good`` (a .keras file) damaged as ``kind``, written to ``dest``."""
    data = good.read_bytes()
    if kind == "truncated":
        dest.write_bytes(data[: len(data) // 2])
    elif kind == "empty":
        dest.write_bytes(b"")
    elif kind == "not-a-zip":
        dest.write_bytes(b"<html>404 Not Found</html>\n" * 20)
    elif kind == "flipped-byte":  # the zip's index intact, a member's bytes changed
        with zipfile.ZipFile(good) as z:
            info = z.getinfo("model.weights.h5")
        h = info.header_offset  # local header: name and extra lengths at bytes 26-29
        start = h + 30 + int.from_bytes(data[h + 26:h + 28], "little") + int.from_bytes(
            data[h + 28:h + 30], "little")
        pos = start + info.compress_size // 2
        dest.write_bytes(data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1:])
    else:
        raise ValueError(kind)
    return dest
