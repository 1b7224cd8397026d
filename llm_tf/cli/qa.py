"""``llm-tf qa train | ask | evaluate``: question answering from a knowledge base (§3.4, §6.1).

    llm-tf qa train    --kb FILE --out RUN [--questions FILE] [--epochs N --no-copy ...]
                       [--json] [--quiet]
    llm-tf qa ask      --model RUN --kb FILE [--json] [--beam-size K] QUESTION
    llm-tf qa evaluate --model RUN --kb FILE --questions FILE [--json] [--beam-size K]

The knowledge base is JSON: the listing's ``{"中国": {"首都": "北京"}}`` or
``data/facts.json``'s ``{"en": ..., "zh": ..., "names": ...}``. Questions are JSON lines
``{"question": ..., "answer": ...}``. The training flags are the fields of
:class:`~llm_tf.models.QAConfig`; handlers call :mod:`llm_tf.training.qa_trainer`.
"""

from __future__ import annotations

import json

from llm_tf.cli.common import (
    add_command,
    add_config_args,
    add_overwrite_arg,
    check_out,
    clear_out,
    count,
    given,
    note_device,
    removed_on_error,
    require_kind,
    show_usage,
)
from llm_tf.errors import UserInputError

COMMANDS = {"qa": "question answering from a knowledge base (§3.4, §6.1): "
                  "train | ask | evaluate"}

EXAMPLES = """
llm-tf qa train --kb data/facts.json --questions data/qa/train.jsonl --out runs/qa
llm-tf qa ask --model runs/qa --kb data/facts.json "中国的首都是什么？"
llm-tf qa ask --model runs/qa --kb data/facts.json --json "What is the capital of Frnace?"
llm-tf qa evaluate --model runs/qa --kb data/facts.json --questions data/qa/test_entities.jsonl
"""
TRAIN_EXAMPLES = """
llm-tf qa train --kb data/facts.json --questions data/qa/train.jsonl --out runs/qa
llm-tf qa train --kb data/facts.json --out runs/qa-small --epochs 4 --units 64 --no-copy
llm-tf qa train --kb data/facts.json --out runs/qa --overwrite --quiet --json
"""
ASK_EXAMPLES = """
llm-tf qa ask --model runs/qa --kb data/facts.json "中国的首都是什么？"
llm-tf qa ask --model runs/qa --kb data/facts.json --json "What is the capital of Frnace?"
llm-tf qa ask --model runs/qa --kb data/facts.json --beam-size 4 "日本的货币是什么？"
"""
EVALUATE_EXAMPLES = """
llm-tf qa evaluate --model runs/qa --kb data/facts.json --questions data/qa/test_entities.jsonl
llm-tf qa evaluate --model runs/qa --kb data/facts.json --questions data/qa/test_missing.jsonl \\
    --beam-size 4 --json
"""


def _cmd_train(args) -> int:
    from llm_tf.models import QAConfig

    cfg = QAConfig(**given(args, QAConfig))
    stale = False if args.resume else check_out(args.out, args.overwrite)
    from llm_tf.text.knowledge_base import KnowledgeBase
    from llm_tf.training.qa_trainer import train_qa

    KnowledgeBase.load(args.kb)  # bad input fails before anything is removed or built
    if args.questions is not None:
        _questions(args.questions)
    clear_out(args.out, stale)
    with removed_on_error(args.out):
        if not args.resume:  # a resumed run's folder is checked first: bad input is one line
            note_device(args)
        _, m = train_qa(args.kb, args.out, cfg, questions=args.questions,
                        verbose=0 if args.json or args.quiet else 2,
            resume=args.resume)
    if args.json:
        print(json.dumps(m, ensure_ascii=False))
        return 0
    print(f"{m['params']:,} parameters, vocabulary {m['vocab_size']:,} tokens, copy "
          f"{'on' if m['copy'] else 'off'}; {m['questions']:,} training questions")
    print(f"{m['epochs']} epochs in {m['train_seconds']:.0f} s: final loss "
          f"{m['history']['loss'][-1]:.4f}, exact match on the training questions "
          f"{m['train']['exact_match']:.4f}")
    print(f"saved the run in {args.out} (model.keras, vocab.json, config.json, metrics.json)")
    return 0


def _cmd_ask(args) -> int:
    if not args.question.strip():
        raise UserInputError("the question is empty")
    from llm_tf.text.knowledge_base import KnowledgeBase
    from llm_tf.training.qa_trainer import load_qa

    require_kind(args.model, "qa")
    kb = KnowledgeBase.load(args.kb)
    model = load_qa(args.model)
    if args.beam_size is None:
        d = model.predict([args.question], knowledge_base=kb, return_details=True)[0]
    else:
        from llm_tf.training.qa_trainer import decode_answers

        d = decode_answers(model, [args.question], kb, beam_size=args.beam_size)[0]
    note_device()
    if args.json:
        r = d["retrieval"]
        print(json.dumps({"question": d["question"], "answer": d["answer"],
                          "retrieved": {**r, "text": _facts_text(r)},
                          "decided_by": d["decided_by"], "beam_size": args.beam_size or 1,
                          "copy_probability": d.get("copy_probability")},
                         ensure_ascii=False))
        return 0
    print(d["answer"])
    return 0


