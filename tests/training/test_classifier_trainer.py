"""§6.4, §3.3: training, loading, evaluating and explaining the hierarchical classifier."""

import json

import keras
import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import ClassifierConfig
from llm_tf.text.labelled_data import LabelledTexts, load_labelled
from llm_tf.text.vocab import Vocabulary
from llm_tf.training.classifier_trainer import (
    KeepBest,
    SentenceTokenizer,
    encode_documents,
    load_classifier,
    plot_attention,
    tokenize_document,
    train_classifier,
)
from tests.paths import DATA

EN = DATA / "classify" / "en"
BOW_TEST_ACCURACY_EN = 0.747  # llm_tf.evaluation.bag_of_words on the same split (data/README.md)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The English data, a small model, 4 epochs (about 20 s on 2 cores)."""
    out = tmp_path_factory.mktemp("classifier") / "run"
    cfg = ClassifierConfig.tiny(epochs=4, seed=0)
    clf, metrics = train_classifier(EN / "train", out, cfg, val_data=EN / "validation",
                                    test_data=EN / "test", verbose=0)
    return out, clf, metrics


# ---- documents -> (sentences x words) ids
def test_documents_become_sentences_of_tokens():
    tok = SentenceTokenizer()
    assert tokenize_document("The sun rose. It was warm!", tok) == [
        ["The", "sun", "rose", "."], ["It", "was", "warm", "!"]]
    # auto decides per sentence: characters for Chinese, words for English
    assert tokenize_document("他 很好。 Then he left.", tok) == [
        ["他", "很", "好", "。"], ["Then", "he", "left", "."]]
    assert tokenize_document("Big Sky.", SentenceTokenizer("char", lower=True)) == [
        ["b", "i", "g", "s", "k", "y", "."]]
    assert SentenceTokenizer.from_config(SentenceTokenizer("word", True).to_config()) == \
        SentenceTokenizer("word", True)
    with pytest.raises(UserInputError, match="'bpe'"):
        SentenceTokenizer("bpe")


def test_encoding_pads_and_truncates():
    vocab = Vocabulary.build([list("abcdef")])
    docs = [[list("abc"), list("de")], [list("f")], [list("abcdef"), list("a"), list("b")]]
    ids = encode_documents(docs, vocab, max_sentences=2, max_words=4)
    assert ids.shape == (3, 2, 4) and ids.dtype == np.int32
    a, b, c, d, e, f = (vocab[x] for x in "abcdef")
    assert ids[0].tolist() == [[a, b, c, 0], [d, e, 0, 0]]
    assert ids[1].tolist() == [[f, 0, 0, 0], [0, 0, 0, 0]]
    assert ids[2].tolist() == [[a, b, c, d], [a, 0, 0, 0]]  # truncated: 2 sentences, 4 words
    assert encode_documents([[list("zz")]], vocab, 8, 8).tolist() == [[[1, 1]]]  # <unk>
    assert encode_documents(docs, vocab, 8, 8).shape == (3, 3, 6)  # the longest kept


# ---- a short run on the shipped data
def test_learns_the_shipped_data_above_the_bag_of_words(trained):
    _, _, m = trained
    assert m["train_documents"] == 660 and m["val_documents"] == 150
    assert m["test"]["accuracy"] > BOW_TEST_ACCURACY_EN + 0.1  # chance is 1/6
    assert m["test"]["macro_f1"] > BOW_TEST_ACCURACY_EN + 0.1
    assert m["history"]["val_accuracy"][-1] > m["history"]["val_accuracy"][0]


def test_the_run_folder_round_trips(trained, tmp_path):
    out, clf, m = trained
    for name in ("model.keras", "vocab.json", "config.json", "metrics.json",
                 "confusion_matrix.validation.png", "confusion_matrix.test.png",
                 "checkpoint.keras", "state.json", "best.keras", "training_curve.png"):
        assert (out / name).is_file(), name
    curve = (out / "training_curve.png").read_bytes()  # loss and accuracy per epoch
    assert curve.startswith(b"\x89PNG\r\n\x1a\n") and len(curve) > 1000
    assert json.loads((out / "state.json").read_text(encoding="utf-8"))["epoch"] == 4
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["kind"] == "classifier" and cfg["tokenizer"] == {"kind": "auto", "lower": False}
    assert cfg["label_names"] == ["food", "geography", "science", "sport", "technology",
                                  "weather"]
    assert ClassifierConfig.from_dict(cfg["config"]) == ClassifierConfig.tiny(epochs=4, seed=0)
    saved = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert saved["test"]["accuracy"] == m["test"]["accuracy"]
    assert 1 <= saved["best_epoch"] <= saved["epochs"] == 4
    loaded = load_classifier(out)
    texts = load_labelled(EN / "test").texts[:20]
    np.testing.assert_allclose(loaded.predict_proba(texts), clf.predict_proba(texts), atol=1e-6)
    result = loaded.evaluate(EN / "test", png=tmp_path / "cm.png")
    assert result["accuracy"] == pytest.approx(m["test"]["accuracy"])
    assert np.sum(result["confusion_matrix"]) == 150 and (tmp_path / "cm.png").stat().st_size


