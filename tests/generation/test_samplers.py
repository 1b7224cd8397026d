import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.sampling import check_sampling_args, filter_logits, sample_next


def test_greedy_and_peaked():
    logits = np.eye(10)[7] * 1e9
    rng = np.random.default_rng(0)
    assert sample_next(logits, rng, temperature=0) == 7
    assert all(sample_next(logits, rng, temperature=1.0) == 7 for _ in range(20))


def test_top_k_and_top_p_masks():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    assert np.isfinite(filter_logits(logits, top_k=2)).tolist() == [True, True, False, False]
    # nucleus 0.75: 0.5 + 0.3 reaches it, so two tokens survive
    assert np.isfinite(filter_logits(logits, top_p=0.75)).tolist() == [True, True, False, False]
    assert np.isfinite(filter_logits(logits, top_p=0.4)).tolist() == [True, False, False, False]


def test_seeded_sampling_is_reproducible_and_matches_distribution():
    logits = np.log(np.array([0.6, 0.3, 0.1]))
    a = [sample_next(logits, np.random.default_rng(1)) for _ in range(5)]
    b = [sample_next(logits, np.random.default_rng(1)) for _ in range(5)]
    assert a == b
    rng = np.random.default_rng(0)
    draws = np.bincount([sample_next(logits, rng) for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(draws, [0.6, 0.3, 0.1], atol=0.03)


def test_bad_arguments():
    for kwargs in ({"temperature": -1, "top_k": None, "top_p": None},
                   {"temperature": 1, "top_k": 0, "top_p": None},
                   {"temperature": 1, "top_k": None, "top_p": 1.5}):
        with pytest.raises(UserInputError):
            check_sampling_args(**kwargs)
