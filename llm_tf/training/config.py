"""TrainConfig: everything a training run needs, in three parts. No TensorFlow here.

- :class:`DataConfig`: the corpus, its tokenizer and vocabulary, the windows;
- :class:`~llm_tf.models.ModelConfig`: the architecture and its sizes;
- :class:`OptimConfig`: the optimiser, its schedule and how long to train;
- :class:`RuntimeConfig`: strategy, precision, XLA, determinism, checkpoint cadence.

The model's sizes default to the article's §5 listing (Embedding 256, one LSTM of
128, 10,000 words); what the listing leaves to the trainer has defaults that beat the
Kneser-Ney baseline on a user's own corpus (docs/benchmarks.md, "Defaults on a user's
corpus"): recurrent models carry their state across batches (truncated BPTT over 35
tokens, 20 streams), dropout after the embedding and each layer and an output layer
tied to the embedding (:data:`TRAINER_MODEL`), Adam at 3e-3 with the gradient norm
clipped to 1, halved when validation stops improving, early stopping. The Transformer
has its own (:data:`ARCH_TRAINER_DEFAULTS`: two blocks, 128-token windows cut at
another offset each epoch, AdamW at 1e-3 with weight decay 0.1, warm-up and a cosine
schedule over 14 epochs, validated with a moving average of the weights over about 200
steps), and so has the SimpleRNN (256 units, dropout 0.5, 10 streams a batch, Adam 1e-3
annealed by a cosine over 30 epochs, the average), applied
by :meth:`TrainConfig.from_dict` and
so by ``llm-tf train``. ``ModelConfig()`` alone is still exactly the listing (no
dropout, untied).

A run folder's ``config.json`` keeps the parts; :meth:`TrainConfig.from_dict` also
reads the flat configs written before the parts existed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from llm_tf.errors import UserInputError
from llm_tf.models.config import ModelConfig
from llm_tf.settings import (
    check_choice,
    check_int,
    check_positive,
    check_positive_int,
    check_range,
    known_fields,
    setting,
)
from llm_tf.text.tokenizers import NAMES as TOKENIZERS


@dataclass(frozen=True)
class DataConfig:
    """The training corpus and how it becomes windows of token ids."""

    corpus: str = setting("", "UTF-8 text file, .gz file, or folder of .txt files")
    tokenizer: str = setting("auto", "auto: characters for mostly-CJK text, else NLTK words",
                             choices=TOKENIZERS)
    lower: bool = setting(False, "lower-case the text")
    vocab_size: int = setting(10_000, "maximum vocabulary size, special tokens included (§5)")
    min_count: int = setting(1, "drop tokens seen fewer times")
    seq_len: int = setting(35, "tokens per training window (truncated BPTT length)")
    batch_size: int = setting(20, "windows per batch (stateful: contiguous streams)")
    val_fraction: float = setting(0.1, "share of the corpus held out for validation, in (0, 0.5)")
    val_corpus: str = setting("", "validation corpus (instead of holding out --val-fraction)")
    test_corpus: str = setting("", "test corpus, scored with the best model at the end")
    stateful: bool | None = setting(
        None, "each batch row a contiguous stream, the recurrent state carried across "
        "batches (truncated BPTT) and reset each epoch; --no-stateful: independent windows "
        "from a zero state (default: on for rnn and lstm, off for the Transformer)")
    shift_windows: bool = setting(
        False, "independent windows: each epoch cuts the stream at another offset (drawn "
        "from the seed and the epoch), so that the windows differ from epoch to epoch")

    def __post_init__(self):
        check_choice(self, "tokenizer", TOKENIZERS)
        check_positive_int(self, "vocab_size", "min_count", "seq_len", "batch_size")
        if self.vocab_size <= 4:
            raise UserInputError(
                f"vocab_size must be > 4 (the special tokens), got {self.vocab_size}")
        check_range(self, "val_fraction", 0.0, 0.5, low_open=True)
        if self.stateful not in (None, True, False):
            raise UserInputError(f"stateful must be true, false or null (by architecture), "
                                 f"got {self.stateful!r}")


OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "step", "plateau")


@dataclass(frozen=True)
class OptimConfig:
    """The optimiser (Adam, as in §5, by default), its schedule, and how long to train."""

    optimizer: str = setting("adam", "optimizer", choices=OPTIMIZERS)
    learning_rate: float = setting(3e-3, "(peak) learning rate", aliases=("--lr",))
    lr_schedule: str = setting(
        "plateau", "constant; cosine (to --min-lr-ratio of the rate over the run); step "
        "(divide by --decay-factor each epoch from --decay-after on, as Zaremba et al.); "
        "plateau (divide by --decay-factor when validation stops improving)",
        choices=SCHEDULES)
    warmup_steps: int = setting(0, "steps of linear warm-up from 0 to the rate")
    decay_after: int = setting(4, "step schedule: the last epoch at the full rate")
    decay_factor: float = setting(2.0, "step / plateau schedules: divide the rate by this")
    min_lr_ratio: float = setting(0.1, "cosine schedule: final rate / peak rate")
    clip_norm: float | None = setting(1.0, "clip the gradients' global norm to this")
    weight_decay: float = setting(0.0, "decoupled weight decay (w -= rate * decay * w) of the "
                                  "matrices and embeddings (not biases and norms)")
    beta_2: float = setting(0.999, "adam / adamw: decay of the squared-gradient average")
    epochs: int = setting(30, "most epochs (a resumed run trains up to this number)")
    max_steps: int | None = setting(None, "stop after this many optimizer steps")
    time_budget: float | None = setting(None, "stop after this many seconds of training",
                                        metavar="SECONDS")
    patience: int | None = setting(
        3, "stop when validation has not improved for this many epochs (0: never)")
    init_scale: float | None = setting(
        None, "re-initialise every weight uniform(-s, s) before training (Zaremba et al.)")
    ema: float | None = setting(
        None, "keep an exponential moving average of the weights with this momentum "
        "(e.g. 0.99); validation and best.keras use the average, training the raw weights")

    def __post_init__(self):
        check_choice(self, "optimizer", OPTIMIZERS)
        check_choice(self, "lr_schedule", SCHEDULES)
        check_positive(self, "learning_rate")
        check_positive(self, "clip_norm", "max_steps", "time_budget", "init_scale",
                       optional=True)
        check_positive_int(self, "epochs", "decay_after")
        check_positive_int(self, "max_steps", optional=True)
        check_int(self, "warmup_steps", minimum=0)
        check_int(self, "patience", minimum=0, optional=True)
        check_range(self, "weight_decay", 0.0, 1.0)
        check_range(self, "beta_2", 0.0, 1.0)
        if self.ema is not None:
            check_range(self, "ema", 0.0, 1.0, low_open=True)
        check_range(self, "min_lr_ratio", 0.0, 1.0, high_open=False)
        if not self.decay_factor >= 1.0:
            raise UserInputError(f"decay_factor must be >= 1, got {self.decay_factor!r}")


# The trainer's regularisation of the §5 listing's model (its sizes are the listing's):
# dropout on the non-recurrent connections, output layer tied to the embedding.
TRAINER_MODEL = {"dropout": 0.3, "tie_embeddings": True}
# What suits an architecture better than the defaults above, on a user's own corpus
# (docs/benchmarks.md, "Defaults on a user's corpus"). Applied by TrainConfig.from_dict
# (so by `llm-tf train`) under the recipe's and the user's settings; a saved run keeps
# every value, so these never change a run folder's meaning. A Transformer has no
# carried state: it needs longer windows for context, and overfits a small corpus
# without weight decay; it validates with a moving average of its weights and anneals
# its rate over a fixed horizon (T13: 129.0 on the 300k-token corpus, KN-3 129.6). The
# plain tanh RNN needs more units, more dropout and a lower rate, and gains most from
# the average (R7: 138.2 against 160-180 with the LSTM's settings; KN-3 134.9).
ARCH_TRAINER_DEFAULTS = {
    "transformer": {"data": {"seq_len": 128, "shift_windows": True}, "model": {"layers": 2},
                    "optim": {"optimizer": "adamw", "learning_rate": 1e-3,
                              "warmup_steps": 100, "weight_decay": 0.1, "ema": 0.995,
                              "lr_schedule": "cosine", "epochs": 14}},
    "rnn": {"data": {"batch_size": 10}, "model": {"units": 256, "dropout": 0.5},
            "optim": {"learning_rate": 1e-3, "ema": 0.99, "lr_schedule": "cosine",
                      "epochs": 30}},
}
RESUME_LIMITS = ("epochs", "max_steps", "time_budget", "patience")  # may change on resume
RECURRENT = ("lstm", "rnn")  # architectures that carry a state (stateful by default)
STRATEGIES = ("auto", "one", "mirrored", "multiworker")
SPLIT_DTYPES = {"onednn": "float32", "onednn-bf16": "bfloat16"}  # matmul dtype when split
OUTPUT_MATMULS = ("auto", "xla", *SPLIT_DTYPES)  # where the fused loss's matmuls run


@dataclass(frozen=True)
class RuntimeConfig:
    """Where and how the steps run; none of it changes what the model learns (up to rounding)."""

    strategy: str = setting("auto", "auto: MirroredStrategy when several GPUs are visible; one; "
                            "mirrored; multiworker (TF_CONFIG, see README)", choices=STRATEGIES)
    mixed_precision: bool = setting(
        False, "mixed_float16 on GPU (with loss scaling), mixed_bfloat16 on CPU; logits and "
        "softmax stay float32")
    jit_compile: bool = setting(True, "XLA-compile the train step", flag="--xla",
                                aliases=("--jit",))
    deterministic: bool = setting(False, "TensorFlow op determinism: bit-exact reruns")
    fused_loss: bool = setting(
        True, "float32 training computes the output layer and its softmax cross-entropy "
        "one vocabulary chunk at a time (memory independent of the vocabulary size); "
        "--no-fused-loss: the plain (B, T, V) logits")
    output_matmuls: str = setting(
        "auto", "where the fused output layer's matmuls run: xla (inside the compiled step); "
        "onednn (TensorFlow's oneDNN kernels, the softmax XLA-compiled, the rest of the step "
        "in a graph, the update XLA-compiled; float32); onednn-bf16 (the same with bfloat16 "
        "matmuls and a float32 softmax, for CPUs with AVX512-BF16 or AMX: about 1.5x onednn "
        "for the §5 model); auto: onednn for the recurrent models on a CPU with XLA on (2x "
        "the one XLA step for the stateful defaults), else xla", choices=OUTPUT_MATMULS)
    save_every: int | None = setting(
        None, "also checkpoint every this many steps within an epoch (default: every ~5 "
        "minutes of work)", metavar="STEPS")

    def __post_init__(self):
        check_choice(self, "strategy", STRATEGIES)
        check_choice(self, "output_matmuls", OUTPUT_MATMULS)
        check_positive_int(self, "save_every", optional=True)


@dataclass(frozen=True)
class TrainConfig:
    """A training run: data, model and optimisation settings, a seed, and its origin."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=lambda: ModelConfig(**TRAINER_MODEL))
    optim: OptimConfig = field(default_factory=OptimConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    seed: int = setting(42, "seeds weights, shuffling and dropout")
    finetuned_from: str = setting("", "run folder this run was fine-tuned from, if any")

    def __post_init__(self):
        if self.model.arch == "transformer" and self.data.seq_len > self.model.max_len:
            raise UserInputError(
                f"seq_len {self.data.seq_len} exceeds the Transformer's max_len "
                f"{self.model.max_len}")

    @property
    def trained_context(self) -> int | None:
        """A Transformer's context as trained: ``min(max_len, seq_len)`` (its learned
        positions beyond the training windows are untrained); None for recurrent models."""
        if self.model.arch in RECURRENT:
            return None
        return min(self.model.max_len, self.data.seq_len)

    @property
    def stateful(self) -> bool:
        """Whether training carries the recurrent state (``data.stateful``, or by default
        on for the recurrent architectures)."""
        if self.data.stateful is not None:
            return self.data.stateful
        return self.model.arch in RECURRENT

    def replace(self, **changes) -> TrainConfig:
        """A copy with fields of any part changed: ``cfg.replace(epochs=3, corpus=...)``."""
        parts = {name: {} for name in PARTS}
        top = {}
        for key, value in changes.items():
            part = _PART_OF.get(key)
            if part is None:
                top[key] = value
            else:
                parts[part][key] = value
        new = {name: replace(getattr(self, name), **kv) for name, kv in parts.items() if kv}
        return replace(self, **new, **top)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """From ``to_dict()``'s nested form, or the flat form of older run folders. The
        nested form's missing fields take the trainer's defaults for its architecture
        (:data:`ARCH_TRAINER_DEFAULTS`, then the fields' own defaults)."""
        if not any(isinstance(d.get(k), dict) for k in PARTS):
            return cls._from_flat(d)  # written before the parts existed
        arch = d.get("model", {}).get("arch", ModelConfig.arch)
        extra = ARCH_TRAINER_DEFAULTS.get(arch, {})
        return cls(
            data=DataConfig(**known_fields(DataConfig, {**extra.get("data", {}),
                                                        **d.get("data", {})})),
            model=ModelConfig.from_dict({**TRAINER_MODEL, **extra.get("model", {}),
                                         **d.get("model", {})}),
            optim=OptimConfig(**known_fields(OptimConfig, {**extra.get("optim", {}),
                                                          **d.get("optim", {})})),
            runtime=RuntimeConfig(**known_fields(RuntimeConfig, d.get("runtime", {}))),
            **known_fields(cls, {k: d[k] for k in ("seed", "finetuned_from") if k in d}),
        )

    @classmethod
    def _from_flat(cls, d: dict) -> TrainConfig:
        return cls(
            data=DataConfig(**{"stateful": False, "seq_len": 32, "batch_size": 32,
                               **known_fields(DataConfig, d)}),
            model=ModelConfig.from_legacy(d),
            optim=OptimConfig(**{"lr_schedule": "constant", "patience": 0,  # what runs did
                                 "learning_rate": 1e-3, "clip_norm": None,  # then
                                 **known_fields(OptimConfig, d)}),
            runtime=RuntimeConfig(**known_fields(RuntimeConfig, d)),
            **{k: d[k] for k in ("seed", "finetuned_from") if k in d},
        )

PARTS = {"data": DataConfig, "model": ModelConfig, "optim": OptimConfig,
         "runtime": RuntimeConfig}
_PART_OF = {f.name: part for part, cls in PARTS.items() for f in fields(cls)}
