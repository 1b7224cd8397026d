"""Train, load and evaluate the translator (§6.3).

:func:`train_translation` fits :class:`~llm_tf.models.Translator` on sentence pairs
(:func:`~llm_tf.text.parallel_corpus.load_pairs`: JSON lines ``{"en", "zh"}`` or TSV) in
one direction, seeded, and writes a run folder::

    RUN/
      model.keras     the model (its vocabulary and languages are in its config)
      vocab.json      the vocabulary, one token per entry
      config.json     {"kind": "translate", "config": TranslationConfig, "pairs",
                       "vocab_size"}
      metrics.json    loss per epoch, sizes, time; BLEU on the test pairs when given
      checkpoint.keras, state.json   the model with its optimizer after the last epoch,
                      and where training stands (``train_translation(..., resume=True)``)
      training_curve.png   loss and learning rate per epoch

:func:`load_translation` reads it back; :func:`evaluate_translation` scores a model on
sentence pairs: sacrebleu's corpus BLEU (``zh`` tokenizer for Chinese targets, ``13a``
for English), NLTK's ``corpus_bleu`` on the same tokens as a cross-check, exact
sentence matches and the first mistakes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import keras

from llm_tf.errors import UserInputError
from llm_tf.evaluation.bleu import corpus_bleu, nltk_corpus_bleu
from llm_tf.models import TranslationConfig, Translator  # registers the classes
from llm_tf.models.translator import translation_loss
from llm_tf.runtime import enable_determinism, set_seed
from llm_tf.text.parallel_corpus import load_pairs, sides
from llm_tf.training.callbacks import (
    EpochBatches,
    EpochCheckpoint,
    load_checkpoint,
    read_state,
    resumable_run,
)
from llm_tf.training.run_folder import (
    load_model_file,
    new_run_folder,
    save_model_atomic,
    write_json_atomic,
)

__all__ = ["KIND", "evaluate_translation", "load_translation", "train_translation"]

KIND = "translate"  # config.json's "kind"
CONFIG, VOCAB, MODEL, METRICS = "config.json", "vocab.json", "model.keras", "metrics.json"


def _rows(pairs) -> list[dict]:
    return load_pairs(pairs) if isinstance(pairs, (str, os.PathLike)) else list(pairs)


def train_translation(pairs, out: str | os.PathLike | None,
                      config: TranslationConfig | None = None, test_pairs=None,
                      verbose="auto", resume: bool = False,
                      callbacks: list | None = None) -> tuple[Translator, dict]:
    """Train on ``pairs`` (a path or rows ``{"en", "zh"}``) in ``config.direction`` and
    write ``out`` (``None``: write nothing), its only writer while it runs
    (:func:`out_lock`); with ``test_pairs``, score them too.

    After every epoch ``out`` gets ``checkpoint.keras`` and ``state.json``
    (:class:`~llm_tf.training.callbacks.EpochCheckpoint`) and ``training_curve.png``;
    with ``resume=True`` a run that was stopped (even killed) continues from its last
    epoch with its saved settings (``config`` is then ignored), and with
    ``deterministic`` ends with the weights of an unbroken run. ``callbacks``: more Keras
    callbacks, run after the checkpoint's."""
    with resumable_run(out, KIND, resume, TranslationConfig, config) as (config, resumed):
        return _train_translation(pairs, out, config, test_pairs, verbose, resumed, callbacks)


