"""The ``llm-tf`` command line: thin argument parsing over the library.

    llm-tf train     --corpus PATH --out RUN_DIR [...]    train a language model (§5, §3.2)
    llm-tf finetune  --from RUN_DIR --corpus PATH --out RUN_DIR2
    llm-tf generate  --model RUN_DIR --prompt TEXT
    llm-tf evaluate  --model RUN_DIR --corpus PATH [--json]
    llm-tf summary   --model RUN_DIR
    llm-tf word2vec | glove | vectors ...                 word vectors (§3.1)
    llm-tf classify train | evaluate | predict | attention  documents (§3.3, §6.4)
    llm-tf qa        train | ask | evaluate                 questions on a knowledge base (§3.4, §6.1)
    llm-tf translate train | run | evaluate                 English <-> Chinese (§6.3)
    llm-tf chat      --model QA_RUN --kb FILE [--lm LM_RUN] a multi-turn chatbot (§6.5)
    llm-tf recipes                                        named training recipes
    llm-tf demo      [--quick] [--corpus FILE]            the main job on the embedded data
    llm-tf doctor    [--json]                             check the environment (§5.1)

Every command has a description, examples and its defaults in ``--help``; the
trainers take ``--quiet`` and the commands that report figures ``--json``. Bad
input prints one line on stderr and exits with status 2; Ctrl-C exits with
130 after saying how to resume. ``main(argv)`` is callable from tests. Nothing
outside this package imports it.
"""

from __future__ import annotations

import shlex
import sys

from llm_tf.cli.common import EXIT_INTERRUPTED, EXIT_USAGE, Parser, show_usage
from llm_tf.errors import UserInputError

EXAMPLES = """examples:
  llm-tf demo --quick
  llm-tf train --corpus data/corpus.zh.txt --out runs/zh
  llm-tf generate --model runs/zh --prompt "中国的首都" --temperature 0.8
  llm-tf train --help
"""


def _families() -> dict:
    from llm_tf.cli import chat, classify, demo, doctor, lm, qa, translate, vectors

    # command family -> (module, whether building its flags imports TensorFlow)
    return {"lm": (lm, True), "vectors": (vectors, False), "demo": (demo, True),
            "classify": (classify, True), "qa": (qa, True), "translate": (translate, True),
            "chat": (chat, True), "doctor": (doctor, False)}


def _command(argv) -> str | None:
    names = {name for module, _ in _families().values() for name in module.COMMANDS}
    return next((a for a in argv if a in names), None)


def build_parser(argv: list[str] | None = None) -> Parser:
    """The ``llm-tf`` parser. With ``argv``, only the family of the command it names gets
    its full flags (the others are listed by name and help), so ``llm-tf --help`` and
    the word-vector commands answer without loading TensorFlow."""
    from llm_tf import __version__

    parser = Parser(prog="llm-tf", epilog=EXAMPLES, description=(
        "Keras 3 companion to 《LLM系统内核》: train, fine-tune, evaluate and sample the "
        "§5 LSTM language model (and §3.2's RNN and Transformer) on your own Chinese or "
        "English corpus; train and query word vectors (§3.1); classify documents, answer "
        "questions from a knowledge base, translate, chat (§3.3, §3.4, §6). Each command "
        "has its own --help, with examples."))
    parser.add_argument("--version", action="version", version=f"llm-tf {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    command = None if argv is None else _command(argv)
    for module, _ in _families().values():
        if argv is None or command in module.COMMANDS:
            module.register(sub)
        else:
            for name, help_text in module.COMMANDS.items():
                sub.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    from llm_tf.runtime import quiet_tensorflow_import
    from llm_tf.text import tokenizers

    tokenizers.LEAN_NLTK_IMPORT = True  # this process never uses nltk's scipy statistics
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    try:
        if any(heavy and command in module.COMMANDS for module, heavy in _families().values()):
            quiet_tensorflow_import()  # the configs behind these flags live beside the models
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            return show_usage(parser)
        return int(args.func(args) or 0)
    except UserInputError as e:
        print(f"llm-tf: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as e:
        print(f"\nllm-tf: interrupted{'; ' + str(e) if str(e) else ''}", file=sys.stderr)
        if command in ("train", "finetune"):
            again = argv if "--resume" in argv else [*argv, "--resume"]
            print("llm-tf: continue with: llm-tf " + " ".join(shlex.quote(a) for a in again),
                  file=sys.stderr)
        return EXIT_INTERRUPTED


__all__ = ["build_parser", "main"]
