"""§4.1.2 GloVe的数学模型: the printed objective and GloVe's, computed on the same vectors.

What the article prints
    J = Σ_{i=1}^{N} Σ_{j ∈ context(i)} 1/f(d_ij) · log( exp(<v_i, v_j>) / (||v_i||_2 ||v_j||_2) ),
    "trained by minimising the log loss of the cosine similarity between word pairs";
    d_ij the Euclidean distance between the vectors, f "a decay function" (undefined).

What this script shows (each number is checked, not only printed)
    1. The printed J by hand in numpy, equal to ``llm_tf.vectors.glove.article_objective``
       (f(d) = 1 / (1 + d), the article leaves f open), on GloVe vectors of §3.1.2's 3x3 matrix.
       Its log term is not the log of a cosine: log(exp(s) / (|v_i||v_j|)) = s - log|v_i|
       - log|v_j|, while log cos = log s - log|v_i| - log|v_j|.
    2. No co-occurrence count enters it: X and 2X (or any counts with the same nonzero
       cells) give the same J. GloVe's objective (Pennington et al. 2014, eq. 8),
           J = Σ_{X_ij > 0} f(X_ij) (w_i·w̃_j + b_i + b̃_j - log X_ij)²,
           f(x) = min(1, (x / x_max)^α),
       by hand and from ``llm_tf.vectors.glove.glove_objective`` (equal), is ~0 on the
       fitted vectors and changes with the counts.
    3. The printed J has no minimum: pushing co-occurring words apart sends it to -∞
       (and 1/f(d) grows the penalty with the distance it rewards), while GloVe's is a
       sum of weighted squares, >= 0, and 0 exactly where the fit is exact.
    docs/errata.md (§4.1.2) has the same comparison in prose.

Run
    python chapters/ch04_1_2_glove_math.py [--quick] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402

from llm_tf.vectors import glove_factorization  # noqa: E402
from llm_tf.vectors.cooccurrence import Cooccurrence  # noqa: E402
from llm_tf.vectors.glove import article_objective, glove_objective, weighting  # noqa: E402

X = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]])  # §3.1.2's cooccurrence_matrix
X_MAX, ALPHA = 100.0, 0.75  # the paper's weighting


def decay(d):
    """A decay function, f(d) = 1 / (1 + d) (the article names none; the library's default)."""
    return 1.0 / (1.0 + d)


def printed_by_hand(v: np.ndarray, pairs: np.ndarray) -> float:
    """§4.1.2's J, term by term, as printed."""
    total = 0.0
    for i, j in pairs:  # (i, j): a word and one of its context words
        d = np.linalg.norm(v[i] - v[j])
        total += 1.0 / decay(d) * np.log(np.exp(v[i] @ v[j]) /
                                         (np.linalg.norm(v[i]) * np.linalg.norm(v[j])))
    return float(total)


def glove_by_hand(w, wc, b, bc, counts: np.ndarray) -> float:
    """Eq. 8, cell by cell over the nonzero counts."""
    total = 0.0
    for i, j in zip(*np.nonzero(counts), strict=True):
        f = min(1.0, (counts[i, j] / X_MAX) ** ALPHA)
        total += f * (w[i] @ wc[j] + b[i] + bc[j] - np.log(counts[i, j])) ** 2
    return float(total)


# ---- 1. the printed objective, by hand and from the library
def step1_printed(seed: int):
    _, model = glove_factorization(X, embedding_size=2, seed=seed, return_model=True)
    w = model.word_embedding.embeddings.numpy().astype(np.float64)  # (3, 2) W
    wc = model.context_embedding.embeddings.numpy().astype(np.float64)  # (3, 2) W~
    b = model.word_bias.embeddings.numpy()[:, 0].astype(np.float64)  # (3,)
    bc = model.context_bias.embeddings.numpy()[:, 0].astype(np.float64)  # (3,)
    v = w + wc  # the word vectors GloVe returns
    pairs = np.stack(np.nonzero(X), 1)  # (7, 2): the co-occurring pairs
    hand, lib = printed_by_hand(v, pairs), article_objective(v, pairs, decay=decay)
    assert lib == article_objective(v, pairs)  # the library's default decay is this one
    print("1. §4.1.2's printed J on GloVe vectors of §3.1.2's matrix (f(d) = 1 / (1 + d)):")
    print(f"   by hand {hand:+.6f}   article_objective {lib:+.6f}")
    assert abs(hand - lib) < 1e-9
    i, j = 0, 1
    s, ni, nj = v[i] @ v[j], np.linalg.norm(v[i]), np.linalg.norm(v[j])
    printed_term = np.log(np.exp(s) / (ni * nj))
    print(f"   pair (0, 1): log(exp(s)/(|v_i||v_j|)) = {printed_term:+.4f} = s - log|v_i| - "
          f"log|v_j| = {s - np.log(ni) - np.log(nj):+.4f}; cos = {s / (ni * nj):+.4f}"
          + (f", log cos = {np.log(s / (ni * nj)):+.4f}" if s > 0 else " (log cos undefined)"))
    assert abs(printed_term - (s - np.log(ni) - np.log(nj))) < 1e-9
    if s > 0:
        assert abs(printed_term - np.log(s / (ni * nj))) > 1e-3, "it happens to be log cos"
    return (w, wc, b, bc), v, pairs


# ---- 2. the counts: ignored by the printed J, the whole point of GloVe's
def step2_counts(params, v, pairs) -> None:
    w, wc, b, bc = params
    print("\n2. the same vectors, counts X and 2X:")
    for name, counts in (("X", X), ("2X", 2 * X)):
        printed = article_objective(v, np.stack(np.nonzero(counts), 1), decay=decay)
        hand = glove_by_hand(w, wc, b, bc, counts)
        lib = glove_objective(w, wc, b, bc, Cooccurrence.from_dense(counts), X_MAX, ALPHA)
        print(f"   {name:3} printed J {printed:+.6f}   GloVe J by hand {hand:.6f}, "
              f"glove_objective {lib:.6f}")
        assert abs(hand - lib) < 1e-9
        if name == "X":
            base_printed, base_glove = printed, lib
    assert printed == base_printed, "the printed J saw the counts"
    assert base_glove < 1e-3 < lib, "GloVe's J should fit X and not 2X"
    fx = weighting(np.array([0.0, 1.0, 2.0, 100.0, 500.0]), X_MAX, ALPHA)
    print(f"   GloVe's f(x) weights counts, not vectors: f(0, 1, 2, 100, 500) = "
          f"{', '.join(f'{x:.4f}' for x in fx)} (zero cells weigh nothing, frequent ones 1)")
    assert fx[0] == 0.0 and fx[3] == fx[4] == 1.0 and 0 < fx[1] < fx[2] < 1


# ---- 3. no minimum: the printed J falls without bound, GloVe's stays >= 0
def step3_unbounded(v: np.ndarray, pairs: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    apart = np.array([[1.0, 0.0], [-1.0, 0.2], [0.3, 1.0]])  # 0 and 1 point opposite ways
    values = [article_objective(t * apart, pairs, decay=decay) for t in (1, 10, 100)]
    glove_values = [glove_objective(t * apart, t * apart, np.zeros(3), np.zeros(3),
                                    Cooccurrence.from_dense(X), X_MAX, ALPHA)
                    for t in (1, 10, 100)]
    print("\n3. vectors scaled by 1, 10, 100:")
    print("   printed J " + ", ".join(f"{x:+.1f}" for x in values) + "  (falls without bound)")
    print("   GloVe J   " + ", ".join(f"{x:.1f}" for x in glove_values) + "  (never below 0)")
    assert values[0] > values[1] > values[2] < -1e4
    assert min(glove_values) >= 0
    random = [glove_objective(*rng.normal(size=(2, 3, 2)), *rng.normal(size=(2, 3)),
                              Cooccurrence.from_dense(X)) for _ in range(100)]
    print(f"   GloVe J on 100 random parameter sets: min {min(random):.3f} >= 0")
    assert min(random) >= 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§4.1.2: the GloVe objective, printed vs the paper's")
    p.add_argument("--quick", action="store_true", help="the same (it takes seconds)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    set_seed(args.seed)

    params, v, pairs = step1_printed(args.seed)
    step2_counts(params, v, pairs)
    step3_unbounded(v, pairs, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