def _train_translation(pairs, out, config, test_pairs, verbose, resume=False, callbacks=None):
    cfg = config or TranslationConfig()
    run = None if out is None else (Path(out) if resume else new_run_folder(out))
    rows = _rows(pairs)
    test_rows = None if test_pairs is None else _rows(test_pairs)
    sources, targets = sides(rows, cfg.direction)

    start = time.perf_counter()
    set_seed(cfg.seed)
    if cfg.deterministic:
        enable_determinism()
    state = read_state(run) if resume else None
    if state is not None:  # the weights, optimizer and dropout state of the last epoch
        model = load_checkpoint(run, state, Translator, "the translator of llm-tf translate train")
    else:
        model = Translator(**cfg.model_kwargs())
        model._set_vocabulary(model.build_vocabulary_from(sources, targets))
        model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate),
                      loss=translation_loss(), jit_compile=False)
    inputs, y, _ = model.encode_pairs(sources, targets)
    done = state["epoch"] if state else 0
    name = Path(pairs).name if isinstance(pairs, (str, os.PathLike)) else f"{len(rows)} pairs"
    if run is not None:
        run.mkdir(parents=True, exist_ok=True)
        write_json_atomic(run / VOCAB, model.vocabulary)
        write_json_atomic(run / CONFIG, {
            "kind": KIND, "model": "Translator", "config": cfg.to_dict(),
            "vocab_size": len(model.vocabulary),
            "pairs": str(pairs) if isinstance(pairs, (str, os.PathLike)) else f"{len(rows)} pairs",
            "test_pairs": (str(test_pairs) if isinstance(test_pairs, (str, os.PathLike))
                           else None if test_rows is None else f"{len(test_rows)} pairs")})
    title = f"§6.3 Translator {cfg.direction} ({model.count_params():,} parameters): {name}"
    checkpoint = EpochCheckpoint(run, state["history"] if state else None, title,
                                 seconds=state.get("seconds", 0.0) if state else 0.0)
    if done < cfg.epochs:
        batches = EpochBatches(inputs, y, cfg.batch_size, cfg.seed, done, cfg.epochs)
        model.fit(**batches.fit_args(), callbacks=[checkpoint, *(callbacks or ())],
                  verbose=verbose)
    history = checkpoint.history
    seconds = checkpoint.elapsed() if done < cfg.epochs else time.perf_counter() - start
    metrics = {"kind": KIND, "direction": cfg.direction, "pairs": len(rows),
               "vocab_size": len(model.vocabulary), "params": int(model.count_params()),
               "copy": cfg.copy, "epochs": cfg.epochs,
               "history": {k: [float(x) for x in v] for k, v in history.items()},
               "train_seconds": seconds}
    if test_rows is not None:
        metrics["test"] = _summary(evaluate_translation(model, test_rows))
    if run is not None:
        save_model_atomic(model, run / MODEL)
        checkpoint.plot()
        write_json_atomic(run / METRICS, metrics)
    return model, metrics


def _summary(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "mistakes"}


def load_translation(path: str | os.PathLike) -> Translator:
    """The model of a run folder written by :func:`train_translation`; a clear error for
    anything else."""
    run = Path(path)
    if not run.is_dir():
        raise UserInputError(f"run folder not found: {str(path)!r}" if not run.exists() else
                             f"{str(path)!r} is not a folder: give the translate run folder")
    try:
        info = json.loads((run / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or info.get("kind") != KIND:
        raise UserInputError(f"{str(path)!r} is not a translation run folder (no config.json "
                             "of llm-tf translate train); make one with llm-tf translate train")
    if not (run / MODEL).is_file():
        raise UserInputError(f"translation run {str(path)!r} has no {MODEL}")
    model = load_model_file(run / MODEL, compile=False)
    if not isinstance(model, Translator):
        raise UserInputError(f"{str(run / MODEL)!r} holds a {type(model).__name__}, not the "
                             "translator of llm-tf translate train")
    return model


def evaluate_translation(model: Translator, pairs, max_mistakes: int = 20) -> dict:
    """Corpus BLEU of ``model`` on ``pairs`` (rows or a path) in the model's direction.

    Returns ``direction``, ``sentences``, ``bleu`` (sacrebleu), ``signature``,
    ``precisions``, ``counts`` (matching n-grams, n = 1..4), ``bp``, ``nltk_bleu`` (the cross-check), ``exact`` (share of
    translations equal to the reference) and ``mistakes`` (the first ones).
    """
    rows = _rows(pairs)
    sources, references = sides(rows, model.direction)
    hypotheses = model.predict(sources)
    s = corpus_bleu(hypotheses, references, model.target_lang)
    exact = [h == r for h, r in zip(hypotheses, references, strict=True)]
    return {"direction": model.direction, "sentences": len(rows), "bleu": s["score"],
            "signature": s["signature"], "precisions": s["precisions"],
            "counts": s["counts"], "bp": s["bp"],
            "nltk_bleu": nltk_corpus_bleu(hypotheses, references, model.target_lang),
            "exact": sum(exact) / len(exact),
            "mistakes": [{"source": src, "reference": ref, "translation": hyp}
                         for src, ref, hyp, ok in zip(sources, references, hypotheses, exact,
                                                      strict=True) if not ok][:max_mistakes]}
