"""§3.1.2 GloVe: the listing's 3x3 matrix factorised, then a real corpus.

What the article prints
    cooccurrence_matrix = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]])
    word_vectors = glove-factorization(cooccurrence_matrix, embedding_size)
    word_vectors = np.array(word_vectors)
    "GloVe obtains word vectors by factorising the word co-occurrence matrix."

What this script shows
    1. The listing, runnable: ``glove-factorization`` is not a Python name (it reads
       as ``glove - factorization``); ``llm_tf.vectors.glove_factorization`` is. It fits
       w_i · w̃_j + b_i + b̃_j = log X_ij on the nonzero cells (the zeros are skipped:
       log 0 does not exist and f(0) = 0), with the paper's weighting f and AdaGrad,
       and returns W + W̃. The table printed compares the fit with log X, and the
       script checks that it reconstructs log X to within 0.01.
    2. A real corpus (``data/corpus.en.txt``): co-occurrences counted in one streaming
       pass over a window of 10 with 1/d weighting, stored sparsely; GloVe trained on
       them; nearest neighbours, a PCA plot and ``vectors.txt`` saved. §4.1.2's
       printed objective is not GloVe's: see ``chapters/ch04_1_2_glove_math.py``
       and ``docs/errata.md``.

Run
    python chapters/ch03_1_2_glove.py [--quick] [--seed 0] [--out DIR]
    (the vectors and the PCA picture go to DIR, default ``llm-tf-out/ch03_1_2_glove/``)
Every printed number is checked.
"""

# ruff: noqa: E402  (TensorFlow is imported quietly before the imports that load it)
from llm_tf.runtime import quiet_tensorflow_import

quiet_tensorflow_import()

import argparse
import sys
from pathlib import Path

import keras
import numpy as np

from llm_tf.plotting import check_png
from llm_tf.vectors import GloVe, GloVeConfig, WordVectors, glove_factorization, plot_pca
from llm_tf.vectors.glove import glove_objective, weighting

DATA = Path(__file__).resolve().parent.parent / "data"
PLOT = [
    "Paris",
    "Tokyo",
    "Beijing",
    "Berlin",
    "France",
    "Japan",
    "China",
    "Germany",
    "euro",
    "yen",
    "yuan",
    "French",
    "Japanese",
    "Chinese",
    "German",
]
TOLERANCE = 0.01  # largest |w_i·w̃_j + b_i + b̃_j - log X_ij| accepted on the listing's cells


def the_listing(embedding_size: int, seed: int) -> np.ndarray:
    """1. ``glove_factorization(cooccurrence_matrix, embedding_size)``, checked against log X."""
    cooccurrence_matrix = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]])
    word_vectors, model = glove_factorization(
        cooccurrence_matrix,
        embedding_size,
        steps=1000,  # under a second; 300 steps leave errors near 0.1 for some seeds
        seed=seed,
        return_model=True,
    )
    word_vectors = np.array(word_vectors)  # (3, embedding_size) = W + W̃
    print(f"1. glove_factorization(cooccurrence_matrix, embedding_size={embedding_size}):")
    print(np.round(word_vectors, 3))
    assert word_vectors.shape == (3, embedding_size)
    rows, cols = np.nonzero(cooccurrence_matrix)
    fit = model(rows.astype("int32"), cols.astype("int32")).numpy()  # (7,) w·w̃ + b + b̃
    print("   cell    X   log X   w_i·w̃_j + b_i + b̃_j   f(X)")
    for r, c, y in zip(rows, cols, fit, strict=True):
        x = cooccurrence_matrix[r, c]
        print(f"   ({r},{c})  {x}   {np.log(x):+.3f}   {y:+.3f}                {weighting(x):.4f}")
    # numpy from the model's own tables: w_i·w̃_j + b_i + b̃_j, and the vectors W + W̃
    w, wc, b, bc = (np.asarray(t.embeddings) for t in (
        model.word_embedding, model.context_embedding, model.word_bias, model.context_bias))
    by_hand = np.einsum("nd,nd->n", w[rows], wc[cols]) + b[rows, 0] + bc[cols, 0]
    np.testing.assert_allclose(fit, by_hand, atol=1e-5)
    np.testing.assert_allclose(word_vectors, w + wc, atol=1e-6)
    x_max = 100.0  # glove_factorization's f: the paper's x_max and alpha
    f = np.minimum(1.0, (cooccurrence_matrix[rows, cols] / x_max) ** 0.75)
    np.testing.assert_allclose(weighting(cooccurrence_matrix[rows, cols]), f, rtol=1e-12)
    print("   check: the fit = numpy w_i·w̃_j + b_i + b̃_j from the model's tables; the vectors "
          "= W + W̃; f(X) = min(1, (X/100)^0.75) ok")
    error = np.abs(fit - np.log(cooccurrence_matrix[rows, cols])).max()
    print(
        f"   largest |fit - log X| = {error:.1e} (checked < {TOLERANCE}); the two zero cells "
        "are not fitted: log 0 is undefined and f(0) = 0."
    )
    assert error < TOLERANCE, error
    return word_vectors


