"""§3.2: one entry point for the three language-model architectures, and their decoder.

``llm-tf train --arch rnn|lstm|transformer`` builds its model with :func:`build_lm`
from the run's :class:`~llm_tf.run.TrainConfig`; ``llm-tf generate`` and
``llm-tf evaluate`` wrap any trained model in :func:`make_decoder`.

How the configuration's fields map onto each architecture:

============== ======================= ======================= =========================
field          rnn (§3.2.1)            lstm (§3.2.2)           transformer (§3.2.3)
============== ======================= ======================= =========================
embedding_dim  embedding width         embedding width         model width D
units          hidden units per layer  hidden units per layer  MLP hidden width
layers         SimpleRNN layers        LSTM layers             decoder blocks
heads          (unused)                (unused)                attention heads (D % heads == 0)
dropout        non-recurrent dropout   non-recurrent dropout   embedding/attention/residual
tie_embeddings output kernel = embedding (all three)
max_len        (unused)                (unused)                longest context
============== ======================= ======================= =========================

Importing this module registers every llm-tf layer and model with Keras, so
``keras.saving.load_model`` can rebuild them from a ``.keras`` file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras

from llm_tf.decoding import Decoder
from llm_tf.errors import UserInputError
from llm_tf.lstm_stack import StackedLSTMLM
from llm_tf.rnn_lm import RecurrentLM, SimpleRNNLM
from llm_tf.transformer_lm import TransformerLM

if TYPE_CHECKING:
    from llm_tf.run import TrainConfig

__all__ = [
    "Decoder",
    "RecurrentLM",
    "SimpleRNNLM",
    "StackedLSTMLM",
    "TransformerLM",
    "build_lm",
    "make_decoder",
]


def build_lm(cfg: TrainConfig, vocab_size: int) -> keras.Model:
    """The (uncompiled, built) model ``cfg.arch`` asks for, outputting probabilities (B, T, V).

    ``cfg`` is a :class:`llm_tf.run.TrainConfig`. Raises :class:`UserInputError` for
    an unknown architecture or inconsistent sizes.
    """
    if not isinstance(vocab_size, int) or vocab_size < 2:
        raise UserInputError(f"vocab_size must be an integer >= 2, got {vocab_size!r}")
    seed = cfg.seed
    common = dict(dropout=cfg.dropout, tie_embeddings=cfg.tie_embeddings, seed=seed)
    if cfg.arch == "rnn":
        model = SimpleRNNLM(
            vocab_size,
            embedding_dim=cfg.embedding_dim,
            units=cfg.units,
            num_layers=cfg.layers,
            name="rnn_lm",
            **common,
        )
    elif cfg.arch == "lstm":
        model = StackedLSTMLM(
            vocab_size,
            embedding_dim=cfg.embedding_dim,
            units=cfg.units,
            num_layers=cfg.layers,
            name="lstm_lm",
            **common,
        )
    elif cfg.arch == "transformer":
        if cfg.embedding_dim % cfg.heads:
            raise UserInputError(
                f"--embedding-dim {cfg.embedding_dim} must be divisible by --heads {cfg.heads}"
            )
        if cfg.seq_len > cfg.max_len:
            raise UserInputError(f"--seq-len {cfg.seq_len} exceeds --max-len {cfg.max_len}")
        model = TransformerLM(
            vocab_size,
            max_len=cfg.max_len,
            embedding_dim=cfg.embedding_dim,
            num_layers=cfg.layers,
            num_heads=cfg.heads,
            mlp_dim=cfg.units,
            name="transformer_lm",
            **common,
        )
    else:
        raise UserInputError(f"--arch must be one of rnn, lstm, transformer, got {cfg.arch!r}")
    model.build((None, None))
    return model


def make_decoder(model: keras.Model, jit_compile: bool = True) -> Decoder:
    """A :class:`~llm_tf.decoding.Decoder` for ``model``: any model of :func:`build_lm`,
    the listing-shaped classes of :mod:`llm_tf.listing_models`, or the exact §5 model
    of :func:`llm_tf.lstm_lm.build_lstm_lm`.

    ``decoder.generate(prompt_ids, max_tokens, temperature=1.0, top_k=None, top_p=None,
    seed=0, beam_size=1, stop_ids=())`` returns the continuation's ids;
    ``decoder.stream_log_probs(ids, batch=32, window=64)`` the log-probabilities of
    ``ids[1:]``.
    """
    return Decoder(model, jit_compile=jit_compile)
