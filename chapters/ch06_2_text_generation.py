"""§6.2 文本生成: the §5 LSTM language model writes Chinese and English, four ways of sampling.

What the article claims
    "文本生成是一种生成自然语言文本的过程，如文章、小说、新闻等。LLM通过学习大量文本数据，
    能够生成高质量的自然语言文本。" -- with no code, no model and no numbers.

What this script shows (each number is checked, not only printed)
    1. The §5 model (``llm_tf.models.build_model(ModelConfig())``: Embedding -> LSTM ->
       Dense(softmax), the listing's sizes; smaller with --quick) trained on
       ``data/corpus.zh.txt`` character by character and on ``data/corpus.en.txt``
       word by word. It learned: validation perplexity falls far below the vocabulary
       size, which is what a uniform guess scores.
    2. One prompt per language continued four ways through ``llm_tf.generation``
       (one compiled loop, the LSTM state carried, a step per token): greedy,
       temperature, top-k and top-p (nucleus) sampling.
    3. What can be checked about them: greedy is deterministic; top-k with k = 1 and
       top-p with a tiny p are greedy; a seed reproduces its text; every sampled token
       is in the vocabulary (never ``<pad>``); every top-k token was among the k
       likeliest at its step and every top-p token inside the nucleus, read off a full
       forward pass over the generated text; and at the first step the temperature
       orders the entropy (lower T, sharper distribution).

Run
    python chapters/ch06_2_text_generation.py            # both languages (~2 minutes on 2 cores)
    python chapters/ch06_2_text_generation.py --lang zh  # one language
    python chapters/ch06_2_text_generation.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from llm_tf.generation import Decoder, SamplingConfig, generate_text, render  # noqa: E402
from llm_tf.models import ModelConfig, build_model, compile_lm, stepping_view  # noqa: E402
from llm_tf.text.lm_data import small_corpus_ids, xy_windows  # noqa: E402
from llm_tf.text.tokenizers import get_tokenizer  # noqa: E402
from llm_tf.text.vocab import EOS_ID, PAD_ID  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data"
PROMPTS = {"zh": "中国的首都", "en": "the capital of china"}
TOP_K, TOP_P = 5, 0.9


def samplers(seed: int) -> dict[str, SamplingConfig]:
    """The four ways of the article's "generation", as :class:`SamplingConfig` objects."""
    return {
        "greedy": SamplingConfig(temperature=0.0),
        "temperature 0.8": SamplingConfig(temperature=0.8, seed=seed),
        f"top-k {TOP_K}": SamplingConfig(temperature=1.0, top_k=TOP_K, seed=seed),
        f"top-p {TOP_P}": SamplingConfig(temperature=1.0, top_p=TOP_P, seed=seed),
    }


def perplexity(model, x: np.ndarray, y: np.ndarray) -> float:
    """exp(mean -log p(next token)) over windows x -> y (N, T), from one forward pass."""
    probs = np.asarray(model(x), np.float64)  # (N, T, V)
    picked = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]  # (N, T)
    return math.exp(-np.mean(np.log(picked)))


# ---- 1. train the §5 model on one language
def step1_train(lang: str, args):
    tok = get_tokenizer("char" if lang == "zh" else "word", lower=lang == "en")
    max_lines = 800 if args.quick else None
    train_ids, val_ids, vocab = small_corpus_ids(DATA / f"corpus.{lang}.txt", tok, max_lines)
    seq_len = 32
    x_train, y_train = xy_windows(train_ids, seq_len)  # (N, 32) each
    x_val, y_val = xy_windows(val_ids, seq_len)
    config = ModelConfig(embedding_dim=32, units=64) if args.quick else ModelConfig()
    model = build_model(config, len(vocab), seed=args.seed, steppable=True)  # Embedding-LSTM-Dense
    compile_lm(model, learning_rate=1e-2 if args.quick else 3e-3, jit_compile=not args.quick)
    before = perplexity(model, x_val, y_val)
    epochs = 4 if args.quick else args.epochs
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0 if args.quick else 2)
    after = perplexity(model, x_val, y_val)
    if not args.quick:  # Keras' own loss agrees with the numpy perplexity
        assert abs(math.log(after) - model.evaluate(x_val, y_val, verbose=0)) < 1e-3
    print(f"\n==== {lang}: corpus.{lang}.txt, {tok.kind}-level, {len(train_ids):,} training "
          f"tokens, vocabulary {len(vocab)}, {model.count_params():,} parameters ====")
    print(f"1. validation perplexity {before:.1f} -> {after:.2f} after {epochs} epochs "
          f"(a uniform guess scores {len(vocab)})")
    assert after < before / 4, "training did not lower the validation perplexity enough"
    assert after < len(vocab) / 5, "the model learned little: perplexity near the uniform guess"
    return model, tok, vocab


def _next_probs(model, prompt_ids: list[int], out: list[int]) -> np.ndarray:
    """(len(out), V): the distribution each generated token was drawn from, by one full
    forward pass over prompt + output (``<pad>`` removed, as the decoder bans it)."""
    seq = np.asarray([prompt_ids + out[:-1]], "int32")  # (1, T)
    probs = np.asarray(model(seq))[0, len(prompt_ids) - 1:].astype(np.float64)  # (len(out), V)
    probs[:, PAD_ID] = 0.0
    return probs / probs.sum(-1, keepdims=True)