def test_predict_and_attention(trained, tmp_path):
    _, clf, _ = trained
    text = ("By the way, the striker scored twice in the final. The chef tasted the broth "
            "before adding tomatoes. Thanks for reading.")
    assert clf.predict([text]) == ["food"]
    a = clf.attention(text)
    assert a["label"] == "food" and len(a["sentences"]) == len(a["tokens"]) == 3
    assert a["tokens"][0][:4] == ["By", "the", "way", ","]
    assert a["word"].shape == (3, 12) and a["text"].shape == (3,)  # 12: the first sentence
    np.testing.assert_allclose(a["text"].sum(), 1.0, atol=1e-6)
    assert a["text"].argmax() == 1  # the food sentence, not the aside or the sign-off
    png = plot_attention(a, tmp_path / "attention.png")
    assert png.stat().st_size > 10_000
    with pytest.raises(UserInputError, match="attention.pdf"):
        plot_attention(a, tmp_path / "attention.pdf")
    with pytest.raises(UserInputError, match="empty"):
        clf.attention("  ")


# ---- data handling
def _texts(label_names, labels, texts):
    return LabelledTexts(texts, np.array(labels), label_names, ["x"] * len(texts))


def test_validation_labels_are_mapped_by_name(trained):
    _, clf, _ = trained
    test = load_labelled(EN / "test")
    flipped_names = list(reversed(test.label_names))
    flipped = _texts(flipped_names, [5 - y for y in test.labels], test.texts)
    assert clf.evaluate(flipped)["accuracy"] == clf.evaluate(test)["accuracy"]
    other = _texts(["food", "music"], [0, 1], ["a.", "b."])
    with pytest.raises(UserInputError, match="'music'"):
        clf.evaluate(other)


def test_an_empty_validation_split_is_refused(tmp_path):
    two_each = _texts(["a", "b"], [0, 0, 1, 1], ["x y.", "x z.", "p q.", "p r."])
    with pytest.raises(UserInputError, match="--val-data"):
        train_classifier(two_each, tmp_path / "r", ClassifierConfig.tiny())
    assert not (tmp_path / "r").exists()


def test_a_used_out_folder_is_refused(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "notes.txt").write_text("mine")
    with pytest.raises(UserInputError, match="not empty"):
        train_classifier(EN / "validation", tmp_path / "r", ClassifierConfig.tiny())


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "not found"),
    (lambda p: p.write_text("x"), "not a folder"),
    (lambda p: (p.mkdir(), (p / "config.json").write_text('{"arch": "lstm", "config": {}}')),
     "language-model run"),
    (lambda p: (p.mkdir(), (p / "vectors.txt").write_text("1 1\na 0.5\n")), "word-vector run"),
    (lambda p: (p.mkdir(), (p / "config.json").write_text('{"kind": "classifier"}')),
     "has no vocab.json"),
    (lambda p: p.mkdir(), "not a classifier run folder"),
])
def test_loading_anything_else_names_it(tmp_path, make, message):
    path = tmp_path / "run"
    make(path)
    with pytest.raises(UserInputError, match=message):
        load_classifier(path)


# ---- early stopping: accuracy first, then loss
def test_keep_best_breaks_ties_by_validation_loss():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    cb = KeepBest(patience=2)
    cb.set_model(model)
    model.stop_training = False  # as fit() sets it
    logs = [(0.5, 1.0), (0.9, 0.8), (0.9, 0.6), (0.9, 0.7), (0.8, 0.1), (1.0, 0.9)]
    for epoch, (acc, loss) in enumerate(logs):
        model.layers[0].kernel.assign(np.full((2, 1), float(epoch), "float32"))
        cb.on_epoch_end(epoch, {"val_accuracy": acc, "val_loss": loss})
        if model.stop_training:
            break
    assert epoch == 4 and cb.best_epoch == 2  # the tie at 0.9 went to the lower loss
    cb.on_train_end()
    assert np.all(np.asarray(model.layers[0].kernel) == 2.0)  # epoch 2's weights put back
