"""What every ``llm-tf`` command shares: the one-line-error parser and flags made from configs.

:func:`add_config_args` turns the fields of a config dataclass (see
:mod:`llm_tf.settings`) into flags whose help and defaults come from the fields;
the flags default to "not given" (``argparse.SUPPRESS``), so :func:`given` returns
only what the user typed, to be laid over the defaults (or a saved run's config).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import shutil
import sys
import types
import typing
from pathlib import Path

from llm_tf.errors import UserInputError
from llm_tf.files import LOCK_NAME, check_unlocked
from llm_tf.settings import flag_name

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


# Sizes beyond these are typos (an extra zero or three), not settings: they are refused
# when the flag is read, before a corpus is read or a weight allocated. Keyed by the
# config field (or flag) name; every command shares the table.
SIZE_LIMITS = {
    "embedding_dim": 1 << 16, "units": 1 << 16, "attention_units": 1 << 16,
    "mlp_dim": 1 << 18, "layers": 1024, "heads": 1024, "num_heads": 1024,
    "word_layers": 1024, "text_layers": 1024, "kv_share": 1024,
    "batch_size": 1 << 20, "seq_len": 1 << 20, "max_len": 1 << 20,
    "max_source_len": 1 << 16, "max_answer_len": 1 << 16, "max_target_len": 1 << 16,
    "max_sentences": 1 << 16, "max_words": 1 << 16, "epochs": 1_000_000,
    "max_tokens": 1_000_000, "beam_size": 1024, "window": 10_000, "negative": 10_000,
    "negative_group": 1 << 16, "words_per_batch": 1 << 24, "steps_per_execution": 1 << 20,
    "ngram_order": 100, "topn": 1_000_000,
}


def check_size(n: int, limit: int | None) -> int:
    """``n`` unless it is above ``limit`` (argparse names the flag in front of the message)."""
    if limit is not None and n > limit:
        raise argparse.ArgumentTypeError(f"{n} is too large (at most {limit:,}; a typo?)")
    return n


def positive_int(value: str, flag: str | None = None) -> int:
    """argparse ``type=`` for counts: a clear message for anything but an integer >= 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    if flag is not None:
        check_size(n, SIZE_LIMITS.get(flag.lstrip("-").replace("-", "_")))
    return n


def count(flag: str):
    """argparse ``type=`` for the count ``flag`` (``--beam-size``): a positive integer no
    larger than its :data:`SIZE_LIMITS` entry."""
    def parse(value: str) -> int:
        return positive_int(value, flag)
    parse.__name__ = "int"
    return parse


# ---------------------------------------------------------------- run folders
KINDS = {  # config.json's "kind" (none: a language model) -> (what it is, the command)
    "lm": ("language model", "llm-tf train"),
    "qa": ("question-answering", "llm-tf qa train"),
    "classifier": ("classifier", "llm-tf classify train"),
    "translate": ("translation", "llm-tf translate train"),
    "vectors": ("word-vector", "llm-tf word2vec / glove"),
}


def run_kind(path) -> str | None:
    """Which command made the run folder at ``path`` (a key of :data:`KINDS`), or None
    when ``path`` is not a folder or its ``config.json`` cannot be read (the loader
    then says what is wrong)."""
    folder = Path(path)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    if config.get("kind") in KINDS:
        return config["kind"]
    if (folder / "vectors.txt").is_file():
        return "vectors"
    if "config" in config and "tokenizer" in config:
        return "lm"
    return None


def require_kind(path, kind: str, flag: str = "--model") -> None:
    """Raise a one-line error when ``path`` is a run folder of another command than
    ``kind``'s (a qa run given to ``generate``, a classifier to ``qa ask``)."""
    found = run_kind(path)
    if found is not None and found != kind:
        (what, made_by), (want, want_by) = KINDS[found], KINDS[kind]
        raise UserInputError(
            f"{flag} {str(path)!r} is not a {want} run folder: it is a {what} run folder, "
            f"made by {made_by} (give one made by {want_by})")


def add_overwrite_arg(parser) -> None:
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run already in --out (only an llm-tf run folder is "
                        "replaced, and only once every input has been checked)")


