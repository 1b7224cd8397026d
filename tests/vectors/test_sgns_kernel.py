"""The compiled pair-by-pair word2vec update (llm_tf/vectors/kernels, llm_tf.vectors.native)."""

import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.vectors import native
from llm_tf.vectors.config import Word2VecConfig
from llm_tf.vectors.word2vec import Word2Vec

MASK = (1 << 64) - 1
CHUNK = 256  # pairs a worker takes at a time (kChunk)


@pytest.fixture(scope="module")
def op():
    module = native.sgns_kernel()
    if module is None:  # the project's machines have a C++ compiler: say so loudly
        pytest.fail(f"the word2vec kernel did not build: {native.why_unavailable()}")
    return module


def _splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def reference_update(w_in, w_out, contexts, centres, keep, alias, lr, seed, negative):
    """word2vec.c's skip-gram negative-sampling SGD, one pair after another, in numpy
    (float64), drawing the negatives as the op does (one worker)."""
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    vocab = len(keep)
    table = 1 / (1 + np.exp(-((2 * np.arange(1001, dtype=np.float32) / 1000 - 1) * 6)))
    for p, (c, o) in enumerate(zip(contexts, centres, strict=True)):
        if p % CHUNK == 0:  # each chunk of pairs has its own random stream
            state = (seed * 0x100000001B3 + p // CHUNK + 1) & MASK
        if o == 0:
            continue
        targets = [o]
        for _ in range(negative):
            state, r = _splitmix(state)
            w = ((r >> 32) * vocab) >> 32
            coin = np.float32(r & 0xFFFFFF) * np.float32(1 / 16777216)
            targets.append(w if coin < keep[w] else alias[w])
        v, e = w_in[c], np.zeros(w_in.shape[1])
        for k, t in enumerate(targets):
            if k > 0 and t == o:
                continue
            f, label = w_out[t] @ v, float(k == 0)
            sig = 1.0 if f > 6 else 0.0 if f < -6 else table[int((f + 6) * (1000 / 12))]
            g = lr * (label - sig)
            e += g * w_out[t]
            w_out[t] += g * v
        w_in[c] += e
    return w_in, w_out


def _tables(vocab, rng):
    p = rng.random(vocab) ** 2
    p[0] = 0.0  # the padding id is never a noise word
    return native.alias_tables(p)


def test_alias_tables_draw_each_word_with_its_probability():
    p = np.random.default_rng(0).random(50) ** 3
    keep, alias = native.alias_tables(p)
    implied = keep / len(p)  # a word: drawn and kept, or the alias of a word not kept
    np.add.at(implied, alias, (1 - keep) / len(p))
    np.testing.assert_allclose(implied, p / p.sum(), atol=1e-7)
    assert keep.dtype == np.float32 and alias.dtype == np.int32


def test_one_worker_is_word2vecs_sequential_update(op):
    rng = np.random.default_rng(1)
    vocab, dim, negative = 30, 8, 4
    w_in0 = (rng.random((vocab, dim)) - 0.5).astype(np.float32)
    w_out0 = (rng.random((vocab, dim)) - 0.5).astype(np.float32)
    contexts = rng.integers(1, vocab, 600).astype(np.int32)  # three chunks
    centres = rng.integers(1, vocab, 600).astype(np.int32)
    centres[[5, 77, 300]] = 0  # padding pairs are skipped
    keep, alias = _tables(vocab, rng)
    w_in, w_out = tf.Variable(w_in0), tf.Variable(w_out0)
    loss, pairs = op.llm_tf_sgns_update(w_in.handle, w_out.handle, contexts, centres, keep,
                                        alias, 0.05, np.int64(9), negative=negative, threads=1)
    want_in, want_out = reference_update(w_in0, w_out0, contexts, centres, keep, alias, 0.05,
                                         9, negative)
    assert not np.allclose(want_in, w_in0)  # the rows moved
    np.testing.assert_allclose(w_in.numpy(), want_in, atol=1e-5)
    np.testing.assert_allclose(w_out.numpy(), want_out, atol=1e-5)
    # the loss covers the first two chunks' real pairs
    assert pairs.numpy() == 512 - 3 and np.isfinite(loss.numpy()) and loss.numpy() > 0


def test_two_workers_update_the_same_pairs(op):
    """Hogwild: the parts' rows may interleave, so the result differs from one worker's
    only where a row is shared, and by little."""
    rng = np.random.default_rng(2)
    vocab, dim = 2000, 16
    w_in0 = ((rng.random((vocab, dim)) - 0.5) / dim).astype(np.float32)
    contexts = rng.integers(1, vocab, 4000).astype(np.int32)
    centres = rng.integers(1, vocab, 4000).astype(np.int32)
    keep, alias = _tables(vocab, rng)
    out = {}
    for threads in (1, 2):
        w_in, w_out = tf.Variable(w_in0), tf.Variable(np.zeros((vocab, dim), np.float32))
        op.llm_tf_sgns_update(w_in.handle, w_out.handle, contexts, centres, keep, alias, 0.025,
                              np.int64(3), negative=5, threads=threads)
        out[threads] = w_in.numpy(), w_out.numpy()
    moved = np.abs(out[1][1]).sum()
    assert moved > 0
    # the second part draws other negatives, so the output rows differ somewhat; the
    # positives' updates are the same pairs
    assert np.abs(out[2][1] - out[1][1]).sum() < moved


def test_bad_ids_are_an_error_not_a_write(op):
    w_in, w_out = tf.Variable(np.zeros((5, 2), np.float32)), tf.Variable(np.zeros((5, 2), np.float32))
    keep, alias = native.alias_tables(np.ones(5))
    with pytest.raises(tf.errors.InvalidArgumentError, match="word id out of range"):
        op.llm_tf_sgns_update(w_in.handle, w_out.handle, np.int32([1, 7]), np.int32([2, 3]),
                              keep, alias, 0.025, np.int64(0), negative=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="alias tables"):
        op.llm_tf_sgns_update(w_in.handle, w_out.handle, np.int32([1]), np.int32([2]),
                              keep[:3], alias[:3], 0.025, np.int64(0), negative=2)


def test_without_a_compiler_auto_trains_batched_and_kernel_says_why(tmp_path, monkeypatch,
                                                                   en_corpus):
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    monkeypatch.setenv("LLM_TF_KERNEL_CACHE", str(tmp_path / "cache"))
    native._load.cache_clear()
    try:
        assert native.sgns_kernel() is None
        assert "no C++ compiler" in native.why_unavailable()
        cfg = Word2VecConfig.tiny(tokenizer="word", epochs=1, min_count=2)
        w2v = Word2Vec(cfg)
        with pytest.warns(RuntimeWarning, match="batched TensorFlow-ops step"):
            w2v.fit(en_corpus, verbose=0)  # auto: the batched step, and it says so
        assert w2v.model._kernel is None and w2v.update_used == "batched"
        with pytest.raises(UserInputError, match="kernel cannot be built here.*no C\\+\\+"):
            Word2Vec(Word2VecConfig.tiny(tokenizer="word", min_count=2, update="kernel")).fit(
                en_corpus, verbose=0)
    finally:
        native._load.cache_clear()


def test_auto_picks_the_kernel_for_skipgram_only(op, en_corpus):
    sg = Word2Vec(Word2VecConfig.tiny(tokenizer="word", epochs=1, min_count=2))
    sg.fit(en_corpus, verbose=0)
    assert sg.model._kernel is not None and sg.model._kernel[1] == 2  # two workers
    assert sg.update_used == "kernel"
    cbow = Word2Vec(Word2VecConfig.tiny(tokenizer="word", epochs=1, min_count=2, sg=False))
    cbow.fit(en_corpus, verbose=0)
    assert cbow.model._kernel is None and cbow.update_used == "batched"
    with pytest.raises(UserInputError, match="update"):
        Word2VecConfig(sg=False, update="kernel")


def test_the_build_is_cached_per_source_and_reused(tmp_path, monkeypatch):
    """Without compiling (the op fixture proves a real build): a cached library is reused
    with no compiler at hand, and another source gets another file."""
    monkeypatch.setenv("LLM_TF_KERNEL_CACHE", str(tmp_path))
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    path = native.kernel_path()
    assert path.parent == tmp_path and path.name.startswith("sgns_update-")
    with pytest.raises(RuntimeError, match="no C\\+\\+ compiler"):
        native.build()  # nothing cached yet: it must compile
    path.write_bytes(b"a built library")
    assert native.build() == path  # cached: no compiler needed
    edited = tmp_path / "sgns_update.cc"
    edited.write_bytes(native.SOURCE.read_bytes() + b"// edited\n")
    monkeypatch.setattr(native, "SOURCE", edited)
    assert native.kernel_path() != path
