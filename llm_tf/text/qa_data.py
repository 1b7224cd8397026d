"""Questions, facts and answers as ids for the pointer-generator (§3.4, §4.4, §6.1).

The encoder reads :meth:`~llm_tf.text.retrieval.Retrieval.source` (question,
``<sep>``, the entity's facts) cut by :func:`~llm_tf.text.knowledge_base.qa_tokenize`;
the decoder writes the answer's tokens, then ``<eos>``.

A token of the source that the vocabulary lacks (the name of a country never seen in
training, a character of its capital) is ``<unk>`` for the embedding, but it still
gets an id of its own in the **extended vocabulary** of See et al. (2017): ``V + i``,
with ``i`` the position of its first occurrence in the source. The copy distribution
puts mass on these ids, so the model can answer with a word it has no embedding for.
Targets use the same ids: an answer token that is in the vocabulary keeps its id, an
unknown one that occurs in the source becomes ``V + i``, any other ``<unk>``.

Ids: 0 ``<pad>``, 1 ``<unk>``, 2 ``<bos>``, 3 ``<eos>``, 4 ``<unknown>`` (the reply when
the facts lack the answer), 5 ``<sep>``, then the data's tokens. No TensorFlow here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from llm_tf.text.knowledge_base import qa_tokenize
from llm_tf.text.retrieval import SEP, UNKNOWN
from llm_tf.text.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK_ID

QA_SPECIALS = (*SPECIALS, UNKNOWN, SEP)
UNKNOWN_ID, SEP_ID = 4, 5


def source_tokens(source: str) -> list[str]:
    """The encoder's tokens of a source text (``<sep>`` kept whole)."""
    out = []
    for i, part in enumerate(source.split(SEP)):
        out += ([SEP] if i else []) + qa_tokenize(part)
    return out


def answer_tokens(answer: str) -> list[str]:
    """The decoder's tokens of an answer (``<unknown>`` is one token)."""
    return [UNKNOWN] if answer == UNKNOWN else qa_tokenize(answer)


def build_vocabulary(token_lists: Iterable[Sequence[str]], min_count: int = 1,
                     max_size: int | None = None) -> list[str]:
    """Specials, then tokens by descending count (ties alphabetical)."""
    counts: Counter = Counter()
    for toks in token_lists:
        counts.update(t for t in toks if t not in QA_SPECIALS)
    items = sorted(((t, c) for t, c in counts.items() if c >= min_count),
                   key=lambda tc: (-tc[1], tc[0]))
    if max_size is not None:
        items = items[:max(0, max_size - len(QA_SPECIALS))]
    return list(QA_SPECIALS) + [t for t, _ in items]


def encode_sources(sources: Sequence[list[str]], index: dict[str, int], max_len: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(N, S) ids (``<unk>`` for unknown tokens) and (N, S) extended ids (``V + first
    position`` for them); S is the longest source kept (at most ``max_len``)."""
    v = len(index)
    kept = [list(s[:max_len]) for s in sources]
    s = max([len(x) for x in kept] + [1])
    ids = np.zeros((len(kept), s), dtype=np.int32)
    ext = np.zeros((len(kept), s), dtype=np.int32)
    for n, toks in enumerate(kept):
        first: dict[str, int] = {}
        for i, tok in enumerate(toks):
            j = index.get(tok)
            if j is None:
                ids[n, i] = UNK_ID
                ext[n, i] = v + first.setdefault(tok, i)
            else:
                ids[n, i] = ext[n, i] = j
    return ids, ext


def target_ids(answer: Sequence[str], source: Sequence[str], index: dict[str, int]
               ) -> list[int]:
    """Extended ids of an answer's tokens (see the module docstring)."""
    v, out = len(index), []
    for tok in answer:
        if tok in index:
            out.append(index[tok])
        elif tok in source:
            out.append(v + list(source).index(tok))
        else:
            out.append(UNK_ID)
    return out


def encode_targets(answers: Sequence[list[str]], sources: Sequence[list[str]],
                   index: dict[str, int], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Teacher forcing: decoder inputs ``<bos> a1 .. an`` and targets ``a1 .. an <eos>``,
    both (N, T) extended ids, 0-padded (the model embeds an input outside the vocabulary
    as ``<unk>`` and finds its source positions by its extended id); answers are cut to
    ``max_len - 1`` tokens."""
    rows = [target_ids(a[:max_len - 1], s, index) + [EOS_ID] for a, s in zip(answers, sources,
                                                                              strict=True)]
    t = max([len(r) for r in rows] + [1])
    y = np.full((len(rows), t), PAD_ID, dtype=np.int32)
    x = np.full((len(rows), t), PAD_ID, dtype=np.int32)
    for n, r in enumerate(rows):
        y[n, :len(r)] = r
        x[n, 0] = BOS_ID
        x[n, 1:len(r)] = r[:-1]
    return x, y


def decode_ids(ids: Iterable[int], source: Sequence[str], vocabulary: Sequence[str]
               ) -> list[str]:
    """Tokens of extended ids up to ``<eos>`` (copied unknown tokens read from ``source``)."""
    v, out = len(vocabulary), []
    for i in ids:
        i = int(i)
        if i == EOS_ID or i == PAD_ID:
            break
        if i >= v:
            pos = i - v
            out.append(source[pos] if pos < len(source) else vocabulary[UNK_ID])
        else:
            out.append(vocabulary[i])
    return out
