"""WordVectors: cosine queries, 3CosAdd, the word2vec text format and projector files."""

import gzip

import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.vectors.word_vectors import WordVectors


def test_similarity_is_cosine(wv):
    a, b = wv.vectors[0], wv.vectors[1]
    assert wv.similarity("king", "queen") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    )
    assert wv.similarity("apple", "apple") == pytest.approx(1.0)


def test_most_similar_excludes_the_query_and_sorts(wv):
    near = wv.most_similar("apple", topn=3)
    assert near[0][0] == "pear" and "apple" not in [w for w, _ in near]
    scores = [s for _, s in near]
    assert scores == sorted(scores, reverse=True)
    assert wv.most_similar("中国", topn=1)[0][0] == "北京"
    assert len(wv.most_similar("king", topn=100)) == len(wv.words) - 1


def test_analogy_is_3cosadd(wv):
    assert wv.analogy("man", "king", "woman")[0][0] == "queen"
    unit = wv.vectors / np.linalg.norm(wv.vectors, axis=1, keepdims=True)
    target = unit[0] - unit[2] + unit[3]
    scores = unit @ target / np.linalg.norm(target)
    scores[[0, 2, 3]] = -np.inf
    assert wv.analogy("man", "king", "woman")[0][1] == pytest.approx(scores.max(), rel=1e-6)


def test_unknown_word_is_named(wv):
    with pytest.raises(UserInputError, match="'prince'"):
        wv.most_similar("prince")


@pytest.mark.parametrize("name", ["v.txt", "v.txt.gz"])
def test_word2vec_text_format_round_trip(wv, tmp_path, name):
    path = tmp_path / name
    wv.save_word2vec_format(path)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "8 3"  # gensim's load_word2vec_format reads this header
    assert lines[7].split(" ")[0] == "中国" and len(lines[7].split(" ")) == 4
    back = WordVectors.load_word2vec_format(path)
    assert back.words == wv.words
    np.testing.assert_allclose(back.vectors, wv.vectors, rtol=1e-5)


def test_loading_reports_bad_files(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        WordVectors.load_word2vec_format(tmp_path / "none.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("hello world\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="count dim"):
        WordVectors.load_word2vec_format(bad)
    bad.write_text("1 3\nword 1 2\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="line 2"):
        WordVectors.load_word2vec_format(bad)
    with pytest.raises(UserInputError, match="whitespace"):
        WordVectors(["a b"], np.ones((1, 2))).save_word2vec_format(tmp_path / "x.txt")


def test_projector_files(wv, tmp_path):
    vec, meta = wv.export_projector(tmp_path / "proj")
    rows = vec.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 8 and all(len(r.split("\t")) == 3 for r in rows)
    assert meta.read_text(encoding="utf-8").splitlines() == wv.words
