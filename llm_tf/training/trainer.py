"""§5: training, resuming and fine-tuning a language model in a run folder.

:func:`train` builds the vocabulary, encodes the corpus into the run folder, and
fits the model the registry builds from ``cfg.model`` (by default exactly the §5
listing) with Keras progress bars, validation perplexity each epoch and
TensorBoard logs. After every epoch the model and optimizer are saved atomically
(``checkpoint.keras`` then ``state.json``), so a run that is interrupted, by Ctrl-C
or by the process being killed, continues from its last completed epoch with
``resume=True``. :func:`finetune` continues a trained model on a new corpus with
the original vocabulary.

Every strategy (one device, several GPUs, several workers) goes through the one
loop of :mod:`llm_tf.training.loop`; the model is built, resumed or loaded for
fine-tuning inside the strategy's scope.
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
from llm_tf.training.config import RESUME_LIMITS, TrainConfig
from llm_tf.training.run_folder import RunDir, RunInfo


def _log(msg: str) -> None:
    """Progress goes to stdout, beside Keras's progress bars; stderr is for errors."""
    print(msg, file=sys.stdout, flush=True)


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
    val_path = None if data.val_corpus else run / rd.VAL_IDS
    stats = lm_data.encode_corpus(data.corpus, tokenizer, vocab, run / rd.TRAIN_IDS,
                                  val_path, data.seq_len, data.val_fraction)
    counts = {"train_tokens": stats.train_tokens, "val_tokens": stats.val_tokens,
              "oov_rate": stats.oov_rate}
    for corpus, name, key in ((data.val_corpus, rd.VAL_IDS, "val"),
                              (data.test_corpus, rd.TEST_IDS, "test")):
        if corpus:
            ids, held = lm_data.encode_text_ids(corpus, tokenizer, vocab)
            lm_data.write_ids(run / name, ids)
            counts[f"{key}_tokens"], counts[f"{key}_oov_rate"] = len(ids), held.oov_rate
    _log(f"train tokens {stats.train_tokens:,}, validation tokens {stats.val_tokens:,}, "
         f"out-of-vocabulary rate {stats.oov_rate:.2%}")
    info = RunInfo(config=cfg, tokenizer=tokenizer, vocab_size=len(vocab), data=counts)
    run.write_info(info)
    return info


def _uniform_init(model, scale: float, seed: int) -> None:
    """Every weight uniform(-scale, scale), as Zaremba et al. initialise their LSTMs."""
    import numpy as np

    rng = np.random.default_rng(seed)
    for w in model.trainable_weights:
        w.assign(rng.uniform(-scale, scale, tuple(w.shape)).astype(w.dtype))


def _runtime(cfg: TrainConfig):
    """Strategy, dtype policy and XLA for ``cfg.runtime``, set up once per process."""
    import keras

    from llm_tf.training import distribution

    rt = cfg.runtime
    if rt.deterministic:
        from llm_tf.runtime import enable_determinism

        enable_determinism()
    strategy = distribution.make_strategy(rt.strategy)
    policy = distribution.precision_policy(rt.mixed_precision)
    keras.mixed_precision.set_dtype_policy(policy)
    _log(distribution.describe(strategy, policy, rt.jit_compile))
    return strategy, policy


def _compile(model, cfg: TrainConfig, steps_per_epoch: int, policy: str) -> None:
    from llm_tf.models import compile_lm
    from llm_tf.training.optimizers import make_optimizer

    total = steps_per_epoch * cfg.optim.epochs
    if cfg.optim.max_steps:
        total = min(total, cfg.optim.max_steps)
    optimizer = make_optimizer(cfg.optim, steps_per_epoch, total,
                               loss_scale=policy == "mixed_float16")
    compile_lm(model, optimizer=optimizer, jit_compile=cfg.runtime.jit_compile)
    optimizer.build(model.trainable_variables)  # its slots now, in the strategy's scope


def _steps_per_epoch(run: RunDir, cfg: TrainConfig) -> int:
    return lm_data.num_windows(run / rd.TRAIN_IDS, cfg.data.seq_len) // cfg.data.batch_size


def _new_model(run: RunDir, cfg: TrainConfig, vocab_size: int, strategy, policy):
    """The registry's model for ``cfg.model``, compiled, inside the strategy's scope."""
    from llm_tf.models import build_model
    from llm_tf.runtime import set_seed

    set_seed(cfg.seed)
    with strategy.scope():
        model = build_model(cfg.model, vocab_size, seed=cfg.seed, steppable=cfg.stateful)
        if cfg.optim.init_scale:
            _uniform_init(model, cfg.optim.init_scale, cfg.seed)
        _compile(model, cfg, _steps_per_epoch(run, cfg), policy)
    return model


