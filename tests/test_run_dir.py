"""llm_tf.run_dir.RunDir (``from llm_tf import RunDir``): a run folder opened from Python gives
the figures and the text of ``llm-tf evaluate`` and ``llm-tf generate`` (issue 13).

The default run reads the committed tiny run tests/fixtures/legacy_runs/lstm2 (whose CLI
output tests/fixtures/legacy_runs/expected.json records); the slow one trains a fresh run
and checks best / last against the CLI.
"""

import contextlib
import io
import json
import math
import os
import shutil

import keras
import pytest

from llm_tf.cli import main
from llm_tf.errors import UserInputError
from llm_tf.run_dir import RunDir
from llm_tf.training import run_folder
from tests.paths import DATA, ROOT

LEGACY = ROOT / "tests" / "fixtures" / "legacy_runs"
RUN = LEGACY / "lstm2"
EXPECTED = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))["lstm2"]


def _cli(*argv) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main([str(a) for a in argv]) == 0
    return buf.getvalue()


@pytest.fixture(scope="module")
def run():
    return RunDir(RUN)


def test_generate_prints_what_the_cli_prints(run):
    prompt = EXPECTED["prompt"]
    assert run.generate(prompt, max_new_tokens=8, temperature=0) + "\n" == EXPECTED["greedy"]
    sampled = run.generate(prompt, max_new_tokens=8, seed=5, top_k=10)
    assert sampled + "\n" == EXPECTED["sampled"]  # `llm-tf generate --seed 5 --top-k 10`
    with pytest.raises(UserInputError, match="temperature"):
        run.generate(prompt, temperature=-1)


def test_evaluate_gives_the_clis_figures(run):
    corpus = LEGACY / EXPECTED["corpus"]
    got = run.evaluate(corpus)
    cli = json.loads(_cli("evaluate", "--model", RUN, "--corpus", corpus, "--json"))
    assert set(got) == set(cli)
    for key in ("perplexity", "cross_entropy", "tokens", "ngram_perplexity", "oov_rate",
                "checkpoint", "arch", "model"):
        assert got[key] == pytest.approx(cli[key], rel=1e-12) if isinstance(cli[key], float) \
            else got[key] == cli[key], key
    assert got["perplexity"] == math.exp(got["cross_entropy"])  # exactly
    assert got["tokens"] == EXPECTED["tokens"] and got["checkpoint"] == "model.keras"


def test_evaluate_takes_text_too(run, tmp_path):
    text = "The capital of France is Paris.\nZanzibar qwerty is here.\n"
    (tmp_path / "held.txt").write_text(text, encoding="utf-8")
    from_file = run.evaluate(tmp_path / "held.txt")
    for result in (run.evaluate(text=text), run.evaluate(text)):  # said, or recognised
        assert result["corpus"] == "<text>"
        assert result["cross_entropy"] == from_file["cross_entropy"]
        assert result["perplexity"] == math.exp(result["cross_entropy"])
        assert result["oov_rate"] == from_file["oov_rate"] > 0
    assert run.evaluate(str(tmp_path / "held.txt"))["corpus"] == str(tmp_path / "held.txt")
    with pytest.raises(UserInputError, match="not found"):  # a mistyped path is no text
        run.evaluate("data/no-such-corpus.txt")
    with pytest.raises(UserInputError, match="a corpus path or text=, one of them"):
        run.evaluate()
    with pytest.raises(UserInputError, match="needs some text"):
        run.evaluate(text="  \n")


def test_what_the_folder_holds(run):
    state = json.loads((RUN / "state.json").read_text(encoding="utf-8"))
    assert run.history == state["history"]
    assert run.config.model.arch == "lstm" and run.config.optim.epochs == 1
    assert run.tokenizer.kind == "word" and len(run.vocab()) == 159
    assert isinstance(run.model, keras.Model) and run.model is run.model  # loaded once
    assert run.checkpoint == "model.keras"  # this old run has no best.keras
    assert os.fspath(run) == str(RUN) and isinstance(run, run_folder.RunDir)
    text = repr(run)
    assert text.startswith(f"RunDir({str(RUN)!r}: lstm, vocabulary 159, word tokens")
    assert "trained 1/1 epochs" in text and "best val perplexity 150.68" in text
    assert "model model.keras" in text


