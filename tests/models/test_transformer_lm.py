"""Tests for the §3.2.3 decoder-only Transformer LM (llm_tf.models.transformer_lm)."""

import keras
import numpy as np
import pytest

from llm_tf.models import ModelConfig, TransformerLM, build_model, compile_lm
from tests.layer_testing import check_seeded_dropout, run_layer_test

V, L, D, H, N, M = 30, 16, 8, 2, 2, 24  # vocab, max_len, width, heads, blocks, MLP width
TINY = dict(vocab_size=V, max_len=L, embedding_dim=D, num_layers=N, num_heads=H, mlp_dim=M)


def _ids(b=2, t=6, seed=0):
    return np.random.default_rng(seed).integers(1, V, size=(b, t)).astype("int32")


def _model(seed=0, **kw):
    keras.utils.set_random_seed(seed)
    model = TransformerLM(**{**TINY, **kw})
    model.build((None, None))
    return model


def param_count(tied: bool, n: int = N, kv_share: int = 1, cross: bool = False) -> int:
    block = 4 * (D * D + D) + 2 * 2 * D + (D * M + M) + (M * D + D)
    head = V if tied else D * V + V
    # kv_share: only the first block of each group has key and value projections
    shared = (n - n // kv_share) * 2 * (D * D + D)
    # §4.3: every block after the first adds two norms and four projections
    cross_layer = (n - 1) * (2 * 2 * D + 4 * (D * D + D)) if cross else 0
    return V * D + L * D + n * block + 2 * D + head - shared + cross_layer


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


def test_model_contract_with_both_options():
    """kv_share 2 (block 1 has no key/value weights) and §4.3 (block 1 has 12 more)."""
    model = run_layer_test(
        TransformerLM,
        {**TINY, "dropout": 0.1, "kv_share": 2, "cross_layer_attention": True},
        _ids(),
        (2, 6, V),
        expected_num_trainable_weights=38 - 4 + 12,
        target=_ids(seed=1),
        loss="sparse_categorical_crossentropy",
    )
    assert model.count_params() == param_count(False, N, kv_share=2, cross=True)


@pytest.mark.parametrize("kv_share", [1, 2, 4])
@pytest.mark.parametrize("cross", [False, True])
def test_parameter_count_closed_form(kv_share, cross):
    model = _model(num_layers=4, kv_share=kv_share, cross_layer_attention=cross)
    assert model.count_params() == param_count(False, 4, kv_share, cross)
    kv_weights = [w for w in model.weights if "/key/" in w.path or "/value/" in w.path]
    own = 4 // kv_share + (3 if cross else 0)  # self-attention owners + cross layers
    assert len(kv_weights) == own * 2 * 2  # key and value, kernel and bias


def test_old_configs_without_the_options_load_unchanged():
    model = _model()
    config = model.get_config()
    assert config["kv_share"] == 1 and config["cross_layer_attention"] is False
    old = {k: v for k, v in config.items() if k not in ("kv_share", "cross_layer_attention")}
    revived = TransformerLM.from_config(old)
    revived.build((None, None))
    assert [w.path for w in revived.weights] == [w.path for w in model.weights]
    revived.set_weights(model.get_weights())
    ids = _ids()
    np.testing.assert_array_equal(np.asarray(revived(ids)), np.asarray(model(ids)))


@pytest.mark.parametrize("options", [{}, {"kv_share": 2}, {"cross_layer_attention": True}])
def test_outputs_are_distributions_and_causal(options):
    model, ids = _model(num_layers=4, **options), _ids()
    p = np.asarray(model(ids))
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)
    ids2 = ids.copy()
    ids2[:, 4:] = (ids2[:, 4:] + 7) % V
    p2 = np.asarray(model(ids2))
    np.testing.assert_allclose(p[:, :4], p2[:, :4], atol=1e-6)
    assert not np.allclose(p[:, 4:], p2[:, 4:])


