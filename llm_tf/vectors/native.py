"""word2vec's pair-by-pair update as a compiled TensorFlow op, built on first use.

``kernels/sgns_update.cc`` is a TensorFlow custom op (``LlmTfSgnsUpdate``) that runs
word2vec.c's and gensim's skip-gram negative-sampling SGD: each pair updates its input
row and its ``1 + K`` output rows in place, one pair after another, ``workers`` threads
on parts of the batch at once without row locks (Hogwild). It replaces the batched
step's dozen passes over (pairs, D) arrays and its three scatters by one pass that
keeps each pair's rows in cache (``docs/benchmarks.md``).

The op is compiled here with the system's C++ compiler (``$CXX``, else ``c++``/``g++``)
against the installed TensorFlow's headers (:func:`tf.sysconfig.get_compile_flags`),
for this CPU (``-march=native``), and cached: ``$LLM_TF_KERNEL_CACHE``, else
``~/.cache/llm_tf/kernels``, one file per source, TensorFlow version and CPU. The first
build takes about 10 s (``make venv`` does it ahead). Where it cannot be built (no
compiler, headers missing) :func:`sgns_kernel` returns ``None`` and says why, and the
trainer uses its TensorFlow-ops step.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

SOURCE = Path(__file__).with_name("kernels") / "sgns_update.cc"
COMPILERS = ("c++", "g++", "clang++")


def cache_dir() -> Path:
    """Where built kernels are kept (``$LLM_TF_KERNEL_CACHE``, else ``~/.cache/llm_tf/kernels``)."""
    given = os.environ.get("LLM_TF_KERNEL_CACHE")
    return Path(given) if given else Path.home() / ".cache" / "llm_tf" / "kernels"


def _compiler() -> str | None:
    given = os.environ.get("CXX")
    if given:
        return shutil.which(given)
    return next((found for c in COMPILERS if (found := shutil.which(c))), None)


def _cpu_key() -> str:
    """The CPU's identity for ``-march=native``: its model and feature flags (Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    lines = [ln for ln in text.splitlines() if ln.startswith(("model name", "flags"))]
    return "\n".join(sorted(set(lines))) or platform.machine()


# -U__AVX512FP16__: TensorFlow's Eigen headers fail to compile with AVX512-FP16 packet
# math (Sapphire Rapids and later, under -march=native); the op needs none of it.
FLAGS = ("-O3", "-march=native", "-U__AVX512FP16__", "-fopenmp-simd", "-shared", "-fPIC", "-w")


def _command(compiler: str, output: Path) -> list[str]:
    import tensorflow as tf

    return [
        compiler, *FLAGS,
        *tf.sysconfig.get_compile_flags(), str(SOURCE), "-o", str(output),
        *tf.sysconfig.get_link_flags(),
    ]


def kernel_path() -> Path:
    """The cached library's path for this source, TensorFlow and CPU (built or not)."""
    import tensorflow as tf

    key = hashlib.sha256()
    for part in (SOURCE.read_bytes(), tf.__version__.encode(), _cpu_key().encode(),
                 sys.platform.encode(), " ".join(FLAGS).encode()):
        key.update(part)
    return cache_dir() / f"sgns_update-{key.hexdigest()[:16]}.so"


def build(verbose: bool = False) -> Path:
    """Compile the op into the cache (once; a file lock keeps parallel builds apart).

    Raises ``RuntimeError`` with the compiler's last lines when it cannot be built.
    """
    target = kernel_path()
    if target.exists():
        return target
    compiler = _compiler()
    if compiler is None:
        raise RuntimeError("no C++ compiler found (set CXX, or install g++)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():  # another process built it meanwhile
            return target
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
        os.close(fd)
        try:
            if verbose:
                print(f"building the word2vec kernel: {target}", file=sys.stderr, flush=True)
            done = subprocess.run(_command(compiler, Path(tmp)), capture_output=True, text=True)
            if done.returncode != 0:
                tail = " ".join(done.stderr.strip().splitlines()[-3:])
                raise RuntimeError(f"{Path(compiler).name} failed: {tail}")
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return target


@cache
def _load():
    import tensorflow as tf

    try:
        return tf.load_op_library(str(build())), None
    except (RuntimeError, OSError, tf.errors.NotFoundError) as e:
        return None, str(e)


def sgns_kernel():
    """The loaded op module (``.llm_tf_sgns_update``), or ``None`` where it cannot be built."""
    return _load()[0]


def why_unavailable() -> str | None:
    """Why :func:`sgns_kernel` is ``None`` (the compiler's complaint), else ``None``."""
    return _load()[1]


def alias_tables(probabilities):
    """Walker's alias tables of a distribution (Vose's construction): ``(keep, alias)``.

    Draw ``w`` uniformly from the V words and a coin ``c`` in [0, 1): the sample is ``w``
    if ``c < keep[w]``, else ``alias[w]``; each word then comes out with its probability
    exactly (up to float32 rounding of ``keep``). One lookup per negative, where a
    binary search of the cumulative distribution costs ~14 unpredictable branches.
    """
    import numpy as np

    p = np.asarray(probabilities, np.float64)
    n = len(p)
    scaled = p * (n / p.sum())
    keep = np.ones(n)
    alias = np.arange(n, dtype=np.int32)
    small = [int(i) for i in np.flatnonzero(scaled < 1.0)]
    large = [int(i) for i in np.flatnonzero(scaled >= 1.0)]
    while small and large:
        s, g = small.pop(), large[-1]
        keep[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            large.pop()
            small.append(g)
    return keep.astype(np.float32), alias


def main(argv: list[str] | None = None) -> int:
    """``python -m llm_tf.vectors.native``: build the kernel now (``make venv`` runs it)."""
    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    try:
        path = build(verbose=True)
    except RuntimeError as e:
        print(f"llm-tf: the word2vec kernel was not built ({e}); word2vec will use "
              "its TensorFlow-ops step", file=sys.stderr)
        return 0
    print(f"word2vec kernel: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
