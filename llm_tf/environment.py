"""§5.1 开发环境搭建: is this environment the one llm-tf needs, and what is missing?

The article asks for "Python 3.7 or later" and ``pip install tensorflow numpy``.
llm-tf needs more, and newer: the Python of setup.cfg's ``python_requires``
(3.7 to 3.9 cannot even install it), every package of ``install_requires`` at its
version (TensorFlow >= 2.16, whose ``import keras`` is Keras 3, and Keras 3
itself), Keras running on the TensorFlow backend, and XLA, which compiles the
generation loop and the train step by default. A GPU is welcome, not required.

- :func:`environment_report`: every check, as a JSON-ready dict;
- :func:`problems`: one line per required check that fails (empty: nothing missing);
- :func:`format_report`: the report as text.

``llm-tf doctor`` and ``chapters/ch05_1_environment.py`` print it. The requirements
are read from the checkout's ``setup.cfg`` when the package runs from one, else from
the installed package's metadata; nothing is hard-coded but the article's own claim.
"""

from __future__ import annotations

import configparser
import importlib.metadata as metadata
import operator
import platform
import re
import sys
from pathlib import Path

DISTRIBUTION = "llm-tf"
ARTICLE_PYTHON = "3.7"  # §5.1: "确保安装了Python 3.7或更高版本"
ARTICLE_PACKAGES = ("tensorflow", "numpy")  # §5.1: pip install tensorflow numpy
SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"


def requirements(setup_cfg: Path | None = SETUP_CFG) -> dict:
    """``{"python": ">=3.10", "packages": ["tensorflow>=2.16", ...], "source": ...}``: from
    ``setup_cfg`` when it exists and names this project, else from the installed metadata."""
    if setup_cfg is not None and setup_cfg.is_file():
        cfg = configparser.ConfigParser()
        cfg.read(setup_cfg, encoding="utf-8")
        if cfg.get("metadata", "name", fallback="") == DISTRIBUTION:
            lines = cfg.get("options", "install_requires", fallback="").splitlines()
            return {"python": cfg.get("options", "python_requires", fallback=""),
                    "packages": [s.strip() for s in lines if s.strip()],
                    "source": str(setup_cfg)}
    try:
        meta = metadata.metadata(DISTRIBUTION)
        reqs = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return {"python": "", "packages": [], "source": "none (llm-tf is not installed)"}
    plain = [r for r in reqs if "extra ==" not in r]  # the extras (gpu, test) are optional
    return {"python": meta.get("Requires-Python") or "", "packages": plain,
            "source": f"installed {DISTRIBUTION} {meta['Version']} metadata"}


_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*)(;.*)?$")
_CLAUSE = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>)\s*([0-9][0-9A-Za-z.*+!-]*)\s*$")
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
            "<": operator.lt, ">": operator.gt}


def _release(version: str) -> tuple[int, ...]:
    """The release numbers of a version: ``"2.16.0rc1"`` -> (2, 16, 0)."""
    m = re.match(r"\d+(?:\.\d+)*", version.strip())
    if not m:
        raise ValueError(f"not a version: {version!r}")
    return tuple(int(p) for p in m.group().split("."))


def version_satisfies(version: str, specifier: str) -> bool:
    """Whether ``version`` meets every clause of ``specifier`` (``">=2.16,<3"``; empty: any).

    Release numbers only (pre-release and local tags are ignored), enough for the
    ``install_requires`` of setup.cfg, and no dependency on ``packaging``: the doctor
    must run in the broken environments it diagnoses. ValueError on a clause it cannot read.
    """
    have = _release(version)
    for clause in filter(None, (c.strip() for c in specifier.split(","))):
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"cannot read the version clause {clause!r}")
        op, want = m.groups()
        if want.endswith(".*"):  # ==2.16.* / !=2.16.*
            prefix = _release(want[:-2])
            ok = have[: len(prefix)] == prefix
            if ok != (op == "=="):
                return False
            continue
        need = _release(want)
        width = max(len(have), len(need))
        a, b = have + (0,) * (width - len(have)), need + (0,) * (width - len(need))
        if op == "~=":  # ~=2.16 means >=2.16, ==2.*
            if not (a >= b and have[: len(need) - 1] == need[:-1]):
                return False
        elif not _COMPARE[op](a, b):
            return False
    return True


def parse_requirement(line: str) -> tuple[str, str]:
    """``(name, specifier)`` of a requirement line (``"tensorflow[and-cuda]>=2.16; ..."``)."""
    m = _REQUIREMENT.match(line)
    if not m:
        raise ValueError(f"cannot read the requirement {line!r}")
    return m.group(1), m.group(2).strip().strip("()")


def _check(name: str, value: str, wanted: str, ok: bool, required: bool = True,
           note: str = "") -> dict:
    return {"name": name, "value": value, "wanted": wanted, "ok": bool(ok),
            "required": required, "note": note}


def _python_check(spec: str) -> dict:
    version = platform.python_version()
    ok = version_satisfies(version, spec)
    article_ok = version_satisfies(version, f">={ARTICLE_PYTHON}")
    note = (f"the article says {ARTICLE_PYTHON}+, which is too old: llm-tf needs {spec}"
            if spec else "requirement unknown")
    if article_ok and not ok:
        note += f" (Python {version} passes the article's check, not llm-tf's)"
    return _check("Python", version, spec or "?", ok, note=note)


