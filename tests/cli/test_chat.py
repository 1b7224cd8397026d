"""``llm-tf chat`` end to end: a scripted session through piped stdin (a subprocess and
in process), the routes, models loaded once, exit / EOF, bad input."""

import io
import json
import os
import subprocess
import sys

import pytest

import llm_tf.generation.chat as chat_lib
import llm_tf.training.qa_trainer as qa_trainer
from llm_tf.cli import main
from llm_tf.training.run_folder import RunDir
from tests.paths import ROOT

KB = {"en": {"France": {"capital": "Paris", "continent": "Europe"},
             "Japan": {"capital": "Tokyo", "continent": "Asia"}},
      "zh": {"法国": {"首都": "巴黎", "大洲": "欧洲"}, "日本": {"首都": "东京", "大洲": "亚洲"}},
      "names": {"France": "法国", "Japan": "日本"}}
TINY = ["--epochs", "2", "--units", "16", "--embedding-dim", "8", "--attention-units", "16",
        "--batch-size", "8"]
LEGACY = ROOT / "tests" / "fixtures" / "legacy_runs"
LM = LEGACY / "lstm2"  # a tiny committed llm-tf train run (English, word level)
GREEDY = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))["lstm2"]
KB_QUESTIONS = ["What is the capital of France?", "日本的首都是什么？", "Frnace continent?"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chat")
    kb = tmp / "kb.json"
    kb.write_text(json.dumps(KB, ensure_ascii=False), encoding="utf-8")
    assert main(["qa", "train", "--kb", str(kb), "--out", str(tmp / "qa"), *TINY]) == 0
    answers = qa_trainer.load_qa(tmp / "qa").predict(KB_QUESTIONS, knowledge_base=KB)
    return tmp, kb, answers


def _session(monkeypatch, capsys, lines, *argv, tty=False):
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdin.isatty = lambda: tty
    monkeypatch.setattr(sys, "stdin", stdin)
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_piped_session_in_a_subprocess(run):
    tmp, kb, answers = run
    script = [*KB_QUESTIONS, "What is the capital of Atlantis?", "你好，今天过得怎么样", "",
              "exit", "What is the capital of France?"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-m", "llm_tf.cli", "chat", "--model",
                           str(tmp / "qa"), "--kb", str(kb)], input="\n".join(script) + "\n",
                          capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    # one reply per non-blank line before "exit"; no prompt, no banner when piped
    assert lines == [*answers, chat_lib.UNKNOWN_REPLY["en"],
                     chat_lib.kb_only_reply("你好", qa_trainer.KnowledgeBase.from_dict(KB))]
    assert "我只能回答知识库里的问题（2 个实体，例如“法国”）" in lines[-1]
    assert "> " not in proc.stdout and "Traceback" not in proc.stderr


def test_in_process_with_a_language_model_loads_models_once(run, monkeypatch, capsys):
    tmp, kb, answers = run
    loads = {"qa": 0, "lm": 0}
    chats = []
    real_qa, real_lm = qa_trainer.load_qa, RunDir.load_model
    real_init = chat_lib.Chat.__init__

    def count_qa(*a, **k):
        loads["qa"] += 1
        return real_qa(*a, **k)

    def count_lm(self, *a, **k):
        loads["lm"] += 1
        return real_lm(self, *a, **k)

    def keep(self, *a, **k):
        real_init(self, *a, **k)
        chats.append(self)

    monkeypatch.setattr(qa_trainer, "load_qa", count_qa)
    monkeypatch.setattr(RunDir, "load_model", count_lm)
    monkeypatch.setattr(chat_lib.Chat, "__init__", keep)
    script = [GREEDY["prompt"], *KB_QUESTIONS, GREEDY["prompt"], GREEDY["prompt"]]
    rc, out, err = _session(monkeypatch, capsys, script, "chat", "--model", tmp / "qa",
                            "--kb", kb, "--lm", LM, "--temperature", "0", "--max-tokens", "8")
    assert rc == 0, err
    continued = GREEDY["greedy"].rstrip("\n")  # what `llm-tf generate` writes, greedy
    assert out.splitlines() == [continued, *answers, continued, continued]
    assert loads == {"qa": 1, "lm": 1} and len(chats) == 1
    chat = chats[0]
    # the compiled pieces were traced once, not once per turn
    assert len(chat.lm.decoder._loops) == 1
    assert [f.experimental_get_tracing_count() for f in chat.lm.decoder._loops.values()] == [1]
    assert chat.qa._infer[1].experimental_get_tracing_count() == 1
    assert chat.turns == len(script)


def test_exit_words_and_end_of_input(run, monkeypatch, capsys):
    tmp, kb, answers = run
    for last in ("quit", "退出", " EXIT "):
        rc, out, _ = _session(monkeypatch, capsys, [KB_QUESTIONS[0], last, KB_QUESTIONS[1]],
                              "chat", "--model", tmp / "qa", "--kb", kb)
        assert rc == 0 and out.splitlines() == answers[:1]
    rc, out, _ = _session(monkeypatch, capsys, [KB_QUESTIONS[1]], "chat", "--model",
                          tmp / "qa", "--kb", kb)  # no exit: end of input quits
    assert rc == 0 and out.splitlines() == answers[1:2]


def test_prompt_only_on_a_terminal(run, monkeypatch, capsys):
    tmp, kb, answers = run
    rc, out, err = _session(monkeypatch, capsys, ["hello there", "exit"], "chat", "--model",
                            tmp / "qa", "--kb", kb, tty=True)
    assert rc == 0 and out.startswith("> ") and out.count("> ") == 2
    assert "I can only answer questions about the knowledge base (2 entities" in out
    assert "exit / quit / 退出" in err


@pytest.mark.parametrize("argv, message", [
    (["--model", "nowhere", "--kb", "KB"], "run folder not found"),
    (["--model", "LM", "--kb", "KB"], "is not a question-answering run folder"),
    (["--model", "QA", "--kb", "BADKB"], "is not UTF-8 JSON"),
    (["--model", "QA", "--kb", "missing.json"], "knowledge base not found"),
    (["--model", "QA", "--kb", "KB", "--lm", "QA"], "not a language model"),
    (["--model", "QA", "--kb", "KB", "--lm", "nowhere"], "run folder not found"),
    (["--model", "QA", "--kb", "KB", "--lm", "LM", "--stop", "<nope>"], "stop token"),
])
def test_bad_input_is_one_line_and_status_2(run, monkeypatch, capsys, argv, message):
    tmp, kb, _ = run
    bad = tmp / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    subs = {"QA": str(tmp / "qa"), "KB": str(kb), "BADKB": str(bad), "LM": str(LM)}
    rc, out, err = _session(monkeypatch, capsys, ["France capital?"], "chat",
                            *[subs.get(a, a) for a in argv])
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