@pytest.mark.parametrize(
    "tied,kv_share,cross",
    [
        (False, 1, False),
        (True, 1, False),
        (False, 2, False),
        (True, 2, False),
        (False, 1, True),
        (True, 2, True),
    ],
)
def test_kv_cache_equals_full_pass(tied, kv_share, cross):
    model = _model(
        tie_embeddings=tied,
        dropout=0.2,
        num_layers=4,
        kv_share=kv_share,
        cross_layer_attention=cross,
    )
    ids = _ids(t=L)
    full = np.asarray(model.logits(ids))  # inference: dropout off
    state = model.init_state(2)
    logits, state = model.step(ids[:, :5], state, 0)  # prompt of 5, then one token at a time
    outs = [np.asarray(logits)]
    for t in range(5, L):
        logits, state = model.step(ids[:, t : t + 1], state, t)
        outs.append(np.asarray(logits))
    np.testing.assert_allclose(np.concatenate(outs, axis=1), full, atol=1e-5, rtol=0)


def _bytes(state) -> int:
    return sum(np.asarray(t).nbytes for pair in state for t in pair)


def test_cache_shrinks_by_kv_share():
    """init_state: num_layers / kv_share (keys, values) pairs of (B, H, max_len, d_k)."""
    pair = 2 * 3 * H * L * (D // H) * 4  # keys and values, batch 3, float32
    sizes = {s: _bytes(_model(num_layers=4, kv_share=s).init_state(3)) for s in (1, 2, 4)}
    assert sizes == {1: 4 * pair, 2: 2 * pair, 4: pair}
    assert sizes[2] * 2 == sizes[1]  # exactly half
    # §4.3 adds one pair per block after the first: the previous layer's keys and values
    cross = _model(num_layers=4, kv_share=2, cross_layer_attention=True).init_state(3)
    assert _bytes(cross) == (2 + 3) * pair
    assert len(_model(num_layers=4, kv_share=2).init_state(1)) == 2


def test_step_rejects_a_cache_of_another_shape():
    model = _model(num_layers=4, kv_share=2)
    with pytest.raises(ValueError, match="got 4"):
        model.step(_ids(), _model(num_layers=4).init_state(2), 0)


def test_the_registry_passes_the_options():
    cfg = ModelConfig.tiny(arch="transformer", layers=4, kv_share=2, cross_layer=True)
    model = build_model(cfg, vocab_size=V, seed=0)
    assert (model.kv_share, model.cross_layer_attention) == (2, True)
    assert [b.attention.project_kv for b in model.blocks] == [True, False, True, False]
    assert [b.cross_layer_attention for b in model.blocks] == [False, True, True, True]


@pytest.mark.parametrize("kv_share", [0, 3, True])
def test_kv_share_must_divide_the_layers(kv_share):
    with pytest.raises(ValueError, match=f"got {kv_share}"):
        TransformerLM(vocab_size=V, num_layers=4, kv_share=kv_share)


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


def _dropout_model(dropout_seed):
    keras.utils.set_random_seed(0)  # the same weights for every dropout seed
    model = TransformerLM(**TINY, dropout=0.5, seed=dropout_seed)
    model.build((None, None))
    return model


def test_dropout_only_in_training_and_seeded():
    check_seeded_dropout(_dropout_model, _ids())


def test_mixed_precision_policy_runs():
    model = _model(dtype="mixed_bfloat16")
    ids = _ids()
    p = model(ids)
    assert keras.backend.standardize_dtype(p.dtype) == "float32"
    assert model.blocks[0].attention.query_dense.compute_dtype == "bfloat16"
    full = _model()  # float32, the same weights
    full.set_weights(model.get_weights())
    want = np.asarray(full(ids))
    np.testing.assert_allclose(np.asarray(p), want, atol=0.02, rtol=0)  # bfloat16: ~3 digits
    np.testing.assert_allclose(np.asarray(p).sum(-1), 1.0, atol=1e-5)  # softmax in float32


def test_width_must_divide_by_heads():
    with pytest.raises(ValueError, match="divisible"):
        TransformerLM(vocab_size=V, embedding_dim=10, num_heads=4)
