"""§3.3 跨层次注意力机制: the listing run for real, then the mechanism inside a classifier.

What the listing claims
    text_sequence = ["我", "爱", "中国"]
    attention = CrossLayerAttention(embedding_size)
    text_attention = attention(text_sequence)
    word_attention = attention(word_sequence)
    print(text_attention, word_attention)
    -- one attention object gives "the attention distributions of the text level and
    the word level", fusing information across the levels.

What it leaves out, and how this script fills it in
    * Strings cannot be attended to: the words need states. Word level: each word's
      embedding (a seeded ``keras.layers.Embedding``), h_w (3, D). Text level: one
      state for the whole text, the mean of its word states, h_t (1, D); for a text
      of several sentences, one state per sentence, the mean of that sentence's
      word states. (In the classifier of step 3 both levels are learned encoders.)
    * ``word_sequence`` is never defined, and a one-input call can only be the
      sequence attending to itself. Cross-level attention needs both levels in one
      call: ``attention(h_t, h_w)`` (text queries, word keys) and ``attention(h_w,
      h_t)`` (word queries, text keys) -- one ``CrossLayerAttention(embedding_size)``
      object serves both directions, since without projections it has no weights.

Steps
    1. the listing for 我 爱 中国: the text-level distribution over the 3 words, the
       word-level distribution over the 1 text state (always 1: errata §3.3/§4.3), and
       what the literal one-input call computes (self-attention, 3 x 3);
    2. a text of two sentences, 我爱中国。中国很大。: text -> words (2 x 6) and
       words -> text (6 x 2) distributions, each row checked against numpy;
    3. the mechanism at work: :class:`~llm_tf.models.HierarchicalClassifier` (word
       encoder, text encoder, cross-level attention both ways) trained briefly on
       data/classify/zh, and its attention drawn for a text with an aside.
Every printed number is asserted.

Run
    python chapters/ch03_3_cross_layer_attention.py [--quick] [--seed N] [--out DIR]
    (the attention heatmaps go to DIR, default ``llm-tf-out/ch03_3_cross_layer_attention/``)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from llm_tf.layers import CrossLayerAttention  # noqa: E402
from llm_tf.models import ClassifierConfig  # noqa: E402
from llm_tf.plotting import check_png
from llm_tf.text.labelled_data import load_labelled  # noqa: E402
from llm_tf.training.classifier_trainer import plot_attention, train_classifier  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data" / "classify" / "zh"
TEXT_SEQUENCE = ["我", "爱", "中国"]  # the listing's input
SENTENCES = [["我", "爱", "中国"], ["中国", "很", "大"]]  # step 2: 我爱中国。中国很大。
ASIDE_TEXT = "顺便说一句，长江的三角洲宽阔而肥沃。这个菜谱需要九个鸡蛋和一杯面粉。谢谢阅读。"
EMBEDDING_SIZE = 8


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def formula(queries, keys):
    """§4.3 in numpy: softmax(dot(h_l, h_{l+1}^T) / sqrt(d)), (Tq, Tk)."""
    q, k = np.asarray(queries, "float64"), np.asarray(keys, "float64")
    return softmax(q @ k.T / np.sqrt(q.shape[-1]))


def fmt(v):
    return "[" + " ".join(f"{x:.4f}" for x in np.ravel(v)) + "]"


# ---- 0. the word level: an embedding per word (strings have no states)
def embed_words(seed: int):
    vocab = {w: i for i, w in enumerate(sorted({w for s in SENTENCES for w in s}))}
    keras.utils.set_random_seed(seed)
    normal = keras.initializers.RandomNormal(stddev=1.0)  # states far enough apart to tell
    embedding = keras.layers.Embedding(len(vocab), EMBEDDING_SIZE, embeddings_initializer=normal)

    def states(words):  # (1, T, D)
        return np.asarray(embedding(np.array([[vocab[w] for w in words]])))

    return states


# ---- 1. the listing: one object, both directions
def step1_listing(states) -> None:
    attention = CrossLayerAttention(EMBEDDING_SIZE)  # the listing's object: no weights
    h_w = states(TEXT_SEQUENCE)  # (1, 3, D): the word level
    h_t = h_w.mean(axis=1, keepdims=True)  # (1, 1, D): the text level, the mean of its words
    _, text_attention = attention(h_t, h_w, return_attention_scores=True)  # (1, 1, 1, 3)
    _, word_attention = attention(h_w, h_t, return_attention_scores=True)  # (1, 1, 3, 1)
    text_attention, word_attention = np.asarray(text_attention), np.asarray(word_attention)
    print(f"1. word level h_w: embeddings of {TEXT_SEQUENCE}, shape {h_w.shape}; text level "
          f"h_t: their mean, shape {h_t.shape}")
    print("   text_attention = attention(h_t, h_w):  " + "  ".join(
        f"{w} {x:.4f}" for w, x in zip(TEXT_SEQUENCE, text_attention.ravel(), strict=True))
          + f"   (sum {text_attention.sum():.4f})")
    print(f"   word_attention = attention(h_w, h_t):  {fmt(word_attention)}   (one text "
          "state: every word gives it weight 1)")
    assert h_w.shape == (1, 3, EMBEDDING_SIZE) and h_t.shape == (1, 1, EMBEDDING_SIZE)
    assert np.allclose(text_attention[0, 0], formula(h_t[0], h_w[0]), atol=1e-6)
    assert abs(text_attention.sum() - 1) < 1e-6
    assert np.all(word_attention == 1.0)
    _, itself = attention(h_w, return_attention_scores=True)  # the listing's one-input call
    itself = np.asarray(itself)[0, 0]  # (3, 3)
    print("   attention(h_w), one input as printed: self-attention within the word level")
    for w, row in zip(TEXT_SEQUENCE, itself, strict=True):
        print(f"     {w:4} {fmt(row)}   (sum {row.sum():.4f})")
    assert np.allclose(itself, formula(h_w[0], h_w[0]), atol=1e-6)
    assert np.allclose(itself.sum(-1), 1.0, atol=1e-6)


# ---- 2. two sentences: both directions are distributions worth reading
def step2_two_sentences(states) -> None:
    attention = CrossLayerAttention(EMBEDDING_SIZE)
    words = [w for s in SENTENCES for w in s]
    h_w = states(words)  # (1, 6, D)
    h_t = np.stack([states(s).mean(axis=1)[0] for s in SENTENCES])[None]  # (1, 2, D)
    _, t2w = attention(h_t, h_w, return_attention_scores=True)  # (1, 1, 2, 6)
    _, w2t = attention(h_w, h_t, return_attention_scores=True)  # (1, 1, 6, 2)
    t2w, w2t = np.asarray(t2w)[0, 0], np.asarray(w2t)[0, 0]
    print("\n2. 我爱中国。中国很大。 text level: one state per sentence (mean of its words)")
    print("   text -> words (rows: sentences; columns: " + " ".join(words) + ")")
    for i, row in enumerate(t2w):
        print(f"     S{i + 1} {fmt(row)}   (sum {row.sum():.4f})")
    print("   words -> text (rows: words; columns: S1 S2)")
    for w, row in zip(words, w2t, strict=True):
        print(f"     {w:4} {fmt(row)}   (sum {row.sum():.4f})")
    assert np.allclose(t2w, formula(h_t[0], h_w[0]), atol=1e-6)
    assert np.allclose(w2t, formula(h_w[0], h_t[0]), atol=1e-6)
    assert np.allclose(t2w.sum(-1), 1.0, atol=1e-6) and np.allclose(w2t.sum(-1), 1.0, atol=1e-6)


def classifier_params(v: int, c: int, d: int, m: int, cross: bool) -> int:
    """The classifier's parameters in closed form (one word block, one text block)."""
    dense = d * d + d
    block = 2 * 2 * d + 4 * dense + (d * m + m) + (m * d + d)  # 2 norms, attention, MLP
    pools = 2 * (dense + d)  # word and text attention pooling
    cross_level = 2 * 2 * d + 2 * 4 * dense if cross else 0  # 2 norms, 2 attentions
    return v * d + 2 * block + pools + 2 * 2 * d + d * c + c + cross_level


