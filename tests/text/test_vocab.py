import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.vocab import EOS_ID, SPECIALS, UNK_ID, Vocabulary


def test_specials_order_and_counts():
    v = Vocabulary.build([["b", "a", "b", "c"], ["b", "a"]], min_count=1, max_size=None)
    assert v.tokens[:4] == list(SPECIALS)
    assert v.tokens[4:] == ["b", "a", "c"]  # by count, ties alphabetical
    assert v["b"] == 4 and v["zzz"] == UNK_ID


def test_min_count_and_max_size_include_specials():
    v = Vocabulary.build([list("aaabbc")], min_count=2, max_size=None)
    assert v.tokens[4:] == ["a", "b"]
    v = Vocabulary.build([list("aaabbc")], max_size=5)
    assert len(v) == 5 and v.tokens[4] == "a"


def test_encode_decode_round_trip(tmp_path):
    v = Vocabulary.build([["我", "爱", "中国"]])
    ids = v.encode(["我", "爱", "中国"], add_eos=True)
    assert ids[-1] == EOS_ID
    assert v.decode(ids) == ["我", "爱", "中国", "<eos>"]
    v.save(tmp_path / "vocab.json")
    v2 = Vocabulary.load(tmp_path / "vocab.json")
    assert v2.tokens == v.tokens and v2.encode(["中国"]) == v.encode(["中国"])


def test_errors(tmp_path):
    with pytest.raises(UserInputError, match="min_count"):
        Vocabulary.build([["a"]], min_count=0)
    with pytest.raises(UserInputError, match="vocabulary size"):
        Vocabulary.build([["a"]], max_size=3)
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UserInputError, match="not a vocabulary"):
        Vocabulary.load(tmp_path / "bad.json")
    with pytest.raises(UserInputError, match="outside"):
        Vocabulary.build([["a"]]).decode([99])
