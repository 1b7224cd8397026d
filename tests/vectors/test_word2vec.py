"""Word2Vec: pair generation checked statistically, gradients against autodiff, planted structure."""

import json
from dataclasses import asdict

import keras
import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.text import id_stream
from llm_tf.vectors import skipgram_data
from llm_tf.vectors.config import Word2VecConfig
from llm_tf.vectors.sgns import article_softmax_probability, sgns_gradients, softmax_probabilities
from llm_tf.vectors.word2vec import Word2Vec, Word2VecModel
from tests.layer_testing import run_layer_test


def _stream(lines):
    """An EncodedCorpus in memory: ids of each line then -1."""
    data = np.concatenate([np.r_[np.asarray(line), -1] for line in lines]).astype(np.int32)
    return id_stream.EncodedCorpus(data, int(sum(len(line) for line in lines)))


# ---- pair generation


def test_keep_probabilities_is_word2vecs_formula():
    counts = np.array([0, 0, 0, 0, 1000, 100, 10, 1], float)
    s, total = 1e-2, counts.sum()
    expected = np.minimum(1.0, (np.sqrt(counts[4:] / (s * total)) + 1) * s * total / counts[4:])
    got = skipgram_data.keep_probabilities(counts, s)
    np.testing.assert_allclose(got[4:], expected, rtol=1e-6)
    assert got[0] == 1.0 and got[-1] == 1.0 and got[4] < 0.5


def test_dynamic_window_makes_near_pairs_more_likely():
    # One long line of distinct ids: distance d is kept iff the centre's window b >= d,
    # b ~ U{1..W}, so P(d) ∝ (W - d + 1).
    window, n = 4, 40_000
    corpus = _stream([np.arange(4, 4 + n)])
    rng = np.random.default_rng(0)
    centres, contexts, _, _ = skipgram_data.skipgram_pairs(corpus.data, None, window, rng)
    dist = np.abs(contexts - centres)
    counts = np.bincount(dist, minlength=window + 1)[1:]
    expected = np.array([window - d + 1 for d in range(1, window + 1)], float)
    expected *= len(dist) / expected.sum()
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 16.3, (counts, expected)  # 99.9% quantile, 3 degrees of freedom
    assert 2 * n * (window + 1) / 2 * 0.97 < len(dist) < 2 * n * (window + 1) / 2 * 1.03


def test_pairs_stay_inside_lines_and_are_sorted_by_centre():
    lines = [np.full(7, 10 + k) for k in range(50)]  # line k holds only id 10 + k
    corpus = _stream(lines)
    c, x, pos, n = skipgram_data.skipgram_pairs(corpus.data, None, 5, np.random.default_rng(1))
    assert n == 350
    np.testing.assert_array_equal(c, x)  # a context from another line would differ
    assert np.all(np.diff(pos) >= 0)


def test_subsampling_keeps_each_word_at_its_rate():
    rng = np.random.default_rng(2)
    ids = rng.choice([4, 5, 6], size=60_000, p=[0.8, 0.15, 0.05])
    counts = np.bincount(ids, minlength=7).astype(float)
    keep = skipgram_data.keep_probabilities(counts, 1e-2)
    corpus = _stream([ids])
    kept, _, _, _ = skipgram_data._subsample(corpus.data, keep, rng, 0)
    rate = np.bincount(kept, minlength=7)[4:] / counts[4:]
    np.testing.assert_allclose(rate, keep[4:], atol=0.02)
    assert rate[0] < 0.3 < rate[2]  # the frequent word is thinned the most


