"""``llm-tf translate train | run | evaluate`` end to end on a tiny run, and bad input."""

import io
import json

import pytest

from llm_tf.cli import main
from tests.paths import DATA

TINY = ["--epochs", "1", "--units", "16", "--embedding-dim", "8", "--attention-units", "16",
        "--batch-size", "8", "--max-target-len", "12"]
PAIRS = [{"en": "The capital of France is Paris.", "zh": "法国的首都是巴黎。"},
         {"en": "Japan is in Asia.", "zh": "日本位于亚洲。"},
         {"en": "People in China speak Chinese.", "zh": "中国人说汉语。"}]


def _captured(argv) -> tuple[int, str, str]:
    """``main(argv)`` in a module fixture (no capsys there): status, stdout, stderr."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


TRAINED = {}  # what the fixture's `translate train --quiet --json` printed


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("translate")
    pairs = tmp / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in PAIRS * 4),
                     encoding="utf-8")
    rc, TRAINED["out"], TRAINED["err"] = _captured([
        "translate", "train", "--pairs", pairs, "--out", tmp / "run", "--direction", "en-zh",
        "--test", pairs, *TINY, "--quiet", "--json"])
    assert rc == 0, TRAINED["err"]
    return tmp, pairs


def test_train_quiet_json_prints_the_metrics_alone(run):
    tmp, _ = run
    m = json.loads(TRAINED["out"])  # nothing but the object
    assert m == json.loads((tmp / "run" / "metrics.json").read_text(encoding="utf-8"))
    assert m["epochs"] == 1 and m["test"]["sentences"] == 12 and 0 <= m["test"]["bleu"] <= 100
    assert "Epoch" not in TRAINED["err"] and "device:" not in TRAINED["err"]


def test_train_writes_the_run(run):
    tmp, _ = run
    metrics = json.loads((tmp / "run" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["direction"] == "en-zh" and metrics["pairs"] == 12 and not metrics["copy"]
    assert "tok:zh" in metrics["test"]["signature"]


def test_run_a_sentence_and_stdin(run, capsys, monkeypatch):
    tmp, _ = run
    capsys.readouterr()
    assert main(["translate", "run", "--model", str(tmp / "run"), PAIRS[0]["en"]]) == 0
    one = capsys.readouterr().out.splitlines()
    assert len(one) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(PAIRS[0]["en"] + "\n\n" + PAIRS[1]["en"] + "\n"))
    assert main(["translate", "run", "--model", str(tmp / "run"), "--json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in rows] == [PAIRS[0]["en"], PAIRS[1]["en"]]
    assert rows[0]["translation"] == one[0] and rows[0]["direction"] == "en-zh"


def test_evaluate(run, capsys):
    tmp, pairs = run
    capsys.readouterr()
    assert main(["translate", "evaluate", "--model", str(tmp / "run"), "--pairs", str(pairs),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sentences"] == 12 and 0.0 <= out["bleu"] <= 100.0
    assert "tok:zh" in out["signature"]
    assert main(["translate", "evaluate", "--model", str(tmp / "run"), "--pairs",
                 str(DATA / "parallel" / "test.jsonl")]) == 0
    text = capsys.readouterr().out
    assert "BLEU:" in text and "nltk BLEU:" in text and "sentences:     161" in text


@pytest.mark.parametrize("argv, message", [
    (["translate", "train", "--pairs", "none.jsonl", "--out", "OUT"], "not found"),
    (["translate", "train", "--pairs", "PAIRS", "--out", "OUT", "--units", "0"], "units"),
    (["translate", "train", "--pairs", "PAIRS", "--out", "RUN"], "not empty"),
    (["translate", "train", "--pairs", "PAIRS", "--out", "OUT", "--direction", "en-fr"],
     "en-fr"),
    (["translate", "run", "--model", "nowhere", "Hello."], "run folder not found"),
    (["translate", "run", "--model", "RUN", " "], "empty"),
    (["translate", "run", "--model", "RUN", "法国的首都是巴黎。"], "translates en-zh"),
    (["translate", "evaluate", "--model", "RUN", "--pairs", "BAD"], "is not JSON"),
    (["translate", "evaluate", "--model", "RUN"], "--pairs"),
])
def test_bad_input_is_one_line_and_status_2(run, capsys, argv, message):
    tmp, pairs = run
    bad = tmp / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    subs = {"RUN": str(tmp / "run"), "PAIRS": str(pairs), "OUT": str(tmp / "out2"),
            "BAD": str(bad)}
    argv = [subs.get(a, a) for a in argv]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
