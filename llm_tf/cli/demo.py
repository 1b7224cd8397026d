"""``llm-tf demo``: the main job on the embedded data, in a minute or two on 2 CPU cores.

For each corpus (by default the English and the Chinese corpus of the checkout's
``data/``): print the §5 model's ``model.summary()``, train it (validation
perplexity before and after), save the run under ``runs/``, and generate text from
a prompt with the saved model. On the checkout's data it then trains §3.4's answer
generator on ``data/facts.json`` and answers the article's own question,
"中国的首都是什么？", from the knowledge base, beside what the language model alone
says (it invents facts: the article's reason for §3.4). Outside a checkout, give
``--corpus FILE``.

    llm-tf demo                          # data/corpus.en.txt and data/corpus.zh.txt
    llm-tf demo --quick --corpus my.txt  # a small model, one epoch, your text
"""

from __future__ import annotations

import shutil
from pathlib import Path

from llm_tf.errors import UserInputError

PROMPTS = {"en": "The capital of France", "zh": "中国的首都"}
# the question asked of the answer generator beside each language model's prompt (§3.4)
QUESTIONS = {"en": "What is the capital of France?", "zh": "中国的首都是什么？"}
MISSING = "蒙古的著名景点是什么？"  # facts.json has no landmark for Mongolia: <unknown>
EMBEDDED = ("corpus.en.txt", "corpus.zh.txt")


def find_embedded_data(start: Path | None = None) -> Path | None:
    """The ``data/`` folder of an llm-tf checkout: above ``start`` (the working folder) or
    beside the installed package (an editable install); None when there is none."""
    start = (start or Path.cwd()).resolve()
    package_root = Path(__file__).resolve().parents[2]
    for folder in (start, *start.parents, package_root):
        data = folder / "data"
        if all((data / name).is_file() for name in EMBEDDED) and (folder / "llm_tf").is_dir():
            return data
    return None


def _prompt_for(corpus: Path, lang: str | None) -> str:
    if lang in PROMPTS:
        return PROMPTS[lang]
    from llm_tf.text.corpus import iter_lines

    first = next((line for line in iter_lines(corpus) if line.strip()), "")
    return first[:12] if any("\u4e00" <= ch <= "\u9fff" for ch in first) else \
        " ".join(first.split()[:3])


def run_demo(corpus: Path, out: Path, epochs: int, seed: int, quick: bool,
             prompt: str) -> dict:
    from llm_tf.generation import SamplingConfig, generate_text
    from llm_tf.models import ModelConfig, stepping_view
    from llm_tf.training import DataConfig, OptimConfig, RunDir, TrainConfig, train

    if out.exists():
        shutil.rmtree(out)  # the demo always starts fresh
    model = ModelConfig(embedding_dim=32, units=32) if quick else ModelConfig()
    cfg = TrainConfig(data=DataConfig(corpus=str(corpus), seq_len=32, batch_size=32),
                      model=model, optim=OptimConfig(epochs=epochs), seed=seed)
    print(f"\n==== §5 LSTM language model on {corpus} ====")
    _, history = train(cfg, out, verbose=2)  # prints model.summary() first
    before = history["initial_val_perplexity"][0]
    after = history["val_perplexity"][-1]
    print(f"validation perplexity: {before:.1f} before training -> {after:.2f} after "
          f"{epochs} epochs")
    run = RunDir(out)
    info = run.info()
    saved = stepping_view(run.load_model(compile=False))  # from what was saved, not memory
    texts = {}
    for temperature in (0.0, 0.8):
        sampling = SamplingConfig(max_tokens=40, temperature=temperature, top_k=20, seed=seed)
        texts[temperature] = generate_text(saved, info.tokenizer, run.vocab(), prompt,
                                           sampling, context=info.config.trained_context)
        print(f"\ngenerated (temperature {temperature}) from {prompt!r}:\n"
              f"{texts[temperature]}")
    print(f"\nsaved the run in {out} (model.keras, vocab.json, config.json, "
          f"training_curve.png, TensorBoard logs in logs/)")
    return {"before": before, "after": after, "greedy": texts[0.0], "prompt": prompt}


def run_qa_demo(data: Path, out: Path, seed: int, quick: bool, lm_results: dict) -> dict:
    """Train the answer generator on ``data/qa/train.jsonl`` and answer :data:`QUESTIONS`
    from ``data/facts.json``, each printed beside the language model's greedy text."""
    from llm_tf.models import QAConfig
    from llm_tf.training.qa_trainer import evaluate_qa, load_qa, load_questions, train_qa

    if out.exists():
        shutil.rmtree(out)
    from llm_tf.text.knowledge_base import KnowledgeBase

    kb_path = data / "facts.json"
    kb = KnowledgeBase.load(kb_path)
    questions = load_questions(data / "qa" / "train.jsonl")
    if quick:
        cfg, questions = QAConfig.tiny(epochs=1, seed=seed), questions[::8]
    else:  # about a minute on 2 cores; chapters/ch06_1 trains the full-size model
        cfg = QAConfig(embedding_dim=32, units=64, attention_units=64, epochs=8, seed=seed)
    print(f"\n==== §3.4 answer generator on {kb_path} ====")
    print(f"training on {len(questions):,} questions from {data / 'qa' / 'train.jsonl'} "
          f"({cfg.epochs} epochs)...")
    _, metrics = train_qa(kb_path, out, cfg, questions=questions, verbose=2)
    model = load_qa(out)  # from what was saved, not memory
    held = evaluate_qa(model, kb, data / "qa" / "test_entities.jsonl")
    print(f"{metrics['params']:,} parameters, {metrics['train_seconds']:.0f} s; exact match on "
          f"{held['questions']} questions about countries held out of training: "
          f"{held['exact_match']:.3f}")
    answers = {}
    for lang, question in QUESTIONS.items():
        d = model.predict([question], knowledge_base=kb, return_details=True)[0]
        answers[lang] = d["answer"]
        print(f"\n{question}")
        lm = lm_results.get(lang)
        if lm is not None:
            first = (lm["greedy"].strip().splitlines() or [""])[0]  # its first line
            print(f"  §5 language model alone, from {lm['prompt']!r}: {first}")
        print(f"  answer generator + knowledge base: {d['answer']}   (retrieved: "
              f"{d['retrieval']['entity']} / {d['retrieval']['relation']})")
    missing = model.predict([MISSING], knowledge_base=kb)[0]
    print(f"\n{MISSING} (no such fact in the knowledge base)\n  answer generator: {missing}")
    print(f"\nsaved the run in {out}; ask it more: llm-tf qa ask --model {out} --kb {kb_path} "
          f"\"日本的货币是什么？\"")
    return {"held_out": held["exact_match"], "answers": answers, "missing": missing}


