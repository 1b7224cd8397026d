"""Co-occurrence counts: the gaps a mutation run (docs/mutation.md) found in the first tests.

Each test pins one observable fact the older tests left open: the defaults of
:func:`count_cooccurrences` (window 10, symmetric, ``1/d``) and of :func:`chunk_pairs`,
the unweighted count, the smallest window, when partial counts are merged, the
``.npz`` suffix :meth:`Cooccurrence.save` adds, and the exact input errors. Expected
counts come from a plain loop over the tokens.
"""

import re

import numpy as np
import pytest

import llm_tf.vectors.cooccurrence as cooc_module
from llm_tf.errors import UserInputError
from llm_tf.vectors.cooccurrence import Cooccurrence, chunk_pairs, count_cooccurrences


def _chunk(lines):
    """Token ids with -1 after each line (the layout of ``EncodedCorpus.chunks()``)."""
    return np.array([t for line in lines for t in [*line, -1]], dtype=np.int32)


def _brute_force(lines, v, window, symmetric=True, weighted=True):
    x = np.zeros((v, v))
    for line in lines:
        for i, a in enumerate(line):
            for d in range(1, window + 1):
                if i + d < len(line):
                    w = 1.0 / d if weighted else 1.0
                    x[a, line[i + d]] += w
                    if symmetric:
                        x[line[i + d], a] += w
    return x


def test_defaults_are_window_10_symmetric_and_1_over_d():
    """Catches a changed default window, ``symmetric`` or weighting: the tokens at
    distance 11 of a 12-token line must not be counted."""
    line = list(range(12))
    got = count_cooccurrences([_chunk([line])], 12).to_dense()
    np.testing.assert_allclose(got, _brute_force([line], 12, 10), rtol=0, atol=1e-12)
    assert got[0, 11] == 0 and got[11, 0] == 0
    assert got[0, 10] == pytest.approx(0.1) and got[10, 0] == pytest.approx(0.1)


def test_unweighted_counts_are_whole_numbers():
    """Catches ``distance_weighting`` not being passed on, or 1 per pair turned into 2."""
    lines = [[0, 1, 2, 0], [2, 2, 1]]
    got = count_cooccurrences([_chunk(lines)], 3, window=3, distance_weighting=False)
    np.testing.assert_array_equal(got.to_dense(), _brute_force(lines, 3, 3, weighted=False))
    assert got.values.dtype == np.float64


def test_chunk_pairs_default_weights_are_1_over_d():
    """Catches a changed default of ``distance_weighting`` and of the unweighted value."""
    chunk = _chunk([[5, 6, 7], [8, 9]])
    left, right, w = chunk_pairs(chunk, 2)
    assert list(zip(left.tolist(), right.tolist(), w.tolist(), strict=True)) == \
        [(5, 6, 1.0), (6, 7, 1.0), (8, 9, 1.0), (5, 7, 0.5)]
    assert chunk_pairs(chunk, 2, distance_weighting=False)[2].tolist() == [1.0] * 4


