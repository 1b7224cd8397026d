"""What every ``llm-tf`` command shares: the one-line-error parser and flags made from configs.

:func:`add_config_args` turns the fields of a config dataclass (see
:mod:`llm_tf.settings`) into flags whose help and defaults come from the fields;
the flags default to "not given" (``argparse.SUPPRESS``), so :func:`given` returns
only what the user typed, to be laid over the defaults (or a saved run's config).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import types
import typing

from llm_tf.errors import UserInputError
from llm_tf.settings import flag_name

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


def positive_int(value: str) -> int:
    """argparse ``type=`` for counts: a clear message for anything but an integer >= 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def show_usage(parser) -> int:
    """A command family called without its subcommand: its help on stderr, status 2."""
    parser.print_help(sys.stderr)
    return EXIT_USAGE


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit status 2)."""

    def error(self, message):
        raise UserInputError(f"{message} (see {self.prog} --help)")


def _scalar_type(annotation):
    """int / float / str for ``int``, ``float | None``, ``tuple[str, ...]`` annotations."""
    if isinstance(annotation, str):
        annotation = eval(annotation, {"tuple": tuple})  # noqa: S307  (our own annotations)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _scalar_type(args[0])
    if origin is tuple:
        return _scalar_type(typing.get_args(annotation)[0])
    return annotation


def _typed(kind, flag):
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
    parse.__name__ = kind.__name__
    return parse


def add_config_args(parser, config_cls, *, exclude=(), defaults=None, required=(),
                    choices=None) -> None:
    """Add one flag per field of ``config_cls`` (help and default shown from the field).

    ``defaults`` (an instance) shows other defaults in the help; ``required`` names the
    fields that must be given; ``choices`` maps field names to allowed values. Nested config fields (dataclasses) are skipped.
    """
    defaults = defaults or config_cls()
    hints = typing.get_type_hints(config_cls)
    for f in dataclasses.fields(config_cls):
        if f.name in exclude or "help" not in f.metadata:
            continue
        flag, default = flag_name(f), getattr(defaults, f.name)
        kind = _scalar_type(hints[f.name])
        kw = {"dest": f.name, "default": argparse.SUPPRESS}
        help_text = f.metadata["help"]
        if kind is bool:
            optional = default or default is None  # None: decided later, --no-X says off
            kw["action"] = argparse.BooleanOptionalAction if optional else "store_true"
            help_text += " (default: on)" if default else ""
        else:
            if typing.get_origin(hints[f.name]) is tuple or isinstance(default, tuple):
                kw["action"] = "append"
            kw["type"] = _typed(kind, flag) if kind in (int, float) else kind
            allowed = (choices or {}).get(f.name, f.metadata.get("choices"))
            if allowed is not None:
                kw["choices"] = tuple(allowed)
            if "metavar" in f.metadata:
                kw["metavar"] = f.metadata["metavar"]
            if f.name in required:
                kw["required"] = True
            elif default not in (None, "", ()):
                help_text += f" (default: {default})"
        parser.add_argument(flag, *f.metadata.get("aliases", ()), help=help_text, **kw)


def given(args: argparse.Namespace, config_cls) -> dict:
    """The fields of ``config_cls`` the user gave on the command line."""
    names = {f.name for f in dataclasses.fields(config_cls)}
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in vars(args).items()
            if k in names}
