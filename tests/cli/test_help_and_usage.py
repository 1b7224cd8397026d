"""Every ``llm-tf`` command explains itself (issue 13): a description, examples that parse,
its defaults in ``--help``; a missing subcommand or an unknown option gets a plain message
that names the help to read, never argparse's internal names (``vectors_command``)."""

import argparse
import shlex

import pytest

from llm_tf.cli import build_parser, main
from llm_tf.cli.common import EXIT_USAGE

GROUPS = {"vectors": ("similar", "evaluate", "plot", "projector"),
          "classify": ("train", "evaluate", "predict", "attention"),
          "qa": ("train", "ask", "evaluate"),
          "translate": ("train", "run", "evaluate")}
NOT_GIVEN = (None, False, argparse.SUPPRESS, [])


def run_cli(capsys, *argv):
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _parsers(parser, path=()):
    """(command path, parser) for the top level and every (sub)command under it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


PARSERS = list(_parsers(build_parser()))


def _examples(epilog: str) -> list[list[str]]:
    """The ``llm-tf`` command lines of an epilog (continuations joined, comments and the
    ``printf ... |`` in front dropped), as argv lists without ``llm-tf``."""
    text = epilog.replace("\\\n", " ")
    lines = []
    for line in text.splitlines():
        line = line.split("| ", 1)[-1].split("  #", 1)[0].strip()
        if line.startswith("llm-tf"):
            lines.append(shlex.split(line)[1:])
    return lines


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in PARSERS}
    for cmd in ("train", "finetune", "generate", "evaluate", "summary", "recipes", "word2vec",
                "glove", "demo", "chat"):
        assert cmd in names
    for group, subs in GROUPS.items():
        assert {f"{group} {s}" for s in subs} <= names


@pytest.mark.parametrize("path,parser", PARSERS, ids=[" ".join(p) or "llm-tf" for p, _ in PARSERS])
def test_every_command_has_a_description_examples_and_defaults(path, parser):
    command = " ".join(("llm-tf", *path))
    assert parser.prog == command
    assert parser.description and len(parser.description) > 20, command
    examples = _examples(parser.epilog or "")
    assert examples, f"{command}: no example command line in its epilog"
    assert any(argv[:len(path)] == list(path) for argv in examples), command
    for argv in examples:  # each example is a command line llm-tf accepts
        if "--help" not in argv:
            build_parser().parse_args(argv)
    text = parser.format_help()
    assert "_command" not in text and "==SUPPRESS==" not in text, command
    formatter = parser._get_formatter()
    for action in parser._actions:
        if (action.option_strings and action.help and action.help != argparse.SUPPRESS
                and action.default not in NOT_GIVEN
                and not isinstance(action, argparse._HelpAction | argparse._VersionAction)):
            assert "default" in formatter._expand_help(action), (command, action.dest)


def test_the_defaults_are_shown_once():
    text = dict(PARSERS)[("vectors", "similar")].format_help()
    assert text.count("(default: 10)") == 1  # --topn, written by the formatter
    text = " ".join(dict(PARSERS)[("finetune",)].format_help().split())
    assert "epochs (default: 3)" in text and "(default: 3) (default" not in text


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_a_missing_subcommand_shows_the_group_usage_and_a_sentence(capsys, group):
    rc, out, err = run_cli(capsys, group)
    assert rc == EXIT_USAGE and not out
    assert f"usage: llm-tf {group}" in err
    assert "_command" not in err and "required:" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"llm-tf: error: llm-tf {group} needs a command: ")
    for sub in GROUPS[group]:
        assert sub in last
    assert f"llm-tf {group} COMMAND --help" in last


def test_no_command_at_all_lists_the_commands(capsys):
    rc, out, err = run_cli(capsys)
    assert rc == EXIT_USAGE and "llm-tf needs a command: train, " in err


@pytest.mark.parametrize("argv,help_of", [
    (["train", "--corpus", "c.txt", "--out", "o", "--bogus"], "llm-tf train"),
    (["--bogus"], "llm-tf"),
    (["qa", "ask", "--model", "m", "--kb", "k", "--nope", "Q?"], "llm-tf qa ask"),
    (["vectors", "similar", "--vectors", "v.txt", "king", "--nope"], "llm-tf vectors similar"),
    (["classify", "evaluate", "--model", "m", "--data", "d", "--jsn"], "llm-tf classify evaluate"),
    (["translate", "run", "--model", "m", "a", "b"], "llm-tf translate run"),
])
def test_an_unknown_option_is_one_line_naming_the_subcommand_help(capsys, argv, help_of):
    rc, out, err = run_cli(capsys, *argv)
    assert rc == EXIT_USAGE and not out
    assert err.count("\n") == 1 and err.startswith("llm-tf: error: unrecognized arguments:"), err
    assert err.rstrip().endswith(f"(see {help_of} --help)"), err


def test_an_unknown_subcommand_names_the_group_help_not_its_dest(capsys):
    rc, _, err = run_cli(capsys, "vectors", "nearest")
    assert rc == EXIT_USAGE and err.count("\n") == 1
    assert "nearest" in err and "see llm-tf vectors --help" in err and "_command" not in err


def test_the_top_level_help_loads_no_numerical_library():
    """`llm-tf --help` lists every family's commands without loading their code's
    dependencies (numpy, TensorFlow, llm_tf.vectors): 0.07 s instead of 0.14-0.20."""
    import subprocess
    import sys

    probe = ("import sys; from llm_tf.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('numpy', 'tensorflow', 'keras', 'llm_tf.vectors') "
             "if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert "word2vec" in out.stdout and "vectors" in out.stdout  # the commands are listed
    assert out.stderr.strip().splitlines()[-1] == "[]"
