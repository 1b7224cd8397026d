"""Properties of the vocabulary (llm_tf/text/vocab.py) over arbitrary Unicode tokens.

Round-trip, precisely:

- ``decode(encode(tokens), skip_specials=False) == tokens`` for in-vocabulary tokens
  (the special tokens included); with the default ``skip_specials=True`` only
  ``<pad>`` and ``<bos>`` are dropped.
- A token not in the vocabulary encodes to ``<unk>``'s id and decodes to ``<unk>``.
- ``Vocabulary.load(path)`` after ``save(path)`` has the same tokens, ids and counts.
- ``build`` is deterministic: ids 0-3 are the specials, then tokens by descending
  count, ties alphabetical; ``max_size`` (specials counted) keeps the most frequent.
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from llm_tf.errors import UserInputError
from llm_tf.text.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK, UNK_ID, Vocabulary
from tests.properties.strategies import long_lines, texts

tokens = st.one_of(texts(max_size=6, min_size=1), st.sampled_from(SPECIALS), long_lines())
token_lists = st.lists(st.lists(tokens, max_size=12), max_size=6)


@given(token_lists, st.one_of(st.none(), st.integers(5, 40)), st.integers(1, 3))
def test_build_is_ordered_and_bounded(lines, max_size, min_count):
    vocab = Vocabulary.build(lines, min_count=min_count, max_size=max_size)
    assert tuple(vocab.tokens[:4]) == SPECIALS
    assert [vocab[t] for t in vocab.tokens] == list(range(len(vocab)))
    if max_size is not None:
        assert len(vocab) <= max_size
    counts: dict[str, int] = {}
    for line in lines:
        for t in line:
            counts[t] = counts.get(t, 0) + 1
    kept = vocab.tokens[4:]
    assert [(-counts[t], t) for t in kept] == sorted((-counts[t], t) for t in kept)
    assert all(counts[t] >= min_count and t not in SPECIALS for t in kept)
    dropped = [t for t in counts if t not in vocab and t not in SPECIALS and counts[t] >= min_count]
    if dropped:  # only max_size drops an eligible token, and never a more frequent one
        assert max_size is not None and len(vocab) == max_size
        assert min(counts[t] for t in kept) >= max(counts[t] for t in dropped)


@given(token_lists, st.lists(tokens, max_size=20))
@example([["<eos>", "a"]], ["<pad>", "<eos>", "<unk>", "a", "b"])
def test_encode_decode_round_trips_in_vocabulary_tokens(lines, probe):
    vocab = Vocabulary.build(lines, max_size=None)
    ids = vocab.encode(probe, add_eos=True)
    assert ids[-1] == EOS_ID and len(ids) == len(probe) + 1
    expected = [t if t in vocab else UNK for t in probe]
    assert vocab.decode(ids[:-1], skip_specials=False) == expected
    assert vocab.decode(ids[:-1]) == [
        t for t, i in zip(expected, ids[:-1], strict=True) if i not in (PAD_ID, BOS_ID)
    ]
    for t, i in zip(probe, ids[:-1], strict=True):
        assert i == (vocab.index[t] if t in vocab else UNK_ID)
    everything = [t for line in lines for t in line]
    assert vocab.decode(vocab.encode(everything), skip_specials=False) == everything


@given(token_lists, st.integers(-5, 5))
def test_decode_rejects_ids_outside_the_vocabulary(lines, offset):
    vocab = Vocabulary.build(lines, max_size=None)
    bad = len(vocab) + offset if offset >= 0 else offset
    with pytest.raises(UserInputError):
        vocab.decode([bad])


@given(token_lists, st.one_of(st.none(), st.integers(5, 40)))
@example([["\u2028", "\x85", "\r", '"', "\\", "a\nb"]], None)
def test_save_then_load_is_identity(lines, max_size):
    vocab = Vocabulary.build(lines, max_size=max_size)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "vocab.json")
        vocab.save(path)
        loaded = Vocabulary.load(path)
    assert loaded.tokens == vocab.tokens
    assert loaded.index == vocab.index
    assert loaded.counts == vocab.counts


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.sampled_from(SPECIALS), texts(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=6),
                            st.dictionaries(st.sampled_from(["tokens", "counts", "x"]), inner,
                                            max_size=3)),
    max_leaves=16)


@given(st.one_of(json_values, st.builds(
    lambda extra, counts: {"tokens": [*SPECIALS, *extra], "counts": counts},
    st.lists(texts(max_size=4), max_size=4), json_values)))
def test_load_of_any_json_is_a_vocabulary_or_a_user_error(value):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "vocab.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False)
        try:
            vocab = Vocabulary.load(path)
        except UserInputError:
            return
    assert tuple(vocab.tokens[:4]) == SPECIALS and len(set(vocab.tokens)) == len(vocab)
    assert all(isinstance(t, str) for t in vocab.tokens)
