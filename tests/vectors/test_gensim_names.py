"""gensim's names for the word-vector API: ``Word2Vec(vector_size=...)``, ``model.wv``,
``model.train``, ``save`` / ``Word2Vec.load`` (issue 13). gensim is not imported: each
test states gensim 4's documented behaviour and checks ours against it."""

import json

import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.vectors import GloVe, GloVeConfig, Word2Vec, Word2VecConfig, WordVectors

ANIMALS, FRUIT = ["cat", "dog", "horse", "cow"], ["apple", "pear", "plum", "grape"]


def _sentences(seed=0, n=150):
    """Two topics that never share a sentence (tiny: one batch per epoch)."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n):
        if rng.random() < 0.5:
            lines.append(["the", *rng.choice(ANIMALS, 2), "runs"])
        else:
            lines.append(["a", *rng.choice(FRUIT, 2), "sweet"])
    return [[str(t) for t in line] for line in lines]


GENSIM_STYLE = dict(vector_size=8, window=2, min_count=1, sg=1, negative=3, epochs=10, seed=4,
                    workers=4, sample=0)
SMALL_BATCHES = dict(words_per_batch=64, negative_group=4)  # the project's names, beside them


@pytest.fixture(scope="module")
def model():
    """Trained as gensim's README does it: sentences first, then gensim's keywords."""
    return Word2Vec(_sentences(), **GENSIM_STYLE, **SMALL_BATCHES)


# ---- keywords


def test_gensims_keywords_set_the_config_fields():
    w2v = Word2Vec(vector_size=8, window=3, min_count=2, sg=0, negative=3, epochs=2, seed=7,
                   workers=4, alpha=0.05, min_alpha=0.0005, max_final_vocab=100, hs=0,
                   cbow_mean=1, sample=1e-4, ns_exponent=0.5)
    ratio = w2v.config.min_learning_rate_ratio  # gensim's end rate is min_alpha
    assert ratio * w2v.config.start_learning_rate == pytest.approx(0.0005, rel=1e-12)
    assert w2v.config == Word2VecConfig(
        embedding_dim=8, window=3, min_count=2, sg=False, negative=3, epochs=2, seed=7,
        learning_rate=0.05, min_learning_rate_ratio=ratio, max_vocab=100, sample=1e-4,
        ns_exponent=0.5, workers=4)
    assert w2v.config.sg is False and Word2Vec(sg=1).config.sg is True  # gensim's 0 / 1
    # the project's names still work, and a config with gensim's names on top of it
    assert Word2Vec(embedding_dim=8).config == Word2Vec(vector_size=8).config
    assert Word2Vec(Word2VecConfig.tiny(), vector_size=4).config.embedding_dim == 4
    assert GloVe(vector_size=6).config == GloVeConfig(embedding_dim=6)
    assert "untrained" in repr(Word2Vec()) and "vector_size=100" in repr(Word2Vec())


def test_unknown_keywords_are_a_type_error_naming_the_accepted_ones():
    with pytest.raises(TypeError, match="'vector_dim' \\(did you mean 'vector_size'\\?\\)") as e:
        Word2Vec(vector_dim=8)
    assert "embedding_dim" in str(e.value) and "workers" in str(e.value)
    with pytest.raises(TypeError, match="gensim 4 renamed it 'vector_size'"):
        Word2Vec(size=8)  # gensim 3's name
    with pytest.raises(TypeError, match="gensim 4 renamed it 'epochs'"):
        Word2Vec(iter=3)
    with pytest.raises(TypeError, match="vector_size=8 and embedding_dim=16: both set"):
        Word2Vec(vector_size=8, embedding_dim=16)
    with pytest.raises(TypeError, match="GloVe\\(\\) got an unexpected keyword argument 'sg'"):
        GloVe(sg=1)
    with pytest.raises(TypeError, match="takes a Word2VecConfig, got a GloVeConfig"):
        Word2Vec(GloVeConfig())
    with pytest.raises(TypeError, match="sentences or corpus_file, not both"):
        Word2Vec(sentences=[["a"]], corpus_file="x.txt")


def test_what_is_not_implemented_says_so():
    with pytest.raises(UserInputError, match="hs=1 \\(hierarchical softmax\\) is not"):
        Word2Vec(hs=1, negative=0)
    with pytest.raises(UserInputError, match="cbow_mean=0"):
        Word2Vec(sg=0, cbow_mean=0)
    with pytest.raises(UserInputError, match="min_alpha must be in \\[0, alpha=0.025\\]"):
        Word2Vec(min_alpha=0.5)
    with pytest.raises(UserInputError, match="window must be a positive integer, got 0"):
        Word2Vec(window=0)


# ---- model.wv


def test_wv_is_the_word_vectors_with_gensims_names(model):
    wv = model.wv
    assert isinstance(wv, WordVectors) and wv is model.wv  # one snapshot until trained again
    words = {w for line in _sentences() for w in line}
    assert len(wv) == len(words) and set(wv.index_to_key) == words
    assert all(wv.index_to_key[wv.key_to_index[w]] == w for w in words)
    assert wv.vectors.shape == (len(words), 8) and wv.vector_size == 8
    np.testing.assert_array_equal(wv["cat"], wv.vectors[wv.key_to_index["cat"]])
    np.testing.assert_array_equal(wv[["cat", "pear"]], np.stack([wv["cat"], wv["pear"]]))
    np.testing.assert_allclose(np.linalg.norm(wv.get_vector("cat", norm=True)), 1.0, rtol=1e-6)
    assert "cat" in wv and "zebra" not in wv
    np.testing.assert_array_equal(wv.vectors, model.get_word_vectors().vectors)


def test_unknown_word_is_a_key_error_as_in_gensim(model):
    with pytest.raises(KeyError, match="word 'zebra' is not in the vocabulary"):
        model.wv["zebra"]
    with pytest.raises(UserInputError):  # and one line from the CLI
        model.wv.most_similar("zebra")


def test_similarity_is_cosine_and_distance_its_complement(model):
    wv = model.wv
    a, b = wv["cat"].astype(float), wv["dog"].astype(float)
    cos = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    assert wv.similarity("cat", "dog") == pytest.approx(cos, rel=1e-5)
    assert wv.distance("cat", "dog") == pytest.approx(1 - cos, rel=1e-5)


def test_most_similar_is_gensims_ranking(model):
    """gensim: the mean of the unit query vectors (negatives subtracted), cosine against
    every unit vector, the query words excluded, best first."""
    wv = model.wv
    positive, negative = ["cat", "apple"], ["pear"]
    unit = wv.vectors / np.linalg.norm(wv.vectors, axis=1, keepdims=True)
    ids = [wv.key_to_index[w] for w in positive + negative]
    query = unit[ids[:2]].sum(0) - unit[ids[2]]
    scores = unit @ (query / np.linalg.norm(query))
    expected = [wv.index_to_key[i] for i in np.argsort(-scores) if i not in ids][:4]
    got = wv.most_similar(positive=positive, negative=negative, topn=4)
    assert [w for w, _ in got] == expected
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    assert not {w for w, _ in got} & set(positive + negative)
    assert wv.most_similar("cat", topn=3) == wv.most_similar(positive=["cat"], topn=3)


def test_the_topics_are_learnt(model):
    """Not gensim's figures (those need gensim's exact random stream), its kind of result:
    words of one topic are nearer each other than the other topic's."""
    wv = model.wv
    within = np.mean([wv.similarity(a, b) for g in (ANIMALS, FRUIT) for a in g for b in g
                      if a != b])
    across = np.mean([wv.similarity(a, b) for a in ANIMALS for b in FRUIT])
    assert within > across + 0.5, (within, across)


