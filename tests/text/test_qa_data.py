"""Ids for the pointer-generator: the extended vocabulary of See et al. (2017)."""

import numpy as np

from llm_tf.text.qa_data import (
    QA_SPECIALS,
    UNKNOWN_ID,
    answer_tokens,
    build_vocabulary,
    decode_ids,
    encode_sources,
    encode_targets,
    source_tokens,
)
from llm_tf.text.retrieval import SEP, UNKNOWN


def test_vocabulary_starts_with_the_specials_and_counts_down():
    vocab = build_vocabulary([["b", "a", "b"], ["c", UNKNOWN]])
    assert vocab[:6] == list(QA_SPECIALS) and vocab[6:] == ["b", "a", "c"]
    assert vocab.index(UNKNOWN) == UNKNOWN_ID
    assert build_vocabulary([["a", "b", "b"]], min_count=2)[6:] == ["b"]


def test_unknown_source_tokens_get_their_first_position_beyond_the_vocabulary():
    vocab = build_vocabulary([["X", "|", ":"]])
    index = {t: i for i, t in enumerate(vocab)}
    v = len(vocab)
    src = ["X", "Oz", "|", "Oz", ":", "Emerald"]
    ids, ext = encode_sources([src, ["X"]], index, max_len=10)
    assert ids.shape == ext.shape == (2, 6)
    assert ids[0].tolist() == [index["X"], 1, index["|"], 1, index[":"], 1]
    assert ext[0].tolist() == [index["X"], v + 1, index["|"], v + 1, index[":"], v + 5]
    assert ids[1].tolist() == [index["X"], 0, 0, 0, 0, 0]
    x, y = encode_targets([["Emerald", "X"], [UNKNOWN]], [src, ["X"]], index, max_len=8)
    assert y[0].tolist() == [v + 5, index["X"], 3] and x[0].tolist() == [2, v + 5, index["X"]]
    assert y[1].tolist() == [UNKNOWN_ID, 3, 0]
    assert decode_ids([v + 5, index["X"], 3, index["X"]], src, vocab) == ["Emerald", "X"]


def test_source_and_answer_tokens():
    assert source_tokens(f"中国的首都？ {SEP} 中国 | 首都 : 北京")[:7] == [
        "中", "国", "的", "首", "都", "？", SEP]
    assert answer_tokens(UNKNOWN) == [UNKNOWN] and answer_tokens("New Delhi") == ["New", "Delhi"]
    _, ext = encode_sources([list("abcdef")], {t: i for i, t in enumerate(QA_SPECIALS)}, 3)
    assert ext.shape == (1, 3) and np.all(ext >= len(QA_SPECIALS))