def train_on_corpus(out: Path, quick: bool, seed: int) -> WordVectors:
    """2. GloVe vectors of ``data/corpus.en.txt``, saved to ``out/glove.en``."""
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()
    if quick:
        lines = lines[:600]
    corpus = out / "corpus.en.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = GloVeConfig(
        embedding_dim=16 if quick else 50,
        window=10,
        min_count=2,
        x_max=10.0,  # glove's demo.sh setting for small corpora; the paper's 100 suits billions
        epochs=3 if quick else 50,
        batch_size=512,
        tokenizer="word",
        seed=seed,
    )
    glove = GloVe(config)
    cooc = glove.count(corpus)  # (V, V), sparse
    v = len(glove.vocab)
    print(
        f"\n2. data/corpus.en.txt ({len(lines)} lines): {v} words, {cooc.nnz} nonzero "
        f"co-occurrence cells of {v * v} ({100 * cooc.nnz / v / v:.1f}%), "
        f"largest X = {cooc.values.max():.1f}"
    )
    assert 0 < cooc.nnz < v * v and cooc.values.min() > 0
    np.testing.assert_allclose(cooc.to_dense(), cooc.to_dense().T)  # symmetric window
    history = glove.fit(verbose=0)
    loss = history.history["loss"]
    print(
        f"   weighted least squares, {config.epochs} epochs: loss {loss[0]:.4f} -> {loss[-1]:.4f}"
    )
    assert loss[-1] < loss[0], loss
    dense = cooc.to_dense()
    assert abs(dense.sum() - cooc.values.sum()) < 1e-6 * dense.sum()  # nnz cells hold it all
    assert np.count_nonzero(dense) == cooc.nnz
    j = glove_objective(*(np.asarray(t.embeddings) for t in (
        glove.model.word_embedding, glove.model.context_embedding)),
        np.asarray(glove.model.word_bias.embeddings)[:, 0],
        np.asarray(glove.model.context_bias.embeddings)[:, 0], cooc, x_max=config.x_max)
    print(f"   J (eq. 8) by numpy at the trained weights: {j / cooc.nnz:.4f} per cell, below the "
          f"first epoch's mean {loss[0]:.4f}")
    assert j / cooc.nnz < loss[0], (j / cooc.nnz, loss)
    wv = glove.get_word_vectors()  # W + W̃, specials dropped
    unit = wv.vectors / np.linalg.norm(wv.vectors, axis=1, keepdims=True)  # (V, D)
    for word in ("Paris", "yen", "Japanese", "Europe"):
        if word in wv:
            near = wv.most_similar(word, topn=5)
            print(f"   nearest to {word}: " + ", ".join(f"{w} {s:.2f}" for w, s in near))
            cos = unit @ unit[wv.words.index(word)]  # numpy: cosine with every word
            cos[wv.words.index(word)] = -np.inf
            top = np.argsort(-cos)[:5]
            assert [w for w, _ in near] == [wv.words[i] for i in top], (near, top)
            np.testing.assert_allclose([s for _, s in near], cos[top], atol=1e-5)
    print("   check: the neighbours and their cosines equal numpy's ranking ok")
    glove.save(out / "glove.en")
    back = WordVectors.load_word2vec_format(out / "glove.en" / "vectors.txt")
    assert back.words == wv.words
    np.testing.assert_allclose(back.vectors, wv.vectors, rtol=1e-5, atol=1e-7)
    png = plot_pca(wv, PLOT, out / "glove.en.pca.png", title="GloVe vectors W + W̃ (PCA)")
    print(f"   saved {out / 'glove.en'}/vectors.txt (read back: the same vectors) and {png}")
    check_png(png)
    return wv


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.1.2: GloVe, the listing and a real corpus")
    p.add_argument("--quick", action="store_true", help="seconds, for the tests")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--embedding-size", type=int, default=2, help="for the 3x3 listing")
    p.add_argument("--out", type=Path, default=Path("llm-tf-out") / Path(__file__).stem,
                   help="output folder (default: llm-tf-out/ch03_1_2_glove)")
    args = p.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    the_listing(args.embedding_size, args.seed)
    train_on_corpus(out, args.quick, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
