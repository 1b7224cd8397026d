"""§3.1.1 Word2Vec: the listing, runnable, then word vectors from a real corpus.

What the article prints
    sequence = ["我", "爱", "中国"]
    model = NeuralNetwork(input_shape=(1, embedding_size), output_shape=(vocab_size,))
    model.fit(sequence, epochs=10)
    word_vectors = model.get_word_vectors()
    "Word2Vec trains a neural network on the text: input a word, output a probability
    distribution over the vocabulary" (算法原理).

What this script shows (every printed number is checked)
    1. The listing as printed, with :class:`llm_tf.models.listing_models.NeuralNetwork`:
       ``NeuralNetwork(input_shape=(1, embedding_size), output_shape=(vocab_size,))``,
       ``fit(sequence, epochs=10)``, ``get_word_vectors()``. The network is the one
       described: one word in (its (1, embedding_size) vector), a probability for every
       word of the vocabulary out, p(o | c) = softmax(v_c W + b), checked against numpy;
       it minimises §4.1.1's J over the window's (centre, context) pairs (its first loss
       checked against J by hand), and learns that a word is never its own context.
    2. Skip-gram with negative sampling, subsampling and a dynamic window, as word2vec
       does at scale (:class:`llm_tf.vectors.Word2Vec`), trained on the embedded corpus
       ``data/corpus.en.txt`` (words) and ``data/corpus.zh.txt`` (characters):
       neighbours (checked against numpy's cosine ranking), an analogy, ``vectors.txt``
       (word2vec text format, read back), the TensorBoard projector's TSV files and a
       PCA projection of the vectors (a PNG under ``--out``).

Run
    python chapters/ch03_1_1_word2vec.py [--quick] [--seed 0] [--out DIR]
    (pictures and vectors go to DIR, default ``llm-tf-out/ch03_1_1_word2vec/``)
"""

# ruff: noqa: E402  (TensorFlow is imported quietly before the imports that load it)
from llm_tf.runtime import quiet_tensorflow_import

quiet_tensorflow_import()

import argparse
import sys
from pathlib import Path

import keras
import numpy as np

from llm_tf.models.listing_models import NeuralNetwork
from llm_tf.plotting import check_png
from llm_tf.vectors import Word2Vec, Word2VecConfig, WordVectors, plot_pca

DATA = Path(__file__).resolve().parent.parent / "data"
QUERIES = {
    "en": ["Paris", "yen", "Japanese", "Europe"],
    "zh": ["京", "元", "洲", "语"],
}
PLOT = {
    "en": [
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
    ],
    "zh": ["法", "日", "中", "德", "京", "巴", "柏", "元", "欧", "语"],
}


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def the_listing(epochs: int, seed: int) -> None:
    """1. ``NeuralNetwork(...)``, ``fit(sequence, epochs=10)``, ``get_word_vectors()``, as printed."""
    keras.utils.set_random_seed(seed)
    sequence = ["我", "爱", "中国"]
    embedding_size, vocab_size = 8, 10
    model = NeuralNetwork(input_shape=(1, embedding_size), output_shape=(vocab_size,))
    centres, contexts = model.training_pairs(sequence)  # what fit() trains on: (6,) each
    probs = np.asarray(model(centres))  # (6, vocab_size): p(o | c) before training
    j0 = -np.log(probs[np.arange(len(centres)), contexts]).sum()  # §4.1.1's J, by hand
    history = model.fit(sequence, epochs=epochs)
    word_vectors = model.get_word_vectors()  # {word: (embedding_size,) vector}
    print("1. the listing: NeuralNetwork(input_shape=(1, 8), output_shape=(10,)); "
          f"fit(['我', '爱', '中国'], epochs={epochs}); get_word_vectors()")
    for word, vector in word_vectors.items():
        print(f"   {word}: {np.round(vector, 3)}")
    assert list(word_vectors) == sequence
    assert all(v.shape == (embedding_size,) for v in word_vectors.values())

    ids = np.asarray(model.encode(sequence), "int32")  # (3,): ids 4, 5, 6 after the specials
    out = np.asarray(model(ids))  # (3, vocab_size): one word in, a distribution out
    kernel, bias = (np.asarray(w) for w in model.output_layer.get_weights())  # (8, 10), (10,)
    logits = np.stack([word_vectors[w] for w in sequence]) @ kernel + bias
    by_hand = np.exp(logits - logits.max(-1, keepdims=True))
    by_hand /= by_hand.sum(-1, keepdims=True)  # softmax(v_c W + b)
    print(f"   the network: a word's (1, {embedding_size}) vector in -> {out.shape[1:]} "
          f"probabilities out; numpy softmax(v_c W + b) vs the model: max |difference| "
          f"{np.abs(by_hand - out).max():.1e}")
    np.testing.assert_allclose(out, by_hand, atol=1e-6)
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-6)
    loss = history.history["loss"]
    print(f"   {len(centres)} (centre, context) pairs, window 2: J / 6 = {j0 / 6:.4f} by hand "
          f"before training = Keras's first loss {loss[0]:.4f}; after {epochs} epochs "
          f"{loss[-1]:.4f} (floor log 2 = {np.log(2):.4f}: each word has two contexts)")
    np.testing.assert_allclose(loss[0], j0 / len(centres), rtol=1e-5)
    assert np.log(2) - 1e-6 < loss[-1] < loss[0], loss
    p = out[:, ids]  # (3 centres, 3 words)
    print("   p(o | c) over the three words (rows c, columns o): "
          + "; ".join(f"{c}: " + " ".join(f"{x:.2f}" for x in row)
                      for c, row in zip(sequence, p, strict=True)))
    others = np.where(np.eye(3, dtype=bool), np.inf, p).min(axis=1)
    assert np.all(np.diag(p) < others), p  # a word is never its own context
    print("   check: each word's own probability is its row's smallest ok (never its own context)")
    cos = cosine(word_vectors["我"], word_vectors["中国"])
    print(f"   cos(我, 中国) = {cos:+.3f}: three words carry little meaning to learn.")
    assert -1 <= cos <= 1


