"""train_qa writes a run folder that load_qa and evaluate_qa read back."""

import json

import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import QAConfig
from llm_tf.training.qa_trainer import evaluate_qa, load_qa, load_questions, train_qa
from tests.paths import DATA

KB = {"中国": {"首都": "北京", "大洲": "亚洲"}, "日本": {"首都": "东京", "大洲": "亚洲"},
      "法国": {"首都": "巴黎", "大洲": "欧洲"}}
TINY = QAConfig.tiny(epochs=2, units=16, embedding_dim=8, attention_units=16)


def test_run_folder_round_trip(tmp_path):
    kb_path = tmp_path / "kb.json"
    kb_path.write_text(json.dumps(KB, ensure_ascii=False), encoding="utf-8")
    model, metrics = train_qa(kb_path, tmp_path / "run", TINY, verbose=0)
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == ["checkpoint.keras", "config.json", "metrics.json", "model.keras",
                     "state.json", "training_curve.png", "vocab.json"]
    curve = (tmp_path / "run" / "training_curve.png").read_bytes()  # loss, learning rate
    assert curve.startswith(b"\x89PNG\r\n\x1a\n") and len(curve) > 1000
    info = json.loads((tmp_path / "run" / "config.json").read_text(encoding="utf-8"))
    assert info["kind"] == "qa" and info["config"] == TINY.to_dict()
    assert metrics["questions"] == 3 * (2 * 4 + 5) and len(metrics["history"]["loss"]) == 2
    back = load_qa(tmp_path / "run")
    questions = ["中国的首都是什么？", "法国在哪个大洲？", "美国的首都是什么？"]
    assert back.predict(questions, knowledge_base=KB) == model.predict(questions,
                                                                      knowledge_base=KB)
    rows = [{"question": q, "answer": a} for q, a in zip(questions, ["北京", "欧洲", "<unknown>"],
                                                          strict=True)]
    result = evaluate_qa(back, KB, rows)
    assert result["questions"] == 3 and set(result["by_language"]) == {"zh"}
    assert 1 / 3 <= result["exact_match"] <= 1  # the unknown entity is always right
    with pytest.raises(UserInputError, match="not empty"):
        train_qa(kb_path, tmp_path / "run", TINY, verbose=0)


def test_load_errors(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        load_qa(tmp_path / "nothing")
    with pytest.raises(UserInputError, match="not a question-answering run"):
        load_qa(tmp_path)
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"question": "x"}\n', encoding="utf-8")
    with pytest.raises(UserInputError, match="line 1"):
        load_questions(bad)
    assert len(load_questions(DATA / "qa" / "test_missing.jsonl")) >= 200
