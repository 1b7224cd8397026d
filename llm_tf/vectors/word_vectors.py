"""Word vectors from either model: neighbours, analogies, files (§3.1, §4.1).

:class:`WordVectors` is the shared result of :mod:`llm_tf.vectors.word2vec` and
:mod:`llm_tf.vectors.glove` (a small cousin of gensim's ``KeyedVectors``):

- ``similarity(a, b)``: cosine similarity;
- ``most_similar("king")`` or ``most_similar(positive=[...], negative=[...])``:
  nearest words by cosine, the query words excluded;
- ``analogy("man", "king", "woman")``: "man is to king as woman is to ?" by
  3CosAdd, ``argmax_x cos(x, king - man + woman)`` over unit vectors (Mikolov et al.,
  2013), the three query words excluded.

gensim's names work too (``model.wv`` of :class:`~llm_tf.vectors.Word2Vec` is one of
these): ``wv[word]`` (or ``wv[[w1, w2]]``: one row per word), ``word in wv``,
``len(wv)``, ``wv.key_to_index``, ``wv.index_to_key``, ``wv.vectors``,
``wv.vector_size``, ``wv.get_vector(word, norm=True)``, ``wv.get_index(word)``,
``wv.distance(a, b)``. An unknown word raises :class:`UnknownWordError`, which is both
a :class:`~llm_tf.errors.UserInputError` (one line from the CLI) and a ``KeyError``
(what gensim raises, so ``except KeyError`` keeps working).

Files: the word2vec text format (a ``"count dim"`` header, then ``word v1 ... vD``
per line; what gensim's ``KeyedVectors.load_word2vec_format`` reads) and the
TensorBoard projector's ``vectors.tsv`` + ``metadata.tsv``. Evaluation on
similarity and analogy test sets lives in :mod:`llm_tf.vectors.evaluation`.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from llm_tf.errors import UserInputError
from llm_tf.files import atomic_path


class UnknownWordError(UserInputError, KeyError):
    """A word that is not in the vocabulary: a ``UserInputError`` and, as in gensim, a ``KeyError``."""

    __str__ = Exception.__str__  # the message as written (KeyError would quote it)


class WordVectors:
    """Words and their vectors, row ``i`` of ``vectors`` for ``words[i]``.

    Args:
        words: distinct words (usually by descending frequency).
        vectors: (len(words), dim) array.
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray):
        vectors = np.asarray(vectors, dtype=np.float32)
        words = list(words)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise UserInputError(
                f"need one vector per word: {len(words)} words, vectors of shape {vectors.shape}"
            )
        if len(set(words)) != len(words):
            raise UserInputError("word list has duplicates")
        self.words = words
        self.vectors = vectors
        self.index = {w: i for i, w in enumerate(words)}
        self._unit: np.ndarray | None = None

    # ---- lookup
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        """The vector of ``word`` (D,), or of each word of a list (N, D), as in gensim."""
        if isinstance(word, str):
            return self.vectors[self._id(word)]
        return self.vectors[[self._id(w) for w in word]]

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def _id(self, word: str) -> int:
        try:
            return self.index[word]
        except (KeyError, TypeError):  # TypeError: an unhashable "word"
            raise UnknownWordError(f"word {word!r} is not in the vocabulary") from None

    # ---- gensim's KeyedVectors names
    @property
    def key_to_index(self) -> dict[str, int]:
        """Word -> row (gensim's name for :attr:`index`)."""
        return self.index

    @property
    def index_to_key(self) -> list[str]:
        """Row -> word (gensim's name for :attr:`words`)."""
        return self.words

    @property
    def vector_size(self) -> int:
        """The vectors' dimension (gensim's name for :attr:`dim`)."""
        return self.dim

    def get_index(self, word: str) -> int:
        """The row of ``word``."""
        return self._id(word)

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """The vector of ``word``; with ``norm``, scaled to unit length."""
        return (self.unit if norm else self.vectors)[self._id(word)]

    def distance(self, word1: str, word2: str) -> float:
        """Cosine distance, ``1 - similarity``."""
        return 1.0 - self.similarity(word1, word2)

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to unit length (zero rows stay zero)."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = self.vectors / np.maximum(norms, 1e-12)
        return self._unit

    # ---- similarity queries
    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words."""
        return float(self.unit[self._id(word1)] @ self.unit[self._id(word2)])

    def most_similar(
        self,
        positive: str | Iterable[str] = (),
        negative: str | Iterable[str] = (),
        topn: int = 10,
    ) -> list[tuple[str, float]]:
        """Words nearest (by cosine) to ``Σ unit(positive) - Σ unit(negative)``.

        The query words themselves are never returned (as in word2vec's ``distance``
        and gensim).
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise UserInputError("most_similar needs at least one word")
        if topn < 1:
            raise UserInputError(f"topn must be >= 1, got {topn}")
        ids = [self._id(w) for w in positive + negative]
        query = self.unit[ids[: len(positive)]].sum(0) - self.unit[ids[len(positive) :]].sum(0)
        query /= max(float(np.linalg.norm(query)), 1e-12)
        scores = self.unit @ query  # (N,)
        scores[ids] = -np.inf
        k = min(topn, len(self) - len(set(ids)))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    def analogy(self, a: str, b: str, c: str, topn: int = 1) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ? (3CosAdd: nearest to ``b - a + c``)."""
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)

    # ---- files
    def save_word2vec_format(self, path: str | os.PathLike) -> None:
        """Write the word2vec text format (``.gz`` compresses). Words may not contain spaces."""
        bad = [w for w in self.words if not w or any(ch.isspace() for ch in w)]
        if bad:
            raise UserInputError(
                f"the word2vec text format cannot hold words with whitespace: {bad[0]!r}"
            )
        opener = gzip.open if str(path).endswith(".gz") else open
        with atomic_path(path) as tmp, opener(tmp, "wt", encoding="utf-8", newline="\n") as f:
            f.write(f"{len(self)} {self.dim}\n")
            for word, row in zip(self.words, self.vectors, strict=True):
                f.write(word + " " + " ".join(f"{x:.6g}" for x in row) + "\n")

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike) -> WordVectors:
        """Read the word2vec text format, as written by word2vec ``-binary 0``, gensim or here."""
        p = Path(path)
        if not p.is_file():
            raise UserInputError(f"vectors file not found: {str(path)!r}")
        opener = gzip.open if p.name.endswith(".gz") else open
        try:
            with opener(p, "rt", encoding="utf-8") as f:
                header = f.readline().split()
                if len(header) != 2 or not all(h.isdigit() for h in header):
                    raise UserInputError(
                        f"{str(path)!r} is not in word2vec text format: first line {header!r} "
                        "should be 'count dim'"
                    )
                count, dim = int(header[0]), int(header[1])
                words, vectors = [], np.empty((count, dim), np.float32)
                for i, line in enumerate(f):
                    if i >= count:
                        break
                    parts = line.rstrip("\n").rstrip(" ").split(" ")
                    if len(parts) != dim + 1:
                        raise UserInputError(
                            f"{str(path)!r} line {i + 2}: expected a word and {dim} numbers, "
                            f"got {len(parts)} fields"
                        )
                    words.append(parts[0])
                    vectors[i] = np.asarray(parts[1:], dtype=np.float32)
        except (UnicodeDecodeError, OSError, ValueError) as e:
            if isinstance(e, UserInputError):
                raise
            raise UserInputError(f"cannot read vectors from {str(path)!r}: {e}") from None
        if len(words) != count:
            raise UserInputError(f"{str(path)!r} promises {count} vectors but holds {len(words)}")
        return cls(words, vectors)

    def export_projector(self, directory: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``vectors.tsv`` and ``metadata.tsv`` for projector.tensorflow.org / TensorBoard."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        vec_path, meta_path = d / "vectors.tsv", d / "metadata.tsv"
        with atomic_path(vec_path) as tmp:
            np.savetxt(tmp, self.vectors, delimiter="\t", fmt="%.6g", encoding="utf-8")
        with atomic_path(meta_path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for w in self.words:  # one column: no header line
                f.write(w.replace("\t", " ").replace("\n", " ") + "\n")
        return vec_path, meta_path