def _facts_text(r: dict) -> str:
    from llm_tf.text.knowledge_base import linearise

    return linearise(r["entity"], r["facts"]) if r["entity"] else ""


def _questions(path: str) -> list[dict]:
    """The questions file, its text checked by the shared reader (encoding, byte offset)."""
    from llm_tf.text.corpus import read_text_file
    from llm_tf.training.qa_trainer import load_questions

    read_text_file(path, "questions file")
    return load_questions(path)


def _cmd_evaluate(args) -> int:
    from llm_tf.text.knowledge_base import KnowledgeBase
    from llm_tf.training.qa_trainer import evaluate_qa, load_qa

    require_kind(args.model, "qa")
    kb = KnowledgeBase.load(args.kb)
    rows = _questions(args.questions)
    model = load_qa(args.model)
    result = evaluate_qa(model, kb, rows, beam_size=args.beam_size)
    note_device()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"questions:      {result['questions']}")
    print(f"exact match:    {result['exact_match']:.4f}")
    for lang, r in result["by_language"].items():
        print(f"  {lang}: {r['exact_match']:.4f} ({r['questions']} questions)")
    print(f"<unknown> replies: {result['unknown_replies']:.4f}")
    for m in result["mistakes"][:5]:
        print(f"  wrong: {m['question']}  expected {m['answer']!r}, got {m['predicted']!r}")
    return 0


def register(sub) -> None:
    """Add ``qa`` and its subcommands to an argparse subparsers object."""
    from llm_tf.models import QAConfig

    p = add_command(sub, "qa", COMMANDS["qa"], EXAMPLES, description=(
        "Answer questions from a knowledge base: retrieval finds the entity and its facts, "
        "an encoder-decoder with attention and a copy mechanism writes the answer (§3.4, "
        "§4.4)."))
    cmds = p.add_subparsers(dest="qa_command", metavar="COMMAND")
    p.set_defaults(func=lambda args: show_usage(p))

    q = add_command(cmds, "train", "train an answer generator into a run folder",
                    TRAIN_EXAMPLES, description=(
                        "Train the answer generator on questions about a knowledge base "
                        "(given, or made from it with the training templates) into a run "
                        "folder; prints one line per epoch, then the final loss and exact "
                        "match."))
    q.add_argument("--kb", required=True, help="knowledge base (JSON)")
    q.add_argument("--out", required=True, help="run folder to create (new or empty)")
    q.add_argument("--questions", default=None, help="training questions (JSON lines; default: "
                   "made from the knowledge base with the training templates)")
    q.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    q.add_argument("--quiet", action="store_true",
                   help="no device or per-epoch lines: only the final result lines")
    add_overwrite_arg(q)
    q.add_argument("--resume", action="store_true",
                   help="continue the stopped run in --out from its last epoch, with its "
                   "saved settings (after a crash, a kill or Ctrl-C)")
    add_config_args(q, QAConfig)
    q.set_defaults(func=_cmd_train)

    q = add_command(cmds, "ask", "answer one question", ASK_EXAMPLES, description=(
        "Answer one question (Chinese or English) from a knowledge base with a trained "
        "answer generator; --json adds the retrieved facts and the copy probability."))
    q.add_argument("--model", required=True, help="qa run folder")
    q.add_argument("--kb", required=True, help="knowledge base (JSON); may differ from the "
                   "training one")
    q.add_argument("--json", action="store_true",
                   help="print the answer, the retrieved facts and the copy probability")
    _beam_arg(q)
    q.add_argument("question", metavar="QUESTION", help=(
        "the question; one that names no entity of the knowledge base (e.g. made only of "
        "unknown words) is answered <unknown>, never invented"))
    q.set_defaults(func=_cmd_ask)

    q = add_command(cmds, "evaluate", "exact match on a questions file", EVALUATE_EXAMPLES,
                    description=(
                        "Score a qa run on questions with answers (JSON lines): exact match, "
                        "by language, the share of <unknown> replies, and the first mistakes."))
    q.add_argument("--model", required=True, help="qa run folder")
    q.add_argument("--kb", required=True, help="knowledge base (JSON)")
    q.add_argument("--questions", required=True, help="questions with answers (JSON lines)")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    _beam_arg(q)
    q.set_defaults(func=_cmd_evaluate)


def _beam_arg(parser) -> None:
    parser.add_argument("--beam-size", type=count("--beam-size"), default=None, metavar="K",
                        help="decode with the project's decoder, beam search over K beams "
                             "(1: greedy); default: the model's batched greedy decoding")
