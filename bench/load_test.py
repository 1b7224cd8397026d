"""Load tests (issue 12): long generation, a big corpus streamed, a long chat, in flat memory.

Three checks, each with its figures:

- ``generate``: one language model loaded once (``stepping_view`` + one compiled
  :class:`~llm_tf.generation.Decoder`) continues ``--prompts`` prompts in a row (1,000
  by default), of varying lengths and seeds. This process's resident memory (``VmRSS`` in
  ``/proc/self/status``) is read after a warm-up and again at the end: it may grow by at
  most 10%.
- ``stream``: a corpus of ``--size`` bytes (1 GB by default) is written on the fly into a
  temporary folder (the embedded Chinese and English corpora, repeated with a counter per
  copy), then streamed through ``llm-tf train`` (``--max-steps``) and ``llm-tf word2vec``
  (one epoch), each a child process whose allocated memory (``RssAnon``, sampled every
  50 ms) and peak resident memory (``ru_maxrss``, the kernel's ``VmHWM``) are read. The
  same runs over a quarter of the corpus give the baseline: memory is flat when the full
  corpus's allocated peak is within 10% (plus 64 MiB of slack for allocator noise) of the
  quarter's. The resident peak is printed too: it also counts the pages of the
  memory-mapped id files as they are read, which are the kernel's page cache (dropped
  under pressure), not the process's.
- ``chat``: ``llm-tf chat`` (a question-answering run, the knowledge base, and the
  language model for other lines) answers ``--turns`` scripted lines (1,000 by default)
  through its stdin, one reply read per line; the child's ``VmRSS`` after a warm-up and at
  the end may differ by at most 10%.

The language model comes from ``--lm RUN`` or, by default, the ``llm-tf train`` run of
the stream check (a small one is trained when that check is skipped); the
question-answering run from ``--qa RUN`` or a tiny ``llm-tf qa train`` on six entities
of ``data/facts.json``.

    python bench/load_test.py                     # 1 GB corpus, 1,000 prompts and turns
    python bench/load_test.py --size 50MB --json  # smaller, one JSON object on stdout
    python bench/load_test.py --only generate chat --lm runs/zh

Exit status 0 when every check holds, 1 when one does not (the figures say which).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
GROWTH = 0.10  # at most 10% more memory at the end than after the warm-up
SLACK_MB = 64.0  # allocator noise allowed on top of 10% when comparing corpus sizes
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
CLI = [sys.executable, "-m", "llm_tf.cli"]
# --val-fraction: the check is about streaming the training text; scoring 10% of 1 GB as
# held-out text (twice, and once more at the end) would take hours and say nothing more
TINY_LM = ["--seq-len", "32", "--batch-size", "16", "--embedding-dim", "32", "--units", "32",
           "--vocab-size", "2000", "--epochs", "1", "--no-xla", "--quiet",
           "--val-fraction", "0.002"]
TINY_W2V = ["--dim", "16", "--window", "2", "--min-count", "5", "--max-vocab", "5000",
            "--epochs", "1", "--quiet"]
TINY_QA = ["--epochs", "2", "--units", "16", "--embedding-dim", "8", "--attention-units", "16",
           "--batch-size", "16"]
CHAT_LINES = ["中国的首都是什么？", "What is the capital of France?", "日本在哪个大洲？",
              "今天天气很好", "The history of the city", "What is the currency of Japan?",
              "我们明天去北京", "Where is the Great Wall?"]


# ---------------------------------------------------------------- memory
def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    """``field`` (VmRSS: now; VmHWM: the peak) of process ``pid`` in MiB, from /proc."""
    text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    m = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.MULTILINE)
    if m is None:
        raise RuntimeError(f"/proc/{pid}/status has no {field}")
    return int(m.group(1)) / 1024


def parse_size(text: str) -> int:
    """``1GB``, ``50MB``, ``200k`` or a number of bytes -> bytes (powers of 1000)."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kmgt]?)b?\s*", text.lower())
    if m is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1GB, 50MB)")
    return int(float(m.group(1)) * 1000 ** " kmgt".index(m.group(2) or " "))


