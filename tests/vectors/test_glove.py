"""GloVe: co-occurrence counts, weighting, loss and AdaGrad step against numpy references."""

import json
from dataclasses import asdict

import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.vectors.config import GloVeConfig
from llm_tf.vectors.cooccurrence import Cooccurrence, count_cooccurrences
from llm_tf.vectors.glove import (
    GloVe,
    GloVeModel,
    article_objective,
    glove_factorization,
    glove_objective,
    weighting,
)
from tests.layer_testing import run_layer_test

LISTING_MATRIX = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]])  # §3.1.2


def _chunks(lines):
    return [np.concatenate([np.r_[np.asarray(line), -1] for line in lines]).astype(np.int32)]


def test_weighting_matches_the_paper():
    x = np.array([0.5, 1.0, 10.0, 99.0, 100.0, 250.0])
    expected = np.array([min(1.0, (v / 100.0) ** 0.75) for v in x])
    np.testing.assert_allclose(weighting(x), expected)
    np.testing.assert_allclose(weighting(tf.constant(x, tf.float32)).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(weighting(x, x_max=10, alpha=1.0), np.minimum(1, x / 10))


@pytest.mark.parametrize("symmetric", [True, False])
def test_cooccurrence_counts_match_a_brute_force_loop(symmetric):
    rng = np.random.default_rng(0)
    lines = [rng.integers(0, 12, size=rng.integers(1, 15)) for _ in range(60)]
    window, v = 3, 12
    expected = np.zeros((v, v))
    for line in lines:
        for i, w in enumerate(line):
            for d in range(1, window + 1):
                if i + d < len(line):
                    expected[w, line[i + d]] += 1.0 / d
                    if symmetric:
                        expected[line[i + d], w] += 1.0 / d
    # several chunks and a tiny merge threshold exercise the streaming merge
    chunks = [_chunks(lines[k : k + 7])[0] for k in range(0, len(lines), 7)]
    got = count_cooccurrences(chunks, v, window, symmetric=symmetric, merge_every=50)
    np.testing.assert_allclose(got.to_dense(), expected)
    assert np.all(np.diff(got.rows.astype(np.int64) * v + got.cols) > 0)  # sorted, unique


def test_cooccurrence_file_round_trip(tmp_path):
    cooc = Cooccurrence.from_dense(LISTING_MATRIX)
    assert cooc.nnz == 7
    cooc.save(tmp_path / "c.npz")
    np.testing.assert_array_equal(Cooccurrence.load(tmp_path / "c.npz").to_dense(), LISTING_MATRIX)
    with pytest.raises(UserInputError, match="square"):
        Cooccurrence.from_dense(np.ones((2, 3)))


def _reference_step(params, accs, rows, cols, x, lr, x_max, alpha):
    """One batch of glove.c's AdaGrad in numpy (step with the old sum, then add)."""
    w, wc, b, bc = params
    diff = np.sum(w[rows] * wc[cols], 1) + b[rows, 0] + bc[cols, 0] - np.log(x)
    fdiff = np.minimum(1, (x / x_max) ** alpha) * diff
    grads = [fdiff[:, None] * wc[cols], fdiff[:, None] * w[rows], fdiff[:, None], fdiff[:, None]]
    new = [p.copy() for p in params]
    new_acc = [a.copy() for a in accs]
    for k, (idx, g) in enumerate(zip([rows, cols, rows, cols], grads, strict=True)):
        step = lr * np.clip(g, -100, 100)
        np.subtract.at(new[k], idx, step / np.sqrt(accs[k][idx]))
        np.add.at(new_acc[k], idx, step**2)
    return new, new_acc, float(np.mean(fdiff * diff))


def test_train_step_is_glove_c_adagrad():
    model = GloVeModel(6, 4, x_max=10.0, alpha=0.75, seed=0)
    model.build()
    model.compile(optimizer="sgd")
    model.optimizer.learning_rate.assign(0.05)
    tables = [model.word_embedding, model.context_embedding, model.word_bias, model.context_bias]
    rng = np.random.default_rng(0)
    for t in tables:
        t.embeddings.assign(rng.normal(size=t.embeddings.shape).astype("float32"))
    rows = np.array([0, 1, 1, 5, 2], np.int32)  # row 1 twice: duplicates are summed
    cols = np.array([1, 0, 3, 5, 2], np.int32)
    x = np.array([3.0, 3.0, 0.5, 200.0, 12.0], np.float32)
    losses = []
    for _ in range(2):  # the second step uses accumulators above 1
        params = [t.embeddings.numpy().astype(np.float64) for t in tables]
        accs = [a.numpy().astype(np.float64) for a in model.accumulators]
        want, want_acc, want_loss = _reference_step(
            params, accs, rows, cols, x.astype(np.float64), 0.05, 10.0, 0.75
        )
        losses.append(want_loss)
        logs = model.train_step((tf.constant(rows), tf.constant(cols), tf.constant(x)))
        for t, p in zip(tables, want, strict=True):
            np.testing.assert_allclose(t.embeddings.numpy(), p, atol=1e-5)
        for a, p in zip(model.accumulators, want_acc, strict=True):
            np.testing.assert_allclose(a.numpy(), p, rtol=1e-5)
    np.testing.assert_allclose(float(logs["loss"]), np.mean(losses), rtol=1e-5)  # running mean


def test_listing_matrix_is_factorised():
    vectors, model = glove_factorization(LISTING_MATRIX, embedding_size=2, return_model=True)
    assert vectors.shape == (3, 2)
    rows, cols = np.nonzero(LISTING_MATRIX)
    pred = model(rows.astype("int32"), cols.astype("int32")).numpy()
    np.testing.assert_allclose(pred, np.log(LISTING_MATRIX[rows, cols]), atol=0.02)
    with pytest.raises(UserInputError, match="embedding_size"):
        glove_factorization(LISTING_MATRIX, embedding_size=0)


def test_errata_412_printed_objective_is_not_glove():
    """§4.1.2 prints Σ 1/f(d_ij) · log(exp(<v_i,v_j>) / (|v_i||v_j|)); GloVe is eq. 8."""
    _, model = glove_factorization(LISTING_MATRIX, embedding_size=2, return_model=True)
    w = model.word_embedding.embeddings.numpy()
    wc = model.context_embedding.embeddings.numpy()
    b = model.word_bias.embeddings.numpy()[:, 0]
    bc = model.context_bias.embeddings.numpy()[:, 0]
    cooc, doubled = (
        Cooccurrence.from_dense(LISTING_MATRIX),
        Cooccurrence.from_dense(2 * LISTING_MATRIX),
    )
    pairs = np.stack([cooc.rows, cooc.cols], 1)
    paper = glove_objective(w, wc, b, bc, cooc)
    assert 0 <= paper < 1e-3  # the factorisation fits log X almost exactly ...
    assert glove_objective(w, wc, b, bc, doubled) > 100 * paper + 1e-3  # ... and X matters
    # The printed objective on the same vectors: no counts enter it, so X and 2X
    # (or any counts with the same nonzero cells) give the same value ...
    printed = article_objective(w + wc, pairs)
    assert np.isfinite(printed)
    # ... and it has no minimum: pushing two co-occurring words apart drives it to -inf.
    v = np.array([[1.0, 0.0], [-1.0, 0.2], [0.3, 1.0]])
    values = [article_objective(t * v, pairs) for t in (1, 10, 100)]
    assert values[0] > values[1] > values[2] < -1e4
    assert glove_objective(v, v, np.zeros(3), np.zeros(3), cooc) >= 0


def test_model_is_a_good_keras_citizen():
    run_layer_test(
        GloVeModel,
        dict(
            vocab_size=10, embedding_dim=4, x_max=100.0, alpha=0.75, initial_accumulator=1.0, seed=2
        ),
        input_data=(np.array([1, 2, 3], "int32"), np.array([4, 5, 6], "int32")),
        expected_output_shape=(3,),
        expected_num_trainable_weights=4,
        expected_num_non_trainable_weights=4,  # the AdaGrad sums
        run_training_check=False,  # fit() takes (rows, cols, counts) batches
    )


def test_planted_topics_end_up_nearest():
    rng = np.random.default_rng(0)
    animals, fruit = ["cat", "dog", "horse", "cow"], ["apple", "pear", "plum", "grape"]
    lines = []
    for _ in range(400):
        group, filler = (animals, "the") if rng.random() < 0.5 else (fruit, "a")
        lines.append([filler, *rng.choice(group, 3).tolist()])
    glove = GloVe(GloVeConfig.tiny(epochs=40, window=3, x_max=10.0, batch_size=16, seed=1))
    history = glove.fit(lines, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    wv = glove.get_word_vectors()
    for group in (animals, fruit):
        within = np.mean([wv.similarity(a, b) for a in group for b in group if a != b])
        across = np.mean([wv.similarity(a, b) for a in animals for b in fruit])
        assert within > across + 0.3, (within, across)
        for word in group:  # the group's filler word ("the", "a") may come first
            assert {w for w, _ in wv.most_similar(word, topn=2)} <= {*group, "the", "a"}


def test_fit_needs_a_corpus():
    with pytest.raises(UserInputError, match="fit"):
        GloVe().fit()


def test_cli_glove_trains_and_saves(parser, en_corpus, tmp_path):
    out = tmp_path / "glove"
    args = parser.parse_args(
        [
            "glove",
            "--corpus",
            str(en_corpus),
            "--out",
            str(out),
            "--dim",
            "8",
            "--epochs",
            "1",
            "--min-count",
            "3",
            "--quiet",
        ]
    )
    assert args.func(args) == 0
    assert (out / "vectors.txt").is_file() and (out / "model.keras").is_file()
    saved = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert saved == {**asdict(GloVeConfig()), "embedding_dim": 8, "epochs": 1, "min_count": 3}
    args = parser.parse_args(
        ["glove", "--corpus", str(en_corpus), "--out", str(out), "--x-max", "-1"]
    )
    with pytest.raises(UserInputError, match=r"x_max must be > 0, got -1\.0"):
        args.func(args)
