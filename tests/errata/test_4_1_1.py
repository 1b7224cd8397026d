"""§4.1.1: "trained by minimising the probability of the predicted words" has the sign
backwards; minimising J raises that probability (docs/errata.md)."""

import numpy as np

from llm_tf.vectors.sgns import softmax_probabilities
from tests.errata.article import formulas, section

PAIRS = [(0, 1), (1, 0), (1, 2), (2, 1)]  # 我 爱 中国, window 1: (centre, context)


def _probability(params):
    """The product of p(context | centre) over the pairs (softmax, v and u vectors)."""
    v, u = params[:3], params[3:]
    p = softmax_probabilities(v, u)
    return float(np.prod([p[c, o] for c, o in PAIRS]))


def _j(params):
    """§4.1.1's J = -Σ_i Σ_{j ∈ context(i)} log p(w_j | w_i)."""
    return -np.log(_probability(params))


def _gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = eps
        g[k] = (f(x + step) - f(x - step)) / (2 * eps)
    return g


def test_errata_411_minimising_j_maximises_the_probability_of_the_context_words():
    assert "这个目标函数表示通过最小化预测词的概率来训练模型" in section("4.1.1")
    assert formulas("4.1.1")[0].startswith("J = -\\sum")  # the formula itself is right
    params = np.random.default_rng(0).normal(scale=0.5, size=(6, 2))  # v (3, 2), u (3, 2)
    p0, j0 = _probability(params), _j(params)
    np.testing.assert_allclose(j0, -np.log(p0))
    # the formula's training: a gradient step down J raises the probability
    down_j = params - 0.1 * _gradient(_j, params)
    assert _j(down_j) < j0 and _probability(down_j) > p0
    # the sentence's training: a step down the probability raises J
    down_p = params - 0.1 * _gradient(_probability, params) / p0
    assert _probability(down_p) < p0 and _j(down_p) > j0