def test_batches_cover_the_corpus_exactly_once():
    rng = np.random.default_rng(3)
    lines = [rng.integers(4, 50, size=rng.integers(1, 30)) for _ in range(300)]
    corpus = _stream(lines)
    plan = skipgram_data.BatchPlan(corpus.n_tokens, words_per_batch=97, group=8)
    # window 1: every adjacent pair inside a line, both directions, no randomness
    batches = list(skipgram_data.iter_batches(corpus, plan, None, 1, rng, chunk_tokens=123))
    assert len(batches) == plan.steps
    assert sum(float(b[2]) for b in batches) == corpus.n_tokens
    got = []
    for c, x, _ in batches:
        assert len(c) % 8 == 0
        real = c != 0
        got += list(zip(c[real].tolist(), x[real].tolist(), strict=True))
        assert np.all(x[~real] == 0)
    expected = []
    for line in lines:
        for i, w in enumerate(line):
            if i > 0:
                expected.append((w, line[i - 1]))
            if i + 1 < len(line):
                expected.append((w, line[i + 1]))
    assert sorted(got) == sorted((int(a), int(b)) for a, b in expected)


def test_words_per_step_shrinks_for_a_small_corpus_only():
    """Catches a batching rule that ignores the corpus size (a 60k-word corpus at 2048
    words per step gets 30 updates an epoch and loses WordSim-353 quality), or that
    overrides a smaller words_per_batch or shrinks a big corpus's steps."""
    wps = skipgram_data.words_per_step
    assert skipgram_data.MIN_STEPS_PER_EPOCH == 256 and skipgram_data.MIN_WORDS_PER_STEP == 256
    assert wps(887_521, 2048) == 2048  # PTB keeps the configured size
    assert wps(60_000, 2048) == 256  # ceil(60000 / 256) = 235, floored at 256
    assert wps(100_000, 2048) == 391  # ceil(100000 / 256)
    assert wps(256 * 2048, 2048) == 2048 and wps(256 * 2048 - 256, 2048) == 2047
    assert wps(60_000, 64) == 64  # a smaller configured size is kept
    assert wps(10, 2048) == 256


@pytest.mark.parametrize("update,steps", [("batched", 3), ("kernel", 1)])
def test_fit_uses_the_corpus_size_batching(update, steps):
    """Catches fit() cutting batched steps by config.words_per_batch alone: a 600-token
    corpus must run ceil(600 / 256) = 3 steps an epoch, not 1. The pair-by-pair kernel
    updates after every pair whatever the step, so it takes words_per_batch."""
    from llm_tf.vectors import Word2Vec, Word2VecConfig

    rng = np.random.default_rng(0)
    lines = [[f"w{i}" for i in rng.integers(0, 20, size=20)] for _ in range(30)]
    w2v = Word2Vec(Word2VecConfig.tiny(epochs=1, words_per_batch=2048, update=update))
    w2v.fit(lines, verbose=0)
    assert int(w2v.model.optimizer.iterations.numpy()) == steps


def test_cbow_examples_hold_the_window():
    corpus = _stream([np.arange(4, 14)])
    c, ctx, _, _ = skipgram_data.cbow_examples(corpus.data, None, 2, np.random.default_rng(0))
    assert ctx.shape == (10, 4)
    for centre, row in zip(c, ctx, strict=True):
        real = row[row != 0]
        assert 1 <= len(real) <= 4 and np.all(np.abs(real - centre) <= 2) and centre not in real


def test_negatives_follow_the_unigram_distribution_to_the_three_quarters():
    counts = np.array([0, 0, 0, 0, 500, 200, 100, 50, 20, 5], float)
    model = Word2VecModel(len(counts), 4, negative=5, seed=0)
    model.build()
    noise = skipgram_data.noise_distribution(counts)
    np.testing.assert_allclose(noise[4:], counts[4:] ** 0.75 / (counts[4:] ** 0.75).sum())
    model.set_noise_distribution(noise)
    draws = model.sample_negatives(20_000).numpy().ravel()
    freq = np.bincount(draws, minlength=len(counts)) / len(draws)
    assert freq[:4].sum() == 0
    np.testing.assert_allclose(freq, noise, atol=0.01)


# ---- the update step


