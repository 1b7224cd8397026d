"""Issue 11: the stall at the end of a ``fit`` or an epoch, with tf.data's autotuning on and off.

An epoch's (or ``fit``'s) ``tf.data`` iterator is deleted when it ends. With
autotuning on (TensorFlow's default) each iterator runs a model thread, and its
deletion could wait for it: ``Word2Vec.fit`` on PTB spent 0.4-0.8 s after its
last epoch before it returned, and an iterator deleted 3 s after it was made
once took 2.1 s to go; it comes and goes with where the model thread is when
the iterator goes, so the figures are the worst wait and how often one passed 0.1 s. llm-tf's pipelines end in
:func:`llm_tf.text.pipeline.finish`, which turns autotuning off. This benchmark
trains in one process, alternating the setting (``pipeline.finish`` switched back
to TensorFlow's default for the "on" runs):

- ``Word2Vec.fit`` (skip-gram, the PTB settings and 5 epochs of ``word2vec_vs_gensim.py``): the seconds from ``on_train_end`` to ``fit`` returning, and the whole call;
- ``llm-tf train`` of a small LSTM for ``--epochs`` epochs on the embedded corpus:
  the seconds between one epoch's end and the next epoch's first step beyond the
  validation pass, and the whole run.

    python bench/iterator_teardown.py               # PTB when present, 3 repeats
    python bench/iterator_teardown.py --quick       # the embedded corpus, 1 repeat
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmark
from lstm_throughput import PTB, ROOT  # noqa: E402  (the benchmarks' one PTB path)


def word2vec_teardown(corpus: Path, epochs: int) -> dict:
    import keras

    from llm_tf.vectors import Word2Vec, Word2VecConfig

    class Ends(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            self.end = time.perf_counter()

    cfg = Word2VecConfig(embedding_dim=100, window=5, negative=5, min_count=5, epochs=epochs,
                         seed=1, tokenizer="space")
    ends = Ends()
    t0 = time.perf_counter()
    Word2Vec(cfg).fit(str(corpus), verbose=0, callbacks=[ends])
    t1 = time.perf_counter()
    return {"after_last_epoch_s": t1 - ends.end, "fit_s": t1 - t0}


def lm_epoch_gaps(tmp: Path, epochs: int) -> dict:
    import keras

    from llm_tf.models import ModelConfig
    from llm_tf.training import DataConfig, OptimConfig, TrainConfig, train

    class Gaps(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.gaps, self.ended = [], None

        def on_epoch_end(self, epoch, logs=None):
            self.ended = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            if self.ended is not None:
                self.gaps.append(time.perf_counter() - self.ended)
                self.ended = None

    cfg = TrainConfig(
        data=DataConfig(corpus=str(ROOT / "data" / "corpus.en.txt"), seq_len=16, batch_size=8),
        model=ModelConfig(embedding_dim=32, units=32),
        optim=OptimConfig(epochs=epochs, patience=0),
    )
    gaps = Gaps()
    t0 = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        train(cfg, tmp / f"run-{time.monotonic_ns()}", verbose=0, callbacks=[gaps])
    return {"epoch_gap_s": max(gaps.gaps) if gaps.gaps else 0.0,
            "run_s": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--epochs", type=int, default=3, help="epochs of the LSTM run")
    p.add_argument("--quick", action="store_true", help="the embedded corpus, one repeat")
    p.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = p.parse_args(argv)

    from llm_tf.runtime import quiet_tensorflow_import

    quiet_tensorflow_import()
    from llm_tf.text import pipeline

    finish = pipeline.finish
    rows: dict = {"off": [], "on": []}
    with tempfile.TemporaryDirectory(prefix="teardown-") as tmp:
        tmp = Path(tmp)
        corpus = ROOT / "data" / "corpus.en.txt"
        if not args.quick and PTB.exists():
            corpus = PTB  # Word2Vec streams the .gz itself, as word2vec_vs_gensim.py's run does
        repeats = 1 if args.quick else args.repeats
        for r in range(repeats):
            for setting in ("off", "on"):
                pipeline.finish = functools.partial(finish, autotune=setting == "on")
                try:
                    fig = (word2vec_teardown(corpus, 1 if args.quick else 5)
                           | lm_epoch_gaps(tmp, args.epochs))
                finally:
                    pipeline.finish = finish
                rows[setting].append(fig)
                print(f"repeat {r + 1}, autotuning {setting:3}: Word2Vec.fit returned "
                      f"{fig['after_last_epoch_s']:.3f} s after its last epoch "
                      f"(fit {fig['fit_s']:.2f} s); LSTM epochs: largest gap after an epoch "
                      f"{fig['epoch_gap_s']:.3f} s (run {fig['run_s']:.2f} s)", flush=True)
    # the stall comes and goes with where the model thread is when the iterator goes:
    # report the worst case and how often it passed 0.1 s, not a median
    summary = {}
    for s in ("off", "on"):
        waits = [f[k] for f in rows[s] for k in ("after_last_epoch_s", "epoch_gap_s")]
        summary[s] = {"worst_wait_s": max(waits), "waits_over_0.1s": sum(w > 0.1 for w in waits),
                      "waits": len(waits)}
        print(f"autotuning {s:3} ({'llm-tf' if s == 'off' else 'TensorFlow default'}): worst "
              f"wait {summary[s]['worst_wait_s']:.3f} s; {summary[s]['waits_over_0.1s']} of "
              f"{len(waits)} waits over 0.1 s")
    if args.json:
        args.json.write_text(json.dumps({"runs": rows, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
