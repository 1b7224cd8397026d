"""Word2VecConfig and GloVeConfig: defaults, checks that name the field, CLI flags made from fields."""

import dataclasses
import os
import subprocess
import sys

import pytest

from llm_tf.cli import main
from llm_tf.cli.common import given
from llm_tf.errors import UserInputError
from llm_tf.vectors.config import GloVeConfig, Word2VecConfig
from tests.paths import ROOT


def test_defaults_are_word2vecs_and_the_glove_papers():
    w2v = Word2VecConfig()
    assert (w2v.embedding_dim, w2v.window, w2v.negative, w2v.min_count) == (100, 5, 5, 5)
    assert (w2v.epochs, w2v.sample, w2v.ns_exponent, w2v.sg) == (5, 1e-3, 0.75, True)
    assert w2v.start_learning_rate == 0.025
    assert Word2VecConfig(sg=False).start_learning_rate == 0.05
    assert Word2VecConfig(learning_rate=0.1, sg=False).start_learning_rate == 0.1
    glove = GloVeConfig()
    assert (glove.window, glove.x_max, glove.alpha) == (10, 100.0, 0.75)
    assert (glove.learning_rate, glove.epochs) == (0.05, 15)
    assert Word2VecConfig.tiny(epochs=9) == Word2VecConfig(
        embedding_dim=16, window=2, min_count=1, sample=0.0, epochs=9
    )
    assert GloVeConfig.tiny().batch_size == 256
    with pytest.raises(dataclasses.FrozenInstanceError):
        w2v.window = 3


@pytest.mark.parametrize(
    ("config_cls", "field", "value"),
    [
        (Word2VecConfig, "embedding_dim", 0),
        (Word2VecConfig, "window", -1),
        (Word2VecConfig, "negative", 1.5),
        (Word2VecConfig, "min_count", True),
        (Word2VecConfig, "max_vocab", 0),
        (Word2VecConfig, "sample", 1.0),
        (Word2VecConfig, "sample", -0.1),
        (Word2VecConfig, "ns_exponent", "3/4"),
        (Word2VecConfig, "learning_rate", 0.0),
        (Word2VecConfig, "min_learning_rate_ratio", 2.0),
        (Word2VecConfig, "words_per_batch", 0),
        (Word2VecConfig, "negative_group", 0),
        (Word2VecConfig, "max_row_updates", -1.0),
        (Word2VecConfig, "steps_per_execution", 0),
        (Word2VecConfig, "sg", "yes"),
        (Word2VecConfig, "tokenizer", "bpe"),
        (Word2VecConfig, "seed", -1),
        (GloVeConfig, "embedding_dim", 0),
        (GloVeConfig, "window", 0),
        (GloVeConfig, "max_vocab", -5),
        (GloVeConfig, "x_max", 0.0),
        (GloVeConfig, "alpha", -0.75),
        (GloVeConfig, "learning_rate", 0),
        (GloVeConfig, "batch_size", 0),
        (GloVeConfig, "symmetric", None),
        (GloVeConfig, "tokenizer", "chars"),
        (GloVeConfig, "seed", -2),
    ],
)
def test_bad_values_name_the_field_and_the_value(config_cls, field, value):
    with pytest.raises(UserInputError) as info:
        config_cls(**{field: value})
    message = str(info.value)
    flag = {"embedding_dim": " (--dim)", "learning_rate": " (--lr)"}.get(field, "")
    assert message.startswith(f"{field}{flag} must be "), message  # the flag, where it differs
    assert message.endswith(f"got {value!r}"), message


def test_optional_fields_accept_none():
    cfg = Word2VecConfig(max_vocab=None, learning_rate=None, max_row_updates=None)
    assert cfg.max_vocab is None and cfg.max_row_updates is None
    assert GloVeConfig(max_vocab=None).max_vocab is None


# ---- the CLI's flags are the configs' fields


def _help(parser, command, capsys) -> str:
    with pytest.raises(SystemExit) as info:
        parser.parse_args([command, "--help"])
    assert info.value.code == 0
    return "".join(capsys.readouterr().out.split())  # argparse wraps lines anywhere


@pytest.mark.parametrize(
    ("command", "config_cls"), [("word2vec", Word2VecConfig), ("glove", GloVeConfig)]
)
def test_every_field_has_a_flag_with_its_help(parser, capsys, command, config_cls):
    text = _help(parser, command, capsys)
    for field in dataclasses.fields(config_cls):
        assert "".join(field.metadata["help"].split()) in text, field.name
        flag = field.metadata.get("flag", "--" + field.name.replace("_", "-"))
        assert flag in text, (field.name, flag)


