"""Published results, reproduced by ``llm-tf train`` with the shipped recipes (slow: an hour
and a few minutes on 2 cores; ``make test-slow``). They need the benchmark corpora in
``../shared/data`` and are skipped without them."""

import json
import math

import pytest

from llm_tf.cli import main
from tests.paths import ROOT

SHARED = ROOT.parent / "shared" / "data"
pytestmark = pytest.mark.slow


def _train(capsys, *argv) -> dict:
    assert main([str(a) for a in argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.skipif(not (SHARED / "ptb").is_dir(), reason="no ../shared/data/ptb")
def test_zaremba_small_on_ptb(capsys, tmp_path):
    """Zaremba et al. 2014, small: test perplexity 114.5 after 13 epochs."""
    ptb = SHARED / "ptb"
    summary = _train(capsys, "train", "--recipe", "zaremba-small", "--corpus",
                     ptb / "ptb.train.txt.gz", "--val-corpus", ptb / "ptb.valid.txt.gz",
                     "--test-corpus", ptb / "ptb.test.txt.gz", "--out", tmp_path / "ptb",
                     "--json")
    assert summary["epochs"] == 13
    assert summary["test_perplexity"] <= 114.5


@pytest.mark.skipif(not (SHARED / "tinyshakespeare").is_dir(), reason="no Tiny Shakespeare")
def test_nanogpt_char_on_tiny_shakespeare(capsys, tmp_path):
    """nanoGPT's CPU recipe: validation at most 1.88 nats/char within 2,600 iterations."""
    text = (SHARED / "tinyshakespeare" / "input.txt").read_text(encoding="utf-8")
    cut = int(0.9 * len(text))  # nanoGPT's split: the last 10% is validation
    (tmp_path / "train.txt").write_text(text[:cut], encoding="utf-8")
    (tmp_path / "valid.txt").write_text(text[cut:], encoding="utf-8")
    summary = _train(capsys, "train", "--recipe", "nanogpt-char", "--max-steps", "2600",
                     "--corpus", tmp_path / "train.txt", "--val-corpus", tmp_path / "valid.txt",
                     "--out", tmp_path / "shakespeare", "--json")
    assert summary["steps"] <= 2600
    assert math.log(summary["best_val_perplexity"]) <= 1.88
