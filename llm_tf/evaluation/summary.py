"""The final summary of a training run (``llm-tf train --json``, the run's ``metrics.json``).

Validation perplexity as training measured it (windows of ``seq_len`` tokens, best
and last epoch), then the best model scored on the held-out text as a stream (each
token given all the text before it: recurrent state carried, the Transformer's
window sliding) beside the Kneser-Ney baseline fitted on the run's training text;
the same for the test corpus when the run has one; and what the run cost.
"""

from __future__ import annotations

import math
import os

import numpy as np

from llm_tf.evaluation.perplexity import RunScorer
from llm_tf.text import lm_data
from llm_tf.training import run_folder as rd
from llm_tf.training.run_folder import RunDir, write_json_atomic


def _ppl(loss) -> float | None:
    return None if loss is None or not math.isfinite(loss) else math.exp(min(loss, 50.0))


def run_summary(run_path: str | os.PathLike, ngram_order: int = 3) -> dict:
    """The summary dict, also written to the run folder as ``metrics.json``."""
    from llm_tf.training.distribution import describe_run

    run = RunDir(run_path).require()
    info, state = run.info(), run.state()
    history = state.get("history", {})
    val_losses = history.get("val_loss", [])
    model = run.load_model(compile=False, which="best")
    summary = {
        "arch": info.config.model.arch,
        "parameters": int(model.count_params()),
        "best_val_perplexity": _ppl(state.get("best_val_loss")),
        "best_epoch": state.get("best_epoch", 0),
        "last_val_perplexity": _ppl(val_losses[-1]) if val_losses else None,
        "epochs": state.get("epoch", len(val_losses)),
        "steps": state.get("step", 0),
        "tokens": state.get("tokens", 0),
        "wall_seconds": round(float(state.get("seconds", 0.0)), 2),
        "tokens_per_second": (state.get("steady_tokens", 0) / state["steady_seconds"]
                              if state.get("steady_seconds") else None),
        "stopped": state.get("stopped", ""),
        **describe_run(info.config.runtime),
    }
    scorer = RunScorer(run, model, ngram_order)  # one decoder, one n-gram fit, both splits
    for split, name in (("val", rd.VAL_IDS), ("test", rd.TEST_IDS)):
        path = run / name
        if path.is_file() and os.path.getsize(path) > 8:
            ids = np.asarray(lm_data.read_ids(path))
            scored = scorer(ids)
            key = "val_stream" if split == "val" else "test"
            summary[f"{key}_perplexity"] = scored["perplexity"]
            summary[f"{split}_ngram_perplexity"] = scored["ngram_perplexity"]
            summary[f"{split}_tokens"] = scored["tokens"]
    summary["ngram_order"] = ngram_order
    summary["ngram_train_tokens"] = scorer.ngram_train_tokens
    write_json_atomic(run / rd.METRICS, summary)
    return summary
