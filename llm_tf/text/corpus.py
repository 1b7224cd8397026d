"""Corpus reading for every chapter (§5 项目实战, §3.1, §3.2).

A corpus is a UTF-8 text file, a ``.gz`` file of UTF-8 text, or a folder of
``.txt`` / ``.txt.gz`` files (searched recursively, read in sorted order). Lines are
streamed one at a time, so a corpus larger than memory costs no more memory than
its longest line.

Bad input raises :class:`~llm_tf.errors.UserInputError` with the offending path:
a missing path, a folder with no text files, a binary file, a file that is not
UTF-8, or a corpus with no text at all.
"""

from __future__ import annotations

import gzip
import os
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
    for f in files:
        _sniff(f)
    return files


def _open_text(f: Path):
    if f.name.lower().endswith(".gz"):
        return gzip.open(f, "rt", encoding="utf-8-sig", errors="strict", newline=None)
    return open(f, encoding="utf-8-sig", errors="strict", newline=None)


def _read_head(f: Path) -> bytes:
    try:
        if f.name.lower().endswith(".gz"):
            with gzip.open(f, "rb") as fh:
                return fh.read(_SNIFF_BYTES)
        with open(f, "rb") as fh:
            return fh.read(_SNIFF_BYTES)
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise UserInputError(f"cannot read corpus file {str(f)!r}: {e}") from None


def _sniff(f: Path) -> None:
    """Reject binary and non-UTF-8 files early, from their first 64 KiB."""
    head = _read_head(f)
    if b"\x00" in head:
        raise UserInputError(f"corpus file {str(f)!r} looks binary (it contains NUL bytes)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A multi-byte character may be cut at the sniff boundary: only complain
        # about errors that are not at the very end.
        if e.start < len(head) - 4:
            raise UserInputError(
                f"corpus file {str(f)!r} is not UTF-8 text (byte 0x{head[e.start]:02x} "
                f"at offset {e.start})"
            ) from None


def iter_lines(path: str | os.PathLike, files: list[Path] | None = None) -> Iterator[str]:
    """Yield the non-blank lines of the corpus, without their line endings."""
    for f in files if files is not None else corpus_files(path):
        lineno = 0
        try:
            with _open_text(f) as fh:
                for lineno, line in enumerate(fh, 1):  # noqa: B007 (used in the error)
                    line = line.rstrip("\r\n")
                    if line.strip():
                        yield line
        except UnicodeDecodeError as e:
            raise UserInputError(
                f"corpus file {str(f)!r} is not UTF-8 text (near line {lineno + 1}: {e.reason})"
            ) from None
        except (OSError, EOFError) as e:
            raise UserInputError(f"cannot read corpus file {str(f)!r}: {e}") from None


def sample_text(path: str | os.PathLike, max_chars: int = 100_000) -> str:
    """The first ``max_chars`` characters of the corpus (for tokenizer detection)."""
    out, n = [], 0
    for line in iter_lines(path):
        out.append(line)
        n += len(line) + 1
        if n >= max_chars:
            break
    return "\n".join(out)
