"""§6.5 聊天机器人: a multi-turn chatbot, facts from the knowledge base, the rest from a language model.

What the article claims
    An LLM makes a chatbot that "understands the user's input and generates natural
    replies" -- with no code. A language model alone invents facts (``make demo``'s §5
    model says "中国的首都是巴黎。"), which is the article's own reason for §3.4.

What this script shows, on data/facts.json and data/corpus.zh.txt
    1. the question-answering model of §6.1 (:class:`~llm_tf.models.AnswerGenerator`),
       trained into a run folder;
    2. the §5 LSTM language model, trained on the Chinese corpus into a run folder;
    3. a scripted multi-turn session through :class:`~llm_tf.generation.chat.Chat`:
       each line is routed by retrieval's plain rules -- a question about an entity of
       the knowledge base to the question-answering model, a question for a relation
       of an entity that is not there to the defined "unknown" reply (never to the
       language model, which would invent one), anything else to the language model;
       without a language model the defined "knowledge base only" reply;
    4. the models are loaded once: the compiled decoding loops are traced on the first
       turn and reused, so later turns cost milliseconds, not a recompilation.
Every printed route and count is asserted; the answers too in a full run.

Run
    python chapters/ch06_5_chatbot.py [--quick] [--seed N]
    (a few minutes on 2 CPU cores; --quick: small models on slices, well under a minute)

The same from the command line::

    llm-tf qa train --kb data/facts.json --questions data/qa/train.jsonl --out runs/qa
    llm-tf train --corpus data/corpus.zh.txt --out runs/zh
    llm-tf chat --model runs/qa --kb data/facts.json --lm runs/zh
    printf '中国的首都是什么？\\nexit\\n' | llm-tf chat --model runs/qa --kb data/facts.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import

quiet_tensorflow_import()

from llm_tf.generation import SamplingConfig  # noqa: E402
from llm_tf.generation.chat import UNKNOWN_REPLY, Chat, Continuation, kb_only_reply  # noqa: E402
from llm_tf.models import ModelConfig, QAConfig, stepping_view  # noqa: E402
from llm_tf.text.knowledge_base import KnowledgeBase  # noqa: E402
from llm_tf.training import (  # noqa: E402
    DataConfig,
    OptimConfig,
    RunDir,
    RuntimeConfig,
    TrainConfig,
    train,
)
from llm_tf.training.qa_trainer import load_qa, load_questions, train_qa  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"
# line, route, the answer a trained model gives (None: the language model's words)
SESSION = [
    ("中国的首都是什么？", "kb", "北京"),
    ("What is the capital of Frnace?", "kb", "Paris"),
    ("日本用什么货币？", "kb", "日元"),
    ("亚特兰蒂斯的首都是什么？", "kb", UNKNOWN_REPLY["zh"]),
    ("What is the capital of Atlantis?", "kb", UNKNOWN_REPLY["en"]),
    ("我今天很高兴", "lm", None),
    ("去北京的游客", "lm", None),
    ("中国的首都是什么？", "kb", "北京"),
]


# ---- 1. the question-answering run
def step1_qa(kb: KnowledgeBase, out: Path, quick: bool, seed: int) -> None:
    rows = load_questions(DATA / "qa" / "train.jsonl")
    cfg = QAConfig(seed=seed)
    if quick:
        rows, cfg = rows[::8], QAConfig.tiny(seed=seed, epochs=3)
    _, m = train_qa(kb, out, cfg, questions=rows, verbose=0)
    loss = m["history"]["loss"]
    print(f"1. question answering: {m['params']:,} parameters on {len(rows)} questions, loss "
          f"{loss[0]:.3f} -> {loss[-1]:.3f} ({m['train_seconds']:.0f} s) -> {out.name}/")
    assert loss[-1] < loss[0]


# ---- 2. the language-model run
def step2_lm(out: Path, quick: bool, seed: int) -> None:
    corpus = DATA / "corpus.zh.txt"
    if quick:  # the first 1,500 lines
        lines = corpus.read_text(encoding="utf-8").splitlines()[:1500]
        corpus = out.parent / "zh.txt"
        corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = TrainConfig(data=DataConfig(corpus=str(corpus), seq_len=16 if quick else 35,
                                      batch_size=32),
                      model=ModelConfig(embedding_dim=32 if quick else 128,
                                        units=32 if quick else 256),
                      optim=OptimConfig(epochs=1 if quick else 8),
                      runtime=RuntimeConfig(jit_compile=not quick), seed=seed)
    _, history = train(cfg, out, verbose=0)
    before, after = history["initial_val_perplexity"][0], history["val_perplexity"][-1]
    print(f"2. language model: §5 LSTM, character level, validation perplexity {before:.1f} -> "
          f"{after:.2f} -> {out.name}/")
    assert after < before


# ---- 3. a scripted session
def step3_session(kb: KnowledgeBase, qa_run: Path, lm_run: Path, quick: bool, seed: int):
    run = RunDir(lm_run)
    info = run.info()
    lm = Continuation(stepping_view(run.load_model(compile=False)), info.tokenizer, run.vocab(),
                      SamplingConfig(max_tokens=20, temperature=0.7, top_k=20, seed=seed),
                      context=info.config.trained_context)
    chat = Chat(load_qa(qa_run), kb, lm=lm)  # loaded once, for every turn below
    print("3. a session (route: reply)")
    seconds = []
    for line, route, want in SESSION:
        start = time.perf_counter()
        r = chat.reply(line)
        seconds.append(time.perf_counter() - start)
        print(f"   > {line}\n     {r.route}: {r.text}")
        assert r.route == route, (line, r.route)
        if route == "lm":
            assert r.text.startswith(line) and "\n" not in r.text  # one line continued
        elif want in UNKNOWN_REPLY.values() or not quick:
            assert r.text == want, (line, r.text, want)
    assert chat.turns == len(SESSION)
    alone = Chat(chat.qa, kb)  # the same model, no language model
    r = alone.reply("我今天很高兴")
    print(f"   without --lm: > 我今天很高兴\n     {r.route}: {r.text}")
    assert r.route == "none" and r.text == kb_only_reply("我今天很高兴", kb)
    return chat, seconds


# ---- 4. loaded and compiled once
def step4_once(chat: Chat, seconds: list[float]) -> None:
    loops = [f.experimental_get_tracing_count() for f in chat.lm.decoder._loops.values()]
    qa_traces = [f.experimental_get_tracing_count() for f in chat.qa._infer]
    first = {route: next(s for s, (_, r, _) in zip(seconds, SESSION, strict=True) if r == route)
             for route in ("kb", "lm")}
    later = max(seconds[-1], seconds[-2])
    print(f"4. compiled once: decoder loops traced {loops}, answer generator encode/decode "
          f"traced {qa_traces}; first kb turn {first['kb'] * 1000:.0f} ms, first lm turn "
          f"{first['lm'] * 1000:.0f} ms, the last two turns at most {later * 1000:.0f} ms")
    assert loops == [1] and qa_traces == [1, 1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small models on slices")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    kb = KnowledgeBase.load(DATA / "facts.json")
    with tempfile.TemporaryDirectory() as tmp:
        qa_run, lm_run = Path(tmp) / "qa", Path(tmp) / "lm"
        step1_qa(kb, qa_run, args.quick, args.seed)
        step2_lm(lm_run, args.quick, args.seed)
        chat, seconds = step3_session(kb, qa_run, lm_run, args.quick, args.seed)
        step4_once(chat, seconds)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
