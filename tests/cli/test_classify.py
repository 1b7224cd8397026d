"""``llm-tf classify train | evaluate | predict | attention`` end to end, and its bad input."""

import json

import pytest

from llm_tf.cli import main
from llm_tf.text.labelled_data import load_labelled
from tests.paths import DATA

SMALL = ["--epochs", "2", "--embedding-dim", "16", "--num-heads", "2", "--mlp-dim", "32",
         "--val-fraction", "0.2", "--seed", "1"]


def run_cli(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _captured(argv) -> tuple[int, str, str]:
    """``main(argv)`` in a module fixture (no capsys there): status, stdout, stderr."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


TRAINED = {}  # what the fixture's `classify train --quiet` printed


def _tsv(path, docs):
    path.write_text("label\ttext\n" + "".join(f"{y}\t{t}\n" for y, t in docs),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A tiny run on 15 English documents per label, written as a TSV."""
    tmp = tmp_path_factory.mktemp("classify")
    d = load_labelled(DATA / "classify" / "en" / "train")
    docs = [(d.label_names[y], t) for y, t in zip(d.labels, d.texts, strict=True)]
    per_label = {name: [doc for doc in docs if doc[0] == name][:15] for name in d.label_names}
    data = _tsv(tmp / "train.tsv", [doc for group in per_label.values() for doc in group])
    out = tmp / "run"
    rc, TRAINED["out"], TRAINED["err"] = _captured(["classify", "train", "--data", data,
                                                     "--out", out, *SMALL, "--quiet"])
    assert rc == 0, TRAINED["err"]
    return out, tmp


def test_train_quiet_prints_only_the_result_lines(run):
    lines = TRAINED["out"].splitlines()
    assert len(lines) == 3, TRAINED["out"]
    assert " parameters, input " in lines[0] and lines[1].startswith("best epoch ")
    assert lines[2].startswith("saved the run in")
    assert "Epoch" not in TRAINED["out"] + TRAINED["err"] and "device:" not in TRAINED["err"]


def test_train_writes_a_run_folder(run):
    out, _ = run
    for name in ("model.keras", "vocab.json", "config.json", "metrics.json",
                 "confusion_matrix.validation.png"):
        assert (out / name).is_file(), name
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["kind"] == "classifier" and cfg["config"]["epochs"] == 2
    assert cfg["config"]["embedding_dim"] == 16 and cfg["config"]["cross_level"] is True
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["train_documents"] == 72 and metrics["val_documents"] == 18


@pytest.mark.slow  # ~18 s: a second classifier training; the ablation model itself is
# tested in tests/models/test_hierarchical_classifier.py
def test_train_json_and_the_ablation_flag(capsys, tmp_path):
    data = _tsv(tmp_path / "d.tsv", [("a", "The cat sat."), ("a", "A cat ran."),
                                     ("a", "My cat slept."), ("b", "The dog sat."),
                                     ("b", "A dog ran."), ("b", "My dog slept.")])
    rc, out, err = run_cli(capsys, "classify", "train", "--data", data, "--out",
                           tmp_path / "r", "--val-data", data, "--no-cross-level", "--json",
                           "--epochs", "1", "--embedding-dim", "8", "--num-heads", "1",
                           "--mlp-dim", "8")
    assert rc == 0, err
    m = json.loads(out)
    assert m["cross_level"] is False and m["epochs"] == 1 and "validation" in m


def test_evaluate_json_and_text(capsys, run):
    out, tmp = run
    test = DATA / "classify" / "en" / "test"
    rc, text, err = run_cli(capsys, "classify", "evaluate", "--model", out, "--data", test,
                            "--json")
    assert rc == 0, err
    result = json.loads(text)
    assert result["documents"] == 150 and 0 <= result["accuracy"] <= 1
    assert 0 <= result["macro_f1"] <= 1 and len(result["confusion_matrix"]) == 6
    assert (out / "confusion_matrix.test.png").is_file()
    rc, text, err = run_cli(capsys, "classify", "evaluate", "--model", out, "--data", test,
                            "--png", tmp / "cm.png")
    assert rc == 0 and "macro-F1" in text and (tmp / "cm.png").is_file(), err


def test_predict(capsys, run):
    out, _ = run
    text = "The striker scored twice. Thanks for reading."
    rc, plain, err = run_cli(capsys, "classify", "predict", "--model", out, text)
    assert rc == 0, err
    lines = plain.splitlines()
    assert len(lines) == 7 and lines[1].split()[0] == lines[0]  # the label, then all six
    rc, js, err = run_cli(capsys, "classify", "predict", "--model", out, "--json", text)
    result = json.loads(js)
    assert result["label"] == lines[0] and len(result["probabilities"]) == 6
    assert abs(sum(result["probabilities"].values()) - 1) < 1e-5


def test_attention_draws_a_png(capsys, run, tmp_path):
    out, _ = run
    png = tmp_path / "attention.png"
    rc, text, err = run_cli(capsys, "classify", "attention", "--model", out, "--out", png,
                            "By the way, it rained. The striker scored twice.")
    assert rc == 0, err
    assert png.stat().st_size > 10_000
    assert "S1" in text and "S2" in text and str(png) in text


# ---- bad input: one line on stderr, exit status 2
def _bad_inputs(tmp):
    _tsv(tmp / "one.tsv", [("a", "The cat sat."), ("a", "The dog ran.")])
    (tmp / "malformed.tsv").write_text("a\tThe cat sat.\nno tab on this line\n", encoding="utf-8")
    lm = tmp / "lm_run"
    lm.mkdir()
    (lm / "config.json").write_text('{"arch": "lstm", "config": {}}', encoding="utf-8")
    (lm / "vocab.json").write_text('{"tokens": []}', encoding="utf-8")
    vectors = tmp / "vectors_run"
    vectors.mkdir()
    (vectors / "vectors.txt").write_text("1 2\na 0.1 0.2\n", encoding="utf-8")
    used = tmp / "used"
    used.mkdir()
    (used / "x.txt").write_text("x", encoding="utf-8")


@pytest.mark.parametrize("argv, message", [
    (["train", "--data", "{tmp}/missing.tsv", "--out", "{tmp}/r"], "not found"),
    (["train", "--data", "{tmp}/malformed.tsv", "--out", "{tmp}/r"], "line 2"),
    (["train", "--data", "{tmp}/one.tsv", "--out", "{tmp}/r"], "single label"),
    (["train", "--data", "{data}/sample.tsv", "--out", "{tmp}/used"], "not empty"),
    (["train", "--data", "{data}/sample.tsv", "--out", "{tmp}/r", "--epochs", "0"], "epochs"),
    (["train", "--data", "{data}/sample.tsv", "--out", "{tmp}/r", "--embedding-dim", "10",
      "--num-heads", "3"], "divisible"),
    (["evaluate", "--model", "{tmp}/lm_run", "--data", "{data}/sample.tsv"], "language-model"),
    (["predict", "--model", "{tmp}/vectors_run", "a text"], "word-vector"),
    (["predict", "--model", "{tmp}/missing_run", "a text"], "not found"),
    (["evaluate", "--model", "{run}", "--data", "{tmp}/missing.tsv"], "not found"),
    (["evaluate", "--model", "{run}", "--data", "{tmp}/malformed.tsv"], "line 2"),
    (["evaluate", "--model", "{run}", "--data", "{data}/zh/test.jsonl"], "outside label_names"),
    (["predict", "--model", "{run}", "   "], "empty"),
    (["attention", "--model", "{run}", "--out", "{tmp}/a.jpg", "text"], ".png"),
    (["train", "--data", "{data}/sample.tsv"], "--out"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_and_status_2(capsys, run, tmp_path, argv, message):
    _bad_inputs(tmp_path)
    fill = {"tmp": tmp_path, "data": DATA / "classify", "run": run[0]}
    rc, out, err = run_cli(capsys, "classify", *(a.format(**fill) for a in argv))
    assert rc == 2
    assert err.startswith("llm-tf: error:") and err.count("\n") == 1, err
    assert message in err, err
    assert not (tmp_path / "r").exists()


def test_no_subcommand_prints_the_usage(capsys):
    rc, out, err = run_cli(capsys, "classify")
    assert rc == 2 and "train" in err and "attention" in err
