"""§3.1.1 Word2Vec: the listing's undefined names, ``fit`` on raw strings, and the
"hidden-layer state" a word2vec network does not have (docs/errata.md)."""

import keras
import numpy as np
import pytest

from llm_tf.models.listing_models import NeuralNetwork
from llm_tf.vectors.skipgram_data import skipgram_pairs
from llm_tf.vectors.word2vec import Word2Vec, Word2VecModel
from tests.errata.article import listing, run_listing, section, undefined_names

SEQUENCE = ["我", "爱", "中国"]


def test_errata_311_the_listing_uses_a_class_and_two_sizes_it_never_defines():
    code = listing("3.1.1")
    assert undefined_names(code) == {"NeuralNetwork", "embedding_size", "vocab_size"}
    with pytest.raises(NameError, match="'NeuralNetwork' is not defined"):
        run_listing(code, "3.1.1")  # as printed
    # given a class, the sizes are still missing, one after the other
    with pytest.raises(NameError, match="'embedding_size' is not defined"):
        run_listing(code, "3.1.1", NeuralNetwork=NeuralNetwork)
    with pytest.raises(NameError, match="'vocab_size' is not defined"):
        run_listing(code, "3.1.1", NeuralNetwork=NeuralNetwork, embedding_size=8)


def test_errata_311_with_the_class_and_the_sizes_defined_the_listing_runs_as_printed():
    keras.utils.set_random_seed(0)
    names = run_listing(
        listing("3.1.1"), "3.1.1", NeuralNetwork=NeuralNetwork, embedding_size=8, vocab_size=16
    )
    vectors = names["word_vectors"]
    assert sorted(vectors) == sorted(SEQUENCE)
    assert all(v.shape == (8,) for v in vectors.values())
    # what fit(sequence) trained on: the (centre, context) pairs it cut from the strings
    model = names["model"]
    centres, contexts = model.training_pairs(SEQUENCE, grow=False)
    pairs = {(model.tokens[c], model.tokens[o]) for c, o in zip(centres, contexts, strict=True)}
    assert {("我", "爱"), ("爱", "我"), ("爱", "中国"), ("中国", "爱")} <= pairs


def test_errata_311_fit_on_raw_strings_has_no_ids_and_no_targets_word2vec_makes_both():
    # the listing's call on a Keras network: three strings are not a tensor, and no y
    net = keras.Sequential(
        [
            keras.Input((1,), dtype="int32"),
            keras.layers.Embedding(7, 4),
            keras.layers.Flatten(),
            keras.layers.Dense(7, activation="softmax"),
        ]
    )
    net.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="Unrecognized data type"):
        net.fit(SEQUENCE, epochs=10, verbose=0)
    # corrected: a vocabulary turns the words into ids, and skip-gram makes the targets
    # (every (centre, context) pair of the window) from the sequence itself
    w2v = Word2Vec(embedding_dim=8, window=1, min_count=1, sample=0.0, seed=0)
    vocab = w2v.build_vocab(SEQUENCE)
    chunk = np.array([vocab.index[t] for t in SEQUENCE] + [-1], np.int32)  # -1: line end
    centres, contexts, _, n = skipgram_pairs(chunk, None, 1, np.random.default_rng(0))
    pairs = sorted(
        (vocab.tokens[c], vocab.tokens[o]) for c, o in zip(centres, contexts, strict=True)
    )
    assert n == 3 and pairs == sorted([("我", "爱"), ("爱", "我"), ("爱", "中国"), ("中国", "爱")])


def test_errata_311_word2vec_has_no_hidden_state_its_scores_depend_on_one_word():
    assert "通过输入单词序列和隐藏层状态，输出单词的概率分布" in section("3.1.1")
    v, d, love = 7, 4, 5
    net = Word2VecModel(v, d, seed=0)
    net.build()
    rng = np.random.default_rng(0)
    net.context_embedding.embeddings.assign(rng.normal(size=(v, d)).astype("float32"))
    # two lookup tables and nothing else: no recurrent weights, no state to carry
    assert sorted(tuple(w.shape) for w in net.trainable_weights) == [(v, d), (v, d)]
    every = np.arange(v, dtype="int32")
    alone = np.asarray(net(np.array([love], "int32"), every[None]))  # (1, V)
    w_in = np.asarray(net.target_embedding.embeddings)
    w_out = np.asarray(net.context_embedding.embeddings)
    # the "hidden layer" is the centre word's input vector v_c; the scores are v_c · u_w
    np.testing.assert_allclose(alone[0], w_in[love] @ w_out.T, rtol=1e-5, atol=1e-7)
    for before in (4, 6):  # after a different word, the same scores for 爱
        batch = np.asarray(net(np.array([before, love], "int32"), np.stack([every, every])))
        np.testing.assert_allclose(batch[1], alone[0], rtol=1e-6, atol=0)
    # what has a hidden state is a recurrent network (§4.2.1): there 爱's output
    # depends on the word before it
    keras.utils.set_random_seed(0)
    rnn = keras.Sequential([keras.layers.Embedding(v, d), keras.layers.SimpleRNN(d)])
    after = [np.asarray(rnn(np.array([[before, love]], "int32"))) for before in (4, 6)]
    assert not np.allclose(after[0], after[1])
