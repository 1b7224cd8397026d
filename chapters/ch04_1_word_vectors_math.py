"""§4.1.1 and §4.5.1 Word2Vec's mathematics, every number computed twice.

What the article prints
    §4.1.1: J = -Σ_{i=1}^{N} Σ_{j ∈ context(i)} log p(w_j | w_i), "trained by minimising
    the probability of the predicted words".
    §4.5.1: a vocabulary of three words 我, 爱, 中国 with vectors v_1, v_2, v_3 and
        p("我" | "爱")   = exp(<v_1, v_2>) / Σ_j exp(<v_1, v_j>)
        p("爱" | "我")   = exp(<v_2, v_1>) / Σ_j exp(<v_2, v_j>)
        p("中国" | "爱") = exp(<v_3, v_2>) / Σ_j exp(<v_3, v_j>)
        P("我爱中国") = p("我" | "爱") × p("爱" | "我") × p("中国" | "爱")

What this script shows
    1. §4.5.1 with numbers: seeded 3-d vectors, each conditional probability computed
       by hand with numpy as printed and as it should be (the softmax normalises over
       the *predicted* word: p(o | c) = exp(u_o·v_c) / Σ_w exp(u_w·v_c)), beside the
       value from ``llm_tf.word2vec.Word2VecModel`` holding the same vectors. The
       printed denominators belong to the reverse conditionals (docs/errata.md).
    2. The "sequence probability": the printed product is a product of skip-gram
       conditionals, not a probability of the sequence; summed over all 27
       three-word sequences it does not give 1.
    3. §4.1.1's J on the sentence (window 1) by hand and from the model's logits, and
       the negative-sampling loss word2vec minimises instead. Training *minimises J*,
       i.e. maximises the probability of the context words.
    4. A skip-gram model trained on "我爱中国" repeated: its learned p(o | c).

Run
    python chapters/ch04_1_word_vectors_math.py [--quick] [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llm_tf.cli import quiet_tensorflow_import  # noqa: E402

WORDS = ["我", "爱", "中国"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§4.1.1, §4.5.1: word2vec's formulas with numbers")
    p.add_argument("--quick", action="store_true", help="seconds, for the tests")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dim", type=int, default=3, help="size of v_1, v_2, v_3")
    args = p.parse_args(argv)
    quiet_tensorflow_import()
    import keras
    import numpy as np
    import tensorflow as tf

    from llm_tf.sgns import article_softmax_probability, sgns_gradients, softmax_probabilities
    from llm_tf.word2vec import Word2Vec, Word2VecConfig, Word2VecModel

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    # ---- 1. §4.5.1: three words, one vector each (the article's simplification)
    v = rng.normal(size=(3, args.dim)).round(2)  # v_1, v_2, v_3: (3, dim)
    print("1. v_1 (我), v_2 (爱), v_3 (中国) =")
    print(v)
    correct = softmax_probabilities(v, v)  # (3, 3): [c, o] = p(o | c)
    # The model: ids 0-3 are special tokens, the words are ids 4, 5, 6; both of its
    # embeddings hold v, so u = v as in the article.
    model = Word2VecModel(vocab_size=7, embedding_dim=args.dim, seed=args.seed)
    model.build()
    table = np.zeros((7, args.dim), "float32")
    table[4:] = v
    model.target_embedding.embeddings.assign(table)
    model.context_embedding.embeddings.assign(table)
    ids = np.array([4, 5, 6], "int32")
    logits = model(ids, np.tile(ids, (3, 1))).numpy()  # (3 centres, 3 candidates)
    from_model = tf.nn.softmax(logits, axis=-1).numpy()  # [c, o] = p(o | c)
    print("\n   formula            printed (as in §4.5.1)   correct p(o|c)   model")
    for target, given in ((0, 1), (1, 0), (2, 1)):
        printed = article_softmax_probability(v, target, given)
        # by hand, the correct way: normalise over the predicted word o, given c
        scores = v @ v[given]  # (3,): <v_o, v_c> for every o
        by_hand = np.exp(scores[target]) / np.exp(scores).sum()
        assert abs(by_hand - correct[given, target]) < 1e-12
        assert abs(by_hand - from_model[given, target]) < 1e-5
        print(
            f"   p({WORDS[target]}|{WORDS[given]})".ljust(20)
            + f"{printed:.4f}".ljust(25)
            + f"{by_hand:.4f}".ljust(17)
            + f"{from_model[given, target]:.4f}"
        )
        assert abs(printed - correct[target, given]) < 1e-12  # printed = p(given | target)
    print(
        "   the printed denominators sum over the first word's partners: each printed value"
        "\n   is the reverse conditional, e.g. printed p(我|爱) = correct p(爱|我)."
    )

    # ---- 2. the "sequence probability"
    def printed_product(seq):  # P(w1 w2 w3) = p(w1|w2) p(w2|w1) p(w3|w2), as printed
        a, b, c = seq
        return (
            article_softmax_probability(v, a, b)
            * article_softmax_probability(v, b, a)
            * article_softmax_probability(v, c, b)
        )

    total = sum(printed_product(s) for s in itertools.product(range(3), repeat=3))
    print(
        f"\n2. printed P(我爱中国) = {printed_product((0, 1, 2)):.4f}; summed over all 27 "
        f"sequences of the three words: {total:.4f} (a distribution would give 1)"
    )
    window1 = correct[0, 1] * correct[1, 0] * correct[1, 2] * correct[2, 1]
    print(
        f"   the skip-gram likelihood of the sentence, window 1 (every centre predicts its"
        f"\n   neighbours): p(爱|我) p(我|爱) p(中国|爱) p(爱|中国) = {window1:.4f}"
    )

    # ---- 3. §4.1.1: J = -Σ_i Σ_{j∈context(i)} log p(w_j | w_i), window 1
    pairs = [(0, 1), (1, 0), (1, 2), (2, 1)]  # (i, j): centre, context
    j_by_hand = -sum(np.log(correct[i, j]) for i, j in pairs)
    j_model = -sum(np.log(from_model[i, j]) for i, j in pairs)
    print(
        f"\n3. J (§4.1.1) = {j_by_hand:.4f} by hand, {j_model:.4f} from the model's logits;"
        f"\n   exp(-J) = {np.exp(-j_by_hand):.4f} is the likelihood above. Training minimises J"
        "\n   (maximises the context words' probability)."
    )
    centres = tf.constant([4 + i for i, _ in pairs], tf.int32)
    contexts = tf.constant([4 + j for _, j in pairs], tf.int32)
    negatives = tf.constant([[6], [6], [4], [4]], tf.int32)  # one noise word per pair (K=1)
    emb = tf.constant(table)
    _, _, _, (loss, n) = sgns_gradients(
        tf.gather(emb, centres),
        tf.gather(emb, contexts),
        tf.gather(emb, negatives),
        contexts,
        negatives,
        tf.ones([4]),
    )
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    by_hand = -sum(
        np.log(sig(v[i] @ v[j])) + np.log(sig(-v[i] @ v[k - 4]))
        for (i, j), k in zip(pairs, [6, 6, 4, 4], strict=True)
    )
    assert abs(by_hand - float(loss)) < 1e-4
    print(
        f"   word2vec minimises the negative-sampling loss instead (K=1 noise word here):"
        f"\n   -Σ [log σ(u_o·v_c) + log σ(-u_n·v_c)] = {by_hand:.4f} by hand, "
        f"{float(loss):.4f} from llm_tf ({int(n)} pairs)"
    )

    # ---- 4. learn p(o | c) from "我爱中国", repeated
    w2v = Word2Vec(
        Word2VecConfig.tiny(
            embedding_dim=8,
            window=1,
            negative=2,
            epochs=5 if args.quick else 40,
            seed=args.seed + 1,
            words_per_batch=64,
            negative_group=1,
        )
    )
    w2v.fit([WORDS] * 50, verbose=0)
    net = w2v.model
    word_ids = np.array([w2v.vocab[w] for w in WORDS], "int32")
    learned = softmax_probabilities(
        net.target_embedding.embeddings.numpy()[word_ids],
        net.context_embedding.embeddings.numpy()[word_ids],
    )
    print("\n4. after training on 我爱中国 x 50 (window 1), p(o | c) over the three words:")
    print("   c \\ o  " + "  ".join(f"{w:>4}" for w in WORDS))
    for c, row in zip(WORDS, learned, strict=True):
        print(f"   {c:<5}" + "  ".join(f"{x:6.3f}" for x in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