def test_todays_word2vec_flags_fill_the_config(parser):
    args = parser.parse_args(
        "word2vec --corpus c.txt --out o --dim 7 --window 3 --negative 4 --min-count 2 "
        "--max-vocab 50 --sample 0 --lr 0.1 --epochs 2 --tokenizer char --lower --seed 3 "
        "--cbow --quiet".split()
    )
    assert Word2VecConfig(**given(args, Word2VecConfig)) == Word2VecConfig(
        embedding_dim=7,
        window=3,
        negative=4,
        min_count=2,
        max_vocab=50,
        sample=0.0,
        learning_rate=0.1,
        epochs=2,
        tokenizer="char",
        lower=True,
        seed=3,
        sg=False,
    )
    args = parser.parse_args(["word2vec", "--corpus", "c.txt", "--out", "o", "--sg"])
    assert given(args, Word2VecConfig) == {"sg": True}
    args = parser.parse_args(["word2vec", "--corpus", "c.txt", "--out", "o"])
    assert given(args, Word2VecConfig) == {}  # flags not given leave the defaults alone
    with pytest.raises(UserInputError, match="not allowed with"):
        parser.parse_args(["word2vec", "--corpus", "c", "--out", "o", "--sg", "--cbow"])
    with pytest.raises(UserInputError, match="--dim.*'eight'"):
        parser.parse_args(["word2vec", "--corpus", "c", "--out", "o", "--dim", "eight"])


def test_todays_glove_flags_fill_the_config(parser):
    args = parser.parse_args(
        "glove --corpus c.txt --out o --dim 7 --window 3 --min-count 2 --max-vocab 50 "
        "--x-max 10 --alpha 0.5 --lr 0.1 --epochs 2 --batch-size 64 --tokenizer word "
        "--lower --seed 3 --no-symmetric".split()
    )
    assert GloVeConfig(**given(args, GloVeConfig)) == GloVeConfig(
        embedding_dim=7,
        window=3,
        min_count=2,
        max_vocab=50,
        x_max=10.0,
        alpha=0.5,
        learning_rate=0.1,
        epochs=2,
        batch_size=64,
        tokenizer="word",
        lower=True,
        seed=3,
        symmetric=False,
    )


def test_cli_checks_values_and_corpus_before_tensorflow(tmp_path):
    """The config and the corpus path fail in one line, and TensorFlow never loads."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n", encoding="utf-8")
    code = f"""
import sys
from llm_tf.cli.common import Parser
from llm_tf.cli.vectors import register
from llm_tf.errors import UserInputError

parser = Parser(prog="llm-tf")
register(parser.add_subparsers())
for argv in (["word2vec", "--corpus", {str(corpus)!r}, "--dim", "0"],
             ["glove", "--corpus", {str(corpus)!r}, "--x-max", "-1"],
             ["word2vec", "--corpus", {str(tmp_path / "none.txt")!r}],
             ["glove", "--corpus", {str(tmp_path)!r} + "/c.txt/x"]):
    args = parser.parse_args([*argv, "--out", {str(tmp_path / "out")!r}])
    try:
        args.func(args)
    except UserInputError as e:
        print(e)
    else:
        raise SystemExit("no error for " + " ".join(argv))
loaded = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
assert not loaded, loaded
"""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "embedding_dim (--dim) must be a positive integer, got 0"
    assert lines[1] == "x_max must be > 0, got -1.0"
    assert "none.txt" in lines[2] and len(lines) == 4


def test_main_reports_a_bad_value_in_one_line(capsys, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n", encoding="utf-8")
    argv = ["glove", "--corpus", str(corpus), "--out", str(tmp_path / "o"), "--alpha", "0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "llm-tf: error: alpha must be > 0, got 0.0\n"


def test_the_command_line_answers_without_tensorflow(tmp_path):
    """`llm-tf --help` and the word-vector commands never load TensorFlow."""
    code = """
import sys
from llm_tf.cli import main
rc = main(sys.argv[1:])
loaded = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
print(rc, loaded)
"""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for argv in (["vectors", "similar", "--vectors", str(tmp_path / "none.txt"), "x"],
                 ["word2vec", "--corpus", str(tmp_path / "none.txt"), "--out", str(tmp_path)]):
        proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.stdout.split("\n")[-2] == "2 []", proc.stdout + proc.stderr
