"""The tf-idf + softmax-regression baseline: features by hand, optimality, a toy task, the shipped data."""

import math

import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.evaluation.bag_of_words import BagOfWordsClassifier
from llm_tf.evaluation.classification_metrics import accuracy, macro_f1
from llm_tf.text.labelled_data import load_labelled
from llm_tf.text.tokenizers import Tokenizer
from tests.paths import DATA

TOY = [
    ("the match ended with a late goal", 0), ("the striker scored a goal", 0),
    ("fans cheered the team and the goal", 0), ("a penalty decided the match", 0),
    ("heavy rain and wind tonight", 1), ("the forecast says rain", 1),
    ("snow and wind in the north", 1), ("a storm brings heavy rain", 1),
    ("fry the garlic in oil", 2), ("the soup needs garlic and salt", 2),
    ("bake the bread with salt", 2), ("stir the soup in a pan", 2),
]


def _toy():
    return [t for t, _ in TOY], np.array([y for _, y in TOY])


def test_tfidf_features_by_hand():
    clf = BagOfWordsClassifier(tokenizer="space", ngrams=1, sublinear_tf=False)
    clf.fit(["a b b", "a c"], [0, 1])
    assert clf.features_ == ["a", "b", "c"]  # by document frequency, then alphabetically
    idf_a, idf_bc = math.log(3 / 3) + 1, math.log(3 / 2) + 1
    np.testing.assert_allclose(clf.idf_, [idf_a, idf_bc, idf_bc])
    x = clf.transform(["a b b", "c c z"])
    row = np.array([idf_a, 2 * idf_bc, 0.0])
    np.testing.assert_allclose(x[0], row / np.linalg.norm(row))
    np.testing.assert_allclose(x[1], [0.0, 0.0, 1.0])  # unseen "z" ignored, unit length
    sub = BagOfWordsClassifier(tokenizer="space", ngrams=1).fit(["a b b", "a c"], [0, 1])
    row = np.array([idf_a, (1 + math.log(2)) * idf_bc, 0.0])
    np.testing.assert_allclose(sub.transform(["a b b"])[0], row / np.linalg.norm(row))


def test_bigrams_min_count_and_max_features():
    docs = ["a b c", "a b d", "x y"]
    clf = BagOfWordsClassifier(tokenizer="space", ngrams=2).fit(docs, [0, 0, 1])
    assert "a b" in clf.vocabulary_ and "b c" in clf.vocabulary_
    clf = BagOfWordsClassifier(tokenizer="space", ngrams=2, min_count=2).fit(docs, [0, 0, 1])
    assert clf.features_ == ["a", "a b", "b"]
    clf = BagOfWordsClassifier(tokenizer="space", ngrams=1, max_features=2).fit(docs, [0, 0, 1])
    assert clf.features_ == ["a", "b"]


def test_tokenizers_auto_char_and_token_lists():
    clf = BagOfWordsClassifier(ngrams=1).fit(["今天下雨", "明天晴天"], [0, 1])
    assert clf.tokenizer_.kind == "char" and "雨" in clf.vocabulary_
    clf = BagOfWordsClassifier(ngrams=1).fit(["It Rains.", "Sunny today."], [0, 1])
    assert clf.tokenizer_ == Tokenizer("word", lower=True) and "rains" in clf.vocabulary_
    clf = BagOfWordsClassifier(ngrams=2).fit([["x", "y"], ["z"]], [0, 1])
    assert clf.features_ == ["x", "x y", "y", "z"]
    assert clf.predict([["x"], ["z"]]).tolist() == [0, 1]


