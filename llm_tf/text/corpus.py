"""Corpus reading for every chapter (§5 项目实战, §3.1, §3.2).

A corpus is a UTF-8 text file, a ``.gz`` file of UTF-8 text, or a folder of
``.txt`` / ``.txt.gz`` files (searched recursively, read in sorted order). Lines are
streamed one at a time, so a corpus larger than memory costs no more memory than
its longest line.

Bad input raises :class:`~llm_tf.errors.UserInputError` with the offending path:
a missing path, a folder with no text files, a binary file, a file that is not
UTF-8 (with the byte offset of the first bad byte; a UTF-16 or UTF-32 file is named
as such, from its byte-order mark or its NUL pattern), a truncated ``.gz``, or a
corpus with no text at all.

:func:`read_text_file` applies the same checks to any one text file a user names
(a knowledge base, labelled data, sentence pairs, questions, word vectors), so every
reader gives the same one-line messages.
"""

from __future__ import annotations

import codecs
import gzip
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from llm_tf.errors import UserInputError

TEXT_SUFFIXES = (".txt", ".txt.gz")
_SNIFF_BYTES = 1 << 16


def corpus_files(path: str | os.PathLike) -> list[Path]:
    """Return the files that make up the corpus at ``path``, checked for readability."""
    p = Path(path)
    if not p.exists():
        raise UserInputError(f"corpus not found: {str(path)!r}")
    if p.is_dir():
        files = sorted(
            f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(TEXT_SUFFIXES)
        )
        if not files:
            raise UserInputError(f"corpus folder {str(path)!r} holds no .txt or .txt.gz files")
    else:
        files = [p]
    if not any([_sniff(f) for f in files]):  # every file checked, then: any text at all?
        what = "corpus file" if len(files) == 1 and not p.is_dir() else "corpus"
        raise UserInputError(f"{what} {str(path)!r} is empty: it holds no text")
    return files


_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32-LE"), (codecs.BOM_UTF32_BE, "UTF-32-BE"),
         (codecs.BOM_UTF16_LE, "UTF-16-LE"), (codecs.BOM_UTF16_BE, "UTF-16-BE"))


