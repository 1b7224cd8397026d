"""``make demo``: the main job on the embedded data, in a few minutes on 2 CPU cores.

For each of the English and the Chinese corpus in ``data/``: print the §5 model's
``model.summary()``, train it (validation perplexity before and after), save the
run under ``runs/``, and generate text from a prompt with the saved model.

    python -m llm_tf.demo [--epochs N] [--out runs] [--lang en zh]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from llm_tf.cli import quiet_tensorflow_import

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = {"en": "The capital of France", "zh": "中国的首都"}


def run_demo(lang: str, out_root: Path, epochs: int, seed: int) -> dict:
    from llm_tf.generation import generate_text
    from llm_tf.run import RunDir, TrainConfig
    from llm_tf.trainer import train

    corpus = ROOT / "data" / f"corpus.{lang}.txt"
    out = out_root / f"demo-{lang}"
    if out.exists():
        shutil.rmtree(out)  # the demo always starts fresh
    cfg = TrainConfig(corpus=str(corpus), epochs=epochs, seq_len=32, batch_size=32, seed=seed)
    print(f"\n==== §5 LSTM language model on {corpus.relative_to(ROOT)} ====")
    model, history = train(cfg, out, verbose=2)  # prints model.summary() first
    before = history["initial_val_perplexity"][0]
    after = history["val_perplexity"][-1]
    print(f"validation perplexity: {before:.1f} before training -> {after:.2f} after "
          f"{epochs} epochs")
    run = RunDir(out)
    info = run.info()
    saved = run.load_model(compile=False)  # generate from what was saved, not from memory
    for temperature in (0.0, 0.8):
        text = generate_text(saved, info.tokenizer, run.vocab(), PROMPTS[lang], max_tokens=40,
                             temperature=temperature, top_k=20, seed=seed)
        print(f"\ngenerated (temperature {temperature}) from {PROMPTS[lang]!r}:\n{text}")
    print(f"\nsaved the run in {out} (model.keras, vocab.json, config.json, "
          f"training_curve.png, TensorBoard logs in logs/)")
    return {"before": before, "after": after}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=12, help="epochs per language (default: 12)")
    p.add_argument("--out", type=Path, default=ROOT / "runs", help="where runs go (default: runs/)")
    p.add_argument("--lang", nargs="+", choices=["en", "zh"], default=["en", "zh"])
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    quiet_tensorflow_import()
    results = {lang: run_demo(lang, args.out, args.epochs, args.seed) for lang in args.lang}
    print("\n==== summary ====")
    for lang, r in results.items():
        print(f"{lang}: validation perplexity {r['before']:.1f} -> {r['after']:.2f}")
    print("next: llm-tf train --corpus YOUR_CORPUS --out runs/mine   (see README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
