"""Vocabulary: the gaps a mutation run (docs/mutation.md) found in the first tests.

Each test pins one observable fact the older tests left open: the defaults of
``from_counts``/``build``/``encode``/``decode``, alphabetical tie-breaking, the counts
kept beside the tokens (and their save/load round trip), the exact saved file, the
boundaries of ``decode``'s id check and ``max_size``, and the exact wording of every
error (the CLI prints them as its one-line message), including each check of a
malformed vocabulary file.
"""

import json
import re

import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.vocab import SPECIALS, UNK_ID, Vocabulary

SP = list(SPECIALS)


def test_constructor_errors_name_the_problem():
    """A wrong start shows the first four tokens (not five); duplicates are named."""
    msg = (
        "a vocabulary must start with ('<pad>', '<unk>', '<bos>', '<eos>'), "
        "got ['<pad>', '<unk>', '<bos>', 'x']"
    )
    with pytest.raises(UserInputError, match="^" + re.escape(msg) + "$"):
        Vocabulary(["<pad>", "<unk>", "<bos>", "x", "<eos>", "y"])
    with pytest.raises(UserInputError, match=r"^vocabulary has duplicate tokens$"):
        Vocabulary([*SP, "a", "a"])


def test_constructor_keeps_the_counts():
    """The counts passed in are kept (a copy); none given means an empty dict."""
    given = {"a": 3}
    v = Vocabulary([*SP, "a"], counts=given)
    assert v.counts == {"a": 3} and v.counts is not given
    assert Vocabulary([*SP, "a"]).counts == {}


def test_from_counts_defaults_keep_singletons_and_cap_at_10000():
    """Default min_count is 1 (a token seen once is kept) and max_size is 10_000 in all,
    specials included, for both from_counts and build."""
    assert Vocabulary.from_counts({"once": 1}).tokens == [*SP, "once"]
    counts = {f"t{i:05d}": 1 for i in range(10_001)}
    v = Vocabulary.from_counts(counts)
    assert len(v) == 10_000 and v.tokens[-1] == "t09995"
    assert len(Vocabulary.build([list(counts)])) == 10_000


def test_max_size_must_exceed_the_specials():
    """max_size 4 leaves no room for a corpus token: refused; 5 keeps exactly one."""
    with pytest.raises(
        UserInputError,
        match=r"^vocabulary size must be > 4 \(the special tokens\), got 4$",
    ):
        Vocabulary.from_counts({"a": 1}, max_size=4)
    with pytest.raises(UserInputError, match=r"^min_count must be >= 1, got 0$"):
        Vocabulary.from_counts({"a": 1}, min_count=0)
    assert Vocabulary.from_counts({"a": 2, "b": 1}, max_size=5).tokens == [*SP, "a"]


def test_ties_are_broken_alphabetically_and_counts_kept():
    """Equal counts sort by token whatever the input order; ``counts`` holds exactly the
    kept tokens (not the specials, not the ones under min_count or past max_size)."""
    v = Vocabulary.from_counts({"c": 2, "a": 2, "<unk>": 9, "d": 5, "b": 2, "e": 1}, min_count=2)
    assert v.tokens == [*SP, "d", "a", "b", "c"]
    assert v.counts == {"d": 5, "a": 2, "b": 2, "c": 2}
    v = Vocabulary.from_counts({"c": 2, "a": 2, "b": 2}, max_size=6)
    assert v.tokens == [*SP, "a", "b"] and v.counts == {"a": 2, "b": 2}
    assert v.to_json() == {"tokens": [*SP, "a", "b"], "counts": {"a": 2, "b": 2}}


def test_contains_and_encode_defaults():
    """``in`` tells known tokens; encode maps unknown tokens to <unk> and adds no <eos>
    unless asked."""
    v = Vocabulary.from_counts({"a": 1})
    assert "a" in v and "<pad>" in v and "zzz" not in v
    assert v.encode(["a", "zzz"]) == [4, UNK_ID]
    assert v.encode(["a"], add_eos=True) == [4, 3]