# ---- 3. inside a model: the hierarchical classifier, trained briefly
def step3_classifier(args, out: Path) -> None:
    train = load_labelled(DATA / "train.jsonl")
    val = load_labelled(DATA / "validation.jsonl", label_names=train.label_names)
    if args.quick:
        train = train.split((0.15, 0.85), seed=args.seed)[0]  # 102 documents
        val = val.split((0.4, 0.6), seed=args.seed)[0]  # 60 documents
    cfg = ClassifierConfig.tiny(epochs=2 if args.quick else 10, seed=args.seed)
    clf, m = train_classifier(train, None, cfg, val_data=val, verbose=0)
    acc, (s, w) = m["validation"]["accuracy"], m["input_shape"]
    print(f"\n3. HierarchicalClassifier on {len(train)} Chinese documents (input {s} sentences "
          f"x {w} characters), {m['epochs']} epochs")
    print(f"   {m['params']:,} parameters: {m['vocab_size']} x {cfg.embedding_dim} embedding, "
          "a word block, a text block, two poolings, two norms, the head, and the two "
          "cross-level attentions with their norms")
    print(f"   validation accuracy {acc:.3f} (chance {1 / train.num_classes:.3f})")
    assert len(train) == (102 if args.quick else 660) and m["epochs"] == cfg.epochs
    assert s <= cfg.max_sentences and w <= cfg.max_words
    assert m["params"] == classifier_params(m["vocab_size"], train.num_classes,
                                            cfg.embedding_dim, cfg.mlp_dim, cross=True)
    assert 0.0 <= acc <= 1.0 and abs(1 / train.num_classes - 1 / 6) < 1e-12
    if not args.quick:
        assert acc > 0.9, f"validation accuracy {acc:.3f}"
    a = clf.attention(ASIDE_TEXT)
    png = plot_attention(a, out / "ch03_3_attention.png")
    print(f"   {ASIDE_TEXT}\n   -> {a['label']} ({float(a['probabilities'].max()):.3f})")
    for i, (sentence, weight) in enumerate(zip(a["sentences"], a["text"], strict=True)):
        print(f"   S{i + 1} text-level weight {weight:.3f}  {sentence}")
    print(f"   the heatmaps: {png}")
    assert len(a["sentences"]) == 3 and abs(a["text"].sum() - 1) < 1e-5
    assert np.allclose(a["word"].sum(-1), 1.0, atol=1e-5)
    assert 0 < float(a["probabilities"].max()) <= 1
    check_png(png)
    if not args.quick:  # the recipe sentence decides; the aside and the sign-off do not
        assert a["label"] == "美食" and a["text"].argmax() == 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§3.3: cross-level attention, listing and model")
    p.add_argument("--quick", action="store_true", help="seconds, for the tests")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("llm-tf-out") / Path(__file__).stem,
                   help="output folder (default: llm-tf-out/ch03_3_cross_layer_attention)")
    args = p.parse_args(argv)
    set_seed(args.seed)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    states = embed_words(args.seed)
    step1_listing(states)
    step2_two_sentences(states)
    step3_classifier(args, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
