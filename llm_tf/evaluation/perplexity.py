"""§5, §3.2: evaluating a trained run on a corpus: perplexity, OOV rate, and an n-gram baseline.

The model is scored as a stream (recurrent models carry their state across
windows, so every token is given all the text before it; the Transformer sees up
to ``max_len`` tokens), the same tokens the n-gram model scores, so the two
perplexities are comparable. The baseline is an interpolated Kneser-Ney model
(:mod:`llm_tf.evaluation.ngram`) fit on the run's own training ids.
"""

from __future__ import annotations

import math
import os

import numpy as np

from llm_tf.text import lm_data
from llm_tf.text.corpus import corpus_files
from llm_tf.training import run_folder as rd
from llm_tf.training.run_folder import RunDir


def score_ids(run: RunDir, model, ids: np.ndarray, ngram_order: int = 3,
              batch_size: int = 32, window: int = 64) -> dict:
    """Stream cross-entropy of ``model`` on token ids, beside the run's Kneser-Ney baseline."""
    from llm_tf.evaluation.ngram import KneserNeyLM
    from llm_tf.generation import Decoder
    from llm_tf.models import stepping_view

    stepper = stepping_view(model)
    if getattr(stepper, "max_len", None):  # a Transformer: each token sees at least half
        window = min(window, max(1, stepper.max_len // 2))  # of max_len tokens of context
    log_probs = Decoder(stepper).stream_log_probs(ids, batch=batch_size, window=window)
    nll = float(-np.mean(log_probs))
    train_ids = np.asarray(lm_data.read_ids(run / rd.TRAIN_IDS))
    ngram = KneserNeyLM(order=ngram_order).fit(train_ids, vocab_size=len(run.vocab()))
    ngram_lp = ngram.score_stream(ids)[1:]  # the first token is not scored by the model either
    ngram_nll = float(-np.mean(ngram_lp))
    return {"perplexity": math.exp(nll), "cross_entropy": nll, "tokens": int(len(log_probs)),
            "ngram_perplexity": math.exp(ngram_nll), "ngram_order": ngram_order}


def evaluate_run(run_path: str | os.PathLike, corpus: str | os.PathLike,
                 ngram_order: int = 3, batch_size: int = 32, window: int = 64,
                 which: str = "best") -> dict:
    """Perplexity of the run's best (or ``which="last"``) model on ``corpus`` beside the
    n-gram baseline's."""
    run = RunDir(run_path).require()
    corpus_files(corpus)
    info = run.info()
    ids, stats = lm_data.encode_text_ids(corpus, info.tokenizer, run.vocab())
    model = run.load_model(compile=False, which=which)
    result = score_ids(run, model, ids, ngram_order, batch_size, window)
    return {**result, "oov_rate": stats.oov_rate, "arch": info.config.model.arch,
            "corpus": str(corpus), "model": str(run.path),
            "checkpoint": run.model_path(which).name}
