"""Word2VecConfig and GloVeConfig: the word-vector trainers' settings (§3.1.1, §3.1.2). No TensorFlow.

Each field is declared with :func:`llm_tf.settings.setting` (default, one line of
help, the command-line flag where it differs from the field's name), so ``llm-tf
word2vec --help`` and ``llm-tf glove --help`` are built from these fields. Each
config checks itself in ``__post_init__``; the messages name the field and the
value received. The defaults are word2vec's / gensim's and the GloVe paper's;
``tiny()`` gives small settings for tests.

The trainers also take gensim's names for the fields that mean the same thing
(:data:`WORD2VEC_GENSIM_NAMES`, :data:`GLOVE_GENSIM_NAMES`); :func:`config_overrides`
turns keyword arguments into field overrides and names every accepted keyword when one
is unknown.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields

from llm_tf.errors import UserInputError
from llm_tf.settings import (
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_positive_int,
    check_range,
    setting,
)
from llm_tf.text.tokenizers import NAMES as TOKENIZERS

_TOKENIZER_HELP = "auto: characters for mostly-CJK text, else NLTK words"
WORD2VEC_UPDATES = ("auto", "kernel", "batched")


@dataclass(frozen=True)
class Word2VecConfig:
    """Skip-gram / CBOW with negative sampling; the defaults are word2vec's / gensim's."""

    embedding_dim: int = setting(100, "vector size (the article's embedding_size)", flag="--dim")
    window: int = setting(5, "largest window; each centre draws its own in 1..window")
    negative: int = setting(5, "noise words per positive pair (K)")
    sg: bool = setting(True, "skip-gram: predict each word from its context words, one at a time")
    min_count: int = setting(5, "drop tokens seen fewer times")
    max_vocab: int | None = setting(None, "keep at most this many tokens (default: all)")
    sample: float = setting(1e-3, "subsampling threshold of frequent words, in [0, 1) (0: off)")
    ns_exponent: float = setting(0.75, "noise distribution ∝ count ** ns_exponent")
    learning_rate: float | None = setting(
        None, "start rate (default: 0.025 for skip-gram, 0.05 for CBOW)", flag="--lr"
    )
    min_learning_rate_ratio: float = setting(1e-4, "final rate = start rate x this, in [0, 1]")
    epochs: int = setting(5, "passes over the corpus")
    words_per_batch: int = setting(
        2048, "corpus tokens whose pairs form one step (at most: a small corpus takes fewer)"
    )
    update: str = setting(
        "auto", "how pairs update the vectors: kernel (word2vec's pair-by-pair SGD, a "
        "compiled TensorFlow op built on first use with the C++ compiler; skip-gram only); "
        "batched (TensorFlow ops, each step's pairs summed); auto: kernel where it builds, "
        "else batched", choices=WORD2VEC_UPDATES)
    workers: int = setting(
        2, "kernel update: threads updating at once without locks, as gensim's workers "
        "(1 with --deterministic)")
    negative_group: int = setting(16, "batched update: pairs sharing one draw of negatives")
    max_row_updates: float | None = setting(
        64.0, "batched update: most pair-updates one row takes per step (batching's cap)"
    )
    steps_per_execution: int = setting(16, "train steps per compiled call")
    tokenizer: str = setting("auto", _TOKENIZER_HELP, choices=TOKENIZERS)
    lower: bool = setting(False, "lower-case the text")
    seed: int = setting(1, "seeds the weights, subsampling, windows and negatives")
    deterministic: bool = setting(False, "TensorFlow op determinism: bit-exact reruns")

    def __post_init__(self):
        check_positive_int(self, "embedding_dim", "window", "negative", "min_count", "epochs")
        check_positive_int(self, "words_per_batch", "negative_group", "steps_per_execution")
        check_positive_int(self, "workers")
        check_choice(self, "update", WORD2VEC_UPDATES)
        if self.update == "kernel" and not self.sg:
            raise UserInputError("update must be auto or batched for CBOW (sg=False, --cbow): "
                                 "the kernel is skip-gram's, got 'kernel'")
        check_positive_int(self, "max_vocab", optional=True)
        check_range(self, "sample", 0.0, 1.0)
        check_finite(self, "ns_exponent")
        check_positive(self, "learning_rate", "max_row_updates", optional=True)
        check_range(self, "min_learning_rate_ratio", 0.0, 1.0, high_open=False)
        check_choice(self, "sg", (True, False))
        check_choice(self, "lower", (True, False))
        check_choice(self, "tokenizer", TOKENIZERS)
        check_int(self, "seed", minimum=0)

    @property
    def start_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 0.025 if self.sg else 0.05

    @classmethod
    def tiny(cls, **overrides) -> Word2VecConfig:
        """A small configuration for tests."""
        base = dict(embedding_dim=16, window=2, min_count=1, sample=0.0, epochs=2)
        return cls(**{**base, **overrides})


@dataclass(frozen=True)
class GloVeConfig:
    """Weighted least squares on log co-occurrences; the defaults are the paper's / glove.c's."""

    embedding_dim: int = setting(100, "vector size", flag="--dim")
    window: int = setting(10, "co-occurrence window, each side (1/d weighted)")
    min_count: int = setting(5, "drop tokens seen fewer times")
    max_vocab: int | None = setting(None, "keep at most this many tokens (default: all)")
    x_max: float = setting(
        100.0, "weighting cut-off: f(x) = min(1, (x / x_max) ** alpha); 100 is the paper's "
        "for billion-token corpora, use 10 for a few million tokens or fewer"
    )
    alpha: float = setting(0.75, "weighting exponent")
    learning_rate: float = setting(0.05, "AdaGrad's initial rate", flag="--lr")
    epochs: int = setting(15, "passes over the nonzero cells (glove.c's demo: 15)")
    batch_size: int = setting(4096, "co-occurrence cells per step")
    symmetric: bool = setting(True, "count left and right contexts")
    steps_per_execution: int = setting(16, "train steps per compiled call")
    tokenizer: str = setting("auto", _TOKENIZER_HELP, choices=TOKENIZERS)
    lower: bool = setting(False, "lower-case the text")
    seed: int = setting(1, "seeds the weights and the order the cells are visited in")
    deterministic: bool = setting(False, "TensorFlow op determinism: bit-exact reruns")

    def __post_init__(self):
        check_positive_int(self, "embedding_dim", "window", "min_count", "epochs", "batch_size")
        check_positive_int(self, "steps_per_execution")
        check_positive_int(self, "max_vocab", optional=True)
        check_positive(self, "x_max", "alpha", "learning_rate")
        check_choice(self, "symmetric", (True, False))
        check_choice(self, "lower", (True, False))
        check_choice(self, "tokenizer", TOKENIZERS)
        check_int(self, "seed", minimum=0)

    @classmethod
    def tiny(cls, **overrides) -> GloVeConfig:
        """A small configuration for tests."""
        base = dict(embedding_dim=16, window=3, min_count=1, epochs=5, batch_size=256)
        return cls(**{**base, **overrides})


# gensim's keyword -> the config field that means the same thing
WORD2VEC_GENSIM_NAMES = {
    "vector_size": "embedding_dim",
    "alpha": "learning_rate",  # gensim's start rate
    "max_final_vocab": "max_vocab",
}
GLOVE_GENSIM_NAMES = {"vector_size": "embedding_dim"}
GENSIM_3_NAMES = {"size": "vector_size", "iter": "epochs"}  # renamed in gensim 4.0


def config_overrides(
    config_class: type, options: dict, aliases: dict[str, str], caller: str, extra: tuple = ()
) -> dict:
    """Field overrides of ``config_class`` from keyword ``options``.

    A keyword is a field's name or an alias (``vector_size`` for ``embedding_dim``).
    An unknown keyword raises ``TypeError`` (as Python does for a bad keyword) naming
    the closest accepted one and listing them all (``extra``: the caller's other
    keywords); a field given twice under two names with two values raises it too.
    """
    names = [f.name for f in fields(config_class)]
    out: dict = {}
    given_as: dict[str, str] = {}
    for key, value in options.items():
        field = aliases.get(key, key)
        if field not in names:
            accepted = [*extra, *names, *aliases]
            close = difflib.get_close_matches(key, accepted, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if GENSIM_3_NAMES.get(key) in accepted:
                hint = f" (gensim 4 renamed it {GENSIM_3_NAMES[key]!r})"
            gensim = ", ".join(f"{a} (= {f})" for a, f in aliases.items())
            others = f"{', '.join(extra)}, " if extra else ""
            raise TypeError(
                f"{caller}() got an unexpected keyword argument {key!r}{hint}; it accepts "
                f"{others}the {config_class.__name__} fields {', '.join(names)}, and "
                f"gensim's names {gensim}"
            )
        if field in out and out[field] != value:
            raise TypeError(
                f"{caller}() got {given_as[field]}={out[field]!r} and {key}={value!r}: both "
                f"set {field}; give one"
            )
        out[field], given_as[field] = value, key
    return out
