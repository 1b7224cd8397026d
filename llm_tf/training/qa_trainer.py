"""Train, load and evaluate the answer generator (§3.4, §6.1).

:func:`train_qa` fits :class:`~llm_tf.models.AnswerGenerator` on question/answer pairs
(a JSON-lines file of ``{"question", "answer"}``, or, without one, the questions
:func:`~llm_tf.text.qa_questions.training_questions` makes from the knowledge base),
seeded, and writes a run folder::

    RUN/
      model.keras     the model (its vocabulary is in its config)
      vocab.json      the vocabulary, one token per entry
      config.json     {"kind": "qa", "config": QAConfig, "knowledge_base", "questions",
                       "vocab_size"}
      metrics.json    loss per epoch, sizes, time, and exact match on the training data
      checkpoint.keras, state.json   the model with its optimizer after the last epoch,
                      and where training stands (``train_qa(..., resume=True)`` goes on)
      training_curve.png   loss and learning rate per epoch

:func:`load_qa` reads it back; :func:`evaluate_qa` scores questions against a
knowledge base (exact match overall and per language, the mistakes);
:func:`decode_answers` answers through the project's decoder
(:class:`~llm_tf.generation.decoder.Decoder` over
:class:`~llm_tf.models.answer_stepper.AnswerStepper`), greedy or by beam search.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import keras

from llm_tf.errors import UserInputError
from llm_tf.evaluation.exact_match import exact_match_report
from llm_tf.generation.decoder import Decoder
from llm_tf.models import AnswerGenerator, QAConfig  # registers the classes
from llm_tf.models.answer_generator import qa_loss
from llm_tf.models.answer_stepper import AnswerStepper
from llm_tf.runtime import enable_determinism, set_seed
from llm_tf.text.knowledge_base import KnowledgeBase, detokenize, language_of
from llm_tf.text.qa_data import UNKNOWN_ID, decode_ids
from llm_tf.text.qa_questions import training_questions
from llm_tf.text.retrieval import UNKNOWN
from llm_tf.text.vocab import BOS_ID, EOS_ID
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

__all__ = ["KIND", "decode_answers", "evaluate_qa", "load_qa", "load_questions", "train_qa"]

KIND = "qa"  # config.json's "kind"
CONFIG, VOCAB, MODEL, METRICS = "config.json", "vocab.json", "model.keras", "metrics.json"


def load_questions(path: str | os.PathLike) -> list[dict]:
    """``{"question", "answer"[, "lang"]}`` per line of a JSON-lines file."""
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"questions file not found: {str(path)!r}")
    rows = []
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise UserInputError(f"questions file {str(path)!r} is not UTF-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise UserInputError(f"{str(path)!r} line {n} is not JSON: {line[:60]!r}") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not (
                isinstance(row.get("answer"), str)):
            raise UserInputError(f"{str(path)!r} line {n}: expected {{\"question\": ..., "
                                 f"\"answer\": ...}}, got {line[:60]!r}")
        rows.append(row)
    if not rows:
        raise UserInputError(f"questions file {str(path)!r} has no questions")
    return rows


def train_qa(knowledge_base, out: str | os.PathLike | None, config: QAConfig | None = None,
             questions: str | os.PathLike | list[dict] | None = None,
             verbose="auto", resume: bool = False,
             callbacks: list | None = None) -> tuple[AnswerGenerator, dict]:
    """Train on ``questions`` (default: made from the knowledge base) and write ``out``
    (``None``: write nothing), its only writer while it runs (:func:`out_lock`).
    ``knowledge_base`` is a path, a dict or a
    :class:`~llm_tf.text.knowledge_base.KnowledgeBase`.

    After every epoch ``out`` gets ``checkpoint.keras`` and ``state.json``
    (:class:`~llm_tf.training.callbacks.EpochCheckpoint`) and ``training_curve.png``;
    with ``resume=True`` a run that was stopped (even killed) continues from its last
    epoch with its saved settings (``config`` is then ignored), and with
    ``deterministic`` ends with the weights of an unbroken run. ``callbacks``: more Keras
    callbacks, run after the checkpoint's."""
    with resumable_run(out, KIND, resume, QAConfig, config) as (config, resumed):
        return _train_qa(knowledge_base, out, config, questions, verbose, resumed, callbacks)


