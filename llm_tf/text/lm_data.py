"""Language-modelling data: corpus -> token-id files -> ``tf.data`` batches (§5).

The §5 listing leaves "X_train, y_train = ..." to the reader. Here:

1. :func:`count_tokens` streams the corpus once to count tokens (for the vocabulary).
2. :func:`encode_corpus` streams it again, appends ``<eos>`` to every line, and
   writes the ids as raw little-endian int32 to ``train.ids`` and ``val.ids``.
   The split is deterministic: the id stream is cut into blocks of
   ``8 * (seq_len + 1)`` tokens and every k-th block (k = round(1 / val_fraction))
   goes to validation. Memory stays flat whatever the corpus size.
3. :func:`lm_dataset` reads an ids file with ``tf.data.FixedLengthRecordDataset``
   in windows of ``seq_len + 1`` tokens and yields ``(x, y) = (w[:-1], w[1:])``:
   next-token targets as integer ids (sparse), shuffled, batched, prefetched.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.files import atomic_path
from llm_tf.text import pipeline
from llm_tf.text.corpus import corpus_files, iter_lines
from llm_tf.text.tokenizers import Tokenizer
from llm_tf.text.vocab import EOS_ID, UNK_ID, Vocabulary

ID_DTYPE = np.dtype("<i4")


def count_tokens(corpus: str | os.PathLike, tokenizer: Tokenizer) -> Counter:
    """Token counts over the whole corpus (one streamed pass). Raises on an empty corpus."""
    counts: Counter = Counter()
    files = corpus_files(corpus)
    for line in iter_lines(corpus, files):
        counts.update(tokenizer.tokenize(line))
    if not counts:
        raise UserInputError(f"corpus {str(corpus)!r} is empty (no text to train on)")
    return counts


@dataclass
class EncodeStats:
    """What :func:`encode_corpus` wrote."""

    train_tokens: int
    val_tokens: int
    unk_tokens: int  # tokens mapped to <unk> (out of vocabulary), <eos> excluded
    text_tokens: int  # tokens in the text, <eos> excluded

    @property
    def oov_rate(self) -> float:
        return self.unk_tokens / max(1, self.text_tokens)


CHUNK_TOKENS = 1 << 16  # ids converted and written per numpy call (lines are kept whole)


def iter_ids(corpus: str | os.PathLike, tokenizer: Tokenizer, vocab: Vocabulary,
             chunk_tokens: int = CHUNK_TOKENS):
    """Yield ``(ids, lines)``: int32 arrays of the ids of whole lines, each line ending in
    ``<eos>``, about ``chunk_tokens`` at a time, and the number of lines in each."""
    get, files = vocab.index.get, corpus_files(corpus)
    buf: list[int] = []
    lines = 0
    for line in iter_lines(corpus, files):
        buf.extend([get(t, UNK_ID) for t in tokenizer.tokenize(line)])
        buf.append(EOS_ID)
        lines += 1
        if len(buf) >= chunk_tokens:
            yield np.asarray(buf, ID_DTYPE), lines
            buf, lines = [], 0
    if buf:
        yield np.asarray(buf, ID_DTYPE), lines


def encode_corpus(
    corpus: str | os.PathLike,
    tokenizer: Tokenizer,
    vocab: Vocabulary,
    train_path: str | os.PathLike,
    val_path: str | os.PathLike | None = None,
    seq_len: int = 32,
    val_fraction: float = 0.1,
) -> EncodeStats:
    """Stream the corpus into id files (see the module docstring for the split)."""
    if val_path is not None and not 0.0 < val_fraction < 1.0:
        raise UserInputError(f"val_fraction must be in (0, 1), got {val_fraction}")
    block = 8 * (seq_len + 1)
    every = max(2, round(1 / val_fraction)) if val_path is not None else 0
    stats = EncodeStats(0, 0, 0, 0)
    pos = 0  # position in the whole stream
    with atomic_path(train_path) as train_tmp, (  # a crash keeps no half-written file
        atomic_path(val_path) if val_path is not None else contextlib.nullcontext(os.devnull)
    ) as val_tmp, open(train_tmp, "wb") as ftrain, open(val_tmp, "wb") as fval:
        for ids, lines in iter_ids(corpus, tokenizer, vocab):
            stats.text_tokens += len(ids) - lines
            stats.unk_tokens += int(np.count_nonzero(ids == UNK_ID))
            if every:  # every k-th block of the whole stream goes to validation
                held = (np.arange(pos, pos + len(ids)) // block) % every == every - 1
                fval.write(ids[held].tobytes())
                ftrain.write(ids[~held].tobytes())
                stats.val_tokens += int(np.count_nonzero(held))
                stats.train_tokens += int(len(ids) - np.count_nonzero(held))
            else:
                ftrain.write(ids.tobytes())
                stats.train_tokens += len(ids)
            pos += len(ids)
    if stats.text_tokens == 0:
        raise UserInputError(f"corpus {str(corpus)!r} is empty (no text to train on)")
    return stats


def encode_text_ids(corpus: str | os.PathLike, tokenizer: Tokenizer, vocab: Vocabulary):
    """The whole corpus as one id array, with OOV statistics (for evaluation-size data)."""
    chunks = list(iter_ids(corpus, tokenizer, vocab))
    if not chunks:
        raise UserInputError(f"corpus {str(corpus)!r} is empty")
    ids = np.concatenate([c for c, _ in chunks])
    text = len(ids) - sum(n for _, n in chunks)
    unk = int(np.count_nonzero(ids == UNK_ID))
    return ids, EncodeStats(len(ids), 0, unk, text)


def write_ids(path: str | os.PathLike, ids: np.ndarray) -> None:
    """Write an id array as an ids file (raw little-endian int32), atomically."""
    with atomic_path(path) as tmp:
        np.asarray(ids, ID_DTYPE).tofile(tmp)


def read_ids(path: str | os.PathLike) -> np.ndarray:
    """Load an ids file written by :func:`encode_corpus` (memory-mapped)."""
    if os.path.getsize(path) == 0:
        return np.zeros((0,), ID_DTYPE)
    return np.memmap(path, dtype=ID_DTYPE, mode="r")


def num_windows(path: str | os.PathLike, seq_len: int, skip: int = 0) -> int:
    """Whole ``seq_len + 1``-token windows in an ids file after its first ``skip`` tokens."""
    tokens = os.path.getsize(path) // ID_DTYPE.itemsize
    return max(0, tokens - skip) // (seq_len + 1)


def lm_dataset(
    path: str | os.PathLike,
    seq_len: int,
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
    shuffle_buffer: int = 10_000,
):
    """``tf.data`` pipeline of ``(x, y)`` int32 batches of shape ``(batch, seq_len)``.

    ``y`` is ``x`` shifted by one token (sparse next-token targets). With
    ``drop_remainder`` every batch has the same shape (one compiled graph).
    """
    import tensorflow as tf

    if seq_len < 1 or batch_size < 1:
        raise UserInputError(f"seq_len and batch_size must be >= 1, got {seq_len}, {batch_size}")
    n = num_windows(path, seq_len)
    steps = n // batch_size if drop_remainder else -(-n // batch_size)
    if steps == 0:
        raise UserInputError(
            f"{Path(path).name} has {n} windows of {seq_len + 1} tokens, fewer than the batch "
            f"size {batch_size}: use a larger corpus or lower --batch-size / --seq-len"
        )
    ds = window_records(path, seq_len)
    if shuffle:
        ds = ds.shuffle(min(shuffle_buffer, n), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(split_windows, num_parallel_calls=pipeline.MAP_CALLS)
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps))
    return pipeline.finish(ds)


def window_records(path: str | os.PathLike, seq_len: int, offset: int = 0):
    """``tf.data`` of the raw ``seq_len + 1``-token windows of an id file, the first
    ``offset`` tokens and the tail left out (a different ``offset`` each epoch cuts the
    stream elsewhere, so that no window repeats)."""
    import tensorflow as tf

    record = ID_DTYPE.itemsize * (seq_len + 1)
    head = ID_DTYPE.itemsize * int(offset)
    tail = (os.path.getsize(path) - head) % record  # the last partial window is left out
    return tf.data.FixedLengthRecordDataset(
        str(path), record_bytes=record, header_bytes=head, footer_bytes=tail,
        buffer_size=1 << 20
    )


def split_windows(raw):
    """A batch of raw windows -> ``(x, y)`` int32 (B, seq_len), ``y`` shifted by one token."""
    import tensorflow as tf

    w = tf.io.decode_raw(raw, tf.int32, little_endian=True)  # (B, T+1)
    return w[:, :-1], w[:, 1:]


def small_corpus_ids(
    path: str | os.PathLike,
    tokenizer: Tokenizer,
    max_lines: int | None = None,
    vocab_size: int = 4000,
    val_fraction: float = 0.1,
):
    """A small text file in memory as ``(train_ids, val_ids, vocab)`` (for chapters).

    One id stream with ``<eos>`` after each line, the last ``val_fraction`` held out.
    Real corpora go through :func:`encode_corpus` instead (streamed, flat memory).
    """
    lines = list(iter_lines(path))[:max_lines]
    token_lists = [tokenizer.tokenize(line) for line in lines]
    vocab = Vocabulary.build(token_lists, max_size=vocab_size)
    ids = np.concatenate([vocab.encode(t, add_eos=True) for t in token_lists]).astype("int32")
    cut = int((1.0 - val_fraction) * len(ids))
    return ids[:cut], ids[cut:], vocab


def xy_windows(ids: np.ndarray, seq_len: int):
    """Non-overlapping ``(x, y)`` windows, ``y`` = ``x`` shifted by one token; (N, seq_len)."""
    n = (len(ids) - 1) // seq_len
    return ids[: n * seq_len].reshape(n, seq_len), ids[1 : n * seq_len + 1].reshape(n, seq_len)

