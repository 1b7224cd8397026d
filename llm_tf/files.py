"""Files that survive crashes and files from strangers: atomic writes, checked reads, safe
model loading and one writer per run folder (issue 12). No TensorFlow at import time.

- **Atomic writes.** :func:`atomic_path` hands out a temporary file beside the target;
  once it is written it is flushed to disk and renamed over the target
  (``os.replace``), so a crash, a kill or a full disk leaves the previous version whole.
  :func:`write_json_atomic`, :func:`write_text_atomic` and :func:`save_model_atomic`
  use it; a full disk (or a file-size limit) is reported as one clear error.
- **Checked reads.** :func:`read_json` names the file when it is missing, not UTF-8,
  not JSON or not the expected type; :func:`require_keys` names missing or mistyped keys.
- **Safe model loading.** :func:`load_model_file` is the one way llm-tf reads a
  ``.keras`` file: a file that is not a whole zip is reported as corrupted; a model
  holding code (a ``Lambda`` layer, a serialized Python function, or an object from a
  module outside Keras and llm-tf) is refused before Keras reads it; then
  ``keras.saving.load_model(..., safe_mode=True)``.
- **One writer per run folder.** :func:`run_lock` holds ``fcntl.flock`` on
  ``RUN/.llm-tf.lock`` (the holder's pid inside). A second writer is refused with the
  folder and the holder's pid; the kernel drops the lock when its holder dies, so a lock
  file left by a crashed process never blocks.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from llm_tf.errors import UserInputError

LOCK_NAME = ".llm-tf.lock"  # in every run folder while a process writes it
SAFE_MODULES = ("keras", "llm_tf")  # what a model's config.json may name as a module
_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


# ---------------------------------------------------------------- atomic writes
def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _full_disk(e: BaseException) -> OSError | None:
    """The out-of-space OSError behind ``e`` (Keras and h5py wrap it), if there is one."""
    seen = 0
    while e is not None and seen < 8:
        if isinstance(e, OSError) and e.errno in _FULL:
            return e
        if isinstance(e, OSError) and any(s in str(e) for s in ("No space left", "File too large",
                                                                 "Disk quota")):
            return e
        e, seen = e.__cause__ or e.__context__, seen + 1
    return None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """``with atomic_path(p) as tmp:`` write ``tmp``; on success it replaces ``p`` at once.

    ``tmp`` is in ``p``'s folder (``os.replace`` is atomic only within a file system)
    and ends with ``suffix`` (``.keras`` for Keras, which checks the extension). On any
    error ``tmp`` is removed and ``p`` is left as it was; running out of disk space
    raises :class:`UserInputError` saying so.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{suffix}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        full = _full_disk(e)
        if full is not None:
            raise UserInputError(
                f"cannot write {str(path)!r}: {full.strerror or full} (the disk is full or a "
                f"file-size limit was reached); the previous {path.name} is kept") from None
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a power cut
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_json_atomic(path: str | os.PathLike, obj, indent: int = 1) -> None:
    """``obj`` as UTF-8 JSON at ``path``, atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """``text`` as UTF-8 at ``path`` (``\\n`` line ends), atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def save_model_atomic(model, path: str | os.PathLike) -> None:
    """``model.save`` to a temporary ``.keras`` file beside ``path``, then a rename."""
    with atomic_path(path, ".keras") as tmp:
        model.save(tmp)


