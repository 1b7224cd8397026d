"""train_translation / load_translation / evaluate_translation on a tiny slice."""

import json

import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import TranslationConfig, Translator
from llm_tf.text.parallel_corpus import load_pairs
from llm_tf.training.translation_trainer import (
    evaluate_translation,
    load_translation,
    train_translation,
)
from tests.paths import DATA

TINY = TranslationConfig.tiny(direction="zh-en", epochs=1, embedding_dim=8, units=16,
                              attention_units=16, batch_size=8, max_target_len=12)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tr") / "run"
    train = load_pairs(DATA / "parallel" / "train.jsonl")[:24]
    test = load_pairs(DATA / "parallel" / "test.jsonl")[:6]
    model, metrics = train_translation(train, out, TINY, test_pairs=test, verbose=0)
    return out, model, metrics, test


def test_writes_the_run_folder(run):
    out, model, metrics, _ = run
    assert {p.name for p in out.iterdir()} == {"model.keras", "vocab.json", "config.json",
                                               "metrics.json", "checkpoint.keras",
                                               "state.json", "training_curve.png"}
    curve = (out / "training_curve.png").read_bytes()  # loss and learning rate per epoch
    assert curve.startswith(b"\x89PNG\r\n\x1a\n") and len(curve) > 1000
    info = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert info["kind"] == "translate" and info["config"]["direction"] == "zh-en"
    assert TranslationConfig.from_dict(info["config"]) == TINY
    assert json.loads((out / "vocab.json").read_text(encoding="utf-8")) == model.vocabulary
    assert metrics["pairs"] == 24 and len(metrics["history"]["loss"]) == 1
    t = metrics["test"]
    assert t["sentences"] == 6 and 0.0 <= t["bleu"] <= 100.0 and "tok:13a" in t["signature"]


def test_reload_translates_identically(run):
    out, model, _, test = run
    again = load_translation(out)
    assert isinstance(again, Translator) and again.direction == "zh-en"
    sources = [r["zh"] for r in test]
    assert again.predict(sources) == model.predict(sources)


def test_evaluate_reports_bleu_and_the_nltk_cross_check(run):
    _, model, _, test = run
    r = evaluate_translation(model, test)
    assert r["direction"] == "zh-en" and r["sentences"] == 6
    assert set(r) >= {"bleu", "signature", "precisions", "bp", "nltk_bleu", "exact", "mistakes"}
    if min(r["counts"]) > 0:  # both unsmoothed when every order has a match
        assert r["nltk_bleu"] == pytest.approx(r["bleu"], abs=0.01)
    perfect = evaluate_translation(_Echo(), test)
    assert perfect["bleu"] == pytest.approx(100.0) and perfect["exact"] == 1.0
    assert perfect["nltk_bleu"] == pytest.approx(100.0) and perfect["mistakes"] == []


class _Echo:
    """A 'model' that knows the answers: BLEU 100 through the same evaluation path."""

    direction, target_lang = "zh-en", "en"

    def predict(self, sources):
        rows = {r["zh"]: r["en"] for r in load_pairs(DATA / "parallel" / "test.jsonl")}
        return [rows[s] for s in sources]


def test_load_errors(tmp_path, run):
    with pytest.raises(UserInputError, match="not found"):
        load_translation(tmp_path / "nowhere")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "config.json").write_text('{"kind": "qa"}', encoding="utf-8")
    with pytest.raises(UserInputError, match="not a translation run"):
        load_translation(tmp_path / "other")
    out = run[0]
    with pytest.raises(UserInputError, match="not empty"):
        train_translation(load_pairs(DATA / "parallel" / "test.jsonl")[:2], out, TINY)


def test_config_checks_its_fields():
    with pytest.raises(UserInputError, match="'en-fr'"):
        TranslationConfig(direction="en-fr")
    with pytest.raises(UserInputError, match="units"):
        TranslationConfig(units=0)
    cfg = TranslationConfig(direction="zh-en")
    assert (cfg.source_lang, cfg.target_lang) == ("zh", "en")
    assert cfg.model_kwargs()["source_lang"] == "zh"
