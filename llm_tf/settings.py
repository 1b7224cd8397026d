"""One source of truth for every setting: frozen dataclass fields that carry their own help.

Every configuration of llm-tf (``ModelConfig``, ``SamplingConfig``, ``TrainConfig``'s
parts, ``Word2VecConfig``, ``GloVeConfig``) is a frozen dataclass whose fields are
declared with :func:`setting`: the default, one line of help, and optionally the
command-line flag and its choices. The CLI builds its flags from these fields, so
a new field reaches ``llm-tf ... --help`` by itself. Each config validates itself
in ``__post_init__`` with the checks below, whose messages name the field and the
value received. Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from llm_tf.errors import UserInputError


def setting(default: Any, help: str, *, flag: str | None = None, aliases: tuple = (),
            choices=None, metavar: str | None = None) -> Any:
    """A dataclass field with its help text (and, optionally, its CLI flag, other names for
    the flag, and choices)."""
    meta = {"help": help}
    if flag is not None:
        meta["flag"] = flag
    if aliases:
        meta["aliases"] = tuple(aliases)
    if choices is not None:
        meta["choices"] = tuple(choices)
    if metavar is not None:
        meta["metavar"] = metavar
    return dataclasses.field(default=default, metadata=meta)


def flag_name(field: dataclasses.Field) -> str:
    """The command-line flag of a config field: ``--seq-len`` for ``seq_len``."""
    return field.metadata.get("flag", "--" + field.name.replace("_", "-"))


def _fail(cfg, name: str, requirement: str, value) -> None:
    """Raise, naming the field (and its flag, where the flag has another name)."""
    label = name
    for f in dataclasses.fields(cfg) if dataclasses.is_dataclass(cfg) else ():
        if f.name == name and "flag" in f.metadata:
            label = f"{name} ({f.metadata['flag']})"
    raise UserInputError(f"{label} must be {requirement}, got {value!r}")


def check_int(cfg, *names: str, minimum: int = 1, optional: bool = False) -> None:
    """Each named field is an int >= ``minimum`` (or None, with ``optional``)."""
    for name in names:
        value = getattr(cfg, name)
        if optional and value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            _fail(cfg, name, what + (" or None" if optional else ""), value)


def check_positive_int(cfg, *names: str, optional: bool = False) -> None:
    """Each named field is an int >= 1 (or None, with ``optional``)."""
    check_int(cfg, *names, minimum=1, optional=optional)


def check_positive(cfg, *names: str, optional: bool = False) -> None:
    """Each named field is a number > 0 (or None, with ``optional``)."""
    for name in names:
        value = getattr(cfg, name)
        if optional and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            _fail(cfg, name, "> 0" + (" or None" if optional else ""), value)


def check_range(cfg, name: str, low: float, high: float, *, low_open: bool = False,
                high_open: bool = True) -> None:
    """``low <= value < high`` (brackets set by ``low_open`` / ``high_open``)."""
    value = getattr(cfg, name)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high)
    if not ok:
        _fail(cfg, name, f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}", value)


def check_finite(cfg, *names: str) -> None:
    """Each named field is a finite number."""
    for name in names:
        value = getattr(cfg, name)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or value != value or value in (float("inf"), float("-inf")):
            _fail(cfg, name, "a finite number", value)


def check_choice(cfg, name: str, choices) -> None:
    value = getattr(cfg, name)
    if value not in choices:
        _fail(cfg, name, f"one of {', '.join(map(str, choices))}", value)


def known_fields(cls, d: dict) -> dict:
    """The entries of ``d`` that are fields of dataclass ``cls`` (older/newer keys are dropped)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in d.items() if k in names}


class SavedConfig:
    """``replace`` / ``to_dict`` / ``from_dict`` for a frozen config dataclass whose
    ``to_dict()`` is what a run folder's ``config.json`` keeps; ``KIND`` names it in
    errors."""

    KIND = "config"
    TINY = {}  # the sizes of tiny(): small and quick, for tests and --quick runs

    @classmethod
    def tiny(cls, **changes):
        """Small and quick (``TINY``, then ``changes``): for tests and ``--quick`` runs."""
        return cls(**{**cls.TINY, **changes})

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict):
        """From ``to_dict()`` (unknown keys, e.g. from a newer version, are dropped)."""
        if not isinstance(d, dict):
            raise UserInputError(f"a {cls.KIND} must be a JSON object, got {type(d).__name__}")
        return cls(**known_fields(cls, d))
