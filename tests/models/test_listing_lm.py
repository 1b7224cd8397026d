"""§5: the listing's model, its parameter counts, training, save/reload, stepping."""

import keras
import numpy as np

from llm_tf.lstm_lm import (
    LSTMStepper,
    build_lstm_lm,
    compile_lstm_lm,
    lstm_lm_param_counts,
)


def test_summary_parameter_counts_match_the_article(capsys):
    model = build_lstm_lm(10_000, 256, 128)
    counts = {layer.name: layer.count_params() for layer in model.layers}
    assert counts["embedding"] == 2_560_000
    assert counts["lstm"] == 197_120
    assert counts["dense"] == 1_290_000
    assert model.count_params() == 4_047_120
    assert lstm_lm_param_counts(10_000, 256, 128) == {
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
    model = compile_lstm_lm(build_lstm_lm(20, 16, 16), learning_rate=0.01, jit_compile=False)
    hist = model.fit(x, y, batch_size=16, epochs=8, verbose=0, shuffle=False)
    losses = hist.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_keras_save_and_reload_identical_predictions(tmp_path):
    keras.utils.set_random_seed(1)
    x, y = _toy_data()
    model = compile_lstm_lm(build_lstm_lm(20, 8, 8), jit_compile=False)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))


def test_stepper_carries_state_equal_to_full_pass():
    keras.utils.set_random_seed(2)
    model = build_lstm_lm(30, 8, 6)
    ids = np.random.default_rng(0).integers(0, 30, size=(2, 11)).astype("int32")
    full = np.log(model.predict(ids, verbose=0))
    stepper = LSTMStepper(model)
    logits, state = stepper(ids[:, :5])
    parts = [logits]
    for t in range(5, 11):  # one token at a time, state carried
        logits, state = stepper(ids[:, t : t + 1], state)
        parts.append(logits)
    stepped = np.concatenate(parts, axis=1)
    stepped = stepped - np.log(np.exp(stepped).sum(-1, keepdims=True))  # log-softmax
    np.testing.assert_allclose(stepped, full, atol=1e-5)


def test_stream_log_probs_scores_every_token_with_full_context():
    keras.utils.set_random_seed(3)
    model = build_lstm_lm(25, 8, 6)
    ids = np.random.default_rng(1).integers(0, 25, size=23).astype("int32")
    probs = model.predict(ids[None, :-1], verbose=0)[0]  # (22, V), one full pass
    expected = np.log(probs[np.arange(22), ids[1:]])
    got = LSTMStepper(model).stream_log_probs(ids, batch=1, window=5)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # with several rows, each row restarts its state: only row starts differ
    got3 = LSTMStepper(model).stream_log_probs(ids, batch=3, window=4)
    assert got3.shape == (22,)
    np.testing.assert_allclose(got3[:8], expected[:8], atol=1e-5)


def test_errata_onehot_and_sparse_targets_same_loss_different_memory():
    """docs/errata.md §5: the listing's one-hot targets vs the sparse ids llm-tf uses."""
    keras.utils.set_random_seed(4)
    x, y = _toy_data(n=8, t=6, v=20)
    model = build_lstm_lm(20, 8, 8)
    probs = model.predict(x, verbose=0)
    onehot = keras.utils.to_categorical(y, 20).astype("float32")  # (N, T, V): the listing's targets
    dense = keras.losses.CategoricalCrossentropy()(onehot, probs)
    sparse = keras.losses.SparseCategoricalCrossentropy()(y, probs)
    np.testing.assert_allclose(float(dense), float(sparse), rtol=1e-5)
    assert onehot.nbytes == y.size * 20 * 4  # N x T x V float32
    assert onehot.nbytes // y.nbytes == 20  # V times more than int32 ids