def test_a_folder_that_is_not_a_run_is_named(tmp_path):
    with pytest.raises(UserInputError, match="run folder not found"):
        RunDir(tmp_path / "none")
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UserInputError, match="is a file"):
        RunDir(tmp_path / "file.txt")
    with pytest.raises(UserInputError, match="is not an llm-tf run folder"):
        RunDir(tmp_path)
    with pytest.raises(UserInputError, match="which must be 'best' or 'last', got 'worst'"):
        RunDir(RUN, which="worst")
    other = tmp_path / "qa"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"kind": "qa"}), encoding="utf-8")
    (other / "vocab.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UserInputError, match="is a qa run folder, not a language model's"):
        RunDir(other)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    (broken / "vocab.json").write_text("{}", encoding="utf-8")
    with pytest.raises(UserInputError, match="is not valid JSON"):
        RunDir(broken)


def test_a_run_without_a_model_yet_opens(tmp_path):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in ("config.json", "vocab.json"):
        shutil.copy(RUN / name, fresh / name)
    run = RunDir(fresh)
    assert run.history == {} and "no model yet" in repr(run)
    with pytest.raises(UserInputError, match="has no trained model yet"):
        run.model  # noqa: B018
    with pytest.raises(UserInputError, match="has no trained model yet"):
        run.generate("The")


# ---- a fresh run: best and last


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory):
    """A tiny LSTM run of 2 epochs (best.keras and model.keras both written)."""
    from llm_tf.models import ModelConfig
    from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig, train

    tmp = tmp_path_factory.mktemp("run_dir")
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()
    (tmp / "train.txt").write_text("\n".join(lines[:300]) + "\n", encoding="utf-8")
    (tmp / "held.txt").write_text("\n".join(lines[3000:3020]) + "\n", encoding="utf-8")
    cfg = TrainConfig(
        data=DataConfig(corpus=str(tmp / "train.txt"), seq_len=16, batch_size=16,
                        vocab_size=300),
        model=ModelConfig.tiny(arch="lstm"),
        optim=OptimConfig(epochs=2, learning_rate=1e-2),
        runtime=RuntimeConfig(jit_compile=False),
        seed=3,
    )
    train(cfg, tmp / "run", verbose=0)
    return tmp / "run", tmp / "held.txt"


@pytest.mark.slow
@pytest.mark.parametrize("which", ["best", "last"])
def test_fresh_run_agrees_with_the_cli(fresh_run, which):
    path, held = fresh_run
    run = RunDir(path, which=which)
    last = ["--last"] if which == "last" else []
    assert run.checkpoint == ("best.keras" if which == "best" else "model.keras")
    cli = json.loads(_cli("evaluate", "--model", path, "--corpus", held, "--json", *last))
    got = run.evaluate(held)
    assert got["cross_entropy"] == pytest.approx(cli["cross_entropy"], rel=1e-12)
    assert got["perplexity"] == math.exp(got["cross_entropy"])
    assert got["checkpoint"] == cli["checkpoint"]
    printed = _cli("generate", "--model", path, "--prompt", "The capital of", "--max-tokens",
                   10, "--seed", 2, "--top-p", 0.9, *last)
    assert run.generate("The capital of", max_new_tokens=10, seed=2, top_p=0.9) + "\n" == printed
    again = run.generate("The capital of", max_new_tokens=10, seed=2, top_p=0.9)
    assert again + "\n" == printed  # seeded: the same text each call
    one_line = run.generate("The capital of", max_new_tokens=30, temperature=0.8,
                            stop=["<eos>"])
    assert one_line.startswith("The capital of") and "\n" not in one_line.rstrip("\n")
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    assert run.history == state["history"] and len(run.history["val_loss"]) == 2
    assert "trained 2/2 epochs" in repr(run)


def test_llm_tf_exports_run_dir_lazily():
    import subprocess
    import sys

    code = ("import sys, llm_tf; assert 'tensorflow' not in sys.modules; "
            "from llm_tf import RunDir; import llm_tf.run_dir as m; assert RunDir is m.RunDir")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
