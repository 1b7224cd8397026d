"""§5, §3.2: text in, text out, through the compiled decoder.

The prompt is tokenized with the run's tokenizer, fed once through the model
(prefill), and every new token then costs one step of the compiled decoder
(:mod:`llm_tf.generation.decoder`): the LSTM/RNN state is carried, the Transformer
keeps a key/value cache, so the prefix is never recomputed. ``<eos>`` is fed first,
as "start of a line", and rendered as a line break.

The model arrives as a stepper (``llm_tf.models.stepping_view(model)``); this
module never builds one.
"""

from __future__ import annotations

from llm_tf.errors import UserInputError
from llm_tf.generation.config import SamplingConfig
from llm_tf.generation.decoder import Decoder
from llm_tf.text.tokenizers import Tokenizer
from llm_tf.text.vocab import EOS, EOS_ID, Vocabulary

# A Decoder made for one call compiles its loop for that call. XLA's compile (0.5-1 s)
# is not repaid below about a thousand tokens: one-shot calls took 0.49 s without XLA
# against 0.94 s with it (20 tokens, tiny LSTM), 0.77 / 1.02 s (300 tokens, §5 sizes),
# 1.18 / 2.00 s (20 tokens, Transformer) and 3.90 / 4.60 s (1,000 tokens, Transformer),
# the same tokens either way (session 12; docs/benchmarks.md). A Decoder kept across
# calls (chat, bench/generation.py) compiles once and keeps XLA.
XLA_MIN_TOKENS = 1024


def generate_ids(
    stepper, prompt_ids: list[int], sampling: SamplingConfig, stop_ids: tuple[int, ...] = (),
    context: int | None = None,
) -> list[int]:
    """Ids continuing ``prompt_ids`` (after an ``<eos>``), chosen as ``sampling`` says;
    ``context`` bounds a Transformer's context (see :class:`Decoder`). The decoding loop
    is XLA-compiled from :data:`XLA_MIN_TOKENS` tokens on, a graph below that."""
    decoder = Decoder(stepper, context=context,
                      jit_compile=sampling.max_tokens >= XLA_MIN_TOKENS)
    return decoder.generate([EOS_ID] + list(prompt_ids), sampling, stop_ids=stop_ids)


def render(tokens: list[str], tokenizer: Tokenizer) -> str:
    """Detokenize, with ``<eos>`` as a line break."""
    lines, cur = [], []
    for t in tokens:
        if t == EOS:
            lines.append(tokenizer.detokenize(cur))
            cur = []
        else:
            cur.append(t)
    lines.append(tokenizer.detokenize(cur))
    return "\n".join(lines)


def generate_text(
    stepper, tokenizer: Tokenizer, vocab: Vocabulary, prompt: str, sampling: SamplingConfig,
    context: int | None = None,
) -> str:
    """Prompt + continuation, as text. ``sampling.stop`` tokens (e.g. ``"<eos>"``) end it;
    ``context`` bounds a Transformer's context (see :class:`Decoder`)."""
    prompt_tokens = tokenizer.tokenize(prompt)
    unknown = [t for t in sampling.stop if t not in vocab]
    if unknown:
        raise UserInputError(f"stop token(s) not in the vocabulary: {unknown}")
    ids = generate_ids(
        stepper, vocab.encode(prompt_tokens), sampling, tuple(vocab[t] for t in sampling.stop),
        context=context,
    )
    return render(prompt_tokens + vocab.decode(ids), tokenizer)