def _loss_from_logits(v, u_pos, u_neg, pos, neg, weight, strided):
    """The loss written pair by pair: pair p uses the negatives of group p % G (or p // S)."""
    g, size = neg.shape[0], v.shape[0] // neg.shape[0]
    total = 0.0
    for p in range(v.shape[0]):
        group = p % g if strided else p // size
        total += -tf.math.log_sigmoid(tf.reduce_sum(v[p] * u_pos[p])) * weight[p]
        for j in range(neg.shape[1]):
            if int(neg[group, j]) != int(pos[p]):
                total += -tf.math.log_sigmoid(-tf.reduce_sum(v[p] * u_neg[group, j])) * weight[p]
    return total


@pytest.mark.parametrize("strided", [True, False])
def test_closed_form_gradients_equal_autodiff(strided):
    rng = np.random.default_rng(0)
    groups, size, k, d = 3, 4, 2, 5
    v = tf.constant(rng.normal(size=(groups * size, d)), tf.float32)
    u_pos = tf.constant(rng.normal(size=(groups * size, d)), tf.float32)
    u_neg = tf.constant(rng.normal(size=(groups, k, d)), tf.float32)
    pos = tf.constant(rng.integers(4, 8, groups * size), tf.int32)
    neg = tf.constant(rng.integers(4, 8, (groups, k)), tf.int32)  # some equal their positive
    weight = tf.constant([1.0] * 10 + [0.0] * 2)  # two padding rows
    with tf.GradientTape() as tape:
        tape.watch([v, u_pos, u_neg])
        loss = _loss_from_logits(v, u_pos, u_neg, pos, neg, weight, strided)
    expected = tape.gradient(loss, [v, u_pos, u_neg])
    grad_v, grad_pos, grad_neg, (got_loss, n) = sgns_gradients(
        v, u_pos, u_neg, pos, neg, weight, strided=strided
    )
    for got, want in zip([grad_v, grad_pos, grad_neg], expected, strict=True):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)
    np.testing.assert_allclose(got_loss.numpy(), loss.numpy(), rtol=1e-5)
    assert n.numpy() == 10


@pytest.mark.parametrize("cbow", [False, True])
def test_train_step_is_sgd_on_the_models_logits(cbow):
    """One step equals w -= lr * dL/dw with L from ``call`` (CBOW: word2vec.c's rule)."""
    v_size, d, k, lr = 12, 6, 2, 0.1
    model = Word2VecModel(
        v_size, d, negative=k, cbow=cbow, negative_group=2, seed=0, max_row_updates=None
    )
    model.build()
    model.set_noise_distribution(np.r_[np.zeros(4), np.ones(v_size - 4)])
    model.compile(optimizer=keras.optimizers.SGD(lr))
    rng = np.random.default_rng(1)
    model.context_embedding.embeddings.assign(rng.normal(size=(v_size, d)).astype("float32"))
    negatives = tf.constant([[5, 6], [7, 5]], tf.int32)
    model.sample_negatives = lambda groups: negatives
    centres = tf.constant([4, 4, 9, 0], tf.int32)  # last row: padding
    # As in word2vec.c, the centre is predicted: from each context (skip-gram) or their mean.
    if cbow:
        contexts = tf.constant([[5, 6, 0, 0], [7, 0, 0, 0], [8, 10, 11, 0], [0, 0, 0, 0]], tf.int32)
    else:
        contexts = tf.constant([5, 6, 10, 0], tf.int32)
    inputs, positives = contexts, centres
    w_in, w_out = model.target_embedding.embeddings, model.context_embedding.embeddings
    before_in, before_out = w_in.numpy(), w_out.numpy()
    with tf.GradientTape() as tape:
        candidates = tf.concat(
            [positives[:, None], tf.tile(negatives, [2, 1])], axis=1
        )  # (P, 1 + K): pair p uses the negatives of group p % G
        logits = model(inputs, candidates)
        labels = tf.constant([[1.0] + [0.0] * k] * 4)
        weight = tf.cast(positives != 0, tf.float32)[:, None]
        valid = tf.concat(
            [tf.ones([4, 1]), tf.cast(candidates[:, 1:] != positives[:, None], tf.float32)], 1
        )
        loss = tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels, logits) * weight * valid
        )
    g_in, g_out = tape.gradient(loss, [w_in.value, w_out.value])
    g_in, g_out = tf.convert_to_tensor(g_in).numpy(), tf.convert_to_tensor(g_out).numpy()
    if cbow:  # word2vec.c adds the error of the mean to each context word, undivided
        count = np.maximum((contexts.numpy() != 0).sum(1), 1)
        g_in = np.zeros_like(g_in)
        with tf.GradientTape() as tape2:
            h = model._input_vectors(contexts)
            tape2.watch(h)
            logits = tf.einsum("bd,bcd->bc", h, model.context_embedding(candidates))
            loss2 = tf.reduce_sum(
                tf.nn.sigmoid_cross_entropy_with_logits(labels, logits) * weight * valid
            )
        g_h = tape2.gradient(loss2, h).numpy()
        for row, ids in enumerate(contexts.numpy()):
            for i in ids[ids != 0]:
                g_in[i] += g_h[row]
        assert count.min() >= 1
    model.train_step((centres, contexts, tf.constant(3.0)))
    np.testing.assert_allclose(w_in.numpy(), before_in - lr * g_in, atol=1e-6)
    np.testing.assert_allclose(w_out.numpy(), before_out - lr * g_out, atol=1e-6)
    assert model.optimizer.iterations.numpy() == 1