def looks_like_encoding(head: bytes) -> str | None:
    """The wide Unicode encoding ``head`` (a file's first bytes) looks like, e.g.
    ``"UTF-16-LE (from its byte-order mark)"``, or None. UTF-32 is tried first (its
    little-endian BOM begins with UTF-16's); without a BOM, text whose every other
    (UTF-16) or three of every four (UTF-32) bytes are NUL is named from that pattern."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return f"{name} (from its byte-order mark)"
    sample = head[:4096]
    if len(sample) < 8 or b"\x00" not in sample:
        return None

    def nul_share(offset: int, step: int) -> float:
        part = sample[offset::step]
        return part.count(0) / max(1, len(part))

    if all(nul_share(i, 4) > 0.9 for i in (1, 2, 3)) and nul_share(0, 4) < 0.5:
        return "UTF-32-LE (from its NUL bytes)"
    if all(nul_share(i, 4) > 0.9 for i in (0, 1, 2)) and nul_share(3, 4) < 0.5:
        return "UTF-32-BE (from its NUL bytes)"
    if nul_share(1, 2) > 0.9 and nul_share(0, 2) < 0.5:
        return "UTF-16-LE (from its NUL bytes)"
    if nul_share(0, 2) > 0.9 and nul_share(1, 2) < 0.5:
        return "UTF-16-BE (from its NUL bytes)"
    return None


def check_text_bytes(data: bytes, where: str, offset: int = 0, complete: bool = True) -> None:
    """Raise a one-line :class:`UserInputError` about ``where`` unless ``data`` is UTF-8
    text: a UTF-16/32 file, a binary file (NUL bytes) or the byte offset of the first
    byte that is not UTF-8. ``offset`` is where ``data`` starts in the file; with
    ``complete=False`` a character cut at the end of ``data`` is not an error."""
    if offset == 0:
        encoding = looks_like_encoding(data)
        if encoding:
            raise UserInputError(
                f"{where} is not UTF-8 text: it looks like {encoding}; convert it to UTF-8 "
                f"(e.g. iconv -f {encoding.split()[0]} -t UTF-8)")
    if b"\x00" in data:
        raise UserInputError(f"{where} looks binary (it contains NUL bytes at byte offset "
                             f"{offset + data.index(0)}), expected UTF-8 text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        # A multi-byte character may be cut at the end of a partial read
        if complete or e.start < len(data) - 4:
            line = data.count(b"\n", 0, e.start) + 1
            at = f", line {line}" if offset == 0 else ""
            raise UserInputError(
                f"{where} is not UTF-8 text (byte 0x{data[e.start]:02x} at byte offset "
                f"{offset + e.start}{at})") from None


def _read_error(where: str, e: Exception) -> UserInputError:
    if isinstance(e, EOFError):
        return UserInputError(f"{where} is a truncated .gz file (it ends before its "
                              "end-of-stream marker)")
    if isinstance(e, (gzip.BadGzipFile, zlib.error)):
        return UserInputError(f"cannot read {where}: not a valid .gz file ({e})")
    return UserInputError(f"cannot read {where}: {e}")


def _open_binary(f: Path):
    return gzip.open(f, "rb") if f.name.lower().endswith(".gz") else open(f, "rb")


def _read_head(f: Path) -> bytes:
    try:
        with _open_binary(f) as fh:
            return fh.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise _read_error(f"corpus file {str(f)!r}", e) from None


def _sniff(f: Path) -> bool:
    """Reject binary and non-UTF-8 files early, from their first 64 KiB; whether the file
    holds any text."""
    head = _read_head(f)
    check_text_bytes(head, f"corpus file {str(f)!r}", complete=len(head) < _SNIFF_BYTES)
    return bool(head.lstrip(b"\xef\xbb\xbf").strip()) or len(head) == _SNIFF_BYTES


def read_text_file(path: str | os.PathLike, what: str, allow_empty: bool = False) -> str:
    """The whole text of the one UTF-8 file (or ``.gz`` of one) a user named as ``what``
    (e.g. ``"knowledge base"``), a leading BOM dropped. Anything else is a one-line
    :class:`UserInputError` naming ``what`` and the path: a missing path, a folder, an
    unreadable or truncated ``.gz``, a UTF-16/32, binary or non-UTF-8 file (with the
    byte offset), or a file with no text (unless ``allow_empty``)."""
    p = _existing_file(path, what)
    where = f"{what} {str(path)!r}"
    try:
        with _open_binary(p) as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as e:
        raise _read_error(where, e) from None
    check_text_bytes(data, where)
    text = data.decode("utf-8-sig")
    if not text.strip() and not allow_empty:
        raise UserInputError(f"{where} is empty")
    return text


def _existing_file(path: str | os.PathLike, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UserInputError(f"{what} not found: {str(path)!r}")
    if p.is_dir():
        raise UserInputError(f"{what} {str(path)!r} is a folder, expected a file")
    return p


def sniff_text_file(path: str | os.PathLike, what: str) -> Path:
    """:func:`read_text_file`'s checks on the first 64 KiB only (for files that may be
    large, read by their own loader after): the path, a ``.gz`` that opens."""
    p = _existing_file(path, what)
    where = f"{what} {str(path)!r}"
    try:
        with _open_binary(p) as fh:
            head = fh.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as e:
        raise _read_error(where, e) from None
    check_text_bytes(head, where, complete=len(head) < _SNIFF_BYTES)
    if not head.strip():
        raise UserInputError(f"{where} is empty")
    return p


def iter_lines(path: str | os.PathLike, files: list[Path] | None = None) -> Iterator[str]:
    """Yield the non-blank lines of the corpus, without their line endings."""
    for f in files if files is not None else corpus_files(path):
        where, offset = f"corpus file {str(f)!r}", 0
        try:
            with _open_binary(f) as fh:
                for raw in fh:
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        check_text_bytes(raw, where, offset=offset)
                    if offset == 0 and text.startswith("\ufeff"):
                        text = text[1:]
                    offset += len(raw)
                    # universal newlines: "\n", "\r\n" and a lone "\r" end a line
                    for line in text.rstrip("\n").removesuffix("\r").split("\r"):
                        if line.strip():
                            yield line
        except (OSError, EOFError, zlib.error) as e:
            raise _read_error(where, e) from None


def sample_text(path: str | os.PathLike, max_chars: int = 100_000) -> str:
    """The first ``max_chars`` characters of the corpus (for tokenizer detection)."""
    out, n = [], 0
    for line in iter_lines(path):
        out.append(line)
        n += len(line) + 1
        if n >= max_chars:
            break
    return "\n".join(out)
