"""``llm-tf qa train | ask | evaluate`` end to end, and bad input."""

import json

import pytest

from llm_tf.cli import main

KB = {"en": {"France": {"capital": "Paris", "continent": "Europe"},
             "Japan": {"capital": "Tokyo", "continent": "Asia"}},
      "zh": {"法国": {"首都": "巴黎", "大洲": "欧洲"}, "日本": {"首都": "东京", "大洲": "亚洲"}},
      "names": {"France": "法国", "Japan": "日本"}}
TINY = ["--epochs", "2", "--units", "16", "--embedding-dim", "8", "--attention-units", "16",
        "--batch-size", "8"]


def _captured(argv) -> tuple[int, str, str]:
    """``main(argv)`` in a module fixture (no capsys there): status, stdout, stderr."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


TRAINED = {}  # what the fixture's `qa train --quiet` printed


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qa")
    kb = tmp / "kb.json"
    kb.write_text(json.dumps(KB, ensure_ascii=False), encoding="utf-8")
    rc, TRAINED["out"], TRAINED["err"] = _captured(["qa", "train", "--kb", kb, "--out",
                                                     tmp / "run", *TINY, "--quiet"])
    assert rc == 0, TRAINED["err"]
    return tmp, kb


def test_train_quiet_prints_only_the_result_lines(run):
    lines = TRAINED["out"].splitlines()
    assert len(lines) == 3 and " parameters, vocabulary " in lines[0], TRAINED["out"]
    assert lines[1].startswith("2 epochs in ") and lines[2].startswith("saved the run in")
    assert "Epoch" not in TRAINED["out"] + TRAINED["err"] and "device:" not in TRAINED["err"]


def test_train_writes_the_run(run, capsys):
    tmp, _ = run
    assert (tmp / "run" / "model.keras").is_file() and (tmp / "run" / "vocab.json").is_file()
    metrics = json.loads((tmp / "run" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["questions"] == 2 * 2 * (2 * 4 + 5) and metrics["copy"] is True


def test_ask_and_ask_json(run, capsys):
    tmp, kb = run
    capsys.readouterr()
    assert main(["qa", "ask", "--model", str(tmp / "run"), "--kb", str(kb),
                 "What is the capital of Atlantis?"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "<unknown>"
    assert [ln for ln in err.splitlines() if ln.startswith("llm-tf: device: ")] == [
        "llm-tf: device: CPU (no GPU found)"] or "GPU (" in err
    assert main(["qa", "ask", "--model", str(tmp / "run"), "--kb", str(kb), "--json",
                 "Japn的首都是什么？"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"question", "answer", "retrieved", "copy_probability", "decided_by",
                        "beam_size"}
    assert out["decided_by"] == "model" and out["beam_size"] == 1
    assert out["retrieved"]["entity"] == "日本" and out["retrieved"]["match"] == "fuzzy"
    assert out["retrieved"]["text"] == "日本 | 首都 : 东京 | 大洲 : 亚洲"
    assert 0.0 <= out["copy_probability"] <= 1.0
    greedy = out["answer"]
    assert main(["qa", "ask", "--model", str(tmp / "run"), "--kb", str(kb), "--json",
                 "--beam-size", "1", "Japn的首都是什么？"]) == 0  # the project's decoder
    out = json.loads(capsys.readouterr().out)
    assert out["answer"] == greedy and out["copy_probability"] is None
    assert main(["qa", "ask", "--model", str(tmp / "run"), "--kb", str(kb), "--json",
                 "--beam-size", "3", "What is the continent of Japan?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["beam_size"] == 3 and out["decided_by"] == "model" and out["answer"]


def test_evaluate(run, capsys):
    tmp, kb = run
    questions = tmp / "q.jsonl"
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [
        {"question": "法国的首都是什么？", "answer": "巴黎", "lang": "zh"},
        {"question": "What is the capital of Narnia?", "answer": "<unknown>", "lang": "en"}]),
        encoding="utf-8")
    capsys.readouterr()
    assert main(["qa", "evaluate", "--model", str(tmp / "run"), "--kb", str(kb),
                 "--questions", str(questions), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["questions"] == 2 and set(out["by_language"]) == {"en", "zh"}
    assert out["by_language"]["en"]["exact_match"] == 1.0
    assert main(["qa", "evaluate", "--model", str(tmp / "run"), "--kb", str(kb),
                 "--questions", str(questions)]) == 0
    assert "exact match:" in capsys.readouterr().out
    assert main(["qa", "evaluate", "--model", str(tmp / "run"), "--kb", str(kb),
                 "--questions", str(questions), "--json", "--beam-size", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["by_language"]["en"]["exact_match"] == 1.0


@pytest.mark.parametrize("argv, message", [
    (["qa", "ask", "--model", "RUN", "--kb", "missing.json", "Q?"], "knowledge base not found"),
    (["qa", "ask", "--model", "nowhere", "--kb", "KB", "Q?"], "run folder not found"),
    (["qa", "ask", "--model", "RUN", "--kb", "KB", " "], "empty"),
    (["qa", "train", "--kb", "KB", "--out", "OUT", "--units", "0"], "units"),
    (["qa", "train", "--kb", "KB", "--out", "OUT", "--questions", "none.jsonl"], "not found"),
    (["qa", "evaluate", "--model", "RUN", "--kb", "KB"], "--questions"),
    (["qa", "ask", "--model", "RUN", "--kb", "KB", "--beam-size", "0", "Q?"], "positive"),
])
def test_bad_input_is_one_line_and_status_2(run, capsys, argv, message):
    tmp, kb = run
    subs = {"RUN": str(tmp / "run"), "KB": str(kb), "OUT": str(tmp / "out2")}
    argv = [subs.get(a, a) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