def test_row_cap_limits_a_rows_step():
    model = Word2VecModel(10, 3, negative=1, negative_group=1, max_row_updates=4.0)
    model.build()
    scale = model._row_scale(tf.constant([5] * 8 + [6, 7], tf.int32)).numpy()
    np.testing.assert_allclose(scale, [0.5] * 8 + [1.0, 1.0])


def test_model_is_a_good_keras_citizen():
    run_layer_test(
        Word2VecModel,
        dict(
            vocab_size=20,
            embedding_dim=8,
            negative=3,
            cbow=False,
            negative_group=4,
            seed=1,
            max_row_updates=64.0,
        ),
        input_data=(np.array([4, 5, 6], "int32"), np.array([[7, 8], [9, 10], [11, 4]], "int32")),
        expected_output_shape=(3, 2),
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=1,
        run_training_check=False,  # fit() takes the pair batches of skipgram_data
    )


# ---- training


def _planted_corpus(seed=0, n=400):
    """Two topics that never share a sentence: animals and fruit."""
    rng = np.random.default_rng(seed)
    animals, fruit = ["cat", "dog", "horse", "cow"], ["apple", "pear", "plum", "grape"]
    a_verbs, f_verbs = ["runs", "sleeps", "barks", "eats"], ["ripe", "sweet", "juicy", "fresh"]
    lines = []
    for _ in range(n):
        if rng.random() < 0.5:
            lines.append(["the", rng.choice(animals), rng.choice(a_verbs), rng.choice(animals)])
        else:
            lines.append(["a", rng.choice(f_verbs), rng.choice(fruit), rng.choice(fruit)])
    return [[str(t) for t in line] for line in lines], animals, fruit


