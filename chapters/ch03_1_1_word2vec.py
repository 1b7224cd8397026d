"""§3.1.1 Word2Vec: the listing, runnable, then word vectors from a real corpus.

What the article prints
    sequence = ["我", "爱", "中国"]
    model = NeuralNetwork(input_shape=(1, embedding_size), output_shape=(vocab_size,))
    model.fit(sequence, epochs=10)
    word_vectors = model.get_word_vectors()
    "Word2Vec trains a neural network on the text: input a word, output a probability
    distribution over the vocabulary" (算法原理).

What this script shows
    1. The listing's shape with ``llm_tf.vectors.Word2Vec``: ``fit(sequence, epochs=10)``
       and ``get_word_vectors()`` on the three words. The network is the one described:
       one word in (its (1, embedding_size) vector), a score for every word of the
       vocabulary out (``output_shape=(vocab_size,)``). It runs, but three words teach
       nothing: the similarities it prints are noise.
    2. The same model (skip-gram with negative sampling, subsampling and a dynamic
       window, as in word2vec) trained on the embedded corpus ``data/corpus.en.txt``
       (words) and ``data/corpus.zh.txt`` (characters): capitals end up next to
       capitals, currencies next to currencies. It writes ``vectors.txt`` (word2vec
       text format), the TensorBoard projector's TSV files and a PCA plot, and checks
       that the loss fell and that ``vectors.txt`` reads back as the vectors trained.

Run
    python chapters/ch03_1_1_word2vec.py [--quick] [--seed 0] [--out runs/ch03_1_1]
"""

# ruff: noqa: E402  (TensorFlow is imported quietly before the imports that load it)
from llm_tf.runtime import quiet_tensorflow_import

quiet_tensorflow_import()

import argparse
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np

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


def the_listing(epochs: int, seed: int) -> None:
    """1. ``fit(["我", "爱", "中国"], epochs=10)`` and ``get_word_vectors()``, as printed."""
    sequence = ["我", "爱", "中国"]
    embedding_size = 8
    model = Word2Vec(
        embedding_dim=embedding_size,
        window=2,
        min_count=1,  # every one of the three words is kept
        sample=0.0,  # no subsampling: in a 3-token corpus every word is "frequent"
        seed=seed,
    )
    model.fit(sequence, epochs=epochs, verbose=0)
    word_vectors = model.get_word_vectors()
    print("1. the listing: fit(['我', '爱', '中国'], epochs=10); get_word_vectors()")
    for word in word_vectors.words:
        print(f"   {word}: {np.round(word_vectors[word], 3)}")  # (embedding_size,)
    assert sorted(word_vectors.words) == sorted(sequence)
    assert word_vectors.vectors.shape == (3, embedding_size)

    net = model.model
    vocab_size = len(model.vocab)  # the three words and 4 special tokens
    love = np.array([model.vocab["爱"]], "int32")  # input: one word, (1,)
    scores = net(love, np.arange(vocab_size, dtype="int32")[None, :])  # (1, vocab_size)
    assert tuple(scores.shape) == (1, vocab_size) == (1, 3 + 4)
    print(
        f"   the network: input (1, {embedding_size}) vector of '爱' -> output {tuple(scores.shape)}"
        f" scores over the vocabulary ({vocab_size} ids, the first 4 special)"
    )
    print(
        f"   cos(我, 中国) = {word_vectors.similarity('我', '中国'):+.3f}: three words carry no "
        "meaning to learn; it is noise."
    )


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
    for word in QUERIES[lang]:
        if word in wv:
            near = ", ".join(f"{w} {s:.2f}" for w, s in wv.most_similar(word, topn=5))
            print(f"   nearest to {word}: {near}")
    if lang == "en" and all(w in wv for w in ("France", "Paris", "Japan")):
        guess = wv.analogy("France", "Paris", "Japan", topn=3)
        print(f"   France : Paris :: Japan : ? -> {', '.join(w for w, _ in guess)}")

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
    print(f"   saved {folder}/vectors.txt (read back: the same vectors) and {png.name}")
    return wv


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.1.1: Word2Vec, the listing and a real corpus")
    p.add_argument("--quick", action="store_true", help="seconds, for the tests")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=10, help="the listing's epochs=10")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: a temp folder)")
    args = p.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    out = args.out or Path(tempfile.mkdtemp(prefix="ch03_1_1_"))
    out.mkdir(parents=True, exist_ok=True)

    the_listing(args.epochs, args.seed)
    for lang, tokenizer in (("en", "word"), ("zh", "char")):
        train_on_corpus(lang, tokenizer, out, args.quick, args.epochs, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
