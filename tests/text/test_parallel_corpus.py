"""Sentence pairs: loading (JSON lines and TSV), directions, each language's tokens."""

import json

import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.parallel_corpus import (
    detokenize,
    load_pairs,
    parse_direction,
    sides,
    tokenize,
)
from tests.paths import DATA


def test_chinese_is_cut_by_character_english_by_word():
    assert tokenize("法国的首都是巴黎。", "zh") == list("法国的首都是巴黎。")
    assert tokenize("The capital of France is Paris.", "en") == [
        "The", "capital", "of", "France", "is", "Paris", "."]
    assert tokenize("New Delhi 在 印度", "zh") == [*"NewDelhi", "在", "印", "度"]


def test_detokenize_inverts_tokenize_on_the_embedded_pairs():
    rows = load_pairs(DATA / "parallel" / "test.jsonl")
    for r in rows:
        for lang in ("en", "zh"):
            assert detokenize(tokenize(r[lang], lang), lang) == r[lang]


def test_load_jsonl_and_tsv(tmp_path):
    j = tmp_path / "p.jsonl"
    j.write_text(json.dumps({"en": "Hi.", "zh": "你好。", "entity": "x"}, ensure_ascii=False)
                 + "\n\n", encoding="utf-8")
    assert load_pairs(j) == [{"en": "Hi.", "zh": "你好。", "entity": "x"}]
    t = tmp_path / "p.tsv"
    t.write_text("Hi.\t你好。\n", encoding="utf-8")
    assert load_pairs(t) == [{"en": "Hi.", "zh": "你好。"}]
    assert sides(load_pairs(t), "zh-en") == (["你好。"], ["Hi."])


@pytest.mark.parametrize("text, match", [
    ("not json\n", "is not JSON"),
    ('{"en": "Hi."}\n', "expected"),
    ('{"en": "Hi.", "zh": ""}\n', "expected"),
    ("", "has no pairs"),
])
def test_bad_files_are_user_errors(tmp_path, text, match):
    p = tmp_path / "bad.jsonl"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(UserInputError, match=match):
        load_pairs(p)
    with pytest.raises(UserInputError, match="not found"):
        load_pairs(tmp_path / "missing.jsonl")
    bad_tsv = tmp_path / "bad.tsv"
    bad_tsv.write_text("one column only\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="TAB"):
        load_pairs(bad_tsv)


def test_directions():
    assert parse_direction("en-zh") == ("en", "zh") and parse_direction("zh-en") == ("zh", "en")
    with pytest.raises(UserInputError, match="'en-fr'"):
        parse_direction("en-fr")
    with pytest.raises(UserInputError, match="'fr'"):
        tokenize("Bonjour", "fr")
