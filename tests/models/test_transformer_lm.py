"""Tests for the §3.2.3 decoder-only Transformer LM (llm_tf.models.transformer_lm)."""

import keras
import numpy as np
import pytest

from llm_tf.models import TransformerLM, compile_lm
from tests.layer_testing import run_layer_test

V, L, D, H, N, M = 30, 16, 8, 2, 2, 24  # vocab, max_len, width, heads, blocks, MLP width
TINY = dict(vocab_size=V, max_len=L, embedding_dim=D, num_layers=N, num_heads=H, mlp_dim=M)


def _ids(b=2, t=6, seed=0):
    return np.random.default_rng(seed).integers(1, V, size=(b, t)).astype("int32")


def _model(seed=0, **kw):
    keras.utils.set_random_seed(seed)
    model = TransformerLM(**{**TINY, **kw})
    model.build((None, None))
    return model


def param_count(tied: bool) -> int:
    block = 4 * (D * D + D) + 2 * 2 * D + (D * M + M) + (M * D + D)
    head = V if tied else D * V + V
    return V * D + L * D + N * block + 2 * D + head


@pytest.mark.parametrize("tied", [False, True])
def test_model_contract(tied):
    ids = _ids()
    model = run_layer_test(
        TransformerLM,
        {**TINY, "tie_embeddings": tied, "dropout": 0.1},
        ids,
        (2, 6, V),
        expected_num_trainable_weights=38 - tied,
        target=_ids(seed=1),
        loss="sparse_categorical_crossentropy",
    )
    assert model.count_params() == param_count(tied)


def test_outputs_are_distributions_and_causal():
    model, ids = _model(), _ids()
    p = np.asarray(model(ids))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)
    ids2 = ids.copy()
    ids2[:, 4:] = (ids2[:, 4:] + 7) % V
    p2 = np.asarray(model(ids2))
    np.testing.assert_allclose(p[:, :4], p2[:, :4], atol=1e-6)
    assert not np.allclose(p[:, 4:], p2[:, 4:])


@pytest.mark.parametrize("tied", [False, True])
def test_kv_cache_equals_full_pass(tied):
    model, ids = _model(tie_embeddings=tied, dropout=0.2), _ids(t=L)
    full = np.asarray(model.logits(ids))  # inference: dropout off
    state = model.init_state(2)
    logits, state = model.step(ids[:, :5], state, 0)  # prompt of 5, then one token at a time
    outs = [np.asarray(logits)]
    for t in range(5, L):
        logits, state = model.step(ids[:, t : t + 1], state, t)
        outs.append(np.asarray(logits))
    np.testing.assert_allclose(np.concatenate(outs, axis=1), full, atol=1e-5, rtol=0)


def test_tied_model_shares_the_embedding():
    model = _model(tie_embeddings=True)
    assert not any("lm_head/kernel" in w.path for w in model.weights)
    emb = model.token_embedding.embeddings
    emb.assign(np.zeros(emb.shape, "float32"))
    model.lm_head.bias.assign(np.arange(V, dtype="float32"))
    logits = np.asarray(model.logits(_ids()))
    np.testing.assert_allclose(
        logits, np.broadcast_to(np.arange(V, dtype="float32"), logits.shape), atol=1e-6
    )


def test_loss_uses_the_logits_behind_the_softmax():
    """Sparse cross-entropy on the softmax output is computed from the logits (no clipping)."""
    model = _model()
    bias = np.zeros(V, "float32")
    bias[1] = 100.0  # a huge logit for id 1: p(every other id) underflows to 0
    model.lm_head.bias.assign(bias)
    compile_lm(model, jit_compile=False)
    ids, target = _ids(), np.full((2, 6), 2, "int32")
    logits = np.asarray(model.logits(ids), np.float64)
    lse = np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1)) + logits.max(-1)
    expected = float(np.mean(lse - logits[..., 2]))
    assert expected > 50  # probabilities alone would clip this to -log(1e-7) = 16.1
    loss = model.evaluate(ids, target, verbose=0)
    np.testing.assert_allclose(loss, expected, rtol=1e-4)


def test_dropout_only_in_training_and_seeded():
    model, ids = _model(dropout=0.5, seed=0), _ids()
    a, b = np.asarray(model(ids)), np.asarray(model(ids))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(np.asarray(model(ids, training=True)), a)


def test_mixed_precision_policy_runs():
    model = _model(dtype="mixed_bfloat16")
    p = model(_ids())
    assert keras.backend.standardize_dtype(p.dtype) == "float32"
    assert model.blocks[0].attention.query_dense.compute_dtype == "bfloat16"


def test_width_must_divide_by_heads():
    with pytest.raises(ValueError, match="divisible"):
        TransformerLM(vocab_size=V, embedding_dim=10, num_heads=4)