# ---- 2. and 3. four ways of generating, and what can be checked about them
def step2_generate(model, tok, vocab, lang: str, args) -> None:
    prompt = PROMPTS[lang]
    prompt_tokens = tok.tokenize(prompt)
    assert all(t in vocab for t in prompt_tokens), f"prompt {prompt!r} out of vocabulary"
    prompt_ids = [EOS_ID] + vocab.encode(prompt_tokens)  # <eos> first: "start of a line"
    n = 16 if args.quick else 60
    decoder = Decoder(stepping_view(model), jit_compile=not args.quick)
    print(f"2. {prompt!r} continued {n} tokens four ways:")
    outs = {}
    for name, sampling in samplers(args.seed).items():
        ids = decoder.generate(prompt_ids, sampling, max_tokens=n)
        outs[name] = ids
        text = render(prompt_tokens + vocab.decode(ids), tok).replace("\n", " / ")
        print(f"   {name:16} {text}")

    # every token a real one, never <pad>
    for name, ids in outs.items():
        assert len(ids) == n and all(0 <= i < len(vocab) and i != PAD_ID for i in ids), name
        assert all(t in vocab for t in vocab.decode(ids)), name
    greedy = outs["greedy"]
    again = decoder.generate(prompt_ids, SamplingConfig(temperature=0.0), max_tokens=n)
    top1 = decoder.generate(prompt_ids, SamplingConfig(temperature=1.0, top_k=1, seed=7),
                            max_tokens=n)
    tiny_p = decoder.generate(prompt_ids, SamplingConfig(temperature=1.0, top_p=1e-6, seed=7),
                              max_tokens=n)
    name_t = "temperature 0.8"
    same_seed = decoder.generate(prompt_ids, samplers(args.seed)[name_t], max_tokens=n)
    assert again == greedy, "greedy decoding is not deterministic"
    assert top1 == greedy, "top-k with k = 1 differs from greedy"
    assert tiny_p == greedy, "top-p with a tiny p differs from greedy"
    assert same_seed == outs[name_t], "the same seed gave another text"
    print("3. checked: greedy twice is the same; top-k 1 and top-p 1e-6 are greedy; seed "
          f"{args.seed} gives the same {name_t} text again; every token in the vocabulary")

    # top-k and top-p tokens, read against the model's own distributions
    k_ids = outs[f"top-k {TOP_K}"]
    probs = _next_probs(model, prompt_ids, k_ids)
    for t, (row, tok_id) in enumerate(zip(probs, k_ids, strict=True)):
        higher = int(np.sum(row > row[tok_id] * (1 + 1e-4)))
        assert higher < TOP_K, f"top-k token {t} was not among the {TOP_K} likeliest"
    p_ids = outs[f"top-p {TOP_P}"]
    probs = _next_probs(model, prompt_ids, p_ids)
    sizes = []
    for t, (row, tok_id) in enumerate(zip(probs, p_ids, strict=True)):
        before_it = float(row[row > row[tok_id] * (1 + 1e-4)].sum())  # mass of likelier tokens
        assert before_it < TOP_P + 1e-4, f"top-p token {t} was outside the nucleus"
        ordered = np.sort(row)[::-1]
        sizes.append(int(np.searchsorted(np.cumsum(ordered), TOP_P) + 1))
    print(f"   every top-k token was among the {TOP_K} likeliest at its step; every top-p token "
          f"inside the nucleus (its size ranged {min(sizes)}..{max(sizes)} of {len(vocab)} "
          "tokens)")
    assert 1 <= min(sizes) <= max(sizes) <= len(vocab)

    # temperature: the first step's entropy, sharper as T falls
    first = _next_probs(model, prompt_ids, greedy[:1])[0]
    logp = np.log(np.where(first > 0, first, 1e-300))
    entropies = []
    for temperature in (0.5, 1.0, 1.5):
        z = np.where(first > 0, logp / temperature, -np.inf)
        q = np.exp(z - z.max())
        q /= q.sum()
        entropies.append(float(-(q[q > 0] * np.log(q[q > 0])).sum()))
    print("   first-step entropy at temperature 0.5 / 1.0 / 1.5: "
          + " / ".join(f"{h:.3f}" for h in entropies) + " nats (lower T, sharper)")
    assert entropies[0] < entropies[1] < entropies[2]

    if not args.quick:  # the library's text-in, text-out call gives the same text
        text = generate_text(stepping_view(model), tok, vocab, prompt,
                             SamplingConfig(temperature=0.8, seed=args.seed, max_tokens=n))
        expected = render(prompt_tokens + vocab.decode(outs[name_t]), tok)
        assert text == expected, "generate_text and the decoder disagree"
        print("   generate_text gives the same temperature-0.8 text as the loop above")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§6.2: text generation in Chinese and English")
    p.add_argument("--lang", nargs="+", choices=sorted(PROMPTS), default=["zh", "en"])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    tf.get_logger().setLevel("ERROR")  # one loop is traced per sampler: no retracing warnings

    for lang in args.lang:
        set_seed(args.seed)
        model, tok, vocab = step1_train(lang, args)
        step2_generate(model, tok, vocab, lang, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
