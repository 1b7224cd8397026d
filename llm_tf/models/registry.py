"""§3.2, §5: the one list of llm-tf's language-model architectures.

``llm-tf train --arch NAME`` and :func:`build_model` read :data:`ARCHITECTURES`;
nothing else in the package names the architectures. :func:`stepping_view` gives
the decoder (:mod:`llm_tf.generation`) a model with the ``init_state`` / ``step``
interface: every llm-tf model has it, and the §5 functional model gets it through
:meth:`~llm_tf.models.StackedLSTMLM.from_listing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras

from llm_tf.errors import UserInputError
from llm_tf.models.config import ModelConfig
from llm_tf.models.listing_lm import build_listing_lm, listing_layers
from llm_tf.models.recurrent_lm import SimpleRNNLM, StackedLSTMLM
from llm_tf.models.transformer_lm import TransformerLM


@dataclass(frozen=True)
class Architecture:
    """One buildable architecture: its name, article section, and builder."""

    name: str
    section: str
    summary: str
    build: Callable[[ModelConfig, int, int | None, bool], keras.Model]


def _recurrent(cls):
    def build(cfg: ModelConfig, vocab_size: int, seed: int | None, steppable: bool = False):
        return cls(vocab_size, embedding_dim=cfg.embedding_dim, units=cfg.units,
                   num_layers=cfg.layers, dropout=cfg.dropout,
                   tie_embeddings=cfg.tie_embeddings, seed=seed, name=f"{cfg.arch}_lm")
    return build


def _lstm(cfg: ModelConfig, vocab_size: int, seed: int | None, steppable: bool = False):
    if cfg.is_listing and not steppable:  # exactly the §5 listing: its graph, as printed
        return build_listing_lm(vocab_size, cfg.embedding_dim, cfg.units)
    return _recurrent(StackedLSTMLM)(cfg, vocab_size, seed)


def _transformer(cfg: ModelConfig, vocab_size: int, seed: int | None, steppable: bool = False):
    return TransformerLM(vocab_size, max_len=cfg.max_len, embedding_dim=cfg.embedding_dim,
                         num_layers=cfg.layers, num_heads=cfg.heads, mlp_dim=cfg.mlp_dim,
                         dropout=cfg.dropout, tie_embeddings=cfg.tie_embeddings, seed=seed,
                         kv_share=cfg.kv_share, cross_layer_attention=cfg.cross_layer,
                         name="transformer_lm")


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture("lstm", "§5, §3.2.2", "LSTM; one plain layer is exactly the §5 listing",
                     _lstm),
        Architecture("rnn", "§3.2.1", "SimpleRNN layers (tanh recurrence of §4.2.1)",
                     _recurrent(SimpleRNNLM)),
        Architecture("transformer", "§3.2.3", "decoder-only pre-norm Transformer (GPT-style)",
                     _transformer),
    )
}


def architecture_names() -> tuple[str, ...]:
    return tuple(ARCHITECTURES)


def build_model(config: ModelConfig, vocab_size: int, seed: int | None = None,
                steppable: bool = False) -> keras.Model:
    """The built, uncompiled model ``config`` asks for, outputting probabilities (B, T, V).

    ``steppable`` asks for a model with ``init_state`` / ``step`` even where the §5
    listing's functional graph would do (stateful training carries its state); with
    the listing's sizes that is a one-layer :class:`StackedLSTMLM`, the same model.
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 2:
        raise UserInputError(f"vocab_size must be an integer >= 2, got {vocab_size!r}")
    model = ARCHITECTURES[config.arch].build(config, vocab_size, seed, steppable)
    if not model.built:
        model.build((None, None))
    return model


def stepping_view(model):
    """``model`` as the decoder sees it: ``init_state(batch)``, ``step(ids, state, index)``,
    ``vocab_size`` (and ``max_len`` for a Transformer)."""
    if hasattr(model, "step") and hasattr(model, "init_state"):
        return model
    try:
        listing_layers(model)
    except (ValueError, AttributeError):
        raise UserInputError(
            f"cannot decode with {type(model).__name__} {getattr(model, 'name', '')!r}: "
            "not an llm-tf language model"
        ) from None
    return StackedLSTMLM.from_listing(model)