@pytest.mark.parametrize("sg", [True, False])
def test_planted_topics_end_up_nearest(sg):
    lines, animals, fruit = _planted_corpus()
    w2v = Word2Vec(
        Word2VecConfig.tiny(
            epochs=15, window=3, sg=sg, words_per_batch=64, negative_group=4, seed=3
        )
    )
    history = w2v.fit(lines, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    wv = w2v.get_word_vectors()
    for group in (animals, fruit):
        for word in group:
            nearest = [w for w, _ in wv.most_similar(word, topn=3)]
            assert set(nearest) <= set(group) | {
                "runs",
                "sleeps",
                "barks",
                "eats",
                "ripe",
                "sweet",
                "juicy",
                "fresh",
            }, (word, nearest)
            assert nearest[0] in group or sg is False, (word, nearest)
        within = np.mean([wv.similarity(a, b) for a in group for b in group if a != b])
        across = np.mean([wv.similarity(a, b) for a in animals for b in fruit])
        assert within > across + 0.3, (within, across)


def test_the_listing_runs_as_printed():
    sequence = ["我", "爱", "中国"]
    model = Word2Vec(Word2VecConfig.tiny(embedding_dim=8))
    model.fit(sequence, epochs=10, verbose=0)
    word_vectors = model.get_word_vectors()
    assert word_vectors.words == ["中国", "我", "爱"]  # by count, then alphabetically
    assert word_vectors.vectors.shape == (3, 8)


@pytest.mark.parametrize("update", ["batched", "kernel"])
def test_training_is_deterministic_given_the_seed(en_corpus, update):
    # the kernel's workers update rows without locks: one worker with --deterministic
    deterministic = update == "kernel"
    cfg = Word2VecConfig.tiny(tokenizer="word", epochs=1, min_count=2, seed=5, update=update,
                              deterministic=deterministic)
    a = Word2Vec(cfg)
    a.fit(en_corpus, verbose=0)
    b = Word2Vec(cfg)
    b.fit(en_corpus, verbose=0)
    np.testing.assert_array_equal(a.get_word_vectors().vectors, b.get_word_vectors().vectors)


def test_bad_input_names_the_value():
    with pytest.raises(UserInputError, match="min_count=3"):
        Word2Vec(Word2VecConfig.tiny(min_count=3)).fit(["a", "b"], verbose=0)
    with pytest.raises(UserInputError, match="not found"):
        Word2Vec().fit("/no/such/corpus.txt", verbose=0)


# ---- §4.5.1: the worked example's probabilities


def test_errata_451_printed_normaliser_is_the_reverse_conditional():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(3, 4))  # the article's v_1, v_2, v_3: one vector per word
    correct = softmax_probabilities(v, v)  # P[c, o] = p(o | c) = exp(v_o·v_c) / Σ_w exp(v_w·v_c)
    np.testing.assert_allclose(correct.sum(axis=1), 1.0)
    # printed: p("我" | "爱") = exp(<v1, v2>) / Σ_j exp(<v1, vj>)
    printed = article_softmax_probability(v, target=0, given=1)
    np.testing.assert_allclose(printed, correct[0, 1])  # it is p("爱" | "我")
    assert abs(printed - correct[1, 0]) > 1e-3  # not p("我" | "爱")


def test_cli_word2vec_trains_and_saves(parser, en_corpus, tmp_path):
    out = tmp_path / "w2v"
    args = parser.parse_args(
        [
            "word2vec",
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
            "--cbow",
        ]
    )
    assert args.func(args) == 0
    for name in (
        "vectors.txt",
        "vocab.json",
        "config.json",
        "model.keras",
        "projector/vectors.tsv",
        "projector/metadata.tsv",
    ):
        assert (out / name).is_file(), name
    reloaded = keras.saving.load_model(out / "model.keras")
    assert reloaded.cbow and reloaded.embedding_dim == 8
    saved = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert saved == {
        **asdict(Word2VecConfig()),
        "embedding_dim": 8,
        "epochs": 1,
        "min_count": 3,
        "sg": False,
    }
    for bad, message in (
        (["--dim", "0"], "embedding_dim .* got 0"),
        (["--window", "-1"], "window .* got -1"),
    ):
        args = parser.parse_args(["word2vec", "--corpus", str(en_corpus), "--out", str(out), *bad])
        with pytest.raises(UserInputError, match=message):
            args.func(args)
    args = parser.parse_args(
        ["word2vec", "--corpus", str(tmp_path / "nope.txt"), "--out", str(out)]
    )
    with pytest.raises(UserInputError, match="nope.txt"):
        args.func(args)
