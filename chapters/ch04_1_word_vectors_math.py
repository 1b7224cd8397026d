"""§4.1.1 and §4.5.1 Word2Vec's mathematics, every number computed twice.

What the article prints
    §4.1.1: J = -Σ_{i=1}^{N} Σ_{j ∈ context(i)} log p(w_j | w_i), "trained by minimising
    the probability of the predicted words".
    §4.5.1: a vocabulary of three words 我, 爱, 中国 with vectors v_1, v_2, v_3 and
        p("我" | "爱")   = exp(<v_1, v_2>) / Σ_j exp(<v_1, v_j>)
        p("爱" | "我")   = exp(<v_2, v_1>) / Σ_j exp(<v_2, v_j>)
        p("中国" | "爱") = exp(<v_3, v_2>) / Σ_j exp(<v_3, v_j>)
        P("我爱中国") = p("我" | "爱") × p("爱" | "我") × p("中国" | "爱")

What this script shows (each number is checked, not only printed)
    1. §4.5.1 with numbers: seeded 3-d vectors, each conditional probability computed
       by hand with numpy as printed and as it should be (the softmax normalises over
       the *predicted* word: p(o | c) = exp(u_o·v_c) / Σ_w exp(u_w·v_c)), beside the
       value from ``llm_tf.vectors.Word2VecModel`` holding the same vectors. The
       printed denominators belong to the reverse conditionals (docs/errata.md).
    2. The "sequence probability": the printed product is a product of skip-gram
       conditionals, not a probability of the sequence; summed over all 27
       three-word sequences it does not give 1, while a chain-rule product
       p(w_1) p(w_2 | w_1) p(w_3 | w_2) with the correct conditionals does.
    3. §4.1.1's J on the sentence (window 1) by hand and from the model's logits (equal),
       and the negative-sampling loss word2vec minimises instead, by hand and from
       ``llm_tf.vectors.sgns`` (equal). Training *minimises J*, i.e. maximises the
       probability of the context words.
    4. A skip-gram model trained on "我爱中国" repeated: its learned p(o | c), whose
       rows are distributions peaked on each word's neighbours.

Run
    python chapters/ch04_1_word_vectors_math.py [--quick] [--seed 0]
"""

# ruff: noqa: E402  (TensorFlow is imported quietly before the imports that load it)
from llm_tf.runtime import quiet_tensorflow_import

quiet_tensorflow_import()

import argparse
import itertools
import sys

import keras
import numpy as np
import tensorflow as tf

from llm_tf.vectors import Word2Vec, Word2VecConfig, Word2VecModel
from llm_tf.vectors.sgns import article_softmax_probability, sgns_gradients, softmax_probabilities

WORDS = ["我", "爱", "中国"]
PAIRS = [(0, 1), (1, 0), (1, 2), (2, 1)]  # (centre i, context j) of 我爱中国, window 1


def model_holding(v: np.ndarray) -> Word2VecModel:
    """A Word2VecModel whose input and output embeddings both hold ``v`` (u = v, as in §4.5.1).

    Ids 0-3 are the special tokens; the words are ids 4, 5, 6.
    """
    dim = v.shape[1]
    model = Word2VecModel(vocab_size=7, embedding_dim=dim, seed=0)
    model.build()
    table = np.zeros((7, dim), "float32")
    table[4:] = v
    model.target_embedding.embeddings.assign(table)
    model.context_embedding.embeddings.assign(table)
    return model


def conditionals(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1. §4.5.1's conditionals: printed, by hand, and from the model. Returns (correct, model's)."""
    print("1. v_1 (我), v_2 (爱), v_3 (中国) =")
    print(v)
    correct = softmax_probabilities(v, v)  # (3, 3): [c, o] = p(o | c)
    ids = np.array([4, 5, 6], "int32")
    logits = model_holding(v)(ids, np.tile(ids, (3, 1))).numpy()  # (3 centres, 3 candidates)
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
    return correct, from_model


def sequence_probability(v: np.ndarray, correct: np.ndarray) -> float:
    """2. The printed P(我爱中国) is no distribution over sequences; the chain rule's is."""

    def printed_product(seq):  # P(w1 w2 w3) = p(w1|w2) p(w2|w1) p(w3|w2), as printed
        a, b, c = seq
        return (
            article_softmax_probability(v, a, b)
            * article_softmax_probability(v, b, a)
            * article_softmax_probability(v, c, b)
        )

    def chain_rule(seq):  # p(w1) p(w2|w1) p(w3|w2) with p(w1) = 1/3 and correct conditionals
        a, b, c = seq
        return correct[a, b] * correct[b, c] / 3

    sequences = list(itertools.product(range(3), repeat=3))
    total = sum(printed_product(s) for s in sequences)
    chain_total = sum(chain_rule(s) for s in sequences)
    print(
        f"\n2. printed P(我爱中国) = {printed_product((0, 1, 2)):.4f}; summed over all 27 "
        f"sequences of the three words: {total:.4f} (a distribution would give 1)"
    )
    print(
        f"   the chain rule p(w_1) p(w_2|w_1) p(w_3|w_2) (p(w_1) = 1/3) sums to {chain_total:.4f}"
    )
    assert abs(chain_total - 1) < 1e-12
    assert abs(total - 1) > 1e-3, total
    # the same two numbers by matrix algebra: A[t, g] = printed p(t | g) = exp(v_t.v_g) /
    # sum_j exp(v_t.v_j) (rows normalised); the sum over (a, b, c) of A[a,b] A[b,a] A[c,b]
    s = v @ v.T  # (3, 3)
    A = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    closed = np.einsum("ab,ba,cb->", A, A, A)
    assert abs(closed - total) < 1e-12, (closed, total)
    assert abs(A[0, 1] * A[1, 0] * A[2, 1] - printed_product((0, 1, 2))) < 1e-12
    print(f"   check: the 27-term sum = einsum('ab,ba,cb', A, A, A) = {closed:.4f}; the chain "
          "rule's = 1 ok")
    window1 = np.prod([correct[i, j] for i, j in PAIRS])
    softmax_rows = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)  # [c, o] = p(o | c), u = v
    assert abs(window1 - np.prod([softmax_rows[i, j] for i, j in PAIRS])) < 1e-12
    print(
        f"   the skip-gram likelihood of the sentence, window 1 (every centre predicts its"
        f"\n   neighbours): p(爱|我) p(我|爱) p(中国|爱) p(爱|中国) = {window1:.4f}"
    )
    return window1


