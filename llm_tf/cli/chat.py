"""``llm-tf chat``: a multi-turn chatbot over a knowledge base and a language model (§6.5).

    llm-tf chat --model QA_RUN --kb FILE [--lm LM_RUN] [sampling flags]

One line in, one reply out. Questions about the knowledge base are answered by the
``llm-tf qa train`` run; other lines are continued by the ``llm-tf train`` run given
with ``--lm``, or, without one, get a reply saying what the bot can answer (the rules:
:mod:`llm_tf.generation.chat`). ``exit``, ``quit``, ``退出`` or end of input quits.
The models are loaded once, before the first line. The prompt (``> ``) and the banner
are shown only when stdin is a terminal, so a piped session prints replies only::

    printf '中国的首都是什么？\\nexit\\n' | llm-tf chat --model runs/qa --kb data/facts.json
"""

from __future__ import annotations

import sys

from llm_tf.cli.common import add_command, add_config_args, given, note_device, require_kind

COMMANDS = {"chat": "chat (§6.5): knowledge-base questions answered, other lines continued "
                    "by a language model"}

EXAMPLES = """
llm-tf chat --model runs/qa --kb data/facts.json
llm-tf chat --model runs/qa --kb data/facts.json --lm runs/zh --temperature 0.8 --top-k 20
printf 'What is the capital of France?\\n法国用什么货币？\\nexit\\n' | \\
    llm-tf chat --model runs/qa --kb data/facts.json
"""
PROMPT = "> "


def load_lm(path: str, sampling):
    """The :class:`~llm_tf.generation.chat.Continuation` of an ``llm-tf train`` run folder."""
    from llm_tf.generation.chat import Continuation
    from llm_tf.models import stepping_view
    from llm_tf.training import RunDir

    require_kind(path, "lm", "--lm")
    run = RunDir(path).require()
    info = run.info()
    model = stepping_view(run.load_model(compile=False))
    return Continuation(model, info.tokenizer, run.vocab(), sampling,
                        context=info.config.trained_context)


def load_chat(model: str, kb: str, lm: str | None = None, sampling=None):
    """A :class:`~llm_tf.generation.chat.Chat` with every model loaded (bad input raises
    :class:`UserInputError` before anything heavy when it can)."""
    from llm_tf.generation.chat import Chat
    from llm_tf.text.knowledge_base import KnowledgeBase
    from llm_tf.training.qa_trainer import load_qa

    require_kind(model, "qa")
    if lm is not None:
        require_kind(lm, "lm", "--lm")
    knowledge_base = KnowledgeBase.load(kb)
    qa_model = load_qa(model)
    return Chat(qa_model, knowledge_base, None if lm is None else load_lm(lm, sampling))


def _cmd_chat(args) -> int:
    from llm_tf.generation import SamplingConfig
    from llm_tf.generation.chat import is_exit

    sampling = SamplingConfig(**given(args, SamplingConfig))
    chat = load_chat(args.model, args.kb, args.lm, sampling)
    note_device()
    tty = sys.stdin.isatty()
    if tty:
        print(f"llm-tf chat: {len(chat.kb)} entities in {args.kb}"
              f"{'' if args.lm is None else ', language model ' + args.lm}; "
              "exit / quit / 退出 or Ctrl-D to quit", file=sys.stderr)
    while True:
        if tty:
            print(PROMPT, end="", flush=True)
        line = sys.stdin.readline()
        if not line:  # end of input
            if tty:
                print()
            return 0
        if is_exit(line):
            return 0
        if not line.strip():
            continue
        print(chat.reply(line).text, flush=True)


def register(sub) -> None:
    """Add ``chat`` to an argparse subparsers object."""
    from llm_tf.generation import SamplingConfig

    p = add_command(sub, "chat", COMMANDS["chat"], EXAMPLES, description=(
        "A multi-turn chatbot: questions about the knowledge base are answered by the "
        "question-answering run, other lines continued by the language model (--lm). exit, "
        "quit, 退出 or end of input quits."))
    p.add_argument("--model", required=True, help="qa run folder (llm-tf qa train)")
    p.add_argument("--kb", required=True, help="knowledge base (JSON)")
    p.add_argument("--lm", default=None, metavar="LM_RUN",
                   help="language-model run folder (llm-tf train) for lines that are not "
                   "knowledge-base questions (default: none; they get a fixed reply)")
    g = p.add_argument_group("sampling (with --lm; --stop defaults to <eos>: one line)")
    add_config_args(g, SamplingConfig)
    p.set_defaults(func=_cmd_chat)
