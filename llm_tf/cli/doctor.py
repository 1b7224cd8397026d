"""``llm-tf doctor``: is this environment the one llm-tf needs (§5.1)?

    llm-tf doctor          # one line per check, then what is missing
    llm-tf doctor --json   # the same report as JSON

Checks the Python version against setup.cfg's ``python_requires`` (the article's
"3.7 or later" is too old), every installed requirement at its version (TensorFlow
>= 2.16, Keras 3, ...), Keras' backend, the devices TensorFlow sees, and whether XLA
compiles a tiny function (:mod:`llm_tf.environment`). Exits 0 when nothing required
is missing, 1 when something is (a missing GPU is not).
"""

from __future__ import annotations

import argparse
import json

COMMANDS = {"doctor": "check the environment (§5.1): Python, TensorFlow, Keras, devices, XLA"}
EXIT_MISSING = 1


def run_doctor(as_json: bool = False, probe_tensorflow: bool = True) -> tuple[int, str]:
    """``(exit status, text to print)``: 0 when nothing required is missing, else 1."""
    from llm_tf.environment import environment_report, format_report, problems
    from llm_tf.runtime import quiet_tensorflow_import

    if probe_tensorflow:
        try:
            quiet_tensorflow_import()
        except Exception:  # the report says what failed, from its own import
            pass
    report = environment_report(probe_tensorflow=probe_tensorflow)
    text = json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report)
    return (EXIT_MISSING if problems(report) else 0), text


def _cmd_doctor(args) -> int:
    status, text = run_doctor(as_json=args.json)
    print(text)
    return status


def register(sub) -> None:
    """Add ``doctor`` to an argparse subparsers object."""
    p = sub.add_parser("doctor", help=COMMANDS["doctor"], description=__doc__.split("\n\n")[2],
                       epilog=__doc__.split("\n\n")[1],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_cmd_doctor)
