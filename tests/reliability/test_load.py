"""Load tests (issue 12), through ``bench/load_test.py`` in a child process each, so the
memory measured is that of the work alone: 1,000 generations from one loaded model and
1,000 ``llm-tf chat`` turns with at most 10% memory growth after a warm-up
(``/proc/.../status`` VmRSS), and a corpus streamed through ``llm-tf train`` and ``llm-tf
word2vec`` whose peak memory stays flat from a quarter of the corpus to all of it.

The corpus is 50 MB here (``LLM_TF_LOAD_SIZE=1GB`` for the script's default size); every
test is slow (minutes on 2 cores).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "bench" / "load_test.py"
LM = ROOT / "tests" / "fixtures" / "legacy_runs" / "lstm2"  # a tiny committed llm-tf train run
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")


def _load_test(*args, timeout=3000):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--json", *map(str, args)], cwd=ROOT,
                          env=ENV, capture_output=True, text=True, timeout=timeout)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert proc.returncode == (0 if report["ok"] else 1)
    return report


def test_a_thousand_generations_from_one_model_keep_memory_flat():
    r = _load_test("--only", "generate", "--lm", LM, "--prompts", 1000, "--max-tokens", 8)
    g = r["generate"]
    assert g["prompts"] == 1000 and len(g["rss_samples_mb"]) == 10
    assert g["rss_end_mb"] <= 1.10 * g["rss_after_warmup_mb"], g
    assert g["ok"] and r["ok"]


def test_a_thousand_chat_turns_keep_memory_flat():
    r = _load_test("--only", "chat", "--lm", LM, "--turns", 1000, "--max-tokens", 8)
    c = r["chat"]
    assert c["turns"] == 1000 and c["exit_status"] == 0 and c["empty_replies"] == 0
    assert c["rss_end_mb"] <= 1.10 * c["rss_after_warmup_mb"], c
    assert c["ok"] and r["ok"]


def test_a_big_corpus_streams_through_train_and_word2vec_in_flat_memory():
    size = os.environ.get("LLM_TF_LOAD_SIZE", "50MB")
    r = _load_test("--only", "stream", "--size", size, "--max-steps", 20)
    s = r["stream"]
    runs = {(row["command"], round(row["corpus_mb"])) for row in s["runs"]}
    assert len(runs) == 4 and {c for c, _ in runs} == {"train", "word2vec"}
    for command in ("train", "word2vec"):
        assert s[command]["flat"], (command, s[command], s["runs"])
    assert r["ok"]
