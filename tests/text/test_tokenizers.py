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


_LEAN_PROBE = """
import importlib.util, json, sys
from llm_tf.text import tokenizers
tokenizers.LEAN_NLTK_IMPORT = {lean}
words = tokenizers.Tokenizer("word").tokenize("Hello, world.")
text = tokenizers.Tokenizer("word").detokenize(["Hello", ",", "world", "."])
stats_loaded = "scipy.stats" in sys.modules
has_scipy = importlib.util.find_spec("scipy") is not None
fisher_is_scipys = None
if has_scipy:
    import scipy.stats
    association = sys.modules["nltk.metrics.association"]  # (nltk rebinds nltk.metrics)
    fisher_is_scipys = association.fisher_exact is scipy.stats.fisher_exact
print(json.dumps([words, text, stats_loaded, has_scipy, fisher_is_scipys]))
"""


@pytest.mark.parametrize("lean", [True, False])
def test_the_lean_nltk_import_tokenizes_alike_and_leaves_scipy_importable(lean):
    """The CLI's lean import skips scipy.stats (0.6 s of `llm-tf generate`); the API's does not."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _LEAN_PROBE.format(lean=lean)],
                         capture_output=True, text=True, check=True).stdout
    words, text, stats_loaded, has_scipy, fisher_is_scipys = json.loads(out)
    assert words == ["Hello", ",", "world", "."]
    assert text == "Hello, world."
    if lean:
        assert not stats_loaded  # nltk did not pull scipy.stats in
        assert fisher_is_scipys in (None, False)  # nltk kept its own fallback ...
    else:
        assert stats_loaded == has_scipy  # nltk imports scipy.stats when it is there
        assert fisher_is_scipys in (None, True)
    # ... and scipy.stats itself imported normally afterwards (the probe did it)


def test_the_command_line_turns_the_lean_import_on(monkeypatch):
    from llm_tf import cli
    from llm_tf.text import tokenizers

    monkeypatch.setattr(tokenizers, "LEAN_NLTK_IMPORT", False)
    assert cli.main(["recipes"]) == 0
    assert tokenizers.LEAN_NLTK_IMPORT is True
