"""``llm-tf train`` as a user meets the trainer: --json, metrics.json, the best model used by
default (and said), recipes with flags laid over them, what it runs on."""

import json

import pytest

from llm_tf.cli import main
from llm_tf.training import RunDir

SMALL = ["--seq-len", "16", "--batch-size", "16", "--embedding-dim", "32", "--units", "32"]
KEYS = {"best_val_perplexity", "last_val_perplexity", "steps", "tokens", "wall_seconds",
        "tokens_per_second", "device", "strategy", "precision", "xla", "val_stream_perplexity",
        "val_ngram_perplexity", "test_perplexity", "test_ngram_perplexity", "best_epoch"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from tests.paths import DATA

    tmp = tmp_path_factory.mktemp("opts")
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()
    (tmp / "train.txt").write_text("\n".join(lines[:1200]) + "\n", encoding="utf-8")
    (tmp / "valid.txt").write_text("\n".join(lines[1200:1400]) + "\n", encoding="utf-8")
    (tmp / "test.txt").write_text("\n".join(lines[1400:1600]) + "\n", encoding="utf-8")
    return tmp


def test_json_summary_is_alone_on_stdout_and_kept(capsys, run):
    argv = ["train", "--corpus", run / "train.txt", "--val-corpus", run / "valid.txt",
            "--test-corpus", run / "test.txt", "--out", run / "r", "--epochs", "2", "--json",
            "--lr-schedule", "cosine", "--warmup-steps", "5", "--clip-norm", "1", *SMALL]
    assert main([str(a) for a in argv]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)  # nothing but the object
    assert KEYS <= set(summary)
    assert summary["epochs"] == 2 and summary["steps"] > 0 and summary["tokens"] > 0
    assert summary["test_perplexity"] > 1 and summary["precision"] == "float32"
    assert "running on CPU" in err and "strategy" in err and "XLA on" in err
    assert json.loads((run / "r" / "metrics.json").read_text()) == summary
    info = RunDir(run / "r").info()
    assert info.config.optim.lr_schedule == "cosine" and info.config.data.test_corpus
    assert info.data["test_tokens"] > 0 and (run / "r" / "test.ids").is_file()


def test_generate_and_evaluate_use_the_best_model_and_say_so(capsys, run):
    assert main(["generate", "--model", str(run / "r"), "--prompt", "The", "--max-tokens", "3"]
                ) == 0
    assert "using best.keras" in capsys.readouterr().err
    assert main(["generate", "--model", str(run / "r"), "--last", "--max-tokens", "3"]) == 0
    assert "using model.keras" in capsys.readouterr().err
    assert main(["evaluate", "--model", str(run / "r"), "--corpus", str(run / "test.txt"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["checkpoint"] == "best.keras"


def test_recipes_are_listed_and_flags_override_them(capsys, run):
    assert main(["recipes"]) == 0
    listed = capsys.readouterr().out
    assert "zaremba-small" in listed and "nanogpt-char" in listed
    argv = ["train", "--recipe", "zaremba-small", "--corpus", str(run / "train.txt"), "--out",
            str(run / "z"), "--max-steps", "2", "--units", "16", "--embedding-dim", "16",
            "--no-xla", "--json"]
    assert main(argv) == 0
    capsys.readouterr()
    cfg = RunDir(run / "z").info().config
    assert cfg.model.units == 16 and cfg.model.layers == 2  # the flag, then the recipe
    assert cfg.optim.optimizer == "sgd" and cfg.data.stateful and cfg.optim.max_steps == 2


@pytest.mark.parametrize("argv", [
    ["--recipe", "no-such-recipe"], ["--optimizer", "rmsprop"], ["--lr", "0"],
    ["--lr-schedule", "linear"], ["--clip-norm", "-1"], ["--strategy", "tpu"],
    ["--patience", "-1"], ["--arch", "transformer", "--stateful", "--max-len", "32"],
])
def test_bad_trainer_flags_are_one_line(capsys, run, argv):
    rc = main(["train", "--corpus", str(run / "train.txt"), "--out", str(run / "bad"),
               "--seq-len", "16", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("llm-tf: error:"), err
    assert not (run / "bad" / "model.keras").exists()


def test_recurrent_models_train_statefully_unless_told_not_to(capsys, run):
    """With no flag the LSTM carries its state (truncated BPTT), the Transformer does not."""
    from llm_tf.models import ModelConfig
    from llm_tf.training import DataConfig, TrainConfig

    assert TrainConfig().stateful and TrainConfig(model=ModelConfig(arch="rnn")).stateful
    assert not TrainConfig(model=ModelConfig(arch="transformer")).stateful
    assert not TrainConfig(data=DataConfig(stateful=False)).stateful
    # a Transformer is scored and sampled within the windows it was trained on
    short = TrainConfig(data=DataConfig(seq_len=16), model=ModelConfig(arch="transformer"))
    assert short.trained_context == 16 and TrainConfig().trained_context is None
    argv = ["train", "--corpus", str(run / "train.txt"), "--max-steps", "2", "--no-xla", *SMALL]
    assert main([*argv, "--out", str(run / "s1"), "--quiet"]) == 0
    out, err = capsys.readouterr()  # --quiet: the result lines alone
    assert out.startswith("validation perplexity:") and all(
        ln.startswith(("validation perplexity:", "held-out text", "stopped early:"))
        or " steps, " in ln for ln in out.splitlines()), out
    assert "running on" not in out + err and "device:" not in err
    assert main([*argv, "--out", str(run / "s2"), "--no-stateful"]) == 0
    out, err = capsys.readouterr()  # the trainer's start line says the device, once
    assert out.count("running on CPU") == 1 and "device:" not in err
    on, off = (RunDir(run / n).info().config for n in ("s1", "s2"))
    assert on.data.stateful is None and on.stateful  # saved as "by architecture"
    assert off.data.stateful is False and not off.stateful
    assert (run / "s1" / "best.keras").is_file() and (run / "s2" / "best.keras").is_file()


def test_resume_takes_new_limits_and_says_which_flags_it_ignores(capsys, run):
    argv = ["train", "--corpus", str(run / "train.txt"), "--out", str(run / "lim"),
            "--no-xla", *SMALL]
    assert main([*argv, "--max-steps", "2"]) == 0
    assert RunDir(run / "lim").info().config.optim.max_steps == 2
    capsys.readouterr()
    assert main([*argv, "--resume", "--max-steps", "4", "--time-budget", "600", "--lr", "1",
                 "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["steps"] == 4
    cfg = RunDir(run / "lim").info().config
    assert cfg.optim.max_steps == 4 and cfg.optim.time_budget == 600
    assert cfg.optim.learning_rate == 3e-3  # the run's own rate: not a limit
    assert "ignoring --learning-rate (only" in err  # the sizes given are the run's own
