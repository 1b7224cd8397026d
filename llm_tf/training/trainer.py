"""§5: training, resuming and fine-tuning a language model in a run folder.

:func:`train` builds the vocabulary, encodes the corpus into the run folder, and
fits the model the registry builds from ``cfg.model`` (by default exactly the §5
listing) with Keras progress bars, validation perplexity each epoch and
TensorBoard logs. After every epoch the model and optimizer are saved atomically
(``checkpoint.keras`` then ``state.json``), so a run that is interrupted, by Ctrl-C
or by the process being killed, continues from its last completed epoch with
``resume=True``. :func:`finetune` continues a trained model on a new corpus with
the original vocabulary.

With several GPUs the model is built under ``tf.distribute.MirroredStrategy``;
otherwise the default strategy (one CPU or GPU) is used.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
from pathlib import Path

from llm_tf.errors import UserInputError
from llm_tf.text import lm_data
from llm_tf.text.corpus import corpus_files, sample_text
from llm_tf.text.tokenizers import get_tokenizer
from llm_tf.text.vocab import Vocabulary
from llm_tf.training import run_folder as rd
from llm_tf.training.config import TrainConfig
from llm_tf.training.run_folder import RunDir, RunInfo


def _log(msg: str) -> None:
    """Progress goes to stdout, beside Keras's progress bars; stderr is for errors."""
    print(msg, file=sys.stdout, flush=True)


def distribution_strategy():
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def _datasets(run: RunDir, cfg: TrainConfig):
    data = cfg.data
    train = lm_data.lm_dataset(run / rd.TRAIN_IDS, data.seq_len, data.batch_size, seed=cfg.seed)
    n_val = lm_data.num_windows(run / rd.VAL_IDS, data.seq_len)
    if n_val == 0:
        raise UserInputError(
            f"the validation split of {data.corpus!r} is shorter than one window of "
            f"{data.seq_len + 1} tokens: use a larger corpus or a smaller --seq-len"
        )
    val = lm_data.lm_dataset(
        run / rd.VAL_IDS, data.seq_len, min(data.batch_size, n_val), shuffle=False,
        drop_remainder=False,
    )
    return train, val


def evaluate_perplexity(model, dataset) -> float:
    """Perplexity of a compiled ``model`` on an ``(x, y)`` dataset: exp(mean cross-entropy)."""
    loss = model.evaluate(dataset, verbose=0, return_dict=True)["loss"]
    return math.exp(min(loss, 50.0))


def _fit(run: RunDir, model, cfg: TrainConfig, initial_epoch: int, history: dict,
         verbose: int | str = "auto", extra_callbacks: list | None = None) -> dict:
    import keras

    from llm_tf.training.callbacks import EpochCheckpoint, PerplexityLogger, plot_history

    train_ds, val_ds = _datasets(run, cfg)
    callbacks = [
        PerplexityLogger(),
        keras.callbacks.TensorBoard(log_dir=str(run / rd.LOGS), write_graph=False),
        EpochCheckpoint(run, history),
        *(extra_callbacks or []),
    ]
    if initial_epoch == 0 and "initial_val_perplexity" not in history:
        model.summary(print_fn=lambda line, **kw: _log(line))
        ppl = evaluate_perplexity(model, val_ds)
        history["initial_val_perplexity"] = [ppl]
        _log(f"validation perplexity before training: {ppl:.2f}")
    if initial_epoch < cfg.optim.epochs:
        model.fit(train_ds, validation_data=val_ds, epochs=cfg.optim.epochs,
                  initial_epoch=initial_epoch, callbacks=callbacks, verbose=verbose,
                  shuffle=False)  # the tf.data pipeline shuffles
    tmp = run / (rd.MODEL + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, run / rd.MODEL)
    plot_history(history, run / rd.CURVE, title=_title(model, cfg))
    return history


def _title(model, cfg: TrainConfig) -> str:
    from llm_tf.models import ARCHITECTURES

    arch = ARCHITECTURES[cfg.model.arch]
    what = "§5 LSTM listing" if cfg.model.is_listing else f"{arch.section} {cfg.model.arch}"
    return f"{what} ({model.count_params():,} parameters): {Path(cfg.data.corpus).name}"


def _prepare(run: RunDir, cfg: TrainConfig, vocab: Vocabulary | None, tokenizer=None) -> RunInfo:
    """Tokenizer, vocabulary and encoded corpus, written into the run folder."""
    data = cfg.data
    if tokenizer is None:
        tokenizer = get_tokenizer(data.tokenizer, data.lower, sample_text(data.corpus))
    if vocab is None:
        _log(f"counting tokens in {data.corpus} ({tokenizer.kind} tokenizer)...")
        counts = lm_data.count_tokens(data.corpus, tokenizer)
        vocab = Vocabulary.from_counts(counts, data.min_count, data.vocab_size)
    vocab.save(run / rd.VOCAB)
    _log(f"encoding {data.corpus} with a vocabulary of {len(vocab):,} tokens...")
    stats = lm_data.encode_corpus(data.corpus, tokenizer, vocab, run / rd.TRAIN_IDS,
                                  run / rd.VAL_IDS, data.seq_len, data.val_fraction)
    counts = {"train_tokens": stats.train_tokens, "val_tokens": stats.val_tokens,
              "oov_rate": stats.oov_rate}
    _log(f"train tokens {stats.train_tokens:,}, validation tokens {stats.val_tokens:,}, "
         f"out-of-vocabulary rate {stats.oov_rate:.2%}")
    info = RunInfo(config=cfg, tokenizer=tokenizer, vocab_size=len(vocab), data=counts)
    run.write_info(info)
    return info


