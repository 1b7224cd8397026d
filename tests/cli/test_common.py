"""Flags come from config fields: help, defaults, choices and types in one place."""

import argparse
import dataclasses

import pytest

from llm_tf.cli import build_parser
from llm_tf.cli.common import Parser, add_config_args, given
from llm_tf.errors import UserInputError
from llm_tf.generation import SamplingConfig
from llm_tf.models import ModelConfig
from llm_tf.settings import setting
from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig


@dataclasses.dataclass(frozen=True)
class Toy:
    width: int = setting(8, "how wide")
    rate: float | None = setting(None, "how fast")
    fast: bool = setting(False, "go fast")
    cache: bool = setting(True, "keep a cache", flag="--cache")
    mode: str = setting("a", "which mode", choices=("a", "b"))
    tags: tuple[str, ...] = setting((), "a tag (repeatable)")


def test_a_new_field_reaches_the_parser_with_its_help():
    p = Parser(prog="t")
    add_config_args(p, Toy)
    text = p.format_help()
    for needle in ("--width", "how wide (default: 8)", "--rate", "--fast", "--no-cache",
                   "{a,b}", "--tags"):
        assert needle in text
    args = p.parse_args(["--width", "3", "--no-cache", "--tags", "x", "--tags", "y"])
    assert given(args, Toy) == {"width": 3, "cache": False, "tags": ("x", "y")}
    assert given(p.parse_args([]), Toy) == {}  # only what the user typed
    with pytest.raises(UserInputError, match="integer"):
        p.parse_args(["--width", "two"])


def _help(*argv):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[argv[0]].format_help()


@pytest.mark.parametrize("command,configs", [
    ("train", (DataConfig, ModelConfig, OptimConfig, RuntimeConfig)),
    ("generate", (SamplingConfig,)),
])
def test_every_config_field_is_a_flag(command, configs):
    text = "".join(_help(command).split())  # argparse wraps lines, also at hyphens
    for cls in configs:
        for f in dataclasses.fields(cls):
            flag = f.metadata.get("flag", "--" + f.name.replace("_", "-"))
            assert flag in text, (command, f.name)
            assert "".join(f.metadata["help"].split()) in text, (command, f.name)