def run_child(argv: list[str], log: Path, anon: list | None = None) -> tuple[int, float, float]:
    """Run ``argv`` (output to ``log``); (exit status, peak resident MiB, seconds).

    With ``anon`` (a list), the child's anonymous resident memory (``RssAnon``: what it
    allocated, not the pages of files it memory-maps, which the kernel may drop at any
    time) is sampled every 50 ms and its peak in MiB appended to ``anon``."""
    t0 = time.perf_counter()
    peak_anon = 0.0
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=ENV, stdout=out, stderr=subprocess.STDOUT)
        while anon is not None:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            with contextlib.suppress(OSError, RuntimeError):
                peak_anon = max(peak_anon, rss_mb(proc.pid, "RssAnon"))
            time.sleep(0.05)
        else:
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if anon is not None:
        anon.append(peak_anon)
    return proc.returncode, usage.ru_maxrss / 1024, time.perf_counter() - t0


# ---------------------------------------------------------------- the corpus
def write_corpus(path: Path, size: int) -> int:
    """About ``size`` bytes (whole lines) of the embedded corpora, repeated, each copy's
    first line naming its number so the text is not one block repeated; returns the bytes
    written."""
    lines = []
    for name in ("corpus.zh.txt", "corpus.en.txt"):
        lines += [ln + "\n" for ln in (DATA / name).read_text(encoding="utf-8").splitlines()
                  if ln]
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        for copy in itertools.count():
            for line in (f"第 {copy} 份 copy {copy}\n", *lines):
                if written >= size:
                    return written
                f.write(line)
                written += len(line.encode("utf-8"))
    return written


