"""The shared layer/model test helper (STYLE.md §4), modelled on keras-hub's ``run_layer_test``.

:func:`run_layer_test` puts one layer or model through the checks every llm-tf
layer must pass: config round-trip, symbolic and eager call shapes, trainable
weight count, one ``fit`` step, save to ``.keras``, reload with the default
``safe_mode`` and ``assert_allclose`` on the outputs, and the same weights under
mixed precision.
"""

from __future__ import annotations

import os
import tempfile

import keras
import numpy as np


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def run_layer_test(
    cls,
    init_kwargs: dict,
    input_data,
    expected_output_shape: tuple,
    expected_num_trainable_weights: int | None = None,
    expected_num_non_trainable_weights: int = 0,
    target=None,
    loss="mse",
    run_training_check: bool = True,
    run_mixed_precision_check: bool = True,
    atol: float = 1e-6,
    unchanged_by_fit: tuple[str, ...] = (),
):
    """Check a layer (or a subclassed model) class; returns the instance it built.

    Args:
        cls: the layer or ``keras.Model`` subclass.
        init_kwargs: constructor arguments.
        input_data: one array, or a tuple of arrays for a multi-input call.
        expected_output_shape: the output shape for ``input_data``.
        expected_num_trainable_weights: number of trainable variables after building.
        target: ``fit`` targets (default: zeros of the output shape).
        loss: loss for the ``fit`` step (e.g. ``"sparse_categorical_crossentropy"``).
        run_training_check: run the ``fit`` step.
        run_mixed_precision_check: build the class under ``mixed_bfloat16`` with the same
            weights: variables stay float32, the output is finite and close to float32's.
        atol: tolerance of the reload comparison.
        unchanged_by_fit: the trainable weights (by ``path``) that one ``fit`` step may
            leave unchanged, each for a stated reason at the call (e.g. a bias whose
            gradient is zero by construction); every other one must move, and every
            name listed must be one of the weights.
    """
    inputs = [np.asarray(x) for x in _as_tuple(input_data)]
    expected_output_shape = tuple(expected_output_shape)

    # ---- config round-trip
    layer = cls(**init_kwargs)
    config = layer.get_config()
    for key in init_kwargs:
        assert key in config, f"get_config() of {cls.__name__} lacks {key!r}"
    revived = cls.from_config(config)
    assert revived.get_config() == config, "from_config(get_config()) changed the config"

    # ---- symbolic call
    sym = [keras.Input(batch_shape=x.shape, dtype=str(x.dtype)) for x in inputs]
    sym_out = cls(**init_kwargs)(*sym)
    assert tuple(sym_out.shape) == expected_output_shape, (sym_out.shape, expected_output_shape)

    # ---- eager call and weights
    out = layer(*inputs)
    assert tuple(out.shape) == expected_output_shape, (out.shape, expected_output_shape)
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            f"{len(layer.trainable_weights)} trainable weights, "
            f"expected {expected_num_trainable_weights}"
        )
    assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

    # ---- a model to fit and save: the model itself, or the layer wrapped in one
    if isinstance(layer, keras.Model):
        model = layer
    else:
        sym = [keras.Input(batch_shape=x.shape, dtype=str(x.dtype)) for x in inputs]
        model = keras.Model(sym[0] if len(sym) == 1 else sym, layer(*sym))
    feed = inputs[0] if len(inputs) == 1 else inputs

    # ---- one fit step
    if run_training_check:
        y = np.zeros(expected_output_shape, "float32") if target is None else target
        model.compile(optimizer="adam", loss=loss, jit_compile=False)
        before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
        history = model.fit(feed, y, batch_size=len(inputs[0]), epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        paths = [w.path for w in model.trainable_weights]
        unknown = set(unchanged_by_fit) - set(paths)
        assert not unknown, f"unchanged_by_fit names no weight: {sorted(unknown)}"
        stuck = [
            w.path
            for b, w in zip(before, model.trainable_weights, strict=True)
            if np.array_equal(b, keras.ops.convert_to_numpy(w)) and w.path not in unchanged_by_fit
        ]
        assert not stuck, f"one fit step left these trainable weights unchanged: {stuck}"

    # ---- save to .keras, reload with the default safe_mode, same outputs
    expected = np.asarray(model(feed))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path)
    assert type(reloaded) is type(model)
    np.testing.assert_allclose(np.asarray(reloaded(feed)), expected, atol=atol, rtol=0)

    # ---- mixed precision: same weights, bfloat16 compute, float32 variables
    if run_mixed_precision_check:
        _check_mixed_precision(cls, init_kwargs, inputs, layer)
    return layer


def _check_mixed_precision(cls, init_kwargs, inputs, layer):
    policy = keras.DTypePolicy("mixed_bfloat16")
    mixed = cls(**{**init_kwargs, "dtype": policy})
    out = mixed(*inputs)
    mixed.set_weights(layer.get_weights())
    for w in mixed.weights:
        assert keras.backend.standardize_dtype(w.dtype) == "float32", (w.path, w.dtype)
    out = np.asarray(keras.ops.cast(mixed(*inputs), "float32"))
    reference = np.asarray(keras.ops.cast(layer(*inputs), "float32"))
    assert np.all(np.isfinite(out)), "non-finite output under mixed precision"
    scale = max(1.0, float(np.max(np.abs(reference))))
    np.testing.assert_allclose(out, reference, atol=0.05 * scale, rtol=0)


def check_seeded_dropout(make, ids, seeds=(7, 8)):
    """``make(seed)`` builds a model with dropout seeded by ``seed`` (and the same weights
    whatever the seed): no dropout at inference; in training the same seed gives the
    same masks, another seed other masks."""
    model, same, other = make(seeds[0]), make(seeds[0]), make(seeds[1])
    for m in (same, other):
        for wa, wo in zip(model.get_weights(), m.get_weights(), strict=True):
            np.testing.assert_array_equal(wa, wo)
    plain = np.asarray(model(ids))
    np.testing.assert_array_equal(plain, np.asarray(model(ids)))
    np.testing.assert_array_equal(plain, np.asarray(other(ids)))  # no dropout at inference
    ta, tb, tc = (np.asarray(m(ids, training=True)) for m in (model, same, other))
    np.testing.assert_array_equal(ta, tb)  # the same dropout seed: the same masks
    assert not np.allclose(ta, tc, atol=1e-3)  # another seed: other masks
    assert not np.allclose(ta, plain, atol=1e-3)
