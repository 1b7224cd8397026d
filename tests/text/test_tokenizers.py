import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.tokenizers import Tokenizer, cjk_fraction, get_tokenizer


def test_word_tokenizer_needs_no_nltk_data():
    tok = Tokenizer("word")
    assert tok.tokenize("The capital of China is Beijing.") == [
        "The", "capital", "of", "China", "is", "Beijing", "."]
    assert tok.detokenize(["The", "cat", "'s", "toy", "."]) == "The cat's toy."


def test_char_tokenizer_round_trips_chinese():
    tok = Tokenizer("char")
    text = "中国的首都是北京。 ok"
    assert tok.tokenize(text)[:3] == ["中", "国", "的"]
    assert tok.detokenize(tok.tokenize(text)) == text


def test_lower_and_space():
    assert Tokenizer("space", lower=True).tokenize("A  b C") == ["a", "b", "c"]
    assert Tokenizer("word", lower=True).tokenize("Hello World") == ["hello", "world"]


def test_auto_detection():
    assert cjk_fraction("中国 abc") == pytest.approx(2 / 5)
    assert get_tokenizer("auto", sample="中国的首都是北京。Beijing").kind == "char"
    assert get_tokenizer("auto", sample="The capital of China is Beijing.").kind == "word"
    assert get_tokenizer("auto", sample="").kind == "word"


def test_config_round_trip_and_errors():
    tok = Tokenizer("char", lower=True)
    assert Tokenizer.from_config(tok.to_config()) == tok
    with pytest.raises(UserInputError, match="unknown tokenizer"):
        get_tokenizer("bpe")
