"""§6.3 机器翻译: machine translation, English <-> Chinese, scored with BLEU.

What the article claims
    "Machine translation turns text in one language into another; by learning from
    bilingual text an LLM achieves high-accuracy translation" -- with no model, no
    bilingual data and no measure of accuracy.

What this script shows, on data/parallel/ (data/make_parallel.py: every fact of
data/facts.json said with three paired templates per relation, e.g. "The capital of
France is Paris." / "法国的首都是巴黎。"; the test sentences never occur in training)
    1. the parallel data: sizes, a pair, the split held out;
    2. BLEU, the field's measure: one sentence scored by hand (clipped n-gram
       precisions, brevity penalty), by sacrebleu (its ``zh`` tokenizer for Chinese,
       ``13a`` for English) and by NLTK's ``corpus_bleu``: the three agree;
    3. training :class:`~llm_tf.models.Translator` (§3.4's encoder-decoder: BiLSTM
       encoder, additive attention, LSTM decoder) en -> zh, then zh -> en;
    4. corpus BLEU on the held-out sentences in both directions, sacrebleu against NLTK,
       and a few translations.
Every printed number is asserted (a full run: BLEU >= 85 both ways).

Run
    python chapters/ch06_3_translation.py [--quick] [--seed N]
    (about 8-10 minutes a direction on 2 busy CPU cores; --quick: a small model on the
    sentences of a few countries, in seconds)

The same from the command line: ``llm-tf translate train --pairs
data/parallel/train.jsonl --direction en-zh --out runs/en-zh``, ``llm-tf translate run
--model runs/en-zh "The capital of France is Paris."``, ``llm-tf translate evaluate
--model runs/en-zh --pairs data/parallel/test.jsonl``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import

quiet_tensorflow_import()

from llm_tf.evaluation.bleu import corpus_bleu, nltk_corpus_bleu, sacrebleu_tokenize  # noqa: E402
from llm_tf.models import TranslationConfig  # noqa: E402
from llm_tf.text.parallel_corpus import load_pairs  # noqa: E402
from llm_tf.training.translation_trainer import (  # noqa: E402
    evaluate_translation,
    train_translation,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "parallel"
TARGET = 85.0  # held-out BLEU of a full run, each direction
QUICK_FLOOR = 15.0  # what the --quick model clears (about 35; it is far from converged)
QUICK_COUNTRIES = ("China", "France", "Japan", "Germany", "Brazil", "Egypt", "India", "Italy")


# ---- 1. the parallel data
def step1_data(quick: bool) -> tuple[list[dict], list[dict]]:
    train, test = load_pairs(DATA / "train.jsonl"), load_pairs(DATA / "test.jsonl")
    print(f"1. {len(train)} training pairs, {len(test)} held-out pairs "
          f"({len({r['entity'] for r in train})} countries)")
    pair = train[0]
    print(f"   {pair['en']}  <->  {pair['zh']}")
    seen = {r["en"] for r in train}
    assert not seen & {r["en"] for r in test}  # no test sentence is a training sentence
    if quick:
        train = [r for r in train if r["entity"] in QUICK_COUNTRIES]
        test = [r for r in test if r["entity"] in QUICK_COUNTRIES]
        print(f"   --quick: the {len(train)} / {len(test)} pairs of {len(QUICK_COUNTRIES)} "
              "countries")
    return train, test


# ---- 2. BLEU by hand, by sacrebleu, by NLTK
def step2_bleu() -> None:
    hyp, ref = "巴黎是法国首都。", "巴黎是法国的首都。"
    h, r = sacrebleu_tokenize(hyp, "zh"), sacrebleu_tokenize(ref, "zh")  # one token per char
    precisions = []
    for n in range(1, 5):
        hn = Counter(tuple(h[i:i + n]) for i in range(len(h) - n + 1))
        rn = Counter(tuple(r[i:i + n]) for i in range(len(r) - n + 1))
        precisions.append(sum((hn & rn).values()) / max(1, sum(hn.values())))  # clipped
    bp = min(1.0, math.exp(1 - len(r) / len(h)))  # brevity penalty
    by_hand = 100 * bp * math.exp(sum(math.log(p) for p in precisions) / 4)
    sacre = corpus_bleu([hyp], [ref], "zh")
    nltk = nltk_corpus_bleu([hyp], [ref], "zh")
    print(f"2. BLEU of {hyp!r} against {ref!r}: precisions "
          f"{' / '.join(f'{p:.3f}' for p in precisions)}, BP {bp:.3f}")
    print(f"   by hand {by_hand:.2f}, sacrebleu {sacre['score']:.2f} ({sacre['signature']}), "
          f"nltk {nltk:.2f}")
    assert abs(by_hand - sacre["score"]) < 1e-6 and abs(nltk - sacre["score"]) < 1e-6


# ---- 3 and 4. train each direction, BLEU on the held-out sentences
def step3_translate(train, test, direction: str, quick: bool, seed: int) -> float:
    cfg = TranslationConfig(direction=direction, seed=seed)
    if quick:
        cfg = TranslationConfig.tiny(direction=direction, seed=seed, epochs=20,
                                     learning_rate=1e-2, dropout=0.0)
    model, m = train_translation(train, None, cfg, verbose=0)
    loss = m["history"]["loss"]
    print(f"3. {direction}: {m['params']:,} parameters, vocabulary {m['vocab_size']}, "
          f"{cfg.epochs} epochs, loss {loss[0]:.3f} -> {loss[-1]:.3f} "
          f"({m['train_seconds']:.0f} s)")
    assert loss[-1] < loss[0]
    r = evaluate_translation(model, test)
    floor = QUICK_FLOOR if quick else TARGET
    print(f"4. {direction}: BLEU {r['bleu']:.2f} on {r['sentences']} held-out sentences "
          f"(nltk {r['nltk_bleu']:.2f}; {r['exact']:.0%} exact; floor {floor})")
    src, tgt = direction.split("-")
    for row, hyp in zip(test[:3], model.predict([x[src] for x in test[:3]]), strict=True):
        print(f"   {row[src]}  ->  {hyp}   (reference {row[tgt]})")
    assert r["bleu"] >= floor, (direction, r["bleu"], r["mistakes"][:5])
    if min(r["counts"]) > 0:  # every n-gram order matched: no smoothing on either side
        assert abs(r["nltk_bleu"] - r["bleu"]) < 0.01, (r["nltk_bleu"], r["bleu"])
    return r["bleu"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a small model on a slice")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    train, test = step1_data(args.quick)
    step2_bleu()
    for direction in ("en-zh", "zh-en"):
        step3_translate(train, test, direction, args.quick, args.seed)
    print("all numbers checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
