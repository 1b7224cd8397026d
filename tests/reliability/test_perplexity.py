"""Perplexity is ``e ** cross_entropy`` wherever it is reported, and ``evaluate``'s figure
equals a mean negative log-likelihood computed by hand on a tiny model (issue 12).

Reported in: the training logger (``PerplexityLogger``: the progress bar, TensorBoard
and user callbacks), the run's history (``state.json``), the run summary
(``metrics.json``), ``evaluate_run`` and ``llm-tf evaluate --json``.
"""

import json
import math

import keras
import numpy as np
import pytest

from llm_tf.cli import main
from llm_tf.evaluation import evaluate_run
from llm_tf.evaluation.ngram import KneserNeyLM
from llm_tf.evaluation.summary import run_summary
from llm_tf.models import ModelConfig
from llm_tf.text import lm_data
from llm_tf.training import DataConfig, OptimConfig, RunDir, RuntimeConfig, TrainConfig, train
from llm_tf.training.callbacks import PerplexityLogger
from tests.paths import DATA


class _Recorder(keras.callbacks.Callback):
    """A user callback (it runs after the built-in ones): keeps every logs dict it sees."""

    def __init__(self):
        super().__init__()
        self.batches, self.epochs = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(dict(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs or {}))


@pytest.fixture(scope="module")
def lstm_run(tmp_path_factory):
    """A tiny LSTM run (2 epochs) and the logs a user callback saw while it trained."""
    tmp = tmp_path_factory.mktemp("ppl")
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()
    corpus = tmp / "train.txt"
    corpus.write_text("\n".join(lines[:600]) + "\n", encoding="utf-8")
    held = tmp / "held.txt"
    held.write_text("\n".join(lines[3000:3012]) + "\nZanzibar qwerty is here.\n", encoding="utf-8")
    cfg = TrainConfig(
        data=DataConfig(corpus=str(corpus), seq_len=16, batch_size=16, vocab_size=400),
        model=ModelConfig.tiny(arch="lstm"),
        optim=OptimConfig(epochs=2, learning_rate=1e-2),
        runtime=RuntimeConfig(jit_compile=False),
        seed=3,
    )
    recorder = _Recorder()
    _, history = train(cfg, tmp / "run", verbose=0, callbacks=[recorder])
    return tmp / "run", held, history, recorder


def test_perplexity_logger_is_e_to_the_loss():
    logs = {"loss": 1.3, "val_loss": 2.25}
    PerplexityLogger()._add(logs)
    assert logs["perplexity"] == math.exp(1.3) and logs["val_perplexity"] == math.exp(2.25)
    logs = {"loss": 0.0}
    PerplexityLogger().on_epoch_end(0, logs)
    assert logs["perplexity"] == 1.0


def test_training_reports_e_to_the_loss_everywhere(lstm_run):
    run, _, history, recorder = lstm_run
    assert recorder.batches and len(recorder.epochs) == 2
    for logs in recorder.batches:  # what the progress bar and TensorBoard show
        assert logs["perplexity"] == math.exp(logs["loss"]), logs
    for logs in recorder.epochs:
        assert logs["perplexity"] == math.exp(logs["loss"]), logs
        assert logs["val_perplexity"] == math.exp(logs["val_loss"]), logs
    saved = RunDir(run).state()["history"]
    for h in (history, saved):
        assert len(h["loss"]) == len(h["val_loss"]) == 2
        assert h["perplexity"] == [math.exp(x) for x in h["loss"]]
        assert h["val_perplexity"] == [math.exp(x) for x in h["val_loss"]]
    summary = run_summary(run)
    state = RunDir(run).state()
    assert summary["best_val_perplexity"] == math.exp(state["best_val_loss"])
    assert summary["last_val_perplexity"] == math.exp(saved["val_loss"][-1])