def _train_qa(knowledge_base, out, config, questions, verbose, resume=False, callbacks=None):
    cfg = config or QAConfig()
    run = None if out is None else (Path(out) if resume else new_run_folder(out))
    kb_path = str(knowledge_base) if isinstance(knowledge_base, (str, os.PathLike)) else None
    kb = KnowledgeBase.load(kb_path) if kb_path else KnowledgeBase.from_dict(knowledge_base)
    if questions is None:
        rows = training_questions(kb, seed=cfg.seed)
    elif isinstance(questions, (str, os.PathLike)):
        rows = load_questions(questions)
    else:
        rows = list(questions)
    qs, answers = [r["question"] for r in rows], [r["answer"] for r in rows]

    start = time.perf_counter()
    set_seed(cfg.seed)
    if cfg.deterministic:
        enable_determinism()
    state = read_state(run) if resume else None
    if state is not None:  # the weights, optimizer and dropout state of the last epoch
        model = load_checkpoint(run, state, AnswerGenerator, "the answer generator of llm-tf qa train")
    else:
        model = AnswerGenerator(**cfg.model_kwargs())
        model._set_vocabulary(model.build_vocabulary_from(qs, answers, kb))
        # cosine decay: at a constant rate the loss jumps from epoch to epoch (0.02 -> 0.05)
        # and the run ends wherever it is; exact match on held-out countries varied by 4 points
        steps = cfg.epochs * -(-len(qs) // cfg.batch_size)
        rate = keras.optimizers.schedules.CosineDecay(cfg.learning_rate, steps, alpha=0.1)
        model.compile(optimizer=keras.optimizers.Adam(rate, global_clipnorm=1.0),
                      loss=qa_loss(), jit_compile=False)
    model._kb(kb)  # kept for predict, as fit(questions, answers, knowledge_base=kb) does
    inputs, targets, _, _ = model.encode_examples(qs, answers, kb)
    done = state["epoch"] if state else 0
    if run is not None:
        run.mkdir(parents=True, exist_ok=True)
        write_json_atomic(run / VOCAB, model.vocabulary)
        write_json_atomic(run / CONFIG, {
            "kind": KIND, "model": "AnswerGenerator", "config": cfg.to_dict(),
            "knowledge_base": kb_path, "vocab_size": len(model.vocabulary),
            "questions": str(questions) if isinstance(questions, (str, os.PathLike)) else (
                None if questions is None else f"{len(rows)} questions")})
    title = f"§6.1 AnswerGenerator ({model.count_params():,} parameters): " + (
        Path(str(questions)).name if isinstance(questions, (str, os.PathLike))
        else Path(kb_path).name if kb_path else f"{len(rows)} questions")
    checkpoint = EpochCheckpoint(run, state["history"] if state else None, title,
                                 seconds=state.get("seconds", 0.0) if state else 0.0)
    if done < cfg.epochs:
        batches = EpochBatches(inputs, targets, cfg.batch_size, cfg.seed, done, cfg.epochs)
        model.fit(**batches.fit_args(), callbacks=[checkpoint, *(callbacks or ())],
                  verbose=verbose)
    history = checkpoint.history
    seconds = checkpoint.elapsed() if done < cfg.epochs else time.perf_counter() - start
    train_eval = evaluate_qa(model, kb, rows)
    metrics = {"kind": KIND, "questions": len(rows), "vocab_size": len(model.vocabulary),
               "params": int(model.count_params()), "copy": cfg.copy, "epochs": cfg.epochs,
               "history": {k: [float(x) for x in v] for k, v in history.items()},
               "train_seconds": seconds, "train": _summary(train_eval)}
    if run is not None:
        save_model_atomic(model, run / MODEL)
        checkpoint.plot()
        write_json_atomic(run / METRICS, metrics)
    return model, metrics


def _summary(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "mistakes"}


def load_qa(path: str | os.PathLike) -> AnswerGenerator:
    """The model of a run folder written by :func:`train_qa`; a clear error for anything else."""
    run = Path(path)
    if not run.is_dir():
        raise UserInputError(f"run folder not found: {str(path)!r}" if not run.exists() else
                             f"{str(path)!r} is not a folder: give the qa run folder")
    try:
        info = json.loads((run / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or info.get("kind") != KIND:
        raise UserInputError(f"{str(path)!r} is not a question-answering run folder (no "
                             "config.json of llm-tf qa train); make one with llm-tf qa train")
    if not (run / MODEL).is_file():
        raise UserInputError(f"qa run {str(path)!r} has no {MODEL}")
    model = load_model_file(run / MODEL, compile=False)
    if not isinstance(model, AnswerGenerator):
        raise UserInputError(f"{str(run / MODEL)!r} holds a {type(model).__name__}, not the "
                             "answer generator of llm-tf qa train")
    return model


def decode_answers(model: AnswerGenerator, questions, knowledge_base, beam_size: int = 1,
                   jit_compile: bool = True) -> list[dict]:
    """Answers to ``questions`` (strings) through the project's decoder: greedy
    (``beam_size=1``) or beam search, one question at a time, the encoder outputs in the
    decoder state. One dict per question, as ``model.predict(..., return_details=True)``
    (with ``beam_size``; no copy probability). Questions whose fact retrieval finds
    missing are answered ``<unknown>`` without the model, as by ``predict``."""
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
        raise UserInputError(f"beam_size must be a positive integer, got {beam_size!r}")
    kb = (KnowledgeBase.load(knowledge_base) if isinstance(knowledge_base, (str, os.PathLike))
          else KnowledgeBase.from_dict(knowledge_base))
    stepper = AnswerStepper(model)
    decoder = Decoder(stepper, jit_compile=jit_compile)
    out = []
    for question in questions:
        inputs, _, sources, found = model.encode_examples([question], None, kb)
        r = found[0]
        ids, tokens = [], []
        if not r.missing_fact:
            stepper.bind(inputs["source"], inputs["source_ext"])
            ids = decoder.generate([BOS_ID], stop_ids=(EOS_ID, UNKNOWN_ID), seed=0,
                                   max_tokens=model.max_answer_len, beam_size=beam_size,
                                   temperature=0.0)
            tokens = decode_ids(ids, sources[0], model.vocabulary)
        unknown = r.missing_fact or not tokens or ids[0] == UNKNOWN_ID
        out.append({"question": question, "answer": UNKNOWN if unknown else detokenize(tokens),
                    "retrieval": r.to_dict(),
                    "decided_by": "retrieval" if r.missing_fact else "model",
                    "beam_size": beam_size, "tokens": tokens})
    return out


def evaluate_qa(model: AnswerGenerator, knowledge_base, questions, max_mistakes: int = 20,
                beam_size: int | None = None) -> dict:
    """Exact match of ``model`` on ``questions`` (rows or a JSON-lines path), answered
    from ``knowledge_base``; with the share of ``<unknown>`` replies and the first
    mistakes. ``beam_size``: decode with :func:`decode_answers` (default: the model's
    batched greedy ``predict``)."""
    rows = load_questions(questions) if isinstance(questions, (str, os.PathLike)) else questions
    kb = (KnowledgeBase.load(knowledge_base) if isinstance(knowledge_base, (str, os.PathLike))
          else KnowledgeBase.from_dict(knowledge_base))
    if beam_size is None:
        preds = model.predict([r["question"] for r in rows], knowledge_base=kb)
    else:
        preds = [d["answer"] for d in decode_answers(model, [r["question"] for r in rows], kb,
                                                     beam_size=beam_size)]
    refs = [r["answer"] for r in rows]
    langs = [r.get("lang") or language_of(r["question"]) for r in rows]
    result = exact_match_report(preds, refs, langs, unknown=UNKNOWN)
    result["mistakes"] = [{"question": r["question"], "answer": r["answer"], "predicted": p}
                          for r, p in zip(rows, preds, strict=True)
                          if p != r["answer"]][:max_mistakes]
    return result
