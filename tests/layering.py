"""The layering rules of llm_tf (STYLE.md, the house issue), checked on the source with ``ast``.

Data flows one way: cli -> training / evaluation -> models -> layers, with text and
generation below. :func:`violations` returns one line per broken rule; the test
runs it on the repository and on a fixture tree with deliberately bad modules.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LM_SIDE = ("layers", "models", "generation", "training", "evaluation")
HEAVY = ("tensorflow", "keras")


def _imports(tree: ast.AST, top_level_only: bool = False):
    """(line, module) for every import; with ``top_level_only``, not those inside functions."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # `from llm_tf import cli`
                yield node.lineno, f"{node.module}.{alias.name}"
        elif top_level_only and isinstance(node, (ast.If, ast.Try, ast.With)):
            stack.extend(ast.iter_child_nodes(node))


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _role(rel: Path) -> str | None:
    parts = rel.parts
    return parts[1] if len(parts) > 2 and parts[0] == "llm_tf" else None


def _lists_architectures(tree: ast.AST) -> int | None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            names = {e.value for e in node.elts if isinstance(e, ast.Constant)}
            if {"lstm", "transformer"} <= names:
                return node.lineno
    return None


def violations(root: Path) -> list[str]:
    """Every broken layering rule under ``root`` (which holds llm_tf/, chapters/, bench/)."""
    found = []
    files = [p for d in ("llm_tf", "chapters", "bench") for p in sorted((root / d).rglob("*.py"))]
    for path in files:
        rel = path.relative_to(root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
        role = _role(rel)
        where = str(rel)
        for line, mod in _imports(tree):
            here = f"{where}:{line} imports {mod}"
            if _within(mod, "llm_tf.cli") and role != "cli":
                found.append(f"rule 1 (nothing imports llm_tf.cli): {here}")
            if role == "layers":
                top = mod.split(".")[0]
                stdlib = top in sys.stdlib_module_names or top == "__future__"
                ok = top == "keras" or stdlib or _within(mod, "llm_tf.layers") or mod in (
                    "llm_tf.errors", "llm_tf")
                if not ok:
                    found.append(f"rule 2 (layers import only Keras): {here}")
            if role == "models" and any(_within(mod, f"llm_tf.{p}") for p in
                                        ("training", "generation", "evaluation", "cli")):
                found.append(f"rule 3 (models know no trainer, decoder or CLI): {here}")
            if role == "generation" and any(_within(mod, f"llm_tf.{p}") for p in
                                            ("models", "training")):
                found.append(f"rule 4 (generation knows models only by init_state/step): {here}")
            if role == "vectors" and any(_within(mod, f"llm_tf.{p}") for p in LM_SIDE):
                found.append(f"rule 6 (word vectors stand apart): {here}")
            if role in LM_SIDE and _within(mod, "llm_tf.vectors"):
                found.append(f"rule 6 (word vectors stand apart): {here}")
        light = role == "text" or path.name in ("config.py", "settings.py")
        if light and rel.parts[0] == "llm_tf":
            for line, mod in _imports(tree, top_level_only=True):
                if mod.split(".")[0] in HEAVY:
                    found.append(f"rule 5 (text and configs import no TensorFlow/Keras at "
                                 f"module level): {where}:{line} imports {mod}")
        if rel.parts[0] == "llm_tf" and rel.as_posix() != "llm_tf/models/registry.py":
            line = _lists_architectures(tree)
            if line:
                found.append(f"rule 7 (only the registry lists the architectures): {where}:{line}")
    return found