def _fit(run: RunDir, model, cfg: TrainConfig, strategy, progress,
         verbose: int | str = "auto", extra_callbacks: list | None = None) -> dict:
    from llm_tf.training.callbacks import plot_history
    from llm_tf.training.loop import TrainLoop

    if lm_data.num_windows(run / rd.VAL_IDS, cfg.data.seq_len) == 0:
        raise UserInputError(
            f"the validation split of {cfg.data.corpus!r} is shorter than one window of "
            f"{cfg.data.seq_len + 1} tokens: use a larger corpus or a smaller --seq-len")
    if _steps_per_epoch(run, cfg) < 1:
        raise UserInputError(
            f"{rd.TRAIN_IDS} has fewer windows of {cfg.data.seq_len + 1} tokens than the batch "
            f"size {cfg.data.batch_size}: use a larger corpus or lower --batch-size / --seq-len")
    loop = TrainLoop(run, model, cfg, strategy, cfg.runtime.jit_compile, extra_callbacks or (),
                     verbose, log=_log)
    history = progress.history
    if progress.step == 0 and "initial_val_perplexity" not in history:
        model.summary(print_fn=lambda line, **kw: _log(line))
        ppl = math.exp(min(loop.evaluate(run / rd.VAL_IDS), 50.0))
        history["initial_val_perplexity"] = [ppl]
        _log(f"validation perplexity before training: {ppl:.2f}")
    progress = loop.fit(progress)
    if progress.stopped:
        _log(f"stopped: {progress.stopped}")
    from llm_tf.training.distribution import is_chief

    loop.save(progress, rd.MODEL)  # the chief keeps it; other workers write and drop
    if not (run / rd.BEST).is_file():
        loop.save(progress, rd.BEST)
    if is_chief():
        plot_history(history, run / rd.CURVE, title=_title(model, cfg))
    return history


@contextlib.contextmanager
def _new_folder(path: Path, created: bool | None = None):
    """Create ``path``; if preparing the run fails, remove what was created (``created``:
    whether this run made the folder, when its lock already did)."""
    created = not path.exists() if created is None else created
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
    if resume and out.path.exists() and not out.exists() and rd.folder_entries(out.path):
        raise UserInputError(f"--resume: {str(out.path)!r} is not an llm-tf run folder")


def _resume(out: RunDir, epochs: int | None, limits: dict | None = None) -> tuple:
    """The run's saved config (with new limits: epochs, max_steps, time_budget or
    patience), its checkpoint or a new model."""
    from llm_tf.training.loop import Progress

    info = out.info()
    changes = {**(limits or {}), **({} if epochs is None else {"epochs": epochs})}
    unknown = sorted(set(changes) - set(RESUME_LIMITS))
    if unknown:
        raise UserInputError(f"--resume keeps the run's settings; only {', '.join(RESUME_LIMITS)} "
                             f"may change, not {', '.join(unknown)}")
    cfg = info.config.replace(**changes) if changes else info.config
    if cfg != info.config:
        info.config = cfg
        out.write_info(info)
    progress = Progress.from_json(out.state())
    strategy, policy = _runtime(cfg)
    if progress.step and (out / rd.CHECKPOINT).is_file():
        import llm_tf.models  # noqa: F401  (registers every llm-tf class for loading)
        import llm_tf.training.optimizers  # noqa: F401  (the learning-rate schedules)
        from llm_tf.runtime import set_seed

        where = f"epoch {progress.epoch + 1}, batch {progress.batch}" if progress.batch else \
            f"epoch {progress.epoch}"
        _log(f"resuming {out.path} after {where} (of {cfg.optim.epochs} epochs)")
        set_seed(cfg.seed)  # the same global seed: the same data order as an unbroken run
        from llm_tf.training.loop import restore_rng_state

        with strategy.scope():
            model = rd.load_model_file(out / rd.CHECKPOINT)
        restore_rng_state(model, progress.rng)  # dropout continues its random stream
    else:
        _log(f"resuming {out.path} from the start (no checkpoint was saved)")
        progress = Progress()
        model = _new_model(out, cfg, info.vocab_size, strategy, policy)
    if progress.epoch >= cfg.optim.epochs:
        _log(f"{out.path} has already trained {progress.epoch} epochs; pass --epochs N "
             f"(> {progress.epoch}) to train longer")
    elif progress.stopped:
        _log(f"{out.path} had stopped ({progress.stopped}); training on")
        progress.stopped = ""
        progress.bad_epochs = 0
    return model, cfg, strategy, progress


