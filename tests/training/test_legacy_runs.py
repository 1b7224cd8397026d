"""Run folders saved before the package moved into role packages still load, generate and
evaluate the same way (tests/fixtures/legacy_runs was written by commit 7a0b222's code)."""

import contextlib
import io
import json

import numpy as np
import pytest

from llm_tf.cli import main
from tests.paths import ROOT

LEGACY = ROOT / "tests" / "fixtures" / "legacy_runs"
EXPECTED = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))


def _cli(*argv) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main([str(a) for a in argv]) == 0
    return buf.getvalue()


@pytest.mark.parametrize("name", ["lstm5", "lstm2", "transformer"])
def test_legacy_run_generates_and_evaluates_as_before(name):
    exp, run = EXPECTED[name], LEGACY / name
    greedy = _cli("generate", "--model", run, "--prompt", exp["prompt"], "--max-tokens", 8,
                  "--temperature", 0)
    assert greedy == exp["greedy"]
    sampled = _cli("generate", "--model", run, "--prompt", exp["prompt"], "--max-tokens", 8,
                   "--seed", 5, "--top-k", 10)
    if name == "transformer":
        _transformer_samples_within_its_trained_windows(run, exp, sampled)
    else:
        assert sampled == exp["sampled"]
    result = json.loads(_cli("evaluate", "--model", run, "--corpus", LEGACY / exp["corpus"],
                             "--json"))
    assert result["tokens"] == exp["tokens"] and result["checkpoint"] == "model.keras"
    np.testing.assert_allclose(result["ngram_perplexity"], exp["ngram_perplexity"], rtol=1e-9)
    if name != "transformer":
        np.testing.assert_allclose(result["perplexity"], exp["perplexity"], rtol=1e-4)
        return
    # evaluate now slides a Transformer's window by half its context (every token sees at
    # least max_len / 2 tokens); with the old stride of max_len the figure is the old one
    from llm_tf.generation import Decoder
    from llm_tf.models import stepping_view
    from llm_tf.text import lm_data
    from llm_tf.training import RunDir

    r = RunDir(run)
    ids, _ = lm_data.encode_text_ids(LEGACY / exp["corpus"], r.info().tokenizer, r.vocab())
    model = stepping_view(r.load_model(compile=False))
    lp = Decoder(model).stream_log_probs(ids, window=model.max_len)
    np.testing.assert_allclose(np.exp(-lp.mean()), exp["perplexity"], rtol=1e-4)


def _transformer_samples_within_its_trained_windows(run, exp, sampled):
    """This run's Transformer (max_len 16) was trained on 8-token windows: generation now
    stays within 8 tokens of context, and with the whole max_len it is what it was."""
    from llm_tf.generation import SamplingConfig, generate_text
    from llm_tf.models import stepping_view
    from llm_tf.training import RunDir

    r = RunDir(run)
    info, model = r.info(), stepping_view(r.load_model(compile=False))
    assert (info.config.trained_context, model.max_len) == (8, 16)
    sampling = SamplingConfig(max_tokens=8, seed=5, top_k=10)
    args = (model, info.tokenizer, r.vocab(), exp["prompt"], sampling)
    assert generate_text(*args) + "\n" == exp["sampled"]  # the whole max_len: as before
    assert generate_text(*args, context=8) + "\n" == sampled  # the CLI: trained windows


def test_legacy_listing_model_reloads():
    import keras

    import llm_tf.models.listing_models  # noqa: F401  (before the move: registers the class)

    model = keras.saving.load_model(LEGACY / "listing_lstm.keras")
    np.testing.assert_allclose(model.predict(["我", "爱"]), EXPECTED["listing_lstm"], atol=1e-6)