# ---- save, load, train more


def test_save_load_and_train_more(model, tmp_path):
    model.save(tmp_path / "w2v")
    saved = sorted(p.name for p in (tmp_path / "w2v").iterdir())
    assert saved == ["config.json", "model.keras", "vectors.txt", "vocab.json"]  # no pickle
    assert json.loads((tmp_path / "w2v" / "config.json").read_text())["embedding_dim"] == 8

    loaded = Word2Vec.load(tmp_path / "w2v")
    assert loaded.config == model.config and loaded.vocab.tokens == model.vocab.tokens
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    before = loaded.wv

    more = _sentences(seed=1, n=60) + [["zebra", "cat", "runs"]]  # a word it has not seen
    history = loaded.train(more, total_examples=len(more), epochs=1)
    assert len(history.history["loss"]) == 1
    after = loaded.wv
    assert after is not before  # the snapshot was taken again
    assert after.index_to_key == before.index_to_key and "zebra" not in after  # same vocab
    assert not np.allclose(after.vectors, before.vectors)  # the vectors moved
    np.testing.assert_array_equal(model.wv.vectors, before.vectors)  # the original did not

    with pytest.raises(TypeError, match="one of corpus_iterable or corpus_file"):
        loaded.train()


def test_corpus_file_trains_as_gensim_does(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in _sentences(n=40)) + "\n", encoding="utf-8")
    w2v = Word2Vec(corpus_file=str(path), vector_size=4, min_count=1, epochs=1,
                   tokenizer="space")
    assert w2v.wv.vector_size == 4 and "grape" in w2v.wv


def test_load_reports_what_is_wrong(model, tmp_path):
    with pytest.raises(UserInputError, match="word2vec folder not found"):
        Word2Vec.load(tmp_path / "none")
    model.save(tmp_path / "w")
    with pytest.raises(UserInputError, match="is a file: Word2Vec.load takes the folder"):
        Word2Vec.load(tmp_path / "w" / "vectors.txt")
    glove_cfg = json.dumps({"x_max": 100.0, **json.loads((tmp_path / "w" / "config.json")
                                                          .read_text())})
    (tmp_path / "w" / "config.json").write_text(glove_cfg, encoding="utf-8")
    with pytest.raises(UserInputError, match="is not a Word2Vec config"):
        Word2Vec.load(tmp_path / "w")
    (tmp_path / "w" / "model.keras").unlink()
    with pytest.raises(UserInputError, match="no model.keras"):
        Word2Vec.load(tmp_path / "w")


def test_glove_has_wv_too():
    glove = GloVe(GloVeConfig.tiny(epochs=1), vector_size=4)
    glove.fit(_sentences(n=30), verbose=0)
    assert glove.wv is glove.wv and glove.wv.vector_size == 4
    np.testing.assert_array_equal(glove.wv.vectors, glove.get_word_vectors().vectors)