def check_out(path, overwrite: bool = False, *, resume_hint: bool = False,
              flag: str = "--out", own_files: tuple[str, ...] = (),
              others_ok: bool = False) -> bool:
    """Check the output folder of a training command before anything is read or written.

    A new or empty folder is fine. A folder holding a run is refused unless ``overwrite``
    (then True is returned: call :func:`clear_out` once the inputs are checked); a file,
    or a folder of other files, is refused (except ``own_files``: the files the command
    itself writes there; ``others_ok``: any files but a run's). ``resume_hint`` adds ``--resume`` to the message when
    the run is one the command can continue."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{flag} {str(path)!r} is a file, expected a folder for the run")
    if out.is_dir():
        check_unlocked(out)  # another process writes it now: name it (llm_tf.files.run_lock)
    if not out.is_dir() or all(p.name in own_files or p.name == LOCK_NAME
                               for p in out.iterdir()):
        return False  # new, empty, or holding only what this command writes
    kind = run_kind(out)
    if kind is None and others_ok:
        return False
    if kind is None:
        raise UserInputError(
            f"{flag} {str(path)!r} already exists and is not empty (its files are not an "
            "llm-tf run): choose a new folder (--overwrite replaces only a run folder)")
    if overwrite:
        return True
    what, made_by = KINDS[kind]
    resume = "pass --resume to continue it, " if resume_hint and kind == "lm" else ""
    raise UserInputError(
        f"{flag} {str(path)!r} is not empty: it holds a {what} run ({made_by}); {resume}pass "
        "--overwrite to replace it, or choose another folder")


@contextlib.contextmanager
def removed_on_error(path):
    """Run a training command's work; if it fails on bad input (found late: a corpus too
    short for one batch) in a folder that was new or empty, leave no half-made run. A
    Ctrl-C is not bad input: that run stays, to be resumed."""
    out = Path(path)
    fresh = not out.exists() or (out.is_dir() and not any(out.iterdir()))
    existed = out.is_dir()
    try:
        yield
    except UserInputError:
        if fresh and out.is_dir():
            shutil.rmtree(out, ignore_errors=True)
            if existed:
                out.mkdir()
        raise


def clear_out(path, stale: bool) -> None:
    """Remove the run :func:`check_out` allowed ``--overwrite`` to replace."""
    if stale:
        print(f"llm-tf: --overwrite: replacing the run in {path}", file=sys.stderr)
        shutil.rmtree(path)


def show_usage(parser) -> int:
    """A command family called without its subcommand (``llm-tf vectors``): its usage and
    subcommands on stderr, then one sentence saying what is missing; status 2."""
    parser.print_help(sys.stderr)
    names = [name for action in parser._actions
             if isinstance(action, argparse._SubParsersAction) for name in action.choices]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
    print(f"\nllm-tf: error: {parser.prog} needs a command: {listed} "
          f"(see {parser.prog} COMMAND --help)", file=sys.stderr)
    return EXIT_USAGE


def note_device(args=None) -> None:
    """Say on stderr, in one line, which device the command computes on (not with
    ``--quiet``). Handlers call it once their input is checked, so bad input still
    gives one line; the language-model trainer says it in its own start line."""
    if getattr(args, "quiet", False):
        return
    from llm_tf.runtime import device_summary

    print(f"llm-tf: device: {device_summary()}", file=sys.stderr)


class HelpFormatter(argparse.HelpFormatter):
    """Example epilogs as written (text of several lines is kept line by line; one-line
    descriptions are wrapped to the terminal); every option's default in its help.

    A help that already says its default (``(default: ...)``) is left alone; so are
    flags whose default is "not given" (``None``, ``False``, ``argparse.SUPPRESS``)."""

    def _fill_text(self, text, width, indent):
        if "\n" in text.strip("\n"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if ("default" in text or not action.option_strings or default is None
                or default is False or default is argparse.SUPPRESS or default == []
                or isinstance(action, argparse._VersionAction)):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, list | tuple) else default
        return f"{text} (default: {shown})"


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit status 2), naming the
    help of the (sub)command it belongs to (``see llm-tf train --help``)."""

    PROG_ATTR = "_llm_tf_prog"  # the deepest (sub)command parsed: its --help is named

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UserInputError(f"{message} (see {self.prog} --help)")

    intermixed = False  # set on a parser whose positionals may come between its options
    _mixing = False

    def parse_known_args(self, args=None, namespace=None):
        if self.intermixed and not self._mixing:  # `king --minus man woman`: both words kept
            self._mixing = True
            try:
                namespace, extras = self.parse_known_intermixed_args(args, namespace)
            finally:
                self._mixing = False
        else:
            namespace, extras = super().parse_known_args(args, namespace)
        if not hasattr(namespace, self.PROG_ATTR):  # a subcommand's parser ran first
            setattr(namespace, self.PROG_ATTR, self.prog)
        return namespace, extras

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        prog = getattr(namespace, self.PROG_ATTR, self.prog)
        delattr(namespace, self.PROG_ATTR)
        if extras:
            raise UserInputError(f"unrecognized arguments: {' '.join(extras)} "
                                 f"(see {prog} --help)")
        return namespace


def add_command(sub, name: str, help: str, examples: str, description: str | None = None,
                **kwargs) -> Parser:
    """A (sub)command's parser: ``help`` for the list it appears in, ``description`` at
    the top of its own help (default: ``help`` as a sentence), and ``examples`` (command
    lines, one per line; ``#`` comments kept) as its epilog."""
    text = description or (help[0].upper() + help[1:] + ("" if help.endswith(".") else "."))
    epilog = "examples:\n" + "\n".join("  " + line for line in examples.strip("\n").splitlines())
    return sub.add_parser(name, help=help, description=text, epilog=epilog, **kwargs)


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


def _typed(kind, limit=None):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
        return check_size(value, limit) if kind is int else value
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
            kw["type"] = (_typed(kind, SIZE_LIMITS.get(f.name)) if kind in (int, float)
                          else kind)
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