def _check_demo_out(out: Path, names: list[str]) -> None:
    """``--out`` is where the demo's runs go (``OUT/demo-<name>``, replaced each time): it
    may not be a run itself, and a ``demo-<name>`` in it that is not an llm-tf run is kept."""
    from llm_tf.cli.common import run_kind

    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {str(out)!r} is a file, expected the folder for the runs")
    if run_kind(out) is not None:
        raise UserInputError(f"--out {str(out)!r} is itself a run folder: give the folder the "
                             "demo's runs go in (it writes demo-<name> folders there)")
    for name in names:
        sub = out / f"demo-{name}"
        if sub.is_dir() and any(sub.iterdir()) and run_kind(sub) is None:
            raise UserInputError(f"{str(sub)!r} holds files that are not an llm-tf run; the "
                                 "demo replaces that folder: move it, or give another --out")


def _cmd_demo(args) -> int:
    from llm_tf.text.corpus import corpus_files

    if args.corpus:
        jobs = [(Path(c), None) for c in args.corpus]
    else:
        data = find_embedded_data()
        if data is None:
            raise UserInputError(
                "no llm-tf checkout here (data/corpus.en.txt, data/corpus.zh.txt): "
                "run from the checkout, or pass --corpus FILE")
        jobs = [(data / f"corpus.{lang}.txt", lang) for lang in args.lang]
    for corpus, _ in jobs:
        corpus_files(corpus)  # a bad path fails before anything is trained
    if args.epochs is not None and args.epochs < 1:
        raise UserInputError(f"--epochs must be a positive integer, got {args.epochs}")
    _check_demo_out(Path(args.out), [lang or corpus.stem for corpus, lang in jobs]
                    + ([] if args.corpus or args.no_qa else ["qa"]))
    epochs = args.epochs or (1 if args.quick else 12)
    results = {}
    for corpus, lang in jobs:
        name = lang or corpus.stem
        prompt = args.prompt or _prompt_for(corpus, lang)
        results[name] = run_demo(corpus, Path(args.out) / f"demo-{name}", epochs, args.seed,
                                 args.quick, prompt)
    qa = None
    if not args.corpus and not args.no_qa:
        qa = run_qa_demo(data, Path(args.out) / "demo-qa", args.seed, args.quick, results)
    print("\n==== summary ====")
    for name, r in results.items():
        print(f"{name}: validation perplexity {r['before']:.1f} -> {r['after']:.2f}")
    if qa is not None:
        print(f"qa: {QUESTIONS['zh']} -> {qa['answers']['zh']}; exact match on held-out "
              f"countries {qa['held_out']:.3f}")
    print("next: llm-tf train --corpus YOUR_CORPUS --out runs/mine   (see README.md)")
    return 0


COMMANDS = {"demo": "train, save and sample the §5 model on the embedded data"}

EXAMPLES = """
llm-tf demo                                 # data/corpus.en.txt and data/corpus.zh.txt
llm-tf demo --quick --corpus my_corpus.txt  # a small model, one epoch, your text
llm-tf demo --lang zh --epochs 4 --no-qa
"""


def register(sub) -> None:
    from llm_tf.cli.common import add_command

    p = add_command(sub, "demo", COMMANDS["demo"], EXAMPLES,
                    description=" ".join(__doc__.split("\n\n")[1].replace("``", "").split()))
    p.add_argument("--corpus", action="append", default=[], metavar="FILE",
                   help="train on this corpus instead of the checkout's data/ (repeatable)")
    p.add_argument("--quick", action="store_true",
                   help="a small model and one epoch (seconds; checks an install)")
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs per corpus (default: 12, or 1 with --quick)")
    p.add_argument("--out", default="runs", help="where runs go (default: runs/)")
    p.add_argument("--lang", nargs="+", choices=sorted(PROMPTS), default=["en", "zh"],
                   help="which embedded corpora (default: en zh)")
    p.add_argument("--prompt", default=None, help="prompt to continue (default: per corpus)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    p.add_argument("--no-qa", action="store_true",
                   help="skip the answer generator (§3.4) after the language models")
    p.set_defaults(func=_cmd_demo)