# ---------------------------------------------------------------- checked reads
def read_json(path: str | os.PathLike, what: str = "JSON file", expect: type = dict):
    """The JSON value in ``path``; :class:`UserInputError` naming the file when it is
    missing, unreadable, not UTF-8, not JSON, or not an ``expect`` (dict by default)."""
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"{what} not found: {str(p)!r}")
    try:
        value = json.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UserInputError(f"{what} {str(p)!r} is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise UserInputError(f"{what} {str(p)!r} is not valid JSON ({e})") from None
    except OSError as e:
        raise UserInputError(f"cannot read {what} {str(p)!r}: {e.strerror or e}") from None
    if not isinstance(value, expect):
        raise UserInputError(f"{what} {str(p)!r} should hold a JSON {_kind(expect)}, "
                             f"got {_kind(type(value))}")
    return value


def _kind(t: type) -> str:
    return {dict: "object", list: "array", str: "string", int: "integer", float: "number",
            bool: "true/false"}.get(t, t.__name__)


def require_keys(d: dict, path: str | os.PathLike, types: dict, what: str = "") -> dict:
    """``d`` unchanged if every key of ``types`` is present with that type (a type or a
    tuple of types); else :class:`UserInputError` naming ``path`` and the key."""
    where = f"{what} {str(path)!r}" if what else repr(str(path))
    for key, t in types.items():
        if key not in d:
            raise UserInputError(f"{where} lacks the key {key!r}")
        value = d[key]
        wanted = t if isinstance(t, tuple) else (t,)
        if isinstance(value, bool) and bool not in wanted or not isinstance(value, wanted):
            names = " or ".join(_kind(x) for x in wanted)
            raise UserInputError(f"{where}: {key!r} should be a {names}, got {value!r:.60}")
    return d


# ---------------------------------------------------------------- safe model loading
def _refusal(node, path) -> str | None:
    """Why the model config ``node`` may run code when loaded, or None."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(n)
        elif isinstance(n, dict):
            name = n.get("class_name")
            if name == "Lambda" or name == "__lambda__":
                return (f"refusing to load {str(path)!r}: it holds a Lambda layer, whose Python "
                        "code would run on loading; llm-tf models have none, so this file was "
                        "not written by llm-tf (or was altered)")
            module = n.get("module")
            if isinstance(module, str) and module.split(".")[0] not in SAFE_MODULES:
                return (f"refusing to load {str(path)!r}: it names the Python module "
                        f"{module!r}; llm-tf loads only Keras and llm-tf objects")
            stack.extend(n.values())
    return None


def check_model_file(path: str | os.PathLike) -> Path:
    """``path`` if it is a whole ``.keras`` file with nothing that runs code; else a clear
    :class:`UserInputError` (missing, corrupted or truncated, or holding code)."""
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"model file not found: {str(p)!r}")
    try:
        with zipfile.ZipFile(p) as z:
            bad = z.testzip()  # reads every member: a damaged one fails its CRC
            if bad is not None:
                raise zipfile.BadZipFile(f"{bad} fails its checksum")
            names = set(z.namelist())
            if "config.json" not in names:
                raise zipfile.BadZipFile("no config.json inside")
            config = json.loads(z.read("config.json").decode("utf-8"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, UnicodeDecodeError,
            json.JSONDecodeError, NotImplementedError, OSError) as e:
        detail = "not a .keras (zip) file" if not zipfile.is_zipfile(p) else str(e) or type(e).__name__
        raise UserInputError(
            f"corrupted model file {str(p)!r}: {detail} (truncated by a crash or a copy? "
            "use another checkpoint of the run, or train again)") from None
    why = _refusal(config, p)
    if why:
        raise UserInputError(why)
    return p


def load_model_file(path: str | os.PathLike, compile: bool = True):
    """The model in the ``.keras`` file ``path``, read with ``safe_mode=True`` after
    :func:`check_model_file`; any failure is a :class:`UserInputError` naming the file.
    llm-tf's models and learning-rate schedules are registered first."""
    p = check_model_file(path)
    import keras

    import llm_tf.models  # noqa: F401  (registers every llm-tf class for loading)
    import llm_tf.training.optimizers  # noqa: F401  (the learning-rate schedules)

    try:
        return keras.saving.load_model(p, compile=compile, safe_mode=True)
    except (ValueError, OSError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as e:
        if isinstance(e, UserInputError):
            raise
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserInputError(f"cannot load the model in {str(p)!r}: {first}") from None


# ---------------------------------------------------------------- one writer per run folder
def _holder(lock: Path) -> str:
    try:
        pid = lock.read_text(encoding="utf-8").strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another process"


def _in_use(folder, lock: Path) -> str:
    return (f"run folder {str(folder)!r} is in use by {_holder(lock)} (lock file {LOCK_NAME}): "
            "wait for it to finish, stop it, or choose another folder")


@contextlib.contextmanager
def run_lock(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold ``folder`` for writing (created if missing) while the block runs.

    A second process (or a second ``run_lock`` in this one) gets :class:`UserInputError`
    naming the folder and the holder's pid. The lock is ``fcntl.flock`` on
    ``folder/.llm-tf.lock``: the kernel releases it when the holder exits or dies, so a
    lock file left behind by a killed process is taken over at once. The file is removed
    on release, and the folder too when the lock made it and nothing was written.
    Without ``fcntl`` (not POSIX) the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        Path(folder).mkdir(parents=True, exist_ok=True)
        yield Path(folder) / LOCK_NAME
        return
    d = Path(folder)
    if d.exists() and not d.is_dir():
        raise UserInputError(f"{str(d)!r} exists and is not a folder")
    created = not d.exists()
    d.mkdir(parents=True, exist_ok=True)
    lock = d / LOCK_NAME
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UserInputError(_in_use(d, lock)) from None
        try:  # the file we hold must still be the one at the path (a releaser unlinks it)
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield lock
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)
        if created:  # a run that wrote nothing leaves no folder behind
            with contextlib.suppress(OSError):
                d.rmdir()


def check_unlocked(folder: str | os.PathLike) -> None:
    """:class:`UserInputError` naming the holder's pid when a process writes ``folder``
    (holds its :func:`run_lock`); nothing when it is free (a stale lock file is free)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    lock = Path(folder) / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return  # no lock file, or not a folder: the caller's other checks say so
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise UserInputError(_in_use(folder, lock)) from None
    finally:
        os.close(fd)


def folder_entries(folder: str | os.PathLike) -> list[Path]:
    """What ``folder`` holds, leaving out the run lock."""
    return [p for p in Path(folder).iterdir() if p.name != LOCK_NAME]
