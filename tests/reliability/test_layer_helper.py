"""The shared layer test helper fails a layer whose trainable weight one fit step never
moves (issue 12: it used to pass if any single weight moved)."""

import keras
import numpy as np
import pytest

from tests.layer_testing import run_layer_test


@keras.saving.register_keras_serializable(package="llm_tf_tests")
class _DeadBias(keras.layers.Layer):
    """``x @ kernel``, with a trainable ``unused`` weight whose gradient is zero."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.unused = self.add_weight(shape=(self.units,), initializer="zeros", name="unused")

    def call(self, x):
        return keras.ops.matmul(x, self.kernel) + 0.0 * self.unused  # zero gradient

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _check(**kw):
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    return run_layer_test(
        _DeadBias,
        {"units": 3, "name": "dead"},
        x,
        (4, 3),
        expected_num_trainable_weights=2,
        target=np.ones((4, 3), "float32"),
        run_mixed_precision_check=False,
        **kw,
    )


def test_a_weight_no_gradient_reaches_fails_the_helper():
    with pytest.raises(AssertionError, match=r"left these trainable weights unchanged: .*unused"):
        _check()


def test_an_explicit_exception_names_the_weight():
    assert _check(unchanged_by_fit=("dead/unused",)).units == 3
    with pytest.raises(AssertionError, match=r"names no weight: \['dead/typo'\]"):
        _check(unchanged_by_fit=("dead/typo",))
