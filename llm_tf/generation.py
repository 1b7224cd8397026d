"""Text generation from a trained §5 LSTM language model.

The prompt is tokenized with the run's tokenizer, fed once through the model to
get the LSTM state, and every new token then costs one LSTM step
(:class:`~llm_tf.lstm_lm.LSTMStepper`): the prefix is never recomputed.
``<eos>`` is rendered as a line break.
"""

from __future__ import annotations

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.lstm_lm import LSTMStepper
from llm_tf.sampling import check_sampling_args, sample_next
from llm_tf.tokenizers import Tokenizer
from llm_tf.vocab import EOS, EOS_ID, PAD_ID, Vocabulary


def generate_ids(
    stepper: LSTMStepper,
    prompt_ids: list[int],
    max_tokens: int = 50,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = 0,
    banned: tuple[int, ...] = (PAD_ID,),
) -> list[int]:
    """Sample ``max_tokens`` ids after ``prompt_ids`` (state carried, one step a token)."""
    check_sampling_args(temperature, top_k, top_p)
    if max_tokens < 0:
        raise UserInputError(f"max_tokens must be >= 0, got {max_tokens}")
    rng = np.random.default_rng(seed)
    logits, state = stepper([EOS_ID] + list(prompt_ids))  # <eos> = "start of a line"
    last = logits[0, -1]
    out: list[int] = []
    for _ in range(max_tokens):
        last = last.astype(np.float64)
        last[list(banned)] = -np.inf
        tok = sample_next(last, rng, temperature, top_k, top_p)
        out.append(tok)
        logits, state = stepper([tok], state)
        last = logits[0, -1]
    return out


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
    model,
    tokenizer: Tokenizer,
    vocab: Vocabulary,
    prompt: str,
    max_tokens: int = 50,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = 0,
) -> str:
    """Prompt + continuation, as text."""
    prompt_tokens = tokenizer.tokenize(prompt)
    ids = generate_ids(
        LSTMStepper(model), vocab.encode(prompt_tokens), max_tokens, temperature, top_k, top_p, seed
    )
    return render(prompt_tokens + vocab.decode(ids), tokenizer)
