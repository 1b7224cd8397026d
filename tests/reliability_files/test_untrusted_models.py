"""Model files from strangers (issue 12): every command that loads a model refuses one that
would run code, and reports a damaged one as corrupted, in one line with exit status 2."""

import json
import shutil
import zipfile

import pytest

from llm_tf.errors import UserInputError
from llm_tf.files import check_model_file, load_model_file
from tests.paths import DATA
from tests.reliability_files.conftest import (
    FACTS,
    LEGACY,
    classifier_run,
    damaged,
    lm_run,
    qa_run,
    run_cli,
    translate_run,
)


def _error(err: str) -> str:
    """The one error line on stderr (other lines are progress notes such as "using ...")."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("llm-tf: error:")]
    assert len(errors) == 1, err
    return errors[0]


def _folders(tmp_path, model_file):
    """One run folder of each kind, each holding ``model_file`` as its model, and every
    command that loads it."""
    lm = lm_run(tmp_path / "lm")
    shutil.copyfile(model_file, lm / "model.keras")
    resumable = lm_run(tmp_path / "resume")  # its checkpoint is the file; training continues
    shutil.copyfile(model_file, resumable / "checkpoint.keras")
    (resumable / "state.json").write_text(json.dumps({"epoch": 0, "batch": 3, "step": 3,
                                                      "history": {}}), encoding="utf-8")
    qa = qa_run(tmp_path / "qa", model_file)
    tr = translate_run(tmp_path / "tr", model_file)
    cl = classifier_run(tmp_path / "cl", model_file)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "中国的首都是什么？", "answer": "北京"}) + "\n",
                         encoding="utf-8")
    corpus = LEGACY / "en.txt"
    return {
        "generate": (lm / "model.keras", ["generate", "--model", lm, "--prompt", "the"]),
        "evaluate": (lm / "model.keras", ["evaluate", "--model", lm, "--corpus", corpus]),
        "summary": (lm / "model.keras", ["summary", "--model", lm]),
        "finetune": (lm / "model.keras", ["finetune", "--from", lm, "--corpus", corpus,
                                          "--out", tmp_path / "ft"]),
        "train --resume": (resumable / "checkpoint.keras",
                           ["train", "--corpus", corpus, "--out", resumable, "--resume"]),
        "qa ask": (qa / "model.keras", ["qa", "ask", "--model", qa, "--kb", FACTS, "中国的首都？"]),
        "qa evaluate": (qa / "model.keras", ["qa", "evaluate", "--model", qa, "--kb", FACTS,
                                             "--questions", questions]),
        "chat": (qa / "model.keras", ["chat", "--model", qa, "--kb", FACTS]),
        "translate run": (tr / "model.keras", ["translate", "run", "--model", tr, "hello"]),
        "translate evaluate": (tr / "model.keras", ["translate", "evaluate", "--model", tr,
                                                    "--pairs", DATA / "parallel/test.jsonl"]),
        "classify predict": (cl / "model.keras", ["classify", "predict", "--model", cl,
                                                  "The map shows islands."]),
        "classify evaluate": (cl / "model.keras", ["classify", "evaluate", "--model", cl,
                                                   "--data", DATA / "classify/sample.tsv"]),
        "classify attention": (cl / "model.keras", ["classify", "attention", "--model", cl,
                                                    "--out", tmp_path / "a.png", "The map."]),
    }


def test_every_loading_command_refuses_a_model_with_code(tmp_path, capsys, evil_model):
    evil, marker = evil_model
    for name, (path, argv) in _folders(tmp_path, evil).items():
        rc, _, err = run_cli(capsys, *argv)
        assert rc == 2, (name, err)
        line = _error(err)
        assert "Lambda" in line and str(path) in line, (name, err)
        assert not marker.exists(), f"{name} ran the Lambda's code"


def test_the_loader_refuses_code_anywhere_in_the_config(tmp_path, evil_model):
    evil, marker = evil_model
    with pytest.raises(UserInputError, match="refusing to load .*Lambda"):
        load_model_file(evil)
    # the same file with its Lambda's class renamed: the serialized code is still refused
    with zipfile.ZipFile(evil) as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = members["config.json"].decode().replace('"Lambda"', '"Dense"')
    _rezip(tmp_path / "renamed.keras", members, config)
    with pytest.raises(UserInputError, match="refusing to load .*Lambda"):
        load_model_file(tmp_path / "renamed.keras")
    # an object from a module outside Keras and llm-tf (os.system, builtins.exec, ...)
    good = LEGACY / "lstm5" / "model.keras"
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = members["config.json"].decode().replace('"module": "keras.layers"',
                                                     '"module": "os"', 1)
    _rezip(tmp_path / "os.keras", members, config)
    with pytest.raises(UserInputError, match="refusing to load .*module 'os'"):
        load_model_file(tmp_path / "os.keras")
    assert not marker.exists()


def _rezip(dest, members, config):
    with zipfile.ZipFile(dest, "w") as z:
        for name, data in members.items():
            z.writestr(name, config if name == "config.json" else data)


@pytest.mark.parametrize("kind", ["truncated", "empty", "not-a-zip", "flipped-byte"])
def test_a_damaged_model_file_is_reported_as_corrupted(tmp_path, kind):
    bad = damaged(kind, LEGACY / "lstm5" / "model.keras", tmp_path / "model.keras")
    with pytest.raises(UserInputError, match=f"corrupted model file '{bad}'") as e:
        check_model_file(bad)
    assert "File not found" not in str(e.value)


@pytest.mark.parametrize("command", ["generate", "train --resume", "qa ask", "translate run",
                                     "classify predict"])
def test_commands_say_corrupted_not_file_not_found(tmp_path, capsys, command):
    bad = damaged("truncated", LEGACY / "lstm5" / "model.keras", tmp_path / "bad.keras")
    path, argv = _folders(tmp_path, bad)[command]
    rc, _, err = run_cli(capsys, *argv)
    assert rc == 2, err
    line = _error(err)
    assert f"corrupted model file '{path}'" in line and "File not found" not in err, err


def test_a_good_model_still_loads_and_the_loader_is_safe_mode(monkeypatch):
    import keras

    seen = {}
    real = keras.saving.load_model

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", spy)
    from llm_tf.training import RunDir

    model = RunDir(LEGACY / "lstm5").load_model(compile=False)
    assert model.count_params() > 0 and seen["safe_mode"] is True