def test_window_1_is_allowed_and_0_is_not():
    """Catches ``window < 1`` tightened to ``<= 1`` / ``< 2``, and the error's wording."""
    got = count_cooccurrences([_chunk([[0, 1, 2]])], 3, window=1)
    np.testing.assert_array_equal(got.to_dense(), [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    with pytest.raises(UserInputError, match=r"^window must be >= 1, got 0$"):
        count_cooccurrences([_chunk([[0, 1, 2]])], 3, window=0)


def test_one_pair_is_enough_and_no_pair_is_an_error():
    """Catches an off-by-one in the 'nothing counted' checks and a changed message."""
    got = count_cooccurrences([_chunk([[0, 1]])], 2, window=1, symmetric=False)
    assert (got.rows.tolist(), got.cols.tolist(), got.values.tolist()) == ([0], [1], [1.0])
    message = r"^no co-occurring pair in the corpus \(lines of one token\?\)$"
    with pytest.raises(UserInputError, match=message):
        count_cooccurrences([], 4)  # no chunk at all
    with pytest.raises(UserInputError, match=message):
        count_cooccurrences([_chunk([[0], [1], [2]])], 4)  # lines of one token


LINES = [[0, 1, 2], [2, 3], [1, 1, 0], [3, 0], [2, 1, 3, 0]]


@pytest.mark.parametrize("merge_every", [1, 2, 3, 4, 5, 7, 100])
def test_streaming_merge_matches_the_brute_force_for_any_threshold(merge_every):
    """Catches a final merge that drops the pending chunks or the running total."""
    chunks = [_chunk([line]) for line in LINES]
    got = count_cooccurrences(chunks, 4, window=2, merge_every=merge_every)
    np.testing.assert_allclose(got.to_dense(), _brute_force(LINES, 4, 2), rtol=0, atol=1e-12)
    keys = got.rows.astype(np.int64) * 4 + got.cols
    assert np.all(np.diff(keys) > 0)  # sorted and unique


@pytest.mark.parametrize("merge_every, calls", [
    # every chunk [a, b, -1] gives 2 keys (a b and b a); a 1 is one chunk's own merge
    (4, [1, 1, 2, 1, 1, 3]),  # 2 + 2 reaches 4: merge both; then the total and two more
    (3, [1, 1, 2, 1, 1, 3]),  # 4 >= 3 after two chunks as well
    (5, [1, 1, 1, 3, 1, 2]),  # 6 >= 5 after three chunks; the fourth is merged at the end
])
def test_partial_counts_are_merged_once_merge_every_keys_are_pending(
        monkeypatch, merge_every, calls):
    """Catches a wrong pending count (start, reset, ``+=``) or ``>=`` turned ``>``."""
    seen = []
    real_merge = cooc_module._merge

    def spy(parts):
        seen.append(len(parts))
        return real_merge(parts)

    monkeypatch.setattr(cooc_module, "_merge", spy)
    chunks = [_chunk([[0, 1]]), _chunk([[1, 2]]), _chunk([[2, 3]]), _chunk([[3, 0]])]
    got = count_cooccurrences(chunks, 4, window=1, merge_every=merge_every)
    assert seen == calls
    np.testing.assert_array_equal(got.to_dense(), [[0, 1, 0, 1], [1, 0, 1, 0],
                                                   [0, 1, 0, 1], [1, 0, 1, 0]])


def test_from_dense_keeps_float_values_of_an_integer_matrix():
    """Catches the ``float64`` conversion dropped: GloVe takes ``log`` of these values."""
    c = Cooccurrence.from_dense([[0, 2], [3, 0]])
    assert c.values.dtype == np.float64 and c.values.tolist() == [2.0, 3.0]
    assert (c.rows.tolist(), c.cols.tolist(), c.vocab_size) == ([0, 1], [1, 0], 2)
    one = Cooccurrence.from_dense([[0, 0], [0, 5]])  # one nonzero cell is enough
    assert (one.nnz, one.rows.tolist(), one.cols.tolist()) == (1, [1], [1])


def test_from_dense_errors_are_exact():
    """Catches a changed message for a negative or an all-zero matrix."""
    with pytest.raises(UserInputError, match=r"^co-occurrence counts must be >= 0$"):
        Cooccurrence.from_dense([[1, -1], [0, 1]])
    with pytest.raises(UserInputError, match=r"^the co-occurrence matrix is all zeros$"):
        Cooccurrence.from_dense(np.zeros((3, 3)))


def test_save_adds_the_npz_suffix(tmp_path):
    """Catches the suffix not being added: the file is ``c.npz``, the name ``load`` takes."""
    c = Cooccurrence.from_dense([[1, 2], [2, 0]])
    c.save(tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]
    back = Cooccurrence.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(back.to_dense(), [[1, 2], [2, 0]])
    assert back.vocab_size == 2


def test_load_error_names_the_file(tmp_path):
    """Catches a load error that loses the path or the message."""
    missing = tmp_path / "missing.npz"
    with pytest.raises(UserInputError, match="^" + re.escape(
            f"cannot read co-occurrences from {str(missing)!r}: ")):
        Cooccurrence.load(missing)
    np.savez(tmp_path / "other.npz", rows=np.zeros(1))
    with pytest.raises(UserInputError, match="cannot read co-occurrences from .*other.npz"):
        Cooccurrence.load(tmp_path / "other.npz")
