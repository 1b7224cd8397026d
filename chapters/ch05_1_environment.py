"""§5.1 开发环境搭建: the environment the article asks for, checked, and what llm-tf really needs.

What the article says
    1. 安装Python环境：确保安装了Python 3.7或更高版本。
    2. 安装依赖库：使用pip安装必要的依赖库，如TensorFlow、Keras、numpy等。
           pip install tensorflow numpy

What this script shows (each number is checked, not only printed)
    1. The article's requirements beside llm-tf's, read from setup.cfg: Python 3.7 is
       too old (``python_requires`` is newer, and pip will not install llm-tf on an
       older Python), and "pip install tensorflow numpy" names two of the packages
       llm-tf installs. TensorFlow >= 2.16 matters: from 2.16 on, ``import keras`` is
       Keras 3, the only Keras llm-tf uses.
    2. The report of :func:`llm_tf.environment.environment_report` (``llm-tf doctor``
       prints the same): each requirement installed and at its version, Keras' backend,
       the devices TensorFlow sees (CPU, GPU), and whether XLA compiles a function.
       Anything missing is listed, and the script exits 1.
    3. XLA on seeded inputs: a small dense layer's forward pass, eager and XLA-compiled,
       agree to float32 rounding; and ``keras.utils.set_random_seed`` makes a draw repeat.

Run
    python chapters/ch05_1_environment.py [--quick] [--seed 0] [--json]
    llm-tf doctor [--json]       # the same checks, as a command
"""

from __future__ import annotations

import argparse
import json
import platform
import sys

from llm_tf.runtime import quiet_tensorflow_import, set_seed

quiet_tensorflow_import()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from llm_tf.environment import (  # noqa: E402
    ARTICLE_PACKAGES,
    ARTICLE_PYTHON,
    environment_report,
    format_report,
    parse_requirement,
    problems,
    requirements,
    version_satisfies,
)


# ---- 1. the article's requirements beside llm-tf's
def step1_requirements() -> dict:
    reqs = requirements()
    print(f"1. requirements (from {reqs['source']})")
    print(f"   Python: the article says {ARTICLE_PYTHON}+; llm-tf needs {reqs['python']}")
    assert not version_satisfies(ARTICLE_PYTHON, reqs["python"]), "the article's Python is enough"
    specs = dict(parse_requirement(r) for r in reqs["packages"])  # name -> ">=2.16,<3"
    named = [n for n in specs if n in ARTICLE_PACKAGES]
    print(f"   packages: the article's pip line names {len(named)} of llm-tf's {len(specs)}: "
          f"{', '.join(named)}; it leaves out {', '.join(n for n in specs if n not in named)}")
    assert set(named) == set(ARTICLE_PACKAGES) and len(specs) > len(named)
    print(f"   tensorflow{specs['tensorflow']}: from TensorFlow 2.16 on, `import keras` is "
          f"Keras 3 (keras{specs['keras']})")
    assert version_satisfies("2.16", specs["tensorflow"])
    assert not version_satisfies("2.15", specs["tensorflow"])  # 2.15's `keras` is Keras 2
    assert version_satisfies("3.0", specs["keras"]) and not version_satisfies("2.15", specs["keras"])
    return reqs


# ---- 2. the report: what is installed, what is missing
def step2_report(as_json: bool) -> dict:
    report = environment_report()
    print("\n2. this environment" + (" (JSON)" if as_json else ""))
    print(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["Python"]["value"] == platform.python_version()
    assert checks["tensorflow"]["value"] == tf.__version__
    assert checks["keras"]["value"] == keras.__version__
    major = int(keras.__version__.split(".")[0])
    print(f"   Keras major version: {major} (llm-tf needs 3)")
    if checks["keras"]["ok"]:
        assert major == 3
    gpus = len(tf.config.list_physical_devices("GPU"))
    assert report["devices"]["GPU"] == gpus
    print(f"   GPUs seen by TensorFlow: {gpus}"
          + ("" if gpus else " (everything runs on the CPU: fine, only slower)"))
    return report


# ---- 3. XLA on seeded inputs, and a seeded draw that repeats
def step3_xla(seed: int) -> None:
    set_seed(seed)
    x = keras.random.normal((4, 8), seed=seed)  # (B, D)
    set_seed(seed)
    again = keras.random.normal((4, 8), seed=seed)
    assert np.array_equal(np.asarray(x), np.asarray(again))
    dense = keras.layers.Dense(3, activation="tanh")
    dense.build((None, 8))

    def forward(inputs):
        return dense(inputs)  # (B, 3)

    eager = np.asarray(forward(x))
    compiled = np.asarray(tf.function(forward, jit_compile=True)(x))
    diff = float(np.max(np.abs(eager - compiled)))
    print(f"\n3. Dense(3, tanh) on a seeded (4, 8) batch: eager vs XLA-compiled, max |difference| "
          f"= {diff:.1e}; the seeded draw repeats exactly: {np.array_equal(x, again)}")
    assert diff < 1e-5


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="§5.1: check the development environment")
    p.add_argument("--quick", action="store_true", help="the same checks (they take seconds)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = p.parse_args(argv)

    step1_requirements()
    report = step2_report(args.json)
    found = problems(report)
    if not any(c["name"] == "XLA" and not c["ok"] for c in report["checks"]):
        step3_xla(args.seed)
    if found:
        print(f"\n{len(found)} required thing(s) missing: fix them, then run this again.")
        return 1
    print("\nnothing missing: the chapters and `llm-tf` will run here.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
