"""Named training recipes: published settings as data files (``--recipe NAME``).

A recipe is a JSON file in ``llm_tf/training/recipes/`` (or any path) with a
one-line ``summary`` and the fields of the config parts it sets (``data``,
``model``, ``optim``, ``runtime``). Fields given on the command line override the
recipe's, which override the defaults. No TensorFlow here.
"""

from __future__ import annotations

import json
from pathlib import Path

from llm_tf.errors import UserInputError

FOLDER = Path(__file__).resolve().parent / "recipes"
PART_NAMES = ("data", "model", "optim", "runtime")


def recipe_names() -> list[str]:
    return sorted(p.stem for p in FOLDER.glob("*.json"))


def load_recipe(name: str) -> dict:
    """The recipe called ``name`` (a shipped one) or stored at path ``name``."""
    path = FOLDER / f"{name}.json"
    if not path.is_file():
        path = Path(name)
    if not path.is_file():
        raise UserInputError(
            f"unknown recipe {name!r}: choose one of {', '.join(recipe_names())} or give a path")
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserInputError(f"recipe {str(path)!r} is not valid JSON ({e})") from None
    unknown = set(recipe) - {"summary", "note", "seed", *PART_NAMES}
    if not isinstance(recipe, dict) or unknown:
        raise UserInputError(f"recipe {str(path)!r} has unknown keys: {sorted(unknown)}")
    return recipe


def merge(recipe: dict, given: dict) -> dict:
    """``TrainConfig.from_dict`` input: the recipe's parts with the given fields laid over."""
    out = {name: {**recipe.get(name, {}), **given.get(name, {})} for name in PART_NAMES}
    for key in ("seed",):
        if key in given or key in recipe:
            out[key] = given.get(key, recipe.get(key))
    return out
