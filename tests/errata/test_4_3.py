"""§4.3: the cross-level formula stops at the weights (no values) and leaves ``scale``
undefined (docs/errata.md)."""

import re

import numpy as np

from llm_tf.layers.cross_layer_attention import CrossLayerAttention
from tests.errata.article import formulas, section

D = 4


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def printed(h_l, h_next, scale):
    """§4.3 as printed: softmax(scale · dot(h_l, h_{l+1}^T)), (B, T_l, T_{l+1})."""
    return _softmax(scale * np.einsum("bqd,bkd->bqk", h_l, h_next))


def test_errata_43_the_formula_gives_weights_only_and_scale_is_undefined():
    (formula,) = formulas("4.3")
    right = formula.split("=", 1)[1].strip()
    assert right.startswith("\\text{softmax}(") and right.endswith("))")  # nothing after it
    assert "\\text{scale}" in formula
    # neither §4.3 nor §4.2.3 says what scale is: it appears only inside the formulas
    for number in ("4.3", "4.2.3"):
        prose = re.sub(r"\$\$.+?\$\$", "", section(number))
        assert "scale" not in prose
    rng = np.random.default_rng(0)
    h_l, h_next = rng.normal(size=(1, 2, D)), rng.normal(size=(1, 3, D))
    by_scale = {s: printed(h_l, h_next, s) for s in (1.0, 1 / np.sqrt(D))}
    assert by_scale[1.0].shape == (1, 2, 3)  # weights over h_{l+1}'s positions, not states
    assert not np.allclose(by_scale[1.0], by_scale[1 / np.sqrt(D)])  # scale matters
    # corrected: scale = 1/√d by default, and the weights multiply the values h_{l+1}
    fused, weights = CrossLayerAttention()(
        h_l.astype("float32"), h_next.astype("float32"), return_attention_scores=True
    )
    np.testing.assert_allclose(np.asarray(weights)[:, 0], by_scale[1 / np.sqrt(D)], atol=1e-6)
    assert tuple(fused.shape) == (1, 2, D)
    np.testing.assert_allclose(np.asarray(fused), by_scale[1 / np.sqrt(D)] @ h_next, atol=1e-5)
