"""Corpus -> vocabulary -> a stream of token ids on disk (§3.1: shared by Word2Vec and GloVe).

Both word-vector trainers read the corpus twice: once to count tokens (the
vocabulary, :func:`build_vocabulary`), once to write the in-vocabulary ids to a
temporary int32 file (:func:`encode_lines`), with ``-1`` after each line. Every
epoch then reads that file back in chunks (:meth:`EncodedCorpus.chunks`) without
tokenizing again, and memory stays independent of the corpus size. Like word2vec
and GloVe, out-of-vocabulary tokens are dropped rather than mapped to ``<unk>``.

A source is a corpus path (file, ``.gz`` or folder, :mod:`llm_tf.text.corpus`), a list
of tokens (one line, e.g. the article's ``["我", "爱", "中国"]``) or a list of token
lists. Whitespace tokens (the ``char`` tokenizer keeps spaces) are dropped: word
vectors are for words, and the word2vec file format separates fields by spaces.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.text.vocab import SPECIALS, Vocabulary

SEPARATOR = -1  # line end in the encoded id stream
MAX_LINE = 10_000  # longer lines are cut (a corpus may have no line breaks at all)


def token_source(
    source, tokenizer: str = "auto", lower: bool = False
) -> Callable[[], Iterator[list[str]]]:
    """A re-iterable factory of token lists from a path, a token list or a list of them."""
    from llm_tf.text import corpus, tokenizers

    if isinstance(source, (str, os.PathLike)):
        files = corpus.corpus_files(source)
        tok = tokenizers.get_tokenizer(tokenizer, lower=lower, sample=corpus.sample_text(source))
        return lambda: (
            [t for t in tok.tokenize(line) if not t.isspace()]
            for line in corpus.iter_lines(source, files)
        )
    if isinstance(source, np.ndarray):
        source = source.tolist()
    try:
        items = list(source)
    except TypeError:
        raise UserInputError(
            f"expected a corpus path or a list of tokens, got {type(source).__name__}"
        ) from None
    if not items:
        raise UserInputError("the training sequence is empty")
    if all(isinstance(t, str) for t in items):  # one line, e.g. ["我", "爱", "中国"]
        items = [items]
    elif not all(
        isinstance(line, (list, tuple)) and all(isinstance(t, str) for t in line) for line in items
    ):
        raise UserInputError("expected a corpus path, a list of tokens or a list of token lists")
    if lower:
        items = [[t.lower() for t in line] for line in items]
    return lambda: iter(items)


def build_vocabulary(
    tokens: Callable[[], Iterator[list[str]]], min_count: int = 1, max_words: int | None = None
) -> Vocabulary:
    """Count tokens in one pass; keep those seen ``min_count`` times (at most ``max_words``)."""
    counts: Counter = Counter()
    for line in tokens():
        counts.update(line)
    max_size = None if max_words is None else max_words + len(SPECIALS)
    vocab = Vocabulary.from_counts(counts, min_count=min_count, max_size=max_size)
    if len(vocab) <= len(SPECIALS):
        raise UserInputError(
            f"no token occurs min_count={min_count} times in the corpus "
            f"({sum(counts.values())} tokens, {len(counts)} distinct)"
        )
    return vocab


def vocabulary_counts(vocab: Vocabulary) -> np.ndarray:
    """(V,) corpus count of each id (0 for the special tokens)."""
    return np.array([vocab.counts.get(t, 0) for t in vocab.tokens], np.float64)


@dataclass
class EncodedCorpus:
    """In-vocabulary token ids of a corpus, one ``SEPARATOR`` after each line.

    ``data`` is a 1-D int32 array, usually a read-only ``np.memmap`` of a temporary
    file (see :func:`encode_lines`). ``n_tokens`` counts the ids, separators excluded.
    """

    data: np.ndarray
    n_tokens: int
    path: str | None = None

    def chunks(self, chunk_tokens: int = 1 << 18) -> Iterator[np.ndarray]:
        """Slices of about ``chunk_tokens`` ids, each ending just after a separator."""
        n, start = len(self.data), 0
        while start < n:
            end = min(start + chunk_tokens, n)
            if end < n:  # extend to the next line end
                rest = np.flatnonzero(self.data[end - 1 : min(n, end + (1 << 20))] == SEPARATOR)
                end = end + int(rest[0]) if len(rest) else n
            yield np.asarray(self.data[start:end])
            start = end

    def close(self) -> None:
        """Release the memory map and delete the temporary file."""
        self.data = np.empty(0, np.int32)
        if self.path and os.path.exists(self.path):
            os.remove(self.path)
        self.path = None


def encode_lines(
    token_lists: Iterable[list[str]], index: dict[str, int], directory: str | None = None
) -> EncodedCorpus:
    """Encode tokenized lines to a temporary int32 file (dropping out-of-vocabulary tokens).

    word2vec and gensim drop unknown words rather than map them to ``<unk>``; so does
    this. ``index`` maps token -> id. Lines longer than ``MAX_LINE`` tokens are cut.
    """
    fd, path = tempfile.mkstemp(prefix="llm_tf_ids_", suffix=".i32", dir=directory)
    n_tokens, buf = 0, []
    with os.fdopen(fd, "wb") as f:
        for tokens in token_lists:
            ids = [i for i in map(index.get, tokens) if i is not None]
            for s in range(0, len(ids), MAX_LINE):  # gensim also cuts at 10,000 tokens
                buf.extend(ids[s : s + MAX_LINE])
                buf.append(SEPARATOR)
            n_tokens += len(ids)
            if len(buf) >= 1 << 20:
                np.asarray(buf, np.int32).tofile(f)
                buf = []
        np.asarray(buf, np.int32).tofile(f)
    if n_tokens == 0:
        os.remove(path)
        raise UserInputError("the corpus has no token in the vocabulary (lower min_count?)")
    data = np.memmap(path, dtype=np.int32, mode="r")
    return EncodedCorpus(data=data, n_tokens=n_tokens, path=path)
