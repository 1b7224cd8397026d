"""JSON files of a run folder, checked on load (issue 12): malformed JSON, wrong types,
missing keys and sizes that disagree with the model give one error naming the file."""

import json
import re

import pytest

from llm_tf.errors import UserInputError
from llm_tf.files import read_json, require_keys
from llm_tf.text.vocab import Vocabulary
from tests.paths import ROOT
from tests.reliability_files.conftest import LEGACY, classifier_run, lm_run, run_cli

BAD_JSON = {
    "malformed": "{\"tokens\": [",
    "not utf-8": b"\xff\xfe{}",
    "an array": "[1, 2, 3]",
    "empty": "",
}


def _write(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _error(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("llm-tf: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("name", ["vocab.json", "config.json"])
@pytest.mark.parametrize("content", [*BAD_JSON.values(), '{"other": 1}'],
                         ids=[*BAD_JSON, "missing keys"])
def test_generate_names_a_broken_run_file(tmp_path, capsys, name, content):
    run = lm_run(tmp_path / "run")
    _write(run / name, content)
    rc, _, err = run_cli(capsys, "generate", "--model", run, "--prompt", "the",
                         "--max-tokens", 2)
    assert rc == 2 and str(run / name) in _error(err), err


@pytest.mark.parametrize("vocab", [
    {"tokens": "<pad><unk><bos><eos>abc"},
    {"tokens": ["<pad>", "<unk>", "<bos>", "<eos>", 7]},
    {"tokens": ["<pad>", "<unk>", "<bos>", "<eos>", "a"], "counts": {"a": "many"}},
    {"tokens": ["<unk>", "<pad>", "<bos>", "<eos>", "a"]},
    {"tokens": ["<pad>", "<unk>", "<bos>", "<eos>", "a", "a"]},
], ids=["a string", "a number", "counts not integers", "specials out of order", "duplicates"])
def test_a_vocabulary_of_wrong_types_names_its_file(tmp_path, vocab):
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps(vocab), encoding="utf-8")
    with pytest.raises(UserInputError, match=re.escape(repr(str(path)))):
        Vocabulary.load(path)


@pytest.mark.parametrize("change", [
    {"vocab_size": "159"}, {"vocab_size": -1}, {"tokenizer": "word"}, {"config": [1]},
    {"tokenizer": {"lower": True}},
], ids=["size a string", "size negative", "tokenizer a string", "config a list",
        "tokenizer without kind"])
def test_a_run_config_of_wrong_types_names_its_file(tmp_path, capsys, change):
    run = lm_run(tmp_path / "run")
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    config.update(change)
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    rc, _, err = run_cli(capsys, "evaluate", "--model", run, "--corpus", LEGACY / "en.txt")
    assert rc == 2 and str(run / "config.json") in _error(err), err


def test_a_vocabulary_that_is_not_the_models_is_refused(tmp_path, capsys):
    run = lm_run(tmp_path / "run")
    vocab = json.loads((run / "vocab.json").read_text(encoding="utf-8"))
    rows = len(vocab["tokens"])
    vocab["tokens"] = vocab["tokens"][:-1]
    (run / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    rc, _, err = run_cli(capsys, "generate", "--model", run, "--prompt", "the")
    line = _error(err)
    assert rc == 2 and str(run / "vocab.json") in line, err
    assert f"holds {rows - 1} tokens" in line and f"{rows} embedding rows" in line, err


@pytest.mark.parametrize("state", ["{", "[]", '{"epoch": "one"}', '{"epoch": -2, "step": 1}',
                                   '{"epoch": 1, "history": [1]}'],
                         ids=["malformed", "an array", "epoch a string", "negative",
                              "history a list"])
def test_a_broken_training_state_names_its_file(tmp_path, capsys, state):
    run = lm_run(tmp_path / "run")
    (run / "state.json").write_text(state, encoding="utf-8")
    rc, _, err = run_cli(capsys, "train", "--corpus", LEGACY / "en.txt", "--out", run,
                         "--resume")
    assert rc == 2 and str(run / "state.json") in _error(err), err


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    """A tiny HierarchicalClassifier (6 token ids, 2 classes) saved as .keras."""
    import numpy as np

    from llm_tf.models import ClassifierConfig, HierarchicalClassifier

    cfg = ClassifierConfig(embedding_dim=8, num_heads=2, mlp_dim=8)
    model = HierarchicalClassifier(**cfg.model_kwargs(6, 2))
    model(np.ones((1, 2, 3), np.int32))
    path = tmp_path_factory.mktemp("clf") / "model.keras"
    model.save(path)
    return path


def test_a_classifier_run_checks_its_labels_and_vocabulary(tmp_path, tiny_classifier):
    from llm_tf.training.classifier_trainer import load_classifier

    ok = classifier_run(tmp_path / "ok", tiny_classifier)
    assert load_classifier(ok).label_names == ["geography", "science"]
    three = classifier_run(tmp_path / "three", tiny_classifier, labels=("a", "b", "c"))
    with pytest.raises(UserInputError, match="names 3 labels but .* has 2 classes"):
        load_classifier(three)
    short = classifier_run(tmp_path / "short", tiny_classifier)
    vocab = json.loads((short / "vocab.json").read_text(encoding="utf-8"))
    (short / "vocab.json").write_text(json.dumps({"tokens": vocab["tokens"][:-1]}),
                                      encoding="utf-8")
    with pytest.raises(UserInputError, match="holds 5 tokens but .* 6 embedding rows"):
        load_classifier(short)
    labels = classifier_run(tmp_path / "labels", tiny_classifier)
    config = json.loads((labels / "config.json").read_text(encoding="utf-8"))
    config["label_names"] = "geography"
    (labels / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(UserInputError, match="'label_names' should be a array"):
        load_classifier(labels)


def test_read_json_and_require_keys_name_the_file(tmp_path):
    p = tmp_path / "m.json"
    with pytest.raises(UserInputError, match="metrics not found"):
        read_json(p, "metrics")
    p.write_text('{"a": 1, "b": true}', encoding="utf-8")
    assert read_json(p) == {"a": 1, "b": True}
    with pytest.raises(UserInputError, match="should hold a JSON array, got object"):
        read_json(p, expect=list)
    with pytest.raises(UserInputError, match=f"{re.escape(repr(str(p)))} lacks the key 'c'"):
        require_keys(read_json(p), p, {"c": int})
    with pytest.raises(UserInputError, match="'b' should be a integer, got True"):
        require_keys(read_json(p), p, {"b": int})


def test_nothing_a_user_passes_around_is_pickled():
    """No pickle in the package; numpy reads its .npz files with allow_pickle left False."""
    found = []
    for path in sorted((ROOT / "llm_tf").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\bpickle\b", r"\bcloudpickle\b", r"\bdill\b", r"\bjoblib\b",
                        r"allow_pickle\s*=\s*True", r"\bmarshal\b", r"safe_mode\s*=\s*False",
                        r"enable_unsafe_deserialization"):
            if re.search(pattern, text):
                found.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert not found, found