def objective(
    v: np.ndarray, correct: np.ndarray, from_model: np.ndarray, likelihood: float
) -> None:
    """3. §4.1.1's J, and the negative-sampling loss word2vec minimises instead."""
    j_by_hand = -sum(np.log(correct[i, j]) for i, j in PAIRS)
    j_model = -sum(np.log(from_model[i, j]) for i, j in PAIRS)
    print(
        f"\n3. J (§4.1.1) = {j_by_hand:.4f} by hand, {j_model:.4f} from the model's logits;"
        f"\n   exp(-J) = {np.exp(-j_by_hand):.4f} is the likelihood above. Training minimises J"
        "\n   (maximises the context words' probability)."
    )
    assert abs(j_by_hand - j_model) < 1e-4
    assert abs(np.exp(-j_by_hand) - likelihood) < 1e-12
    table = np.zeros((7, v.shape[1]), "float32")
    table[4:] = v
    centres = tf.constant([4 + i for i, _ in PAIRS], tf.int32)
    contexts = tf.constant([4 + j for _, j in PAIRS], tf.int32)
    noise = [6, 6, 4, 4]  # one noise word per pair (K=1)
    negatives = tf.constant([[k] for k in noise], tf.int32)
    emb = tf.constant(table)
    _, _, _, (loss, n) = sgns_gradients(
        tf.gather(emb, centres),
        tf.gather(emb, contexts),
        tf.gather(emb, negatives),
        contexts,
        negatives,
        tf.ones([4]),
    )

    def log_sigmoid(x):
        return -np.log1p(np.exp(-x))

    by_hand = -sum(
        log_sigmoid(v[i] @ v[j]) + log_sigmoid(-v[i] @ v[k - 4])
        for (i, j), k in zip(PAIRS, noise, strict=True)
    )
    print(
        f"   word2vec minimises the negative-sampling loss instead (K=1 noise word here):"
        f"\n   -Σ [log σ(u_o·v_c) + log σ(-u_n·v_c)] = {by_hand:.4f} by hand, "
        f"{float(loss):.4f} from llm_tf ({int(n)} pairs)"
    )
    assert abs(by_hand - float(loss)) < 1e-4 and int(n) == len(PAIRS)


def learned_conditionals(quick: bool, seed: int) -> np.ndarray:
    """4. Train skip-gram on 我爱中国 x 50 and read its p(o | c) over the three words."""
    w2v = Word2Vec(
        Word2VecConfig.tiny(
            embedding_dim=8,
            window=1,
            negative=2,
            epochs=5 if quick else 40,
            seed=seed + 1,
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
    )  # (3, 3): [c, o] = p(o | c)
    print("\n4. after training on 我爱中国 x 50 (window 1), p(o | c) over the three words:")
    print("   c \\ o  " + "  ".join(f"{w:>4}" for w in WORDS))
    for c, row in zip(WORDS, learned, strict=True):
        print(f"   {c:<5}" + "  ".join(f"{x:6.3f}" for x in row))
    np.testing.assert_allclose(learned.sum(axis=1), 1.0, rtol=1e-6)
    # the same table through the model's own call: logits v_c . u_o, then softmax
    logits = net(word_ids, np.tile(word_ids, (3, 1))).numpy()  # (3 centres, 3 candidates)
    through_model = tf.nn.softmax(logits, axis=-1).numpy()
    np.testing.assert_allclose(learned, through_model, atol=1e-5)
    likeliest = learned.argmax(axis=1)  # each word's likeliest context: a neighbour of it
    assert likeliest[0] == 1 and likeliest[1] in (0, 2) and likeliest[2] == 1, learned
    print("   check: rows sum to 1, equal to the model's softmax(v_c . u_o); each word's "
          "likeliest context is a neighbour of it in the sentence ok")
    return learned


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§4.1.1, §4.5.1: word2vec's formulas with numbers")
    p.add_argument("--quick", action="store_true", help="seconds, for the tests")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dim", type=int, default=3, help="size of v_1, v_2, v_3")
    args = p.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    v = rng.normal(size=(3, args.dim)).round(2)  # v_1, v_2, v_3: (3, dim), one vector per word
    correct, from_model = conditionals(v)
    likelihood = sequence_probability(v, correct)
    objective(v, correct, from_model, likelihood)
    learned_conditionals(args.quick, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
