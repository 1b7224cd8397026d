"""RunDir: a language-model run folder opened from Python, for notebooks (§5, §3.2).

``llm-tf train`` writes a run folder (:mod:`llm_tf.training.run_folder`);
``llm-tf generate`` and ``llm-tf evaluate`` read it. :class:`RunDir` does the same
from Python, with the same library functions, so its figures are the CLI's::

    from llm_tf import RunDir

    run = RunDir("runs/mine")       # RunDir('runs/mine': lstm, vocabulary 9,868, ...)
    run.generate("中国的首都", max_new_tokens=20, temperature=0.8, top_k=20, seed=1)
    run.evaluate("data/corpus.zh.txt")["perplexity"]    # == exp(cross_entropy)
    run.evaluate(text="北京是中国的首都。")
    run.config.model.arch, run.history["val_perplexity"], run.model.summary()

The model is the run's best (``best.keras``); ``RunDir(path, which="last")`` takes the
last one. It is loaded on first use and kept: open the folder again to see a model
written since. :class:`RunDir` is also a :class:`llm_tf.training.RunDir` (``info()``,
``vocab()``, ``state()``, ``model_path()``, ...) and a path (``os.fspath(run)``).

This module sits above training and evaluation (it uses both) and below nothing
but the CLI; TensorFlow is loaded with it (``llm_tf.RunDir`` imports it on first use).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from llm_tf.errors import UserInputError
from llm_tf.files import read_json
from llm_tf.training import run_folder

_WHICH = ("best", "last")
_PATH_SUFFIXES = (".txt", ".gz", ".text", ".md", ".tok", ".raw")


class RunDir(run_folder.RunDir):
    """A run folder of ``llm-tf train``: generate, evaluate, and look at what it holds.

    Args:
        path: the run folder (``--out`` of ``llm-tf train``).
        which: the model to use: ``"best"`` (``best.keras``, the best validation loss;
            the CLI's default) or ``"last"`` (``model.keras``, the CLI's ``--last``).

    Raises:
        UserInputError: ``path`` is missing, is not a language-model run folder, or its
            ``config.json`` is damaged.
    """

    def __init__(self, path: str | os.PathLike, which: str = "best"):
        super().__init__(path)
        if which not in _WHICH:
            raise UserInputError(f"which must be 'best' or 'last', got {which!r}")
        self.which = which
        self._vocab = None
        if self.path.is_file():
            raise UserInputError(f"{str(self.path)!r} is a file: RunDir takes the run folder "
                                 "that llm-tf train --out wrote")
        self.require(need_model=False)
        self._refuse_other_kinds()
        self._info = self.info()  # a damaged config.json is reported now, not later
        self._model = None
        self._stepper = None
        self._scorers: dict = {}

    def _refuse_other_kinds(self) -> None:
        raw = read_json(self / run_folder.CONFIG, "run config")
        kind = raw.get("kind")
        if kind not in (None, "lm") or (self / "vectors.txt").is_file():
            what = kind or "word-vector"
            raise UserInputError(f"{str(self.path)!r} is a {what} run folder, not a language "
                                 "model's: RunDir opens the folders llm-tf train writes")

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        cfg, state = self.config, self.state()
        epochs = f"{state.get('epoch', 0)}/{cfg.optim.epochs} epochs"
        best = state.get("best_val_loss")
        if best is None and state.get("history", {}).get("val_loss"):
            best = min(state["history"]["val_loss"])
        ppl = "" if best is None else f", best val perplexity {math.exp(best):.2f}"
        model = self.model_path(self.which)
        model = "no model yet" if model is None else f"model {model.name}"
        return (f"RunDir({str(self.path)!r}: {cfg.model.arch}, vocabulary "
                f"{self._info.vocab_size:,}, {self._info.tokenizer.kind} tokens, trained "
                f"{epochs}{ppl}; {model})")

    # ---- what the folder holds
    @property
    def config(self):
        """The run's :class:`~llm_tf.training.TrainConfig` (``data``, ``model``, ``optim``, ...)."""
        return self._info.config

    @property
    def tokenizer(self):
        """The run's :class:`~llm_tf.text.tokenizers.Tokenizer`."""
        return self._info.tokenizer

    def vocab(self):
        """The run's :class:`~llm_tf.text.vocab.Vocabulary` (read once)."""
        if self._vocab is None:
            self._vocab = super().vocab()
        return self._vocab

    @property
    def history(self) -> dict[str, list[float]]:
        """Per-epoch figures (``loss``, ``val_loss``, ``perplexity``, ``val_perplexity``,
        ...), as ``state.json`` holds them now; empty before the first epoch ends."""
        return {k: list(v) for k, v in self.state().get("history", {}).items()}

    @property
    def model(self):
        """The Keras model (``which``: best or last), loaded safely on first use."""
        if self._model is None:
            self.require()  # a clear error while no model is written yet
            self._model = self.load_model(compile=False, which=self.which)
        return self._model

    @property
    def checkpoint(self) -> str:
        """The model file used (``best.keras``, ``model.keras`` or ``checkpoint.keras``)."""
        self.require()
        return self.model_path(self.which).name

    # ---- what the CLI does with it
    def generate(
        self,
        prompt: str = "",
        max_new_tokens: int = 50,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = 0,
        beam_size: int = 1,
        stop: tuple[str, ...] | list[str] = (),
    ) -> str:
        """The prompt and its continuation, as ``llm-tf generate`` prints it (without
        the final line break). The arguments are the CLI's flags: ``temperature=0`` is
        greedy, ``seed=None`` a fresh random seed each call, ``stop=["<eos>"]`` ends at
        the end of a line. Prompt tokens the vocabulary lacks are read as ``<unk>``.
        """
        from llm_tf.generation import SamplingConfig, generate_text
        from llm_tf.models import stepping_view

        sampling = SamplingConfig(max_tokens=max_new_tokens, temperature=temperature,
                                  top_k=top_k, top_p=top_p, beam_size=beam_size, seed=seed,
                                  stop=tuple(stop))
        if self._stepper is None:
            self._stepper = stepping_view(self.model)
        return generate_text(self._stepper, self.tokenizer, self.vocab(), prompt, sampling,
                             context=self.config.trained_context)

    def evaluate(
        self,
        corpus: str | os.PathLike | None = None,
        *,
        text: str | None = None,
        ngram_order: int = 3,
    ) -> dict:
        """Perplexity on a corpus, beside a Kneser-Ney n-gram's: ``llm-tf evaluate``'s figures.

        Args:
            corpus: a corpus path (file, ``.gz`` or folder), or the text itself (a
                string that is not an existing path and does not look like one).
            text: the text to score, said explicitly.
            ngram_order: the order of the Kneser-Ney baseline.

        Returns:
            ``perplexity`` (``== exp(cross_entropy)`` exactly), ``cross_entropy`` (nats
            per token), ``tokens`` scored, ``oov_rate``, ``ngram_perplexity``,
            ``ngram_order``, ``arch``, ``corpus``, ``model``, ``checkpoint``.
        """
        from llm_tf.evaluation.perplexity import RunScorer
        from llm_tf.text import lm_data

        path, text = self._corpus_or_text(corpus, text)
        if ngram_order not in self._scorers:  # the model and the n-gram, built once
            self._scorers[ngram_order] = RunScorer(self, self.model, ngram_order)
        with tempfile.TemporaryDirectory() as tmp:
            if text is not None:  # through a file: exactly the corpus reader's lines
                path = Path(tmp) / "text.txt"
                path.write_text(text, encoding="utf-8")
            ids, stats = lm_data.encode_text_ids(path, self.tokenizer, self.vocab())
        result = self._scorers[ngram_order](ids)
        return {**result, "oov_rate": stats.oov_rate, "arch": self.config.model.arch,
                "corpus": "<text>" if text is not None else str(corpus),
                "model": str(self.path), "checkpoint": self.checkpoint}

    @staticmethod
    def _corpus_or_text(corpus, text) -> tuple[Path | None, str | None]:
        """(path, None) or (None, text), refusing a path that is missing."""
        from llm_tf.text.corpus import corpus_files

        if (corpus is None) == (text is None):
            raise UserInputError("evaluate() takes a corpus path or text=, one of them")
        if text is not None:
            if not isinstance(text, str) or not text.strip():
                raise UserInputError("evaluate(text=...) needs some text")
            return None, text
        if isinstance(corpus, str) and not os.path.exists(corpus):
            one_line = "\n" not in corpus and not any(c.isspace() for c in corpus.strip())
            looks_like_path = one_line and (os.sep in corpus or "/" in corpus
                                            or corpus.lower().endswith(_PATH_SUFFIXES))
            if not looks_like_path:
                return RunDir._corpus_or_text(None, corpus)
        corpus_files(corpus)  # missing, empty or binary: a clear error
        return Path(corpus), None
