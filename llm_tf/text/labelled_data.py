"""Labelled documents for text classification (§6.4 自然语言理解, §3.3), in the formats users know.

Three layouts, chosen by :func:`load_labelled` from the path:

- a **folder with one sub-folder per label** holding ``.txt`` files (searched
  recursively), the layout of ``keras.utils.text_dataset_from_directory``::

      reviews/pos/001.txt  reviews/pos/002.txt  reviews/neg/001.txt ...

- a **TSV file** (``.tsv``, ``.tab``): ``label<TAB>text`` per line; the text is
  everything after the first tab; an optional header line ``label<TAB>text``;
- a **JSONL file** (``.jsonl``, ``.ndjson``): one ``{"label": ..., "text": ...}``
  object per line (other keys are ignored; a label may be a string or an int).

Blank lines are skipped. Label names are sorted as strings (as Keras sorts its
class folders), and a label's id is its index in that list; pass ``label_names``
to impose the mapping of a training set on its validation and test files.

Bad input raises :class:`~llm_tf.errors.UserInputError` with one message naming
the file: a missing path, an empty file or document, a TSV line without a tab or
a JSONL line that is not a JSON object with a string ``text`` (with the line
number), a folder without label sub-folders, a single label, a label outside
``label_names``, or a file that is not UTF-8 (with the byte offset).

:func:`stratified_split` cuts a data set into train / validation / test (any
number of parts) with every label in the same proportions, deterministically for
a seed. Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.text.corpus import check_text_bytes, read_text_file

__all__ = [
    "LabelledTexts",
    "load_labelled",
    "read_folder",
    "read_jsonl",
    "read_tsv",
    "stratified_split",
]

FORMATS = ("auto", "folder", "tsv", "jsonl")
TSV_SUFFIXES = (".tsv", ".tab")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, eq=False)  # eq=False: numpy labels have no single truth value
class LabelledTexts:
    """Documents with integer labels; ``label_names[labels[i]]`` is the label of ``texts[i]``."""

    texts: list[str]  # the documents, in file order
    labels: np.ndarray  # (N,) int64 ids into label_names
    label_names: list[str]  # sorted label names; the id of a label is its index
    sources: list[str]  # where each text came from: "file" or "file:line"

    def __post_init__(self):
        n = len(self.texts)
        if len(self.labels) != n or len(self.sources) != n:
            raise UserInputError(
                f"texts, labels and sources must have one entry per document, got "
                f"{n}, {len(self.labels)} and {len(self.sources)}")
        if n and (self.labels.min() < 0 or self.labels.max() >= len(self.label_names)):
            raise UserInputError(f"labels must lie in [0, {len(self.label_names)}), got "
                                 f"min {self.labels.min()} max {self.labels.max()}")

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def counts(self) -> dict[str, int]:
        """Documents per label name, in label-id order."""
        per_id = np.bincount(self.labels, minlength=self.num_classes)
        return {name: int(c) for name, c in zip(self.label_names, per_id, strict=True)}

    def subset(self, indices: Sequence[int] | np.ndarray) -> LabelledTexts:
        """The documents at ``indices`` (same label names)."""
        idx = np.asarray(indices, dtype=np.int64)
        return LabelledTexts([self.texts[i] for i in idx], self.labels[idx].copy(),
                             list(self.label_names), [self.sources[i] for i in idx])

    def split(self, fractions: Sequence[float] = (0.8, 0.1, 0.1),
              seed: int = 0) -> tuple[LabelledTexts, ...]:
        """One :class:`LabelledTexts` per fraction; see :func:`stratified_split`."""
        return tuple(self.subset(i) for i in stratified_split(self.labels, fractions, seed))


# ---------------------------------------------------------------- loading
def load_labelled(path: str | os.PathLike, format: str = "auto",
                  label_names: Sequence[str] | None = None) -> LabelledTexts:
    """Read labelled documents from a label-folder tree, a TSV file or a JSONL file.

    Args:
        path: a folder (one sub-folder per label), a ``.tsv`` or a ``.jsonl`` file.
        format: ``"auto"`` (from the path), ``"folder"``, ``"tsv"`` or ``"jsonl"``.
        label_names: the label names and their order (e.g. the training set's);
            by default the sorted labels found, of which there must be two or more.

    Example:
        >>> train = load_labelled("data/classify/en/train")
        >>> val = load_labelled("data/classify/en/validation", label_names=train.label_names)
    """
    if format not in FORMATS:
        raise UserInputError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    p = Path(path)
    if not p.exists():
        raise UserInputError(f"labelled data not found: {str(path)!r}")
    if format == "auto":
        if p.is_dir():
            format = "folder"
        elif p.name.lower().endswith(TSV_SUFFIXES):
            format = "tsv"
        elif p.name.lower().endswith(JSONL_SUFFIXES):
            format = "jsonl"
        else:
            raise UserInputError(
                f"cannot tell the format of {str(path)!r}: give a folder with one sub-folder "
                f"per label, a {'/'.join(TSV_SUFFIXES)} or a {'/'.join(JSONL_SUFFIXES)} file, "
                "or pass format=")
    reader = {"folder": read_folder, "tsv": read_tsv, "jsonl": read_jsonl}[format]
    return reader(p, label_names=label_names)


def read_folder(path: str | os.PathLike,
                label_names: Sequence[str] | None = None) -> LabelledTexts:
    """One sub-folder per label, each holding ``.txt`` documents (searched recursively)."""
    root = Path(path)
    if not root.is_dir():
        raise UserInputError(f"{str(path)!r} is not a folder")
    folders = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not folders:
        raise UserInputError(
            f"folder {str(path)!r} has no label sub-folders: expected one sub-folder per "
            "label holding .txt files (e.g. pos/001.txt, neg/001.txt)")
    records = []
    for folder in folders:
        files = sorted(f for f in folder.rglob("*.txt") if f.is_file())
        if not files:
            raise UserInputError(f"label folder {str(folder)!r} holds no .txt files")
        for f in files:
            text = _decode(f, f.read_bytes(), "document").strip()
            if not text:
                raise UserInputError(f"document {str(f)!r} is empty")
            records.append((folder.name, text, str(f)))
    return _assemble(records, label_names, root)


def read_tsv(path: str | os.PathLike, label_names: Sequence[str] | None = None) -> LabelledTexts:
    """``label<TAB>text`` per line (an optional ``label<TAB>text`` header is skipped)."""
    f = Path(path)
    records = []
    for lineno, line in _lines(f):
        if "\t" not in line:
            raise UserInputError(
                f"{str(f)!r} line {lineno}: expected 'label<TAB>text', found no tab in "
                f"{_preview(line)}")
        label, text = line.split("\t", 1)
        label, text = label.strip(), text.strip()
        if lineno == 1 and label.lower() == "label" and text.lower() == "text":
            continue  # header
        if not label:
            raise UserInputError(f"{str(f)!r} line {lineno}: the label is empty")
        if not text:
            raise UserInputError(f"{str(f)!r} line {lineno}: the text is empty")
        records.append((label, text, f"{f}:{lineno}"))
    return _assemble(records, label_names, f)


def read_jsonl(path: str | os.PathLike,
               label_names: Sequence[str] | None = None) -> LabelledTexts:
    """One JSON object ``{"label": ..., "text": ...}`` per line."""
    f = Path(path)
    records = []
    for lineno, line in _lines(f):
        where = f"{str(f)!r} line {lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise UserInputError(f"{where} is not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict):
            raise UserInputError(f"{where}: expected a JSON object with 'label' and 'text', "
                                 f"got {type(obj).__name__}")
        missing = [k for k in ("label", "text") if k not in obj]
        if missing:
            raise UserInputError(f"{where}: the object has no {' or '.join(map(repr, missing))} key")
        label, text = obj["label"], obj["text"]
        if isinstance(label, bool) or not isinstance(label, (str, int)):
            raise UserInputError(f"{where}: 'label' must be a string or an integer, got {label!r}")
        if not isinstance(text, str):
            raise UserInputError(f"{where}: 'text' must be a string, got {type(text).__name__}")
        label, text = str(label).strip(), text.strip()
        if not label:
            raise UserInputError(f"{where}: the label is empty")
        if not text:
            raise UserInputError(f"{where}: the text is empty")
        records.append((label, text, f"{f}:{lineno}"))
    return _assemble(records, label_names, f)


def _decode(f: Path, raw: bytes, what: str) -> str:
    check_text_bytes(raw, f"{what} {str(f)!r}")  # UTF-16/32, binary, the bad byte's offset
    return raw.decode("utf-8-sig")


def _lines(f: Path):
    """(line number, line) for each non-blank line of a UTF-8 file."""
    text = read_text_file(f, "labelled data", allow_empty=True)
    found = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            found = True
            yield lineno, line
    if not found:
        raise UserInputError(f"{str(f)!r} is empty: it holds no labelled documents")


def _preview(line: str, width: int = 40) -> str:
    return repr(line if len(line) <= width else line[:width] + "...")


def _assemble(records: list[tuple[str, str, str]], label_names: Sequence[str] | None,
              where: Path) -> LabelledTexts:
    if not records:
        raise UserInputError(f"{str(where)!r} is empty: it holds no labelled documents")
    found = sorted({label for label, _, _ in records})
    if label_names is None:
        if len(found) < 2:
            raise UserInputError(
                f"{str(where)!r} has a single label ({found[0]!r}): a classifier needs at "
                "least two")
        names = found
    else:
        names = [str(n) for n in label_names]
        if len(set(names)) != len(names) or len(names) < 2:
            raise UserInputError(
                f"label_names must be two or more distinct names, got {names!r}")
        unknown = [label for label in found if label not in set(names)]
        if unknown:
            raise UserInputError(
                f"{str(where)!r} has labels outside label_names: {', '.join(map(repr, unknown))}")
    index = {n: i for i, n in enumerate(names)}
    return LabelledTexts(
        texts=[t for _, t, _ in records],
        labels=np.array([index[label] for label, _, _ in records], dtype=np.int64),
        label_names=names,
        sources=[s for _, _, s in records],
    )


# ---------------------------------------------------------------- splitting
def stratified_split(labels: Sequence[int] | np.ndarray, fractions: Sequence[float] = (0.8, 0.1, 0.1),
                     seed: int = 0) -> tuple[np.ndarray, ...]:
    """Index arrays, one per fraction, holding every label in (nearly) the same proportions.

    Each label's documents are shuffled with ``numpy.random.default_rng(seed)`` and
    cut by largest-remainder rounding, so the parts of a label differ from
    ``fraction * count`` by less than one and together hold every document once.
    Each part's indices are returned in ascending order.

    Args:
        labels: (N,) integer labels.
        fractions: positive numbers summing to 1, e.g. (train, validation, test).
        seed: the same seed and labels give the same split.
    """
    fr = np.asarray(fractions, dtype=np.float64)
    if fr.ndim != 1 or fr.size < 1 or not np.all(np.isfinite(fr)) or np.any(fr <= 0) \
            or abs(fr.sum() - 1.0) > 1e-6:
        raise UserInputError(f"fractions must be positive numbers summing to 1, got "
                             f"{tuple(fractions)!r}")
    y = np.asarray(labels)
    if y.ndim != 1 or (y.size and not np.issubdtype(y.dtype, np.integer)):
        raise UserInputError(f"labels must be a 1-D sequence of integers, got shape {y.shape} "
                             f"and dtype {y.dtype}")
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in fr]
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        exact = fr * len(members)
        sizes = np.floor(exact).astype(np.int64)
        short = len(members) - int(sizes.sum())
        # hand the remaining documents to the parts with the largest remainders (ties: first)
        for k in np.argsort(-(exact - sizes), kind="stable")[:short]:
            sizes[k] += 1
        for k, chunk in enumerate(np.split(members, np.cumsum(sizes)[:-1])):
            parts[k].append(chunk)
    return tuple(np.sort(np.concatenate(p)) if p else np.zeros(0, dtype=np.int64)
                 for p in parts)