def check_stream(tmp: Path, size: int, max_steps: int, log) -> tuple[dict, Path]:
    """``llm-tf train`` and ``llm-tf word2vec`` over a quarter of the corpus and all of it."""
    result, lm_run = {"size_bytes": size, "runs": []}, None
    for share in (4, 1):
        corpus = tmp / f"corpus_{share}.txt"
        t0 = time.perf_counter()
        n = write_corpus(corpus, size // share)
        log(f"corpus of {n / 1e6:,.1f} MB written in {time.perf_counter() - t0:.1f} s")
        for command in ("train", "word2vec"):
            out = tmp / f"{command}_{share}"
            argv = [*CLI, command, "--corpus", str(corpus), "--out", str(out)]
            argv += [*TINY_LM, "--max-steps", str(max_steps)] if command == "train" else TINY_W2V
            anon: list = []
            rc, peak, seconds = run_child(argv, tmp / f"{command}_{share}.log", anon)
            if rc != 0:
                tail = (tmp / f"{command}_{share}.log").read_text(encoding="utf-8")[-2000:]
                raise RuntimeError(f"llm-tf {command} failed ({rc}):\n{tail}")
            row = {"command": command, "corpus_mb": n / 1e6, "peak_rss_mb": peak,
                   "peak_anon_mb": anon[0], "seconds": seconds, "mb_per_s": n / 1e6 / seconds}
            result["runs"].append(row)
            log(f"llm-tf {command:8s} {row['corpus_mb']:9,.1f} MB corpus: peak RSS "
                f"{peak:7,.1f} MiB (allocated {anon[0]:7,.1f} MiB, the rest mapped files), "
                f"{seconds:7.1f} s ({row['mb_per_s']:.3f} MB/s)")
            if command == "train" and share == 1:
                lm_run = out
        corpus.unlink()
    for command in ("train", "word2vec"):  # judged on allocated memory: a memory-mapped
        # id file's pages count in RSS as they are read, but are the kernel's page cache
        small, big = (r for r in result["runs"] if r["command"] == command)
        limit = small["peak_anon_mb"] * (1 + GROWTH) + SLACK_MB
        result[command] = {"peak_anon_mb": big["peak_anon_mb"], "quarter_peak_anon_mb":
                           small["peak_anon_mb"], "peak_rss_mb": big["peak_rss_mb"],
                           "quarter_peak_rss_mb": small["peak_rss_mb"], "limit_mb": limit,
                           "flat": big["peak_anon_mb"] <= limit}
    result["ok"] = result["train"]["flat"] and result["word2vec"]["flat"]
    return result, lm_run


def train_small_lm(tmp: Path) -> Path:
    out = tmp / "lm"
    argv = [*CLI, "train", "--corpus", str(DATA / "corpus.zh.txt"), "--out", str(out),
            *TINY_LM, "--max-steps", "20"]
    rc, _, _ = run_child(argv, tmp / "lm.log")
    if rc != 0:
        raise RuntimeError("llm-tf train failed:\n" + (tmp / "lm.log").read_text()[-2000:])
    return out


# ---------------------------------------------------------------- generation
def check_generate(lm: Path, prompts: int, max_tokens: int, warmup: int, log) -> dict:
    """``prompts`` continuations from one loaded model; this process's VmRSS."""
    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    from llm_tf.generation import Decoder, SamplingConfig
    from llm_tf.models import stepping_view
    from llm_tf.text.vocab import EOS_ID
    from llm_tf.training import RunDir

    run = RunDir(lm).require()
    info = run.info()
    vocab, tokenizer = run.vocab(), info.tokenizer
    decoder = Decoder(stepping_view(run.load_model(compile=False)),
                      context=info.config.trained_context)
    lines = [ln for name in ("corpus.zh.txt", "corpus.en.txt")
             for ln in (DATA / name).read_text(encoding="utf-8").splitlines()[:400] if ln]
    samples = []
    t0 = time.perf_counter()
    for i in range(warmup + prompts):
        line = lines[i % len(lines)]
        words = tokenizer.tokenize(line)[: 1 + i % 24]  # prompts of 1..24 tokens
        sampling = SamplingConfig(max_tokens=max_tokens, temperature=0.8, top_k=20, seed=i)
        decoder.generate([EOS_ID, *vocab.encode(words)], sampling)
        if i + 1 == warmup:
            start, t0 = rss_mb(), time.perf_counter()
        if i + 1 > warmup and (i + 1 - warmup) % max(1, prompts // 10) == 0:
            samples.append(round(rss_mb(), 1))
    seconds = time.perf_counter() - t0
    end = rss_mb()
    result = {"prompts": prompts, "max_tokens": max_tokens, "rss_after_warmup_mb": start,
              "rss_end_mb": end, "growth": end / start - 1, "rss_samples_mb": samples,
              "prompts_per_s": prompts / seconds, "ok": end <= start * (1 + GROWTH)}
    log(f"generate: {prompts} prompts ({result['prompts_per_s']:.1f}/s), VmRSS {start:,.1f} "
        f"-> {end:,.1f} MiB ({result['growth']:+.1%})")
    return result


# ---------------------------------------------------------------- chat
def small_kb(path: Path, entities: int = 6) -> Path:
    """The first ``entities`` entities of ``data/facts.json`` (both languages), as a file:
    the chat check measures memory per turn, not the answers' quality."""
    facts = json.loads((DATA / "facts.json").read_text(encoding="utf-8"))
    keep = list(facts["en"])[:entities]
    names = {k: facts["names"][k] for k in keep}
    kb = {"en": {k: facts["en"][k] for k in keep},
          "zh": {names[k]: facts["zh"][names[k]] for k in keep}, "names": names}
    path.write_text(json.dumps(kb, ensure_ascii=False), encoding="utf-8")
    return path


def train_small_qa(tmp: Path) -> tuple[Path, Path]:
    out, kb = tmp / "qa", small_kb(tmp / "kb.json")
    rc, _, _ = run_child([*CLI, "qa", "train", "--kb", str(kb), "--out", str(out), *TINY_QA],
                         tmp / "qa.log")
    if rc != 0:
        raise RuntimeError("llm-tf qa train failed:\n" + (tmp / "qa.log").read_text()[-2000:])
    return out, kb


def _reply(proc, timeout: float = 300.0) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise RuntimeError(f"llm-tf chat gave no reply in {timeout:.0f} s")
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("llm-tf chat ended early:\n" + proc.stderr.read()[-2000:])
    return line


def check_chat(qa: Path, kb: Path, lm: Path, turns: int, max_tokens: int, warmup: int,
               log) -> dict:
    """``turns`` scripted lines through ``llm-tf chat``'s stdin; the child's VmRSS."""
    argv = [*CLI, "chat", "--model", str(qa), "--kb", str(kb), "--lm", str(lm),
            "--max-tokens", str(max_tokens), "--temperature", "0.8", "--top-k", "20"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=ENV, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", bufsize=1)
    samples, empty = [], 0
    try:
        t0 = time.perf_counter()
        for i in range(warmup + turns):
            proc.stdin.write(CHAT_LINES[i % len(CHAT_LINES)] + "\n")
            proc.stdin.flush()
            empty += not _reply(proc).strip()
            if i + 1 == warmup:
                start, t0 = rss_mb(proc.pid), time.perf_counter()
            if i + 1 > warmup and (i + 1 - warmup) % max(1, turns // 10) == 0:
                samples.append(round(rss_mb(proc.pid), 1))
        seconds = time.perf_counter() - t0
        end = rss_mb(proc.pid)
        proc.stdin.write("exit\n")
        proc.stdin.flush()
        rc = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    result = {"turns": turns, "rss_after_warmup_mb": start, "rss_end_mb": end,
              "growth": end / start - 1, "rss_samples_mb": samples, "empty_replies": empty,
              "turns_per_s": turns / seconds, "exit_status": rc,
              "ok": rc == 0 and empty == 0 and end <= start * (1 + GROWTH)}
    log(f"chat: {turns} turns ({result['turns_per_s']:.1f}/s), VmRSS {start:,.1f} -> "
        f"{end:,.1f} MiB ({result['growth']:+.1%}), exit status {rc}")
    return result


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=parse_size, default=parse_size("1GB"),
                   help="corpus size for the stream check (default: 1GB)")
    p.add_argument("--max-steps", type=int, default=50,
                   help="optimizer steps of llm-tf train in the stream check (default: 50)")
    p.add_argument("--prompts", type=int, default=1000, help="generations (default: 1000)")
    p.add_argument("--turns", type=int, default=1000, help="chat turns (default: 1000)")
    p.add_argument("--max-tokens", type=int, default=16, help="tokens per generation / reply")
    p.add_argument("--warmup", type=int, default=50, help="prompts / turns before measuring")
    p.add_argument("--only", nargs="+", choices=("stream", "generate", "chat"),
                   default=["stream", "generate", "chat"], help="the checks to run")
    p.add_argument("--lm", type=Path, default=None, help="language-model run folder")
    p.add_argument("--qa", type=Path, default=None, help="question-answering run folder")
    p.add_argument("--kb", type=Path, default=None, help="its knowledge base")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--keep", type=Path, default=None, help="work in this folder, and keep it")
    args = p.parse_args(argv)
    if (args.qa is None) != (args.kb is None):
        p.error("--qa and --kb go together")

    def log(msg):
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="llm-tf-load-")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    report, lm = {}, args.lm
    try:
        if "stream" in args.only:
            report["stream"], streamed = check_stream(tmp, args.size, args.max_steps, log)
            lm = lm or streamed
        if lm is None and {"generate", "chat"} & set(args.only):
            lm = train_small_lm(tmp)
        if "generate" in args.only:
            report["generate"] = check_generate(lm, args.prompts, args.max_tokens, args.warmup,
                                                log)
        if "chat" in args.only:
            qa, kb = (args.qa, args.kb) if args.qa else train_small_qa(tmp)
            report["chat"] = check_chat(qa, kb, lm, args.turns, args.max_tokens, args.warmup,
                                        log)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    report["ok"] = all(r["ok"] for r in report.values())
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        log("all checks hold" if report["ok"] else "a check failed: " + ", ".join(
            k for k, r in report.items() if k != "ok" and not r["ok"]))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
