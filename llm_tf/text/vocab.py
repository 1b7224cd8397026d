"""Vocabulary: token <-> id, with the special tokens every model shares (§5).

Ids 0-3 are ``<pad>``, ``<unk>``, ``<bos>``, ``<eos>``; the rest are the corpus's
tokens by descending count (ties broken alphabetically, so a vocabulary is
deterministic). ``max_size`` counts the specials, so ``max_size=10_000`` gives the
article's ``vocab_size = 10000`` exactly. Saved as JSON.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable

from llm_tf.errors import UserInputError
from llm_tf.files import read_json, write_json_atomic

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3


class Vocabulary:
    """An ordered list of tokens; ``vocab[token]`` gives its id (``<unk>`` if unknown)."""

    def __init__(self, tokens: Iterable[str], counts: dict[str, int] | None = None):
        tokens = list(tokens)
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            raise UserInputError(f"a vocabulary must start with {SPECIALS}, got {tokens[:4]}")
        if len(set(tokens)) != len(tokens):
            raise UserInputError("vocabulary has duplicate tokens")
        self.tokens = tokens
        self.index = {t: i for i, t in enumerate(tokens)}
        self.counts = dict(counts or {})

    # ---- construction
    @classmethod
    def from_counts(
        cls, counts: Counter | dict, min_count: int = 1, max_size: int | None = 10_000
    ) -> Vocabulary:
        if min_count < 1:
            raise UserInputError(f"min_count must be >= 1, got {min_count}")
        if max_size is not None and max_size <= len(SPECIALS):
            raise UserInputError(
                f"vocabulary size must be > {len(SPECIALS)} (the special tokens), got {max_size}"
            )
        items = [(t, c) for t, c in counts.items() if c >= min_count and t not in SPECIALS]
        items.sort(key=lambda tc: (-tc[1], tc[0]))
        if max_size is not None:
            items = items[: max_size - len(SPECIALS)]
        return cls(list(SPECIALS) + [t for t, _ in items], counts=dict(items))

    @classmethod
    def build(
        cls, token_lists: Iterable[list[str]], min_count: int = 1, max_size: int | None = 10_000
    ) -> Vocabulary:
        counts: Counter = Counter()
        for toks in token_lists:
            counts.update(toks)
        return cls.from_counts(counts, min_count=min_count, max_size=max_size)

    # ---- lookup
    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, token: str) -> int:
        return self.index.get(token, UNK_ID)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode(self, tokens: Iterable[str], add_eos: bool = False) -> list[int]:
        ids = [self.index.get(t, UNK_ID) for t in tokens]
        if add_eos:
            ids.append(EOS_ID)
        return ids

    def decode(self, ids: Iterable[int], skip_specials: bool = True) -> list[str]:
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.tokens):
                raise UserInputError(f"token id {i} is outside the vocabulary (size {len(self)})")
            if skip_specials and i in (PAD_ID, BOS_ID):
                continue
            out.append(self.tokens[i])
        return out

    # ---- persistence
    def to_json(self) -> dict:
        return {"tokens": self.tokens, "counts": self.counts}

    def save(self, path: str | os.PathLike) -> None:
        """As JSON, atomically (a crash leaves the previous file whole)."""
        write_json_atomic(path, self.to_json(), indent=0)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocabulary:
        """From :meth:`save`'s JSON; a clear error naming ``path`` for anything else."""
        data = read_json(path, "vocabulary file")
        tokens, counts = data.get("tokens"), data.get("counts")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise UserInputError(f"{str(path)!r} is not a vocabulary file: 'tokens' should be "
                                 "a list of strings")
        if counts is not None and not (isinstance(counts, dict) and all(
                isinstance(c, int) and not isinstance(c, bool) for c in counts.values())):
            raise UserInputError(f"{str(path)!r} is not a vocabulary file: 'counts' should map "
                                 "tokens to integers")
        try:
            return cls(tokens, counts=counts)
        except UserInputError as e:
            raise UserInputError(f"{str(path)!r} is not a vocabulary file: {e}") from None
