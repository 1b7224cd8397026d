"""§4.2.2: the LSTM is given its four gates but not c_t and h_t, so the printed
equations do not determine the next state (docs/errata.md)."""

import re

import keras
import numpy as np

from tests.errata.article import formulas

U, D = 3, 2  # units, input width


def _defined(number):
    """The left-hand sides of a section's equations ("i_t", "c_t", ...)."""
    return {m.group(1) for f in formulas(number) if (m := re.match(r"([a-z]_t)\s*=", f))}


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_errata_422_the_gates_alone_do_not_give_the_next_state():
    assert _defined("4.2.2") == {"i_t", "f_t", "g_t", "o_t"}  # no c_t, no h_t
    assert {"c_t", "h_t"} <= _defined("4.5.2")  # only the worked example has them
    assert all("h_{t-1}" in f or "h_t" in f for f in formulas("4.2.2"))  # yet h is used
    keras.utils.set_random_seed(0)
    cell = keras.layers.LSTMCell(U)
    cell.build((None, D))
    kernel, recurrent, bias = (np.asarray(w, np.float64) for w in cell.weights)
    rng = np.random.default_rng(0)
    x, h_prev = rng.normal(size=(1, D)), rng.normal(size=(1, U))
    z = x @ kernel + h_prev @ recurrent + bias  # Keras' gate order: i, f, g (its "c"), o
    i, f, o = (_sigmoid(z[:, k * U : (k + 1) * U]) for k in (0, 1, 3))
    g = np.tanh(z[:, 2 * U : 3 * U])
    states = []
    for c_prev in (np.zeros((1, U)), rng.normal(size=(1, U))):
        # same x_t and h_{t-1}: the printed i_t, f_t, g_t, o_t are the same both times...
        h, (h_again, c) = cell(
            x.astype("float32"), [h_prev.astype("float32"), c_prev.astype("float32")]
        )
        # ...the corrected c_t = f ⊙ c_{t-1} + i ⊙ g and h_t = o ⊙ tanh(c_t) give Keras' step
        c_t = f * c_prev + i * g
        np.testing.assert_allclose(np.asarray(c), c_t, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.asarray(h), o * np.tanh(c_t), rtol=1e-5, atol=1e-6)
        states.append(np.asarray(h))
    # and the next state depends on the cell memory c_{t-1}, which §4.2.2 never mentions
    assert not np.allclose(states[0], states[1])