def test_learns_a_toy_task_and_is_deterministic():
    docs, y = _toy()
    clf = BagOfWordsClassifier(l2=1e-2, seed=7).fit(docs, y)
    assert clf.converged_ and clf.n_iter_ < clf.max_iter
    assert clf.score(docs, y) == 1.0
    unseen = ["a goal in the match", "rain and wind", "garlic soup", "the team scored"]
    assert clf.predict(unseen).tolist() == [0, 1, 2, 0]
    p = clf.predict_proba(unseen)
    assert p.shape == (4, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert "goal" in clf.top_features(5)[0] and "rain" in clf.top_features(5)[1]
    again = BagOfWordsClassifier(l2=1e-2, seed=7).fit(docs, y)
    np.testing.assert_array_equal(clf.coef_, again.coef_)
    other_seed = BagOfWordsClassifier(l2=1e-2, seed=8).fit(docs, y)  # one optimum
    np.testing.assert_allclose(clf.coef_, other_seed.coef_, atol=1e-4)


def test_the_fit_is_the_regularised_optimum():
    """The gradient of mean cross-entropy + l2/2 ||W||^2, written in plain numpy, is ~0."""
    docs, y = _toy()
    l2 = 1e-2
    clf = BagOfWordsClassifier(l2=l2, tol=1e-7, max_iter=5000).fit(docs, y)
    assert clf.converged_
    x = clf.transform(docs)  # (N, F)
    logits = x @ clf.coef_ + clf.intercept_
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    err = (p - np.eye(3)[y]) / len(y)
    assert np.abs(x.T @ err + l2 * clf.coef_).max() < 1e-6
    assert np.abs(err.sum(axis=0)).max() < 1e-6
    loss = -np.log(p[np.arange(len(y)), y]).mean() + 0.5 * l2 * (clf.coef_ ** 2).sum()
    assert clf.loss_ == pytest.approx(loss)
    # a stronger penalty gives smaller weights
    strong = BagOfWordsClassifier(l2=1.0).fit(docs, y)
    assert np.linalg.norm(strong.coef_) < np.linalg.norm(clf.coef_)


def test_a_document_of_unseen_words_gets_the_prior():
    clf = BagOfWordsClassifier(tokenizer="space", ngrams=1).fit(["a", "a", "b"], [0, 0, 1])
    p = clf.predict_proba(["zzz"])[0]
    np.testing.assert_allclose(p, np.exp(clf.intercept_) / np.exp(clf.intercept_).sum())
    assert p[0] > p[1]  # two of the three training documents are class 0


@pytest.mark.parametrize("kwargs, match", [
    ({"ngrams": 0}, "ngrams must be an integer >= 1"),
    ({"min_count": 1.5}, "min_count must be an integer"),
    ({"max_features": 0}, "max_features must be a positive integer or None"),
    ({"l2": -1}, "l2 must be a number >= 0"),
    ({"tol": 0}, "tol must be a number > 0"),
    ({"tokenizer": "bpe"}, "tokenizer must be auto, word, char, space"),
])
def test_bad_settings(kwargs, match):
    with pytest.raises(UserInputError, match=match):
        BagOfWordsClassifier(**kwargs)


def test_bad_fit_input():
    clf = BagOfWordsClassifier()
    with pytest.raises(UserInputError, match="one label per document"):
        clf.fit(["a", "b"], [0])
    with pytest.raises(UserInputError, match="num_classes >= 2"):
        clf.fit(["a", "b"], [0, 0])
    with pytest.raises(UserInputError, match="labels must be integers"):
        clf.fit(["a", "b"], [0.0, 1.0])
    with pytest.raises(UserInputError, match="no feature is in 3 or more"):
        BagOfWordsClassifier(min_count=3).fit(["a", "b"], [0, 1])
    with pytest.raises(UserInputError, match="a list of documents"):
        BagOfWordsClassifier().fit("ab", [0, 1])
    with pytest.raises(RuntimeError, match="not fitted"):
        BagOfWordsClassifier().predict(["a"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_baseline_on_the_shipped_data_beats_chance_but_not_the_task(lang):
    if lang == "en":
        paths = [DATA / "classify" / "en" / s for s in ("train", "validation", "test")]
    else:
        paths = [DATA / "classify" / "zh" / f"{s}.jsonl" for s in ("train", "validation", "test")]
    train = load_labelled(paths[0])
    val, test = (load_labelled(p, label_names=train.label_names) for p in paths[1:])
    clf = BagOfWordsClassifier().fit(train.texts, train.labels)
    scores = {}
    for name, part in (("validation", val), ("test", test)):
        pred = clf.predict(part.texts)
        scores[name] = (accuracy(part.labels, pred), macro_f1(part.labels, pred, 6))
    print(f"\nBoW tf-idf baseline, {lang}: " + ", ".join(
        f"{k} accuracy {a:.3f} macro-F1 {f:.3f}" for k, (a, f) in scores.items()))
    chance = 1 / train.num_classes
    for acc, _ in scores.values():
        assert chance + 0.3 < acc < 0.95  # learnable, but asides fool a bag of words
