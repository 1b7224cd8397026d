"""WordVectorTrainer: what the Word2Vec and GloVe façades share (§3.1).

§3.1.1's listing reads ``model.fit(sequence, epochs=10)`` then
``model.get_word_vectors()``; :class:`~llm_tf.vectors.word2vec.Word2Vec` and
:class:`~llm_tf.vectors.glove.GloVe` both offer that shape. This base class holds
their common part: a config (with keyword overrides), the vocabulary built from a
corpus, the trained Keras model, the vectors with the special tokens dropped, and
the folder they are saved to:

- ``vectors.txt``: the word2vec text format (gensim's ``load_word2vec_format``);
- ``vocab.json``: the vocabulary, special tokens first;
- ``config.json``: the config's fields;
- ``model.keras``: the Keras model (its class registered, so ``keras.saving.load_model``
  restores it once :mod:`llm_tf.vectors.word2vec` or :mod:`llm_tf.vectors.glove` is imported).

:meth:`WordVectorTrainer.train_run` trains into such a folder one epoch at a time and,
after each epoch, writes ``checkpoint.keras`` (the model with its optimizer) then ``state.json``
(epochs done, the loss history, the negative sampler's state) atomically, the same two
files as the language-model trainer's run folder; at the end ``training_curve.png`` (loss
and learning rate per epoch). A run that is stopped, even killed, continues with
``resume=True``; each epoch's random stream (subsampling, windows, the order of the GloVe
cells) is seeded by ``(seed, epoch)``, so with ``deterministic`` a resumed run ends with
the weights of an unbroken one, bit for bit.

Nothing here imports TensorFlow at import time; the subclasses build and train the models.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.files import (
    folder_entries,
    load_model_file,
    read_json,
    require_keys,
    run_lock,
    save_model_atomic,
    write_json_atomic,
)
from llm_tf.runtime import enable_determinism
from llm_tf.text import id_stream
from llm_tf.text.vocab import SPECIALS, Vocabulary
from llm_tf.vectors.word_vectors import WordVectors

CHECKPOINT, STATE, CURVE = "checkpoint.keras", "state.json", "training_curve.png"


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch ``epoch``'s random stream in :meth:`WordVectorTrainer.train_run`:
    ``seed`` itself for the first (which also seeds the weights), then one drawn from
    ``(seed, epoch)``."""
    if epoch == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(epoch)]).generate_state(1)[0])


def _seed_states(model) -> list:
    """The model's random generators (the negative sampler): not restored by ``load_model``."""
    return [v for v in model.non_trainable_variables if "seed_generator_state" in v.path]


def plot_losses(history: dict, path, title: str) -> Path:
    """The training curve of a word-vector run: loss and learning rate per epoch."""
    from llm_tf.plotting import cjk_figure, save_figure

    with cjk_figure(figsize=(10, 4)) as fig:
        axes = fig.subplots(1, 2)
        for ax, key, label in zip(axes, ("loss", "learning_rate"), ("loss", "learning rate"),
                                  strict=True):
            ys = history.get(key, [])
            ax.plot(range(1, len(ys) + 1), ys, "-o", label=label)
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle(title)
        return save_figure(fig, path)