def _new_model(cfg: TrainConfig, vocab_size: int):
    """The registry's model for ``cfg.model``, compiled, inside the distribution strategy."""
    from llm_tf.models import build_model, compile_lm
    from llm_tf.runtime import set_seed

    set_seed(cfg.seed)
    with distribution_strategy().scope():
        model = build_model(cfg.model, vocab_size, seed=cfg.seed)
        compile_lm(model, cfg.optim.learning_rate, jit_compile=cfg.optim.jit_compile)
    return model


@contextlib.contextmanager
def _new_folder(path: Path):
    """Create ``path``; if preparing the run fails, remove what was created."""
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        if created:
            shutil.rmtree(path, ignore_errors=True)
        raise


def _check_out(out: RunDir, resume: bool) -> None:
    if out.path.exists() and not out.path.is_dir():
        raise UserInputError(f"--out {str(out.path)!r} exists and is not a folder")
    if out.exists() and not resume:
        raise UserInputError(
            f"{str(out.path)!r} already holds a run: pass --resume to continue it, "
            f"or choose another --out"
        )
    if resume and out.path.exists() and not out.exists() and any(out.path.iterdir()):
        raise UserInputError(f"--resume: {str(out.path)!r} is not an llm-tf run folder")


def _resume(out: RunDir, epochs: int | None, verbose) -> tuple:
    info = out.info()
    cfg = info.config if epochs is None else info.config.replace(epochs=epochs)
    if cfg != info.config:
        info.config = cfg
        out.write_info(info)
    state = out.state()
    done = int(state.get("epoch", 0))
    if done and (out / rd.CHECKPOINT).is_file():
        import keras

        import llm_tf.models  # noqa: F401  (registers every llm-tf class for loading)
        from llm_tf.runtime import set_seed

        _log(f"resuming {out.path} after epoch {done} of {cfg.optim.epochs}")
        set_seed(cfg.seed + done)
        model = keras.saving.load_model(out / rd.CHECKPOINT)
    else:
        _log(f"resuming {out.path} from the start (no completed epoch was saved)")
        done, state = 0, {"epoch": 0, "history": {}}
        model = _new_model(cfg, info.vocab_size)
    if done >= cfg.optim.epochs:
        _log(f"{out.path} has already trained {done} epochs; pass --epochs N (> {done}) "
             "to train longer")
    return model, cfg, done, state.get("history", {})


def train(cfg: TrainConfig, out: str | os.PathLike, resume: bool = False,
          resume_epochs: int | None = None, verbose: int | str = "auto",
          callbacks: list | None = None, vocab: Vocabulary | None = None):
    """Train the §5 model on ``cfg.corpus`` into run folder ``out``; returns (model, history).

    With ``resume=True`` an existing run continues from its last completed epoch
    with its saved configuration (``resume_epochs`` may change the epoch target);
    a missing run folder starts fresh from ``cfg``. ``callbacks`` are extra Keras
    callbacks passed to ``fit`` after the built-in ones. ``vocab`` uses a given
    vocabulary instead of building one from the corpus (to share it across runs).
    """
    out = RunDir(out)
    _check_out(out, resume)
    if resume and out.exists() and (out / rd.TRAIN_IDS).is_file():
        model, cfg2, done, history = _resume(out, resume_epochs, verbose)
        return model, _fit(out, model, cfg2, done, history, verbose, callbacks)
    corpus_files(cfg.data.corpus)  # fail fast on a bad path before creating anything
    with _new_folder(out.path):
        info = _prepare(out, cfg, vocab=vocab)
    model = _new_model(cfg, info.vocab_size)
    return model, _fit(out, model, cfg, 0, {}, verbose, callbacks)


def finetune(src: str | os.PathLike, corpus: str, out: str | os.PathLike,
             epochs: int | None = 3, resume: bool = False, learning_rate: float | None = None,
             verbose: int | str = "auto"):
    """Continue a trained model on a new corpus, keeping its vocabulary and tokenizer.

    Returns (model, history, oov_rate of the new corpus under the old vocabulary).
    """
    src_run, out_run = RunDir(src).require(), RunDir(out)
    if src_run.path.resolve() == out_run.path.resolve():
        raise UserInputError("--out must differ from --from (the original run is kept)")
    _check_out(out_run, resume)
    if resume and out_run.exists() and (out_run / rd.TRAIN_IDS).is_file():
        model, cfg, done, history = _resume(out_run, epochs, verbose)
        return model, _fit(out_run, model, cfg, done, history, verbose), out_run.info().data.get(
            "oov_rate", 0.0)
    info = src_run.info()
    changes = {"corpus": str(corpus), "epochs": epochs or 3, "finetuned_from": str(src_run.path)}
    if learning_rate is not None:
        changes["learning_rate"] = learning_rate
    cfg = info.config.replace(**changes)
    corpus_files(corpus)
    with _new_folder(out_run.path):
        new_info = _prepare(out_run, cfg, vocab=src_run.vocab(), tokenizer=info.tokenizer)
    model = src_run.load_model(compile=True)
    if learning_rate is not None:
        model.optimizer.learning_rate.assign(learning_rate)
    shutil.copyfile(src_run / rd.CONFIG, out_run / "source_config.json")
    _log(f"fine-tuning {src_run.path} on {corpus}: out-of-vocabulary rate "
         f"{new_info.data['oov_rate']:.2%} under the original vocabulary")
    history = _fit(out_run, model, cfg, 0, {}, verbose)
    return model, history, new_info.data["oov_rate"]