def _hand_stream_nll(model, ids, rows):
    """Mean -log p of ids[1:] scored as ``evaluate`` documents it for a recurrent model:
    the stream cut into ``rows`` contiguous rows, each read from a zero state."""
    n = len(ids) - 1
    row = -(-n // rows)
    x, y = np.zeros(rows * row, "int32"), np.zeros(rows * row, "int32")
    x[:n], y[:n] = ids[:-1], ids[1:]
    p = np.asarray(model(x.reshape(rows, row)), np.float64)  # (rows, row, V) probabilities
    picked = np.take_along_axis(p, y.reshape(rows, row)[..., None], -1).reshape(-1)[:n]
    return float(-np.mean(np.log(picked)))


def test_evaluate_is_e_to_a_hand_computed_mean_nll(lstm_run):
    run_path, held, _, _ = lstm_run
    run = RunDir(run_path)
    ids, _ = lm_data.encode_text_ids(held, run.info().tokenizer, run.vocab())
    model = run.load_model(compile=False, which="best")
    n = len(ids) - 1
    assert n > 64  # several windows, several rows

    one_row = evaluate_run(run_path, held, batch_size=1, window=16)
    nll = _hand_stream_nll(model, ids, rows=1)  # one row: the whole text, state carried
    assert one_row["cross_entropy"] == pytest.approx(nll, rel=1e-5)
    assert one_row["perplexity"] == math.exp(one_row["cross_entropy"])
    assert one_row["tokens"] == n

    # the defaults, as `llm-tf evaluate` runs them: 32 rows of contiguous text
    result = evaluate_run(run_path, held)
    assert result["cross_entropy"] == pytest.approx(_hand_stream_nll(model, ids, 32), rel=1e-5)
    assert result["perplexity"] == math.exp(result["cross_entropy"])

    # the n-gram baseline: KN-3 with D = 0.75 on the run's training ids, first token unscored
    kn = KneserNeyLM(order=3, discount=0.75).fit(
        np.asarray(lm_data.read_ids(run_path / "train.ids")), len(run.vocab())
    )
    kn_nll = -np.mean(kn.score_stream(ids)[1:])
    assert result["ngram_perplexity"] == pytest.approx(math.exp(kn_nll), rel=1e-12)


def test_cli_evaluate_json_reports_the_exact_figures(lstm_run, capsys):
    """`llm-tf evaluate --json` (tests/cli accepts any 1 < perplexity < 60): the very figures
    of evaluate_run, e ** cross_entropy, and the OOV rate counted by hand."""
    run_path, held, _, _ = lstm_run
    assert main(["evaluate", "--model", str(run_path), "--corpus", str(held), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    want = evaluate_run(run_path, held)
    assert result["perplexity"] == pytest.approx(want["perplexity"], rel=1e-9)
    assert result["perplexity"] == pytest.approx(math.exp(want["cross_entropy"]), rel=1e-9)
    assert result["ngram_perplexity"] == pytest.approx(want["ngram_perplexity"], rel=1e-12)
    run = RunDir(run_path)
    tok, vocab = run.info().tokenizer, run.vocab()
    words = [
        t for line in held.read_text(encoding="utf-8").splitlines() for t in tok.tokenize(line)
    ]
    oov = sum(1 for t in words if t not in vocab.index) / len(words)
    assert result["oov_rate"] == pytest.approx(oov, rel=1e-12) and oov > 0


def test_the_baseline_counts_at_most_ngram_max_tokens(lstm_run, monkeypatch):
    """A big corpus fits the Kneser-Ney baseline on its first NGRAM_MAX_TOKENS training
    tokens (its memory grows with the tokens counted), and says so."""
    from llm_tf.evaluation import perplexity

    run_path, held, _, _ = lstm_run
    run = RunDir(run_path)
    train_ids = np.asarray(lm_data.read_ids(run_path / "train.ids"))
    assert len(train_ids) > 500
    whole = evaluate_run(run_path, held)
    assert whole["ngram_train_tokens"] == len(train_ids)
    monkeypatch.setattr(perplexity, "NGRAM_MAX_TOKENS", 500)
    capped = evaluate_run(run_path, held)
    assert capped["ngram_train_tokens"] == 500
    ids, _ = lm_data.encode_text_ids(held, run.info().tokenizer, run.vocab())
    kn = KneserNeyLM(order=3).fit(train_ids[:500], len(run.vocab()))
    assert capped["ngram_perplexity"] == pytest.approx(
        math.exp(-np.mean(kn.score_stream(ids)[1:])), rel=1e-12)
    assert capped["ngram_perplexity"] != whole["ngram_perplexity"]
    assert capped["perplexity"] == whole["perplexity"]  # the model's figure does not change