class WordVectorTrainer:
    """A config, a vocabulary and a Keras model whose embeddings are the word vectors.

    Subclasses set :attr:`config_class`, train ``self.model`` in ``fit`` and say in
    :meth:`_vector_matrix` which (V, D) matrix holds the vectors.

    Args:
        config: the settings (default: ``config_class()``).
        **overrides: fields to change, e.g. ``Word2Vec(epochs=1)``.
    """

    config_class: ClassVar[type]

    def __init__(self, config=None, **overrides):
        config = config if config is not None else self.config_class()
        self.config = replace(config, **overrides) if overrides else config
        if self.config.deterministic:  # process-wide, as `llm-tf train --deterministic`
            enable_determinism()
        self.vocab: Vocabulary | None = None
        self.model: Any = None  # the Keras model, once trained

    def _tokens(self, source):
        """A re-iterable factory of token lists (a corpus path, a token list or token lists)."""
        return id_stream.token_source(source, self.config.tokenizer, self.config.lower)

    def build_vocab(self, source) -> Vocabulary:
        """Count tokens (one streaming pass) and keep those with ``count >= min_count``."""
        cfg = self.config
        self.vocab = id_stream.build_vocabulary(self._tokens(source), cfg.min_count, cfg.max_vocab)
        return self.vocab

    def _epochs(self, epochs: int | None) -> int:
        """The epochs of one ``fit`` call: ``config.epochs`` unless given."""
        epochs = self.config.epochs if epochs is None else epochs
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise UserInputError(f"epochs must be a positive integer, got {epochs!r}")
        return epochs

    def _vector_matrix(self, **options) -> np.ndarray:
        """The (V, D) word vectors of the trained model, rows in vocabulary order."""
        raise NotImplementedError

    def get_word_vectors(self, **options) -> WordVectors:
        """The trained vectors as :class:`~llm_tf.vectors.WordVectors` (special tokens dropped)."""
        if self.model is None:
            raise UserInputError("the model is not trained yet: call fit() first")
        n = len(SPECIALS)
        return WordVectors(self.vocab.tokens[n:], self._vector_matrix(**options)[n:])

    def save(self, directory: str | os.PathLike) -> None:
        """Write ``vectors.txt`` (word2vec text format), ``vocab.json``, ``config.json``, ``model.keras``."""
        os.makedirs(directory, exist_ok=True)  # each file atomic: a crash keeps the old one
        self.get_word_vectors().save_word2vec_format(os.path.join(directory, "vectors.txt"))
        self.vocab.save(os.path.join(directory, "vocab.json"))
        write_json_atomic(os.path.join(directory, "config.json"), asdict(self.config))
        save_model_atomic(self.model, os.path.join(directory, "model.keras"))

    # ---- a run folder, checkpointed after every epoch
    def _epoch_config(self, base, epoch: int, epochs: int):
        """The settings of epoch ``epoch`` of ``epochs`` in :meth:`train_run`: its own seed
        (:func:`epoch_seed`), one epoch, and (word2vec's linear decay) the stretch of the
        whole run's learning-rate schedule that falls in this epoch."""
        changes = {"seed": epoch_seed(base.seed, epoch), "epochs": 1}
        if hasattr(base, "min_learning_rate_ratio"):
            lr0 = base.start_learning_rate
            end = lr0 * base.min_learning_rate_ratio

            def rate(e):  # the unbroken run's rate at the start of epoch e
                return lr0 - (lr0 - end) * e / epochs

            changes["learning_rate"] = rate(epoch)
            changes["min_learning_rate_ratio"] = min(1.0, rate(epoch + 1) / rate(epoch))
        return replace(base, **changes)

    def _epoch_source(self, source):
        """What each one-epoch ``fit`` of :meth:`train_run` reads: the corpus, or (a trainer
        with ``count``, GloVe) nothing once its co-occurrences are counted."""
        if not hasattr(self, "count"):
            return source
        if getattr(self, "cooccurrence", None) is None:
            self.count(source)
        return None

    def _title(self, source) -> str:
        name = Path(source).name if isinstance(source, (str, os.PathLike)) else "token lists"
        cfg = self.config
        kind = type(self).__name__
        if hasattr(cfg, "sg"):
            kind += " skip-gram" if cfg.sg else " CBOW"
        return f"§3.1 {kind} (dim {cfg.embedding_dim}): {name}"

    def _checkpoint(self, out: Path, epoch: int, history: dict, seconds: float) -> None:
        import keras

        save_model_atomic(self.model, out / CHECKPOINT)
        rng = [np.asarray(keras.ops.convert_to_numpy(v)).tolist()
               for v in _seed_states(self.model)]
        write_json_atomic(out / STATE, {"epoch": epoch, "history": history, "rng": rng,
                                        "seconds": seconds})

    def _resume(self, out: Path) -> dict | None:
        """The saved config, vocabulary and model of ``out``; its state, or None (nothing
        to resume: a fresh start)."""
        if not out.is_dir() or not folder_entries(out):
            return None
        config_path = out / "config.json"
        if not config_path.is_file() or not (out / "vocab.json").is_file():
            raise UserInputError(f"--resume: {str(out)!r} is not a {type(self).__name__} run "
                                 "folder (no config.json / vocab.json)")
        saved = read_json(config_path, "word-vector config")
        names = {f.name for f in fields(self.config_class)}
        if set(saved) - names:
            raise UserInputError(f"--resume: {str(config_path)!r} is not a "
                                 f"{type(self).__name__} config")
        self.config = self.config_class(**saved)
        if self.config.deterministic:
            enable_determinism()
        self.vocab = Vocabulary.load(out / "vocab.json")
        if not (out / STATE).is_file() or not (out / CHECKPOINT).is_file():
            return None
        state = read_json(out / STATE, "training state")
        require_keys(state, out / STATE, {"epoch": int, "history": dict}, "training state")
        import llm_tf.vectors.glove  # noqa: F401  (registers the models for loading)
        import llm_tf.vectors.word2vec  # noqa: F401

        self.model = load_model_file(out / CHECKPOINT, compile=True)
        for v, value in zip(_seed_states(self.model), state.get("rng") or [], strict=False):
            v.assign(np.asarray(value, dtype=v.dtype))
        return state

    def train_run(self, source, out: str | os.PathLike, resume: bool = False, verbose="auto",
              callbacks=None) -> dict:
        """Train on ``source`` for ``config.epochs`` epochs into the folder ``out`` (its
        only writer while it runs): after every epoch the checkpoint, at the end the
        training curve and :meth:`save`'s files. With ``resume=True`` a folder holding a
        stopped run continues from its last epoch with its saved config (this trainer's
        is replaced). Returns the history (``loss``, ``learning_rate`` per epoch)."""
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise UserInputError(f"--out {str(out)!r} is a file, expected a folder")
        with run_lock(out):
            state = self._resume(out) if resume else None
            if state is None and self.model is not None:
                raise UserInputError("train_run() starts from an untrained trainer (or "
                                     "resumes a run folder)")
            base = self.config
            done = state["epoch"] if state else 0
            history = {k: list(v) for k, v in (state or {}).get("history", {}).items()}
            seconds = float((state or {}).get("seconds", 0.0))
            if self.vocab is None:
                self.build_vocab(source)
            epoch_source = self._epoch_source(source)
            self.vocab.save(out / "vocab.json")
            write_json_atomic(out / "config.json", asdict(base))
            try:
                for epoch in range(done, base.epochs):
                    self.config = self._epoch_config(base, epoch, base.epochs)
                    start = time.perf_counter()
                    if verbose:
                        print(f"epoch {epoch + 1}/{base.epochs}", flush=True)
                    logs = self.fit(epoch_source, epochs=1, verbose=verbose,
                                    callbacks=callbacks).history
                    seconds += time.perf_counter() - start
                    import keras

                    history.setdefault("loss", []).append(float(logs["loss"][-1]))
                    history.setdefault("learning_rate", []).append(float(
                        keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
                    self._checkpoint(out, epoch + 1, history, seconds)
            finally:
                self.config = base
            plot_losses(history, out / CURVE, self._title(source))
            self.save(out)
            return history