def train(cfg: TrainConfig, out: str | os.PathLike, resume: bool = False,
          resume_epochs: int | None = None, verbose: int | str = "auto",
          resume_limits: dict | None = None,
          callbacks: list | None = None, vocab: Vocabulary | None = None):
    """Train the §5 model on ``cfg.corpus`` into run folder ``out``; returns (model, history).

    With ``resume=True`` an existing run continues from its last completed epoch
    with its saved configuration (``resume_epochs`` may change the epoch target, and
    ``resume_limits`` any of :data:`RESUME_LIMITS`: ``{"time_budget": 3600}``);
    a missing run folder starts fresh from ``cfg``. ``callbacks`` are extra Keras
    callbacks passed to ``fit`` after the built-in ones. ``vocab`` uses a given
    vocabulary instead of building one from the corpus (to share it across runs).
    """
    from llm_tf.training.loop import Progress

    out = RunDir(out)
    _check_out(out, resume)
    if not (resume and out.exists() and (out / rd.TRAIN_IDS).is_file()):
        for path in (cfg.data.corpus, cfg.data.val_corpus, cfg.data.test_corpus):
            if path:
                corpus_files(path)  # fail fast on a bad path before creating anything
    created = not out.path.exists()
    with _writer_lock(out):
        _check_out(out, resume)  # again, now that no other process writes the folder
        if resume and out.exists() and (out / rd.TRAIN_IDS).is_file():
            model, cfg2, strategy, progress = _resume(out, resume_epochs, resume_limits)
            return model, _fit(out, model, cfg2, strategy, progress, verbose, callbacks)
        with _new_folder(out.path, created):
            info = _prepare(out, cfg, vocab=vocab)
        strategy, policy = _runtime(cfg)
        model = _new_model(out, cfg, info.vocab_size, strategy, policy)
        return model, _fit(out, model, cfg, strategy, Progress(), verbose, callbacks)


def _writer_lock(run: RunDir):
    """The run folder's lock (:meth:`RunDir.lock`), held by the chief: other workers of a
    multi-worker run write only into their own ``.worker-PID`` folders."""
    from llm_tf.training.distribution import is_chief

    return run.lock() if is_chief() else contextlib.nullcontext()


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
    created = not out_run.path.exists()
    with _writer_lock(out_run):
        _check_out(out_run, resume)
        return _finetune(src_run, corpus, out_run, epochs, resume, learning_rate, verbose,
                         created)


def _finetune(src_run: RunDir, corpus, out_run: RunDir, epochs, resume, learning_rate,
              verbose, created: bool):
    from llm_tf.training.loop import Progress

    if resume and out_run.exists() and (out_run / rd.TRAIN_IDS).is_file():
        model, cfg, strategy, progress = _resume(out_run, epochs)
        history = _fit(out_run, model, cfg, strategy, progress, verbose)
        return model, history, out_run.info().data.get("oov_rate", 0.0)
    info = src_run.info()
    changes = {"corpus": str(corpus), "epochs": epochs or 3, "finetuned_from": str(src_run.path)}
    if learning_rate is not None:
        changes["learning_rate"] = learning_rate
    cfg = info.config.replace(**changes)
    corpus_files(corpus)
    with _new_folder(out_run.path, created):
        new_info = _prepare(out_run, cfg, vocab=src_run.vocab(), tokenizer=info.tokenizer)
    strategy, policy = _runtime(cfg)
    with strategy.scope():  # the trained weights, a fresh optimizer for the new corpus
        model = src_run.load_model(compile=False)
        _compile(model, cfg, _steps_per_epoch(out_run, cfg), policy)
    with rd.atomic_path(out_run / "source_config.json") as tmp:
        shutil.copyfile(src_run / rd.CONFIG, tmp)
    _log(f"fine-tuning {src_run.path} on {corpus}: out-of-vocabulary rate "
         f"{new_info.data['oov_rate']:.2%} under the original vocabulary")
    history = _fit(out_run, model, cfg, strategy, Progress(), verbose)
    return model, history, new_info.data["oov_rate"]

