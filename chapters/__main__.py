"""Run a chapter script by its article section, or list them all.

    python -m chapters --list            # section, script, title: one line each
    python -m chapters 3.2.3             # runs chapters/ch03_2_3_transformer.py
    python -m chapters 3.2.3 --quick     # further arguments go to the script
    python -m chapters §4.2.1            # a sub-section runs the script that has a step for it

The sections come from the scripts' header docstrings (:mod:`chapters.index`, which
also holds the list of sections that must have a script). An unknown section is one
line on stderr naming the known ones, and exit status 2.
"""

from __future__ import annotations

import runpy
import sys

from chapters.index import REQUIRED, chapters, find, known_sections, missing

USAGE = "usage: python -m chapters --list | SECTION [ARGS...]   (e.g. 3.2.3 --quick)"


def format_list() -> str:
    """One line per script: its section(s), its file name, its title; then any gap."""
    rows = [(", ".join(f"§{s}" for s in c.covers), c.name, c.title) for c in chapters()]
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    lines = [f"{a:<{w1}}  {b:<{w2}}  {t}" for a, b, t in rows]
    gaps = missing()
    if gaps:
        lines.append("no script yet: " + ", ".join(f"§{s} {REQUIRED[s]}" for s in gaps))
    return "\n".join(lines)


def run(section: str, args: list[str]) -> int:
    """Run the script for ``section`` as ``__main__`` with ``args``; its exit status."""
    chapter = find(section)
    if chapter is None:
        known = ", ".join(known_sections())
        print(f"chapters: error: unknown section {section!r}; known: {known}", file=sys.stderr)
        return 2
    saved = sys.argv
    sys.argv = [str(chapter.path), *args]
    try:
        runpy.run_path(str(chapter.path), run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    finally:
        sys.argv = saved
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        print(f"chapters: error: give a section or --list ({USAGE})", file=sys.stderr)
        return 2
    if argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if argv[0] in ("-l", "--list"):
        print(format_list())
        return 0
    if argv[0].startswith("-"):
        print(f"chapters: error: unknown option {argv[0]!r} ({USAGE})", file=sys.stderr)
        return 2
    return run(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())
