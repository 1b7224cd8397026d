"""Evaluation (§5, §3.2): perplexity of a run on a corpus, beside an interpolated
Kneser-Ney n-gram baseline (:mod:`.ngram`, checked against ``nltk.lm``)."""

from llm_tf.evaluation.ngram import KneserNeyLM
from llm_tf.evaluation.perplexity import evaluate_run

__all__ = ["KneserNeyLM", "evaluate_run"]