def _package_check(line: str) -> dict:
    try:
        name, spec = parse_requirement(line)
    except ValueError:
        return _check(line, "?", line, False, note="cannot read this requirement")
    wanted = spec or "any version"
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        return _check(name, "missing", wanted, False, note=f"pip install '{line}'")
    try:
        ok = version_satisfies(installed, spec)
    except ValueError:
        ok = False
    note = ""
    if name == "keras":
        note = "Keras 3: `import keras` (not tf.keras, not tf_keras)"
    elif name == "tensorflow":
        note = "2.16+ brings Keras 3 as `keras`"
    if name in ARTICLE_PACKAGES:
        note = (note + "; " if note else "") + "named by the article's pip line"
    if not ok:
        note = f"pip install -U '{line}'" + (f" ({note})" if note else "")
    return _check(name, installed, wanted, ok, note=note)


def _tensorflow_checks() -> tuple[list[dict], dict]:
    """Keras' backend, the devices TensorFlow sees, and whether XLA compiles a function."""
    try:
        import keras
        import numpy as np
        import tensorflow as tf
    except Exception as e:  # a broken TensorFlow install fails here, in many ways
        error = f"{type(e).__name__}: {e}".splitlines()[0]
        return [_check("TensorFlow import", "fails", "imports", False, note=error)], {}
    backend = keras.backend.backend()
    checks = [_check("Keras backend", backend, "tensorflow", backend == "tensorflow",
                     note="" if backend == "tensorflow" else "unset KERAS_BACKEND, or set "
                     "it to tensorflow: llm-tf's layers and data pipelines use TensorFlow")]
    physical = tf.config.list_physical_devices()
    devices = {
        "CPU": sum(d.device_type == "CPU" for d in physical),
        "GPU": sum(d.device_type == "GPU" for d in physical),
        "names": [d.name for d in physical],
        "built_with_cuda": bool(tf.test.is_built_with_cuda()),
    }
    gpu_note = ("training and generation use the GPU" if devices["GPU"] else
                "no GPU: everything runs on the CPU (slower; pip install 'llm-tf[gpu]' on a "
                "machine with an NVIDIA GPU)")
    checks.append(_check("devices", f"CPU x{devices['CPU']}, GPU x{devices['GPU']}",
                         "a CPU (a GPU is optional)", devices["CPU"] + devices["GPU"] > 0,
                         note=gpu_note))

    @tf.function(jit_compile=True)
    def two_x_plus_one(x):
        return 2.0 * x + 1.0

    x = tf.constant([0.0, 1.0, 2.0])
    try:
        y = two_x_plus_one(x).numpy()
        ok = bool(np.allclose(y, [1.0, 3.0, 5.0]))
        value = f"f(x) = 2x + 1 on [0, 1, 2] -> {y.tolist()}"
        note = "compiles the generation loop and the train step by default"
        if not ok:
            note = "XLA compiled a wrong result; pass --no-xla to train"
    except Exception as e:  # XLA's failures surface as many different TensorFlow errors
        ok, value = False, "fails"
        note = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}; " \
               "train with --no-xla"
    checks.append(_check("XLA", value, "compiles a tiny function", ok, note=note))
    return checks, devices


def environment_report(probe_tensorflow: bool = True, setup_cfg: Path | None = SETUP_CFG
                       ) -> dict:
    """Every check of the environment, JSON-ready.

    Args:
        probe_tensorflow: also import TensorFlow to read Keras' backend, list the devices
            and XLA-compile a tiny function (a few seconds the first time).
        setup_cfg: where to read the requirements first (default: the checkout's).

    Returns:
        ``{"requirements": {...}, "checks": [{"name", "value", "wanted", "ok",
        "required", "note"}, ...], "devices": {...}, "platform": str, "ok": bool}``.
    """
    reqs = requirements(setup_cfg)
    checks = [_python_check(reqs["python"])]
    checks += [_package_check(line) for line in reqs["packages"]]
    devices: dict = {}
    if probe_tensorflow:
        tf_checks, devices = _tensorflow_checks()
        checks += tf_checks
    report = {"requirements": reqs, "checks": checks, "devices": devices,
              "platform": f"{platform.platform()}; {sys.executable}"}
    report["ok"] = not problems(report)
    return report


def problems(report: dict) -> list[str]:
    """One line per required check that fails; an empty list when nothing is missing."""
    return [f"{c['name']}: have {c['value']}, need {c['wanted']}"
            + (f" ({c['note']})" if c["note"] else "")
            for c in report["checks"] if c["required"] and not c["ok"]]


def format_report(report: dict) -> str:
    """The report as aligned text: one line per check, then what is missing (or not)."""
    rows = [("ok" if c["ok"] else ("MISSING" if c["required"] else "warning"),
             c["name"], c["value"], c["wanted"], c["note"]) for c in report["checks"]]
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"§5.1 开发环境 / the environment llm-tf needs "
             f"(requirements: {report['requirements']['source']})"]
    for status, name, value, wanted, note in rows:
        line = f"  {status:<{w[0]}}  {name:<{w[1]}}  {value:<{w[2]}}  needs {wanted}"
        lines.append(line + (f"  -- {note}" if note else ""))
    found = problems(report)
    if found:
        lines.append(f"{len(found)} missing:")
        lines += [f"  - {p}" for p in found]
    else:
        lines.append("nothing missing.")
    return "\n".join(lines)
