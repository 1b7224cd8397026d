"""§5: the listing's model, its parameter counts, training, save/reload, stepping."""

import keras
import numpy as np
import pytest

from llm_tf.models import build_listing_lm, compile_lm, listing_lm_param_counts, stepping_view
from llm_tf.models.listing_lm import listing_layers


def test_summary_parameter_counts_match_the_article(capsys):
    model = build_listing_lm(10_000, 256, 128)
    counts = {layer.name: layer.count_params() for layer in model.layers}
    assert counts["embedding"] == 2_560_000
    assert counts["lstm"] == 197_120
    assert counts["dense"] == 1_290_000
    assert model.count_params() == 4_047_120
    assert listing_lm_param_counts(10_000, 256, 128) == {
        "embedding": 2_560_000, "lstm": 197_120, "dense": 1_290_000, "total": 4_047_120}
    model.summary()
    out = capsys.readouterr().out
    for figure in ("2,560,000", "197,120", "1,290,000", "4,047,120"):
        assert figure in out


def _toy_data(n=64, t=12, v=20, seed=0):
    rng = np.random.default_rng(seed)
    start = rng.integers(0, v, size=(n, 1))
    seq = (start + np.arange(t + 1)) % v  # next token = current + 1 (learnable)
    return seq[:, :-1].astype("int32"), seq[:, 1:].astype("int32")


def test_tiny_training_run_loss_falls():
    keras.utils.set_random_seed(0)
    x, y = _toy_data()
    model = compile_lm(build_listing_lm(20, 16, 16), learning_rate=0.01, jit_compile=False)
    hist = model.fit(x, y, batch_size=16, epochs=8, verbose=0, shuffle=False)
    losses = hist.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_keras_save_and_reload_identical_predictions(tmp_path):
    keras.utils.set_random_seed(1)
    x, y = _toy_data()
    model = compile_lm(build_listing_lm(20, 8, 8), jit_compile=False)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))


def test_stepping_view_carries_state_equal_to_full_pass():
    keras.utils.set_random_seed(2)
    model = build_listing_lm(30, 8, 6)
    ids = np.random.default_rng(0).integers(0, 30, size=(2, 11)).astype("int32")
    full = np.log(model.predict(ids, verbose=0))
    view = stepping_view(model)
    logits, state = view.step(ids[:, :5], view.init_state(2))
    parts = [np.asarray(logits)]
    for t in range(5, 11):  # one token at a time, state carried
        logits, state = view.step(ids[:, t : t + 1], state)
        parts.append(np.asarray(logits))
    stepped = np.concatenate(parts, axis=1)
    stepped = stepped - np.log(np.exp(stepped).sum(-1, keepdims=True))  # log-softmax
    np.testing.assert_allclose(stepped, full, atol=1e-5)


def test_listing_layers_are_found_by_type_not_name():
    model = build_listing_lm(30, 8, 6, name="renamed")
    for layer, name in zip(model.layers[1:], ("a", "b", "c"), strict=True):
        layer.name = name  # a user's own names must not matter
    emb, lstm, dense = listing_layers(model)
    assert (type(emb), type(lstm), type(dense)) == (
        keras.layers.Embedding, keras.layers.LSTM, keras.layers.Dense)
    other = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(5, 2)])
    with pytest.raises(ValueError, match="not the §5 listing"):
        listing_layers(other)


def test_errata_onehot_and_sparse_targets_same_loss_different_memory():
    """docs/errata.md §5: the listing's one-hot targets vs the sparse ids llm-tf uses."""
    keras.utils.set_random_seed(4)
    x, y = _toy_data(n=8, t=6, v=20)
    model = build_listing_lm(20, 8, 8)
    probs = model.predict(x, verbose=0)
    onehot = keras.utils.to_categorical(y, 20).astype("float32")  # (N, T, V): the listing's targets
    dense = keras.losses.CategoricalCrossentropy()(onehot, probs)
    sparse = keras.losses.SparseCategoricalCrossentropy()(y, probs)
    np.testing.assert_allclose(float(dense), float(sparse), rtol=1e-5)
    assert onehot.nbytes == y.size * 20 * 4  # N x T x V float32
    assert onehot.nbytes // y.nbytes == 20  # V times more than int32 ids
