"""Properties of corpus reading, id files and id streams over arbitrary Unicode corpora.

A corpus here is a list of lines written as UTF-8 with ``\\n`` after each (also as
``.gz`` and as a folder of ``.txt`` files). Round-trip, precisely:

- ``corpus.iter_lines`` yields exactly the lines that are not blank (``str.strip``),
  unchanged, except that a U+FEFF opening the file is read as a byte-order mark.
- ``lm_data.encode_corpus`` writes, for each such line, ``[vocab[t] for t in
  tokenize(line)] + [<eos>]``; decoding a line's ids with a vocabulary built from the
  corpus gives back its tokens (OOV tokens as ``<unk>`` when ``max_size`` is small),
  and with the ``char`` tokenizer their join is the line itself. With a validation
  file, train and validation blocks interleave back into the same stream.
- ``write_ids`` / ``read_ids`` round-trip any int32 array; ``xy_windows`` and the
  ``tf.data`` windows are the stream cut into ``seq_len + 1`` pieces.
- ``id_stream.encode_lines`` writes each line's in-vocabulary ids, cut every
  ``MAX_LINE`` ids, with ``-1`` after each piece; ``chunks`` re-assemble the array.

Only :class:`~llm_tf.errors.UserInputError` (a corpus with no text, one with no token
in the vocabulary, a NUL byte) may be raised; nothing else.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from llm_tf.errors import UserInputError
from llm_tf.text import corpus, id_stream, lm_data
from llm_tf.text.tokenizers import NAMES, Tokenizer, get_tokenizer
from llm_tf.text.vocab import EOS_ID, SPECIALS, UNK, Vocabulary
from tests.properties.strategies import corpora

KINDS = ("word", "space", "char")
_FEW = max(5, settings.default.max_examples // 6)  # tests that build tf.data pipelines


def _expected_lines(lines: list[str]) -> list[str]:
    if lines and lines[0].startswith("\ufeff"):  # utf-8-sig: a byte-order mark
        lines = [lines[0][1:], *lines[1:]]
    return [line for line in lines if line.strip()]


def _write(directory: str, lines: list[str], form: str, end: str = "\n") -> Path:
    data = "".join(line + end for line in lines).encode("utf-8")
    if form == "gz":
        path = Path(directory, "corpus.txt.gz")
        path.write_bytes(gzip.compress(data, mtime=0))
    elif form == "folder":  # the lines split over two files, read in sorted order
        path = Path(directory, "corpus")
        (path / "sub").mkdir(parents=True)
        half = len(lines) // 2
        (path / "a.txt").write_bytes("".join(x + end for x in lines[:half]).encode("utf-8"))
        (path / "sub" / "b.txt").write_bytes(
            "".join(x + end for x in lines[half:]).encode("utf-8"))
    else:
        path = Path(directory, "corpus.txt")
        path.write_bytes(data)
    return path


def _split_at_eos(ids) -> list[list[int]]:
    out, cur = [], []
    for i in np.asarray(ids).tolist():
        if i == EOS_ID:
            out.append(cur)
            cur = []
        else:
            cur.append(i)
    assert not cur, "the stream must end with <eos>"
    return out


@given(corpora(), st.sampled_from(["txt", "gz", "folder"]), st.sampled_from(["\n", "\r\n", "\r"]))
@example(["\ufeff中文", " \u3000", "e\u0301 👨‍👩‍👧 \x1c\x85\u2028"], "txt", "\n")
@example(["\ufeff"], "txt", "\n")
def test_iter_lines_yields_the_non_blank_lines_unchanged(lines, form, end):
    with tempfile.TemporaryDirectory() as d:
        path = _write(d, lines, form, end)
        if form == "folder":
            half = len(lines) // 2
            expected = _expected_lines(lines[:half]) + _expected_lines(lines[half:])
        else:
            expected = _expected_lines(lines)
        try:
            got = list(corpus.iter_lines(path))
        except UserInputError as e:  # a corpus with no text at all
            assert not expected and "empty" in str(e)
            return
        assert got == expected
        sample = corpus.sample_text(path)
        assert sample == "\n".join(expected)[: len(sample)]


@given(corpora(exclude="\n\r"), st.integers(0, 12), st.sampled_from(KINDS))
def test_a_nul_in_the_head_is_refused_as_binary(lines, at, kind):
    lines = [*lines[:at], "a\x00b", *lines[at:]]
    with tempfile.TemporaryDirectory() as d:
        path = _write(d, lines, "txt")
        if len("".join(x + "\n" for x in lines[: at + 1]).encode("utf-8")) <= corpus._SNIFF_BYTES:
            with pytest.raises(UserInputError, match="binary"):
                list(corpus.iter_lines(path))
            with pytest.raises(UserInputError, match="binary"):
                lm_data.count_tokens(path, Tokenizer(kind))


@given(corpora(), st.sampled_from(KINDS), st.booleans(), st.one_of(st.none(), st.integers(5, 30)))
@example(["a <eos> b", "<pad> <unk>"], "space", False, None)
def test_encode_corpus_round_trips_every_line(lines, kind, lower, max_size):
    tok = Tokenizer(kind, lower=lower)
    expected = _expected_lines(lines)
    with tempfile.TemporaryDirectory() as d:
        path = _write(d, lines, "txt")
        train = Path(d, "train.ids")
        try:
            counts = lm_data.count_tokens(path, tok)
        except UserInputError:
            assert not any(tok.tokenize(line) for line in expected)
            return
        vocab = Vocabulary.from_counts(counts, max_size=max_size)
        stats = lm_data.encode_corpus(path, tok, vocab, train)
        ids = lm_data.read_ids(train)
        want = [vocab.encode(tok.tokenize(line), add_eos=True) for line in expected]
        assert ids.tolist() == [i for line in want for i in line]
        token_lines = [tok.tokenize(line) for line in expected]
        assert stats.text_tokens == sum(map(len, token_lines))
        assert stats.train_tokens == len(ids) and stats.val_tokens == 0
        assert stats.unk_tokens == sum(vocab[t] == 1 for toks in token_lines for t in toks)
        if max_size is None and not any(t in ("<pad>", "<bos>", "<eos>", "<unk>")
                                        for toks in token_lines for t in toks):
            assert stats.unk_tokens == 0
            decoded = [vocab.decode(x) for x in _split_at_eos(ids)]
            assert decoded == token_lines
            if kind == "char" and not lower:
                assert [tok.detokenize(t) for t in decoded] == expected
        elif max_size is not None:
            decoded = vocab.decode(ids.tolist(), skip_specials=False)
            assert decoded == [t if t in vocab else UNK for line in token_lines
                               for t in [*line, "<eos>"]]
        ids2, stats2 = lm_data.encode_text_ids(path, tok, vocab)
        assert ids2.tolist() == ids.tolist() and stats2.unk_tokens == stats.unk_tokens


@given(corpora(), st.integers(1, 6), st.floats(0.05, 0.6))
def test_validation_blocks_interleave_back_into_the_stream(lines, seq_len, val_fraction):
    tok = Tokenizer("char")
    with tempfile.TemporaryDirectory() as d:
        path = _write(d, lines, "txt")
        try:
            vocab = Vocabulary.from_counts(lm_data.count_tokens(path, tok), max_size=None)
        except UserInputError:
            return
        whole, train, val = (Path(d, n) for n in ("whole.ids", "train.ids", "val.ids"))
        lm_data.encode_corpus(path, tok, vocab, whole, seq_len=seq_len)
        stats = lm_data.encode_corpus(path, tok, vocab, train, val, seq_len=seq_len,
                                      val_fraction=val_fraction)
        stream = lm_data.read_ids(whole).tolist()
        t, v = lm_data.read_ids(train).tolist(), lm_data.read_ids(val).tolist()
        assert (stats.train_tokens, stats.val_tokens) == (len(t), len(v))
        block, every = 8 * (seq_len + 1), max(2, round(1 / val_fraction))
        rebuilt = []
        for blk in range(-(-len(stream) // block)):
            src = v if blk % every == every - 1 else t
            rebuilt += src[:block]
            del src[:block]
        assert rebuilt == stream and not t and not v


@given(arrays(np.int32, st.integers(0, 300)), st.integers(1, 9))
def test_ids_files_and_windows_round_trip(ids, seq_len):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d, "x.ids")
        lm_data.write_ids(path, ids)
        back = lm_data.read_ids(path)
        assert back.dtype == lm_data.ID_DTYPE and back.tolist() == ids.tolist()
        assert not Path(str(path) + ".tmp").exists()
        assert lm_data.num_windows(path, seq_len) == len(ids) // (seq_len + 1)
        del back
    x, y = lm_data.xy_windows(ids, seq_len)
    n = max(0, (len(ids) - 1) // seq_len)
    assert x.shape == y.shape == (n, seq_len)
    assert x.ravel().tolist() == ids[: n * seq_len].tolist()
    assert y.ravel().tolist() == ids[1: n * seq_len + 1].tolist()


@settings(max_examples=_FEW)
@given(arrays(np.int32, st.integers(0, 200)), st.integers(1, 6), st.integers(1, 4))
def test_tf_windows_are_the_stream_cut_in_pieces(ids, seq_len, batch_size):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d, "x.ids")
        lm_data.write_ids(path, ids)
        n = len(ids) // (seq_len + 1)
        if n < batch_size:
            with pytest.raises(UserInputError):
                lm_data.lm_dataset(path, seq_len, batch_size, shuffle=False)
            return
        ds = lm_data.lm_dataset(path, seq_len, batch_size, shuffle=False)
        xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds], strict=True)
    x, y = np.concatenate(xs), np.concatenate(ys)
    windows = ids[: len(x) * (seq_len + 1)].reshape(-1, seq_len + 1)
    assert len(x) == (n // batch_size) * batch_size
    np.testing.assert_array_equal(x, windows[:, :-1])
    np.testing.assert_array_equal(y, windows[:, 1:])


def _pieces(ids: list[int], limit: int) -> list[list[int]]:
    return [ids[s: s + limit] for s in range(0, len(ids), limit)]


@given(corpora(), st.sampled_from(NAMES), st.booleans(), st.integers(1, 2),
       st.integers(1, 64))
@example(["中" * 25_001, "a b"], "char", False, 1, 4096)
def test_encode_lines_writes_in_vocabulary_ids_per_line(lines, name, lower, min_count, chunk):
    expected = _expected_lines(lines)
    with tempfile.TemporaryDirectory() as d:
        path = _write(d, lines, "txt")
        try:
            source = id_stream.token_source(str(path), tokenizer=name, lower=lower)
        except UserInputError:  # a corpus with no text at all
            assert not expected
            return
        tok = get_tokenizer(name, lower=lower, sample=corpus.sample_text(path)) if expected \
            else None
        token_lines = list(source())
        assert token_lines == [[t for t in tok.tokenize(x) if not t.isspace()] for x in expected]
        try:
            vocab = id_stream.build_vocabulary(source, min_count=min_count)
            enc = id_stream.encode_lines(source(), vocab.index, directory=d)
        except UserInputError:  # no token occurs min_count times
            counts = Counter(t for x in token_lines for t in x)
            assert all(c < min_count or t in SPECIALS for t, c in counts.items())
            return
        try:
            data = np.asarray(enc.data).tolist()
            want = []
            for x in token_lines:
                kept = [vocab.index[t] for t in x if t in vocab.index]
                for piece in _pieces(kept, id_stream.MAX_LINE):
                    want += piece + [id_stream.SEPARATOR]
            assert data == want
            assert enc.n_tokens == sum(i != id_stream.SEPARATOR for i in data)
            chunks = [c.tolist() for c in enc.chunks(chunk)]
            assert [i for c in chunks for i in c] == data
            assert all(c and c[-1] == id_stream.SEPARATOR for c in chunks)
        finally:
            enc.close()
        assert not any(f.startswith("llm_tf_ids_") for f in os.listdir(d))  # close() deletes


@given(st.lists(st.lists(st.one_of(st.text(max_size=5), st.sampled_from([" ", "中", "É"])),
                         max_size=6), max_size=5), st.booleans())
def test_token_lists_are_a_source_as_given(token_lines, lower):
    if not token_lines:
        with pytest.raises(UserInputError):
            id_stream.token_source(token_lines)
        return
    want = [[t.lower() for t in x] if lower else x for x in token_lines]
    assert list(id_stream.token_source(token_lines, lower=lower)()) == want
    assert list(id_stream.token_source(token_lines[0] or ["a"], lower=lower)()) == [
        [t.lower() for t in token_lines[0] or ["a"]] if lower else token_lines[0] or ["a"]]
    with pytest.raises(UserInputError):
        id_stream.token_source([*token_lines, 5])
