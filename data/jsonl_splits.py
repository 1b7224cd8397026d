"""The command line shared by the generators that write JSON-lines splits under ``data/``
(``make_questions.py`` -> ``qa/``, ``make_parallel.py`` -> ``parallel/``): write the
files, or with ``--check`` only say whether they are current."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def jsonl(rows) -> str:
    """One JSON object per line, UTF-8 kept as is."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def run(description: str, outputs: Callable[[int], dict[str, str]], what: str,
        argv=None) -> int:
    """Parse ``--seed --out --check``; ``outputs(seed)`` maps names under ``--out`` to
    their text; ``what`` names a line ("questions", "sentence pairs")."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--out", type=Path, default=HERE, help="output folder (default: data/)")
    p.add_argument("--check", action="store_true", help="only check the files are current")
    args = p.parse_args(argv)
    files = outputs(args.seed)
    if args.check:
        stale = [n for n, t in files.items() if not (args.out / n).is_file()
                 or (args.out / n).read_text(encoding="utf-8") != t]
        if stale:
            print("stale: " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"{', '.join(sorted({n.split('/')[0] + '/' for n in files}))} up to date")
        return 0
    for name, text in files.items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({text.count(chr(10)):,} {what})")
    return 0