def test_decode_skips_pad_and_bos_by_default_and_checks_bounds():
    """Default skips <pad>/<bos> anywhere (and keeps going after them); ids 0 and len-1
    are valid; id len is not, with an exact message."""
    v = Vocabulary.from_counts({"a": 1})
    assert v.decode([2, 4, 0, 4, 1, 3]) == ["a", "a", "<unk>", "<eos>"]
    assert v.decode([0, 2, 4], skip_specials=False) == ["<pad>", "<bos>", "a"]
    with pytest.raises(UserInputError, match=r"^token id 5 is outside the vocabulary \(size 5\)$"):
        v.decode([5])
    with pytest.raises(UserInputError, match=r"^token id -1 is outside the vocabulary \(size 5\)$"):
        v.decode([-1])


def test_saved_file_is_exact_and_round_trips_counts(tmp_path):
    """The file is UTF-8 JSON with one item per line and no indentation (indent=0), and
    loading it gives back the tokens and the counts."""
    v = Vocabulary.from_counts({"中国": 2, "a": 1})
    path = tmp_path / "vocab.json"
    v.save(path)
    assert path.read_text(encoding="utf-8") == (
        '{\n"tokens": [\n"<pad>",\n"<unk>",\n"<bos>",\n"<eos>",\n"中国",\n"a"\n],\n'
        '"counts": {\n"中国": 2,\n"a": 1\n}\n}'
    )
    w = Vocabulary.load(path)
    assert w.tokens == v.tokens and w.counts == {"中国": 2, "a": 1}


def test_load_without_counts_is_fine(tmp_path):
    """'counts' is optional in the file: absent means {}."""
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"tokens": [*SP, "a"]}), encoding="utf-8")
    v = Vocabulary.load(path)
    assert v.tokens == [*SP, "a"] and v.counts == {}


def _bad(tmp_path, obj_or_text):
    path = tmp_path / "v.json"
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text)
    path.write_text(text, encoding="utf-8")
    return path


def test_load_errors_name_the_file_and_the_problem(tmp_path):
    """Every malformed file gets one message naming the path and what is wrong."""
    missing = tmp_path / "nope.json"
    with pytest.raises(UserInputError, match="^" + re.escape(f"vocabulary file not found: "
                                                             f"{str(missing)!r}") + "$"):
        Vocabulary.load(missing)
    path = _bad(tmp_path, "[1, 2]")
    with pytest.raises(UserInputError, match="^" + re.escape(
            f"vocabulary file {str(path)!r} should hold a JSON object, got array") + "$"):
        Vocabulary.load(path)

    def expect(obj, tail):
        p = _bad(tmp_path, obj)
        msg = f"{str(p)!r} is not a vocabulary file: {tail}"
        with pytest.raises(UserInputError, match="^" + re.escape(msg) + "$"):
            Vocabulary.load(p)

    tokens_tail = "'tokens' should be a list of strings"
    counts_tail = "'counts' should map tokens to integers"
    expect({"tokens": "abc"}, tokens_tail)
    expect({"tokens": [*SP, 5]}, tokens_tail)
    expect({"tokens": [*SP, "a"], "counts": ["a"]}, counts_tail)
    expect({"tokens": [*SP, "a"], "counts": {"a": "3"}}, counts_tail)
    expect({"tokens": [*SP, "a"], "counts": {"a": True}}, counts_tail)
    expect({"tokens": [*SP, "a"], "counts": {"a": 1.5}}, counts_tail)
    expect({"tokens": ["a"]}, "a vocabulary must start with ('<pad>', '<unk>', '<bos>', "
                              "'<eos>'), got ['a']")
    expect({"tokens": [*SP, "a", "a"]}, "vocabulary has duplicate tokens")
