"""§4.1.2: N is defined as the number of word pairs but the double sum uses it as the
number of centre words (docs/errata.md)."""

import numpy as np
import pytest

from llm_tf.vectors.cooccurrence import Cooccurrence
from llm_tf.vectors.glove import article_objective, glove_objective
from tests.errata.article import formulas, section

X = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]])  # §3.1.2's matrix: 3 words


def _terms(n, context):
    """The (i, j) terms of the printed Σ_{i=1}^{N} Σ_{j ∈ context(i)} (0-based ids)."""
    return [(i - 1, j) for i in range(1, n + 1) for j in context[i - 1]]


def test_errata_412_n_counts_centre_words_not_word_pairs():
    assert formulas("4.1.2")[0].startswith("J = \\sum_{i=1}^{N} \\sum_{j \\in context(i)}")
    assert "N是上下文中的单词对数量" in section("4.1.2")  # N: the number of word pairs
    assert "N是序列中的单词数量" in section("4.1.1")  # the same sum, N: words
    context = [np.flatnonzero(row) for row in X]  # context(i): the words i co-occurs with
    n_words, n_pairs = len(X), int(np.count_nonzero(X))
    assert (n_words, n_pairs) == (3, 7)
    # N = the number of word pairs, as printed: i runs past the last word
    with pytest.raises(IndexError):
        _terms(n_pairs, context)
    # N = the number of centre words: the double sum visits each pair once, the
    # cells GloVe's objective sums over
    terms = _terms(n_words, context)
    cooc = Cooccurrence.from_dense(X)
    assert len(terms) == n_pairs == cooc.nnz
    assert sorted(terms) == sorted(zip(cooc.rows.tolist(), cooc.cols.tolist(), strict=True))
    rng = np.random.default_rng(0)
    w, w_ctx = rng.normal(size=(2, 3, 2))
    b, b_ctx = rng.normal(size=(2, 3))
    by_terms = sum(
        min(1.0, (X[i, j] / 100) ** 0.75)
        * (w[i] @ w_ctx[j] + b[i] + b_ctx[j] - np.log(X[i, j])) ** 2
        for i, j in terms
    )
    np.testing.assert_allclose(by_terms, glove_objective(w, w_ctx, b, b_ctx, cooc))
    assert np.isfinite(article_objective(w, terms))  # the printed J, read with N = 3
