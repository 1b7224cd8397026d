"""Train, load, evaluate and explain the hierarchical document classifier (§3.3, §6.4).

A document becomes a (sentences x words) grid of token ids: split into sentences
(:func:`llm_tf.text.sentences.split_sentences`, no downloads), each sentence
tokenized (``auto``: NLTK words for English, characters for Chinese, decided
sentence by sentence, so a data set of both languages is cut as each language is;
whitespace tokens dropped), at most ``max_sentences`` sentences of at most
``max_words`` tokens kept, padded with 0 to the longest document and sentence of
the documents encoded together.
The vocabulary comes from the training texts only.

:func:`train_classifier` fits :class:`~llm_tf.models.HierarchicalClassifier` with
Adam, validation every epoch and early stopping on validation accuracy (the best
epoch's weights are kept), seeded, and writes a run folder::

    RUN/
      model.keras                  the model (the best validation epoch)
      vocab.json                   the vocabulary
      config.json                  {"kind": "classifier", "config": ClassifierConfig,
                                    "label_names", "tokenizer", "vocab_size", "data"}
      metrics.json                 history, best epoch, validation (and test) metrics
      confusion_matrix.validation.png (and .test.png with test data)
      training_curve.png           loss and accuracy per epoch, train and validation
      checkpoint.keras, state.json the model with its optimizer after the last epoch, and
                                   where training stands (``resume=True`` goes on)
      best.keras                   the best validation epoch so far

:func:`load_classifier` reads it back as a :class:`TrainedClassifier`, whose
``predict_proba``, ``evaluate`` (accuracy, macro-F1, confusion matrix PNG) and
``attention`` (the word-level and text-level weights of one text, drawn by
:func:`plot_attention`) serve ``llm-tf classify``, the chapters and the benchmark.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.evaluation.classification_metrics import (
    accuracy,
    confusion_matrix,
    macro_f1,
    plot_confusion_matrix,
)
from llm_tf.models import ClassifierConfig, HierarchicalClassifier  # registers the classes
from llm_tf.plotting import cjk_figure, save_figure
from llm_tf.runtime import enable_determinism, set_seed
from llm_tf.text.labelled_data import LabelledTexts, load_labelled
from llm_tf.text.sentences import split_sentences
from llm_tf.text.tokenizers import NAMES as TOKENIZERS
from llm_tf.text.tokenizers import Tokenizer, get_tokenizer
from llm_tf.text.vocab import Vocabulary
from llm_tf.training.callbacks import (
    CHECKPOINT,
    EpochBatches,
    EpochCheckpoint,
    load_checkpoint,
    read_state,
    resumable_run,
)
from llm_tf.training.run_folder import (
    check_vocab_size,
    load_model_file,
    new_run_folder,
    require_keys,
    save_model_atomic,
    write_json_atomic,
)

__all__ = ["KIND", "KeepBest", "SentenceTokenizer", "TrainedClassifier", "encode_documents",
           "load_classifier", "plot_attention", "tokenize_document", "train_classifier"]

KIND = "classifier"  # config.json's "kind": what tells this run folder from the others
CONFIG, VOCAB, MODEL, METRICS = "config.json", "vocab.json", "model.keras", "metrics.json"
BEST = "best.keras"  # the best validation epoch so far, while training runs
Data = LabelledTexts | str | os.PathLike


# ---------------------------------------------------------------- documents -> ids
@dataclass(frozen=True)
class SentenceTokenizer:
    """Sentence -> tokens. ``auto`` picks per sentence: characters when most of its letters
    are CJK, else NLTK words; ``word``, ``space`` and ``char`` apply to every sentence."""

    kind: str = "auto"
    lower: bool = False

    def __post_init__(self):
        if self.kind not in TOKENIZERS:
            raise UserInputError(f"unknown tokenizer {self.kind!r}; choose from "
                                 f"{', '.join(TOKENIZERS)}")

    def tokenize(self, sentence: str) -> list[str]:
        return get_tokenizer(self.kind, lower=self.lower, sample=sentence).tokenize(sentence)

    def to_config(self) -> dict:
        return {"kind": self.kind, "lower": self.lower}

    @classmethod
    def from_config(cls, config: dict) -> SentenceTokenizer:
        return cls(kind=config["kind"], lower=bool(config.get("lower", False)))


def tokenize_document(text: str, tokenizer: SentenceTokenizer | Tokenizer) -> list[list[str]]:
    """The sentences of ``text``, each a list of tokens (whitespace tokens dropped)."""
    out = []
    for sentence in split_sentences(text):
        tokens = [t for t in tokenizer.tokenize(sentence) if t.strip()]
        if tokens:
            out.append(tokens)
    return out


def encode_documents(docs: Sequence[list[list[str]]], vocab: Vocabulary, max_sentences: int,
                     max_words: int) -> np.ndarray:
    """(N, S, W) int32 ids, 0 = padding: the first ``max_sentences`` sentences of each
    document, the first ``max_words`` tokens of each sentence; S and W are the longest
    document and sentence kept (at least 1)."""
    kept = [[s[:max_words] for s in doc[:max_sentences]] for doc in docs]
    s = max([len(d) for d in kept] + [1])
    w = max([len(x) for d in kept for x in d] + [1])
    ids = np.zeros((len(kept), s, w), dtype=np.int32)
    for i, doc in enumerate(kept):
        for j, sentence in enumerate(doc):
            ids[i, j, :len(sentence)] = vocab.encode(sentence)
    return ids


def _load(data: Data, label_names=None, what: str = "data") -> LabelledTexts:
    if isinstance(data, LabelledTexts):
        if label_names is None or list(data.label_names) == list(label_names):
            return data
        unknown = sorted(set(data.label_names) - set(label_names))
        if unknown:
            raise UserInputError(f"{what} has labels the training data lacks: "
                                 f"{', '.join(map(repr, unknown))}")
        index = {n: i for i, n in enumerate(label_names)}
        labels = np.array([index[data.label_names[y]] for y in data.labels], dtype=np.int64)
        return LabelledTexts(list(data.texts), labels, list(label_names), list(data.sources))
    if not isinstance(data, (str, os.PathLike)):
        raise UserInputError(f"{what} must be LabelledTexts or a path, got {type(data).__name__}")
    return load_labelled(data, label_names=label_names)


# ---------------------------------------------------------------- a trained classifier
@dataclass
class TrainedClassifier:
    """A model with what turns text into its input, and the names of its labels."""

    model: object  # HierarchicalClassifier
    vocab: Vocabulary
    tokenizer: SentenceTokenizer
    label_names: list[str]
    config: ClassifierConfig

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(N, S, W) ids of ``texts``."""
        if isinstance(texts, str):
            raise UserInputError("texts must be a list of strings, got one string")
        docs = [tokenize_document(t, self.tokenizer) for t in texts]
        empty = [i for i, d in enumerate(docs) if not d]
        if empty:
            raise UserInputError(f"text {empty[0]} has no tokens: {texts[empty[0]]!r}")
        return encode_documents(docs, self.vocab, self.config.max_sentences,
                                self.config.max_words)

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """(N, C) label probabilities."""
        out = []
        for i in range(0, len(texts), batch_size):
            ids = self.encode(texts[i:i + batch_size])
            out.append(np.asarray(self.model(ids, training=False), dtype=np.float64))
        return np.concatenate(out) if out else np.zeros((0, len(self.label_names)))

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label name of each text."""
        return [self.label_names[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def evaluate(self, data: Data, png: str | os.PathLike | None = None,
                 title: str | None = None) -> dict:
        """Accuracy, macro-F1 and the confusion matrix (true rows, predicted columns) on
        ``data`` (labels mapped by name to this model's); with ``png``, the matrix drawn."""
        d = _load(data, self.label_names, "the evaluation data")
        pred = self.predict_proba(d.texts).argmax(axis=1)
        k = len(self.label_names)
        result = {"documents": len(d), "accuracy": accuracy(d.labels, pred),
                  "macro_f1": macro_f1(d.labels, pred, k),
                  "label_names": list(self.label_names),
                  "confusion_matrix": confusion_matrix(d.labels, pred, k).tolist()}
        if png is not None:
            plot_confusion_matrix(np.array(result["confusion_matrix"]), self.label_names, png,
                                  title=title)
            result["confusion_matrix_png"] = str(png)
        return result

    def attention(self, text: str) -> dict:
        """The attention of one text: its ``sentences`` and ``tokens`` (as kept), and
        :meth:`~llm_tf.models.HierarchicalClassifier.attention_weights` cut to them, with
        ``label`` and ``probabilities``."""
        if not isinstance(text, str) or not text.strip():
            raise UserInputError(f"the text is empty: {text!r}")
        doc = tokenize_document(text, self.tokenizer)
        tokens = [s[:self.config.max_words] for s in doc[:self.config.max_sentences]]
        sentences = split_sentences(text)[:len(tokens)]
        ids = encode_documents([tokens], self.vocab, self.config.max_sentences,
                               self.config.max_words)[0]
        a = self.model.attention_weights(ids)
        probs = a.pop("probabilities").astype(np.float64)
        return {"sentences": sentences, "tokens": tokens, "label_names": list(self.label_names),
                "label": self.label_names[int(probs.argmax())], "probabilities": probs, **a}


def load_classifier(path: str | os.PathLike) -> TrainedClassifier:
    """Read a run folder written by :func:`train_classifier`; a clear error for anything else."""
    run = Path(path)
    if not run.exists():
        raise UserInputError(f"run folder not found: {str(path)!r}")
    if not run.is_dir():
        raise UserInputError(f"{str(path)!r} is not a folder: give the classifier's run folder")
    try:
        info = json.loads((run / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or info.get("kind") != KIND:
        if isinstance(info, dict) and "arch" in info:
            what = "is a language-model run (llm-tf train), not a classifier run"
        elif (run / "vectors.txt").is_file():
            what = "is a word-vector run (llm-tf word2vec / glove), not a classifier run"
        else:
            what = "is not a classifier run folder (no config.json of llm-tf classify train)"
        raise UserInputError(f"{str(path)!r} {what}; make one with llm-tf classify train")
    for name in (VOCAB, MODEL):
        if not (run / name).is_file():
            raise UserInputError(f"classifier run {str(path)!r} has no {name}")
    require_keys(info, run / CONFIG, {"config": dict, "tokenizer": dict, "label_names": list},
                 "classifier config")
    if not info["label_names"] or not all(isinstance(n, str) for n in info["label_names"]):
        raise UserInputError(f"classifier config {str(run / CONFIG)!r}: 'label_names' should "
                             "be a non-empty list of strings")
    vocab = Vocabulary.load(run / VOCAB)
    try:
        cfg = ClassifierConfig.from_dict(info["config"])
        tokenizer = SentenceTokenizer.from_config(info["tokenizer"])
    except (KeyError, TypeError, ValueError) as e:
        raise UserInputError(f"classifier config {str(run / CONFIG)!r} is not valid "
                             f"({e})") from None
    model = load_model_file(run / MODEL, compile=False)
    if not isinstance(model, HierarchicalClassifier):
        raise UserInputError(f"{str(run / MODEL)!r} holds a {type(model).__name__}, not the "
                             "classifier of llm-tf classify train")
    check_vocab_size(model, len(vocab), run / VOCAB, run / MODEL)
    if model.num_classes != len(info["label_names"]):
        raise UserInputError(f"classifier config {str(run / CONFIG)!r} names "
                             f"{len(info['label_names'])} labels but {str(run / MODEL)!r} has "
                             f"{model.num_classes} classes")
    return TrainedClassifier(model, vocab, tokenizer, list(info["label_names"]), cfg)


# ---------------------------------------------------------------- training
class KeepBest(keras.callbacks.Callback):
    """Early stopping on validation accuracy, ties broken by the lower validation loss (a
    small data set reaches 100% long before the model stops improving); when training
    ends the best epoch's weights are put back. ``patience=0`` never stops early.

    With a ``folder`` the best weights are also written there (``best.keras``) when they
    improve, and :meth:`state` / :meth:`restore` carry the rest over a resumed run."""

    def __init__(self, patience: int, folder: str | os.PathLike | None = None):
        super().__init__()
        self.patience = int(patience)
        self.folder = None if folder is None else Path(folder)
        self.best_key, self.best_epoch, self.best_weights, self.waited = None, 0, None, 0
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        key = (float(logs["val_accuracy"]), -float(logs["val_loss"]))
        if self.best_key is None or key > self.best_key:
            self.best_key, self.best_epoch, self.waited = key, epoch, 0
            self.best_weights = self.model.get_weights()
            if self.folder is not None:
                save_model_atomic(self.model, self.folder / BEST)
            return
        self.waited += 1
        if self.patience and self.waited >= self.patience:
            self.model.stop_training = self.stopped = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)

    def state(self) -> dict:
        """What a checkpoint keeps of this callback (the weights are ``best.keras``)."""
        return {"best_key": None if self.best_key is None else list(self.best_key),
                "best_epoch": self.best_epoch, "waited": self.waited, "stopped": self.stopped}

    def restore(self, state: dict) -> None:
        """Continue from :meth:`state`, the best weights read back from ``best.keras``."""
        key = state.get("best_key")
        self.best_key = None if key is None else tuple(float(k) for k in key)
        self.best_epoch, self.waited = int(state.get("best_epoch", 0)), int(state.get("waited", 0))
        self.stopped = bool(state.get("stopped", False))
        if self.best_key is not None and self.folder is not None:
            self.best_weights = load_model_file(self.folder / BEST, compile=False).get_weights()


def train_classifier(data: Data, out: str | os.PathLike | None,
                     config: ClassifierConfig | None = None, val_data: Data | None = None,
                     test_data: Data | None = None, verbose="auto", resume: bool = False,
                     callbacks: list | None = None) -> tuple[TrainedClassifier, dict]:
    """Train on ``data`` (LabelledTexts or a path) and write the run folder ``out``.

    Validation is ``val_data``, or a stratified ``config.val_fraction`` of ``data``.
    Returns the classifier (the best validation epoch) and the metrics written to
    ``metrics.json``. ``out=None`` trains without writing anything (the benchmark). While
    it runs it is ``out``'s only writer (:func:`out_lock`).

    After every epoch ``out`` gets ``checkpoint.keras`` and ``state.json``
    (:class:`~llm_tf.training.callbacks.EpochCheckpoint`), ``best.keras`` when validation
    improves, and ``training_curve.png``; with ``resume=True`` a run that was stopped
    (even killed) continues from its last epoch with its saved settings (``config`` is
    then ignored), and with ``deterministic`` ends with the weights of an unbroken run.
    ``callbacks``: more Keras callbacks, run after the checkpoint's.
    """
    with resumable_run(out, KIND, resume, ClassifierConfig, config) as (config, resumed):
        return _train_classifier(data, out, config, val_data, test_data, verbose, resumed,
                                 callbacks)


def _train_classifier(data, out, config, val_data, test_data, verbose, resume=False,
                      callbacks=None):
    cfg = config or ClassifierConfig()
    run = None if out is None else (Path(out) if resume else new_run_folder(out))
    train = _load(data, what="the training data")
    if val_data is None:
        train, val = train.split((1 - cfg.val_fraction, cfg.val_fraction), seed=cfg.seed)
    else:
        val = _load(val_data, train.label_names, "the validation data")
    if not len(val) or not len(train):
        raise UserInputError(
            f"cannot hold out a validation set: val_fraction={cfg.val_fraction} of "
            f"{len(train) + len(val)} documents leaves {len(train)} for training and {len(val)} "
            "for validation; give validation data (--val-data) or a larger --val-fraction")
    test = None if test_data is None else _load(test_data, train.label_names, "the test data")

    start = time.perf_counter()
    tokenizer = SentenceTokenizer(cfg.tokenizer, lower=cfg.lower)
    docs = [tokenize_document(t, tokenizer) for t in train.texts]
    vocab = Vocabulary.build((tok for doc in docs for tok in doc), min_count=cfg.min_count,
                             max_size=cfg.vocab_size)
    x = encode_documents(docs, vocab, cfg.max_sentences, cfg.max_words)
    val_docs = [tokenize_document(t, tokenizer) for t in val.texts]
    xv = encode_documents(val_docs, vocab, cfg.max_sentences, cfg.max_words)

    set_seed(cfg.seed)
    if cfg.deterministic:
        enable_determinism()
    state = read_state(run) if resume else None
    if state is not None:  # the weights, optimizer and dropout state of the last epoch
        model = load_checkpoint(run, state, HierarchicalClassifier, "the classifier of llm-tf classify train")
        check_vocab_size(model, len(vocab), "the training data's vocabulary", run / CHECKPOINT)
    else:
        model = HierarchicalClassifier(**cfg.model_kwargs(len(vocab), train.num_classes))
        model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      jit_compile=False)  # XLA recompiles per batch shape: slower here
    if run is not None:
        run.mkdir(parents=True, exist_ok=True)
        vocab.save(run / VOCAB)
        write_json_atomic(run / CONFIG, {
            "kind": KIND, "model": "HierarchicalClassifier", "config": cfg.to_dict(),
            "label_names": list(train.label_names), "tokenizer": tokenizer.to_config(),
            "vocab_size": len(vocab),
            "data": {"train": _source(data), "validation": _source(val_data),
                     "test": _source(test_data)}})
    keep_best = KeepBest(cfg.patience, run)
    done = 0
    if state is not None:
        keep_best.restore(state.get("keep_best", {}))
        done = cfg.epochs if keep_best.stopped else state["epoch"]
    name = _source(data) if not isinstance(data, (str, os.PathLike)) else Path(data).name

    def title():  # once built: the model learns its input shape from the first batch
        return f"§6.4 HierarchicalClassifier ({model.count_params():,} parameters): {name}"

    checkpoint = EpochCheckpoint(run, state["history"] if state else None, title,
                                 panels=("loss", "accuracy"),
                                 extra=lambda: {"keep_best": keep_best.state()},
                                 seconds=state.get("seconds", 0.0) if state else 0.0)
    if done < cfg.epochs:
        batches = EpochBatches(x, train.labels, cfg.batch_size, cfg.seed, done, cfg.epochs)
        model.fit(**batches.fit_args(), validation_data=(xv, val.labels),
                  callbacks=[keep_best, checkpoint, *(callbacks or ())], verbose=verbose)
    else:
        keep_best.set_model(model)
        keep_best.on_train_end()  # the best epoch's weights, as after fit
    history = checkpoint.history
    val_acc = history["val_accuracy"]
    best = keep_best.best_epoch
    seconds = checkpoint.elapsed() if done < cfg.epochs else time.perf_counter() - start
    clf = TrainedClassifier(model, vocab, tokenizer, list(train.label_names), cfg)

    def png(split):
        return None if run is None else run / f"confusion_matrix.{split}.png"

    metrics = {
        "kind": KIND,
        "train_documents": len(train), "val_documents": len(val),
        "input_shape": list(x.shape[1:]), "vocab_size": len(vocab),
        "params": int(model.count_params()), "cross_level": cfg.cross_level,
        "epochs": len(val_acc), "best_epoch": best + 1,
        "best_val_accuracy": float(val_acc[best]),
        "history": {k: [float(v) for v in vs] for k, vs in history.items()},
        "train_seconds": seconds,
        "validation": clf.evaluate(val, png("validation"), "validation"),
    }
    if test is not None:
        metrics["test"] = clf.evaluate(test, png("test"), "test")
    if run is not None:
        save_model_atomic(model, run / MODEL)
        checkpoint.plot()
        write_json_atomic(run / METRICS, metrics)
    return clf, metrics


def _source(data) -> str | None:
    if data is None:
        return None
    return str(data) if isinstance(data, (str, os.PathLike)) else f"{len(data)} documents"


# ---------------------------------------------------------------- the attention figure
def plot_attention(attn: dict, path: str | os.PathLike, title: str | None = None,
                   max_tokens: int = 80) -> Path:
    """Draw :meth:`TrainedClassifier.attention` as a PNG: the word-level weights (one row
    per sentence, each cell labelled with its token), the text-level weights (one bar per
    sentence) and, when the model has them, the text-to-words cross-level weights
    (sentences x every token of the document, mean over the heads)."""
    out = Path(path)
    if out.suffix.lower() != ".png":
        raise UserInputError(f"the figure must be a .png file, got {str(path)!r}")
    tokens, sentences = attn["tokens"], attn["sentences"]
    s, w = len(tokens), max(len(t) for t in tokens)
    word = np.asarray(attn["word"])[:s, :w]
    text = np.asarray(attn["text"])[:s]
    cross = attn.get("text_to_words")
    panels = 3 if cross is not None else 2
    rows = [f"S{i + 1}" for i in range(s)]
    fig_w = max(8.0, min(22.0, 0.62 * w + 3))
    heights = [0.55 * s + 0.9, 0.42 * s + 0.9] + ([0.55 * s + 1.4] if panels == 3 else [])
    with cjk_figure(figsize=(fig_w, sum(heights) + 0.8)) as fig:
        axes = fig.subplots(panels, 1, gridspec_kw={"height_ratios": heights})
        ax = axes[0]
        ax.imshow(np.ma.masked_where(word == 0, word), cmap="Reds", vmin=0, aspect="auto")
        for i, sent in enumerate(tokens):
            for j, tok in enumerate(sent):
                ax.text(j, i, tok, ha="center", va="center", fontsize=8,
                        color="white" if word[i, j] > 0.6 * word.max() else "black")
        ax.set_yticks(range(s), rows)
        ax.set_xticks([])
        ax.set_title("word level: each sentence's attention over its tokens")
        ax = axes[1]
        ax.barh(range(s), text, color="tab:blue")
        ax.set_yticks(range(s), [f"S{i + 1} {_short(x)}" for i, x in enumerate(sentences)],
                     fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title("text level: the document's attention over its sentences")
        for i, v in enumerate(text):
            ax.text(min(v + 0.01, 0.9), i, f"{v:.2f}", va="center", fontsize=8)
        if panels == 3:
            flat = [(i, j) for i in range(s) for j in range(len(tokens[i]))][:max_tokens]
            c = np.asarray(cross).mean(axis=0)[:s, :s]  # (S, S, W)
            grid = np.array([[c[q, i, j] for i, j in flat] for q in range(s)])
            ax = axes[2]
            ax.imshow(grid, cmap="Greens", vmin=0, aspect="auto")
            ax.set_yticks(range(s), rows)
            ax.set_xticks(range(len(flat)), [tokens[i][j] for i, j in flat], rotation=90,
                          fontsize=7)
            ax.set_title("cross level: each sentence's text state attending to every word")
        fig.suptitle(title or f"{attn['label']} ({float(np.max(attn['probabilities'])):.2f})")
        return save_figure(fig, out)


def _short(sentence: str, width: int = 48) -> str:
    return sentence if len(sentence) <= width else sentence[:width - 1] + "…"
