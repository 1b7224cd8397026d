"""Text generation from a trained language model (§5, §3.2).

The prompt is tokenized with the run's tokenizer, fed once through the model
(prefill), and every new token then costs one step of the compiled decoder
(:mod:`llm_tf.decoding`): the LSTM/RNN state is carried, the Transformer keeps a
key/value cache, so the prefix is never recomputed. ``<eos>`` is rendered as a
line break.
"""

from __future__ import annotations

from llm_tf.errors import UserInputError
from llm_tf.sampling import check_sampling_args
from llm_tf.tokenizers import Tokenizer
from llm_tf.vocab import EOS, EOS_ID, Vocabulary


def generate_ids(
    model,
    prompt_ids: list[int],
    max_tokens: int = 50,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = 0,
    beam_size: int = 1,
    stop_ids: tuple[int, ...] = (),
) -> list[int]:
    """Ids continuing ``prompt_ids``, from any llm-tf language model.

    Uses the compiled :class:`~llm_tf.decoding.Decoder`: recurrent models carry
    their state, the Transformer keeps a key/value cache, so the prefix is never
    recomputed. ``<eos>`` is fed first, as "start of a line".
    """
    check_sampling_args(temperature, top_k, top_p)
    if max_tokens < 0:
        raise UserInputError(f"max_tokens must be >= 0, got {max_tokens}")
    from llm_tf.architectures import make_decoder

    return make_decoder(model).generate([EOS_ID] + list(prompt_ids), max_tokens, temperature,
                                        top_k, top_p, seed, beam_size, stop_ids)


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
    beam_size: int = 1,
    stop: tuple[str, ...] = (),
) -> str:
    """Prompt + continuation, as text. ``stop`` tokens (e.g. ``"<eos>"``) end it early."""
    prompt_tokens = tokenizer.tokenize(prompt)
    unknown = [t for t in stop if t not in vocab]
    if unknown:
        raise UserInputError(f"stop token(s) not in the vocabulary: {unknown}")
    ids = generate_ids(model, vocab.encode(prompt_tokens), max_tokens, temperature, top_k, top_p,
                       seed, beam_size, tuple(vocab[t] for t in stop))
    return render(prompt_tokens + vocab.decode(ids), tokenizer)
