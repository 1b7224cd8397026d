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

NGRAM_MAX_TOKENS = 10_000_000  # training tokens the Kneser-Ney baseline is fit on, at most


class RunScorer:
    """A run's model (its decoder) and its Kneser-Ney baseline, built once, to score token ids.

    ``scorer(ids)`` returns the stream cross-entropy of the model on ``ids`` beside the
    n-gram's; a Transformer's window slides by half its context (``max_len``, or the
    shorter windows it was trained on), so every token sees at least half of it. The
    n-gram is fit on the run's training ids, the first :data:`NGRAM_MAX_TOKENS` of them
    on a bigger corpus (its memory grows with the tokens counted).
    """

    def __init__(self, run: RunDir, model, ngram_order: int = 3, batch_size: int = 32,
                 window: int = 64):
        from llm_tf.evaluation.ngram import KneserNeyLM
        from llm_tf.generation import Decoder
        from llm_tf.models import stepping_view

        stepper = stepping_view(model)
        decoder = Decoder(stepper, context=run.info().config.trained_context)
        if decoder.max_len:
            window = min(window, max(1, decoder.max_len // 2))
        self.decoder, self.batch_size, self.window = decoder, batch_size, window
        self.ngram_order = ngram_order
        train_ids = lm_data.read_ids(run / rd.TRAIN_IDS)
        # counting n-grams takes ~50 bytes a token: past NGRAM_MAX_TOKENS the baseline is
        # fit on the first NGRAM_MAX_TOKENS (a 1 GB corpus must not need tens of GB here)
        cap = NGRAM_MAX_TOKENS  # read when called, so a test may lower it
        self.ngram_train_tokens = min(len(train_ids), cap)
        self.ngram = KneserNeyLM(order=ngram_order).fit(
            np.asarray(train_ids[:cap]), vocab_size=len(run.vocab()))

    def __call__(self, ids: np.ndarray) -> dict:
        log_probs = self.decoder.stream_log_probs(ids, batch=self.batch_size, window=self.window)
        nll = float(-np.mean(log_probs))
        ngram_lp = self.ngram.score_stream(ids)[1:]  # the model does not score the first token
        ngram_nll = float(-np.mean(ngram_lp))
        return {"perplexity": math.exp(nll), "cross_entropy": nll,
                "tokens": int(len(log_probs)), "ngram_perplexity": math.exp(ngram_nll),
                "ngram_order": self.ngram_order, "ngram_train_tokens": self.ngram_train_tokens}


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
    result = RunScorer(run, model, ngram_order, batch_size, window)(ids)
    return {**result, "oov_rate": stats.oov_rate, "arch": info.config.model.arch,
            "corpus": str(corpus), "model": str(run.path),
            "checkpoint": run.model_path(which).name}