def train_on_corpus(
    lang: str, tokenizer: str, out: Path, quick: bool, epochs: int, seed: int
) -> WordVectors:
    """2. Skip-gram vectors of ``data/corpus.{lang}.txt``, saved to ``out/word2vec.{lang}``."""
    lines = (DATA / f"corpus.{lang}.txt").read_text(encoding="utf-8").splitlines()
    if quick:
        lines = lines[:600]
    corpus = out / f"corpus.{lang}.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = Word2VecConfig(
        embedding_dim=16 if quick else 50,
        window=4,
        min_count=2,
        sample=1e-3,
        epochs=2 if quick else epochs,
        words_per_batch=256,
        negative_group=4,
        tokenizer=tokenizer,
        seed=seed,
    )
    w2v = Word2Vec(config)
    history = w2v.fit(corpus, verbose=0)
    wv = w2v.get_word_vectors()
    loss = history.history["loss"]
    print(
        f"\n2. data/corpus.{lang}.txt ({len(lines)} lines, {tokenizer} tokens): "
        f"{len(wv)} vectors, loss {loss[0]:.3f} -> {loss[-1]:.3f}"
    )
    assert loss[-1] < loss[0], loss
    assert len(wv) == len(w2v.vocab) - 4 and wv.dim == config.embedding_dim
    unit = wv.vectors / np.linalg.norm(wv.vectors, axis=1, keepdims=True)  # (V, D)
    for word in QUERIES[lang]:
        if word in wv:
            near = wv.most_similar(word, topn=5)
            print(f"   nearest to {word}: " + ", ".join(f"{w} {s:.2f}" for w, s in near))
            cos = unit @ unit[wv.words.index(word)]  # numpy: cosine with every word
            cos[wv.words.index(word)] = -np.inf
            top = np.argsort(-cos)[:5]
            assert [w for w, _ in near] == [wv.words[i] for i in top], (near, top)
            np.testing.assert_allclose([s for _, s in near], cos[top], atol=1e-5)
    print("   check: the neighbours and their cosines equal numpy's ranking ok")
    if lang == "en" and all(w in wv for w in ("France", "Paris", "Japan")):
        guess = wv.analogy("France", "Paris", "Japan", topn=3)
        print(f"   France : Paris :: Japan : ? -> {', '.join(w for w, _ in guess)}")
        target = unit[wv.words.index("Paris")] - unit[wv.words.index("France")]
        target += unit[wv.words.index("Japan")]  # 3CosAdd
        score = unit @ target
        for w in ("France", "Paris", "Japan"):
            score[wv.words.index(w)] = -np.inf
        assert guess[0][0] == wv.words[int(np.argmax(score))], guess

    folder = out / f"word2vec.{lang}"
    w2v.save(folder)
    wv.export_projector(folder / "projector")
    back = WordVectors.load_word2vec_format(folder / "vectors.txt")
    assert back.words == wv.words
    np.testing.assert_allclose(back.vectors, wv.vectors, rtol=1e-5, atol=1e-7)
    png = plot_pca(
        wv,
        PLOT[lang],
        out / f"word2vec.{lang}.pca.png",
        title=f"skip-gram vectors, corpus.{lang}.txt (PCA)",
    )
    print(f"   saved {folder}/vectors.txt (read back: the same vectors) and {png}")
    check_png(png)
    return wv


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.1.1: Word2Vec, the listing and a real corpus")
    p.add_argument("--quick", action="store_true", help="seconds, for the tests")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=10, help="the listing's epochs=10")
    p.add_argument("--out", type=Path, default=Path("llm-tf-out") / Path(__file__).stem,
                   help="output folder (default: llm-tf-out/ch03_1_1_word2vec)")
    args = p.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    the_listing(args.epochs, args.seed)
    for lang, tokenizer in (("en", "word"), ("zh", "char")):
        train_on_corpus(lang, tokenizer, out, args.quick, args.epochs, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
