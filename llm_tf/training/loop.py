"""§5: the one training loop, for every strategy: ``strategy.run`` over distributed data.

Keras 3's ``fit`` fails under ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585),
so llm-tf runs its own step on TensorFlow's engine, the same way for one device,
several GPUs and several workers::

    for each epoch (its windows shuffled by seed + epoch, so a resumed epoch replays):
        for each global batch:  loss = strategy.reduce(SUM, strategy.run(step, (x, y)))
            step: forward, sparse cross-entropy averaged over the global batch
                  (tf.nn.compute_average_loss), gradients, optimizer.apply
            Keras callbacks (progress bar, TensorBoard, the user's) see every batch
            stop at --max-steps / --time-budget / Ctrl-C; checkpoint every --save-every
        validation loss; best.keras when it improves; plateau schedule; early stopping

A checkpoint is the model with its optimizer (``checkpoint.keras``) and
``state.json`` (epoch, batch within the epoch, history, counters), each written
atomically; with ``--resume`` the loop rebuilds the same epoch order and skips the
batches already done.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field

import keras
import numpy as np
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.files import atomic_path, save_model_atomic
from llm_tf.layers.chunked_cross_entropy import chunked_cross_entropy_sum
from llm_tf.text import lm_data, pipeline
from llm_tf.training import run_folder as rd
from llm_tf.training.config import RECURRENT, SPLIT_DTYPES, TrainConfig
from llm_tf.training.distribution import is_chief
from llm_tf.training.optimizers import averaged_weights, plateau_rate
from llm_tf.training.run_folder import RunDir, write_json_atomic
from llm_tf.training.split_cross_entropy import split_cross_entropy_sum

CARRIED = "carried_state.npz"  # stateful runs saved mid-epoch: the recurrent state
SAVE_SECONDS = 300.0  # default mid-epoch checkpoint cadence: about every 5 minutes of work


@dataclass
class Progress:
    """Where a run stands; ``state.json`` holds it."""

    epoch: int = 0  # completed epochs
    batch: int = 0  # batches done in the epoch under way
    step: int = 0  # optimizer steps in all
    tokens: int = 0  # training tokens seen
    seconds: float = 0.0  # training wall time
    steady_tokens: int = 0  # tokens and seconds after each run's first 5 steps (compilation)
    steady_seconds: float = 0.0
    best_val_loss: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0  # epochs since the best
    lr_scale: float | None = 1.0  # plateau schedule: the divisions of the rate so far
    stopped: str = ""  # why training ended early, if it did
    rng: list = field(default_factory=list)  # the dropout seed generators' states
    history: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: dict) -> Progress:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "best_val_loss" in known and known["best_val_loss"] is None:
            known["best_val_loss"] = math.inf
        known.setdefault("lr_scale", None)  # older state.json: read from the optimizer
        return cls(**known)

    def to_json(self) -> dict:
        d = asdict(self)
        d["best_val_loss"] = None if math.isinf(self.best_val_loss) else self.best_val_loss
        return d


def _seed_states(model) -> list:
    """Keras's dropout seed generators: not restored by ``load_model``, so saved apart."""
    return [v for v in model.non_trainable_variables if "seed_generator_state" in v.path]


def rng_state(model) -> list:
    return [np.asarray(keras.ops.convert_to_numpy(v)).tolist() for v in _seed_states(model)]


def restore_rng_state(model, saved: list) -> None:
    states = _seed_states(model)
    if saved and len(saved) == len(states):
        for v, value in zip(states, saved, strict=True):
            v.assign(np.asarray(value, dtype=keras.backend.standardize_dtype(v.dtype)))


def fused_output_parts(model, stateful: bool = False):
    """``(features, output_head)`` where the loop can fuse the output layer with its loss
    (a model with ``features``/``step_features`` and ``output_head``, or the §5
    listing's functional model), else ``(None, None)``."""
    if hasattr(model, "output_head"):
        if hasattr(model, "step_features" if stateful else "features"):
            return getattr(model, "features", None), model.output_head
        return None, None
    if stateful:
        return None, None
    from llm_tf.models.listing_lm import listing_output_parts

    try:
        return listing_output_parts(model)
    except ValueError:  # another functional model: the plain loss on its output
        return None, None


def split_output_dtype(cfg: TrainConfig, fused: bool, jit: bool) -> str | None:
    """The matmul dtype when the fused loss runs split (``--output-matmuls onednn[-bf16]``:
    TensorFlow's kernels for the output layer's matmuls, XLA for its softmax and the
    update), or None for one XLA-compiled step (or none: ``--no-xla``). ``auto`` splits
    (float32) for the recurrent models on a CPU with XLA on, where bench/lstm_throughput.py
    and the stateful defaults measured it as fast or twice as fast (docs/benchmarks.md)."""
    choice = cfg.runtime.output_matmuls
    if choice == "auto":
        recurrent_cpu = cfg.model.arch in RECURRENT and not tf.config.list_physical_devices("GPU")
        return "float32" if fused and jit and recurrent_cpu else None
    if choice == "xla":
        return None
    if not fused:
        raise UserInputError(f"--output-matmuls {choice} needs the fused output loss: a float32 "
                             "language model trained with --fused-loss")
    return SPLIT_DTYPES[choice]


def save_model(model, path) -> None:
    """``model.save`` to a temporary file in the same folder, then a rename."""
    save_model_atomic(model, path)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during training, after the run was saved at a step boundary."""


class TrainLoop:
    """Runs the epochs of one run folder (see the module docstring)."""

    def __init__(self, run: RunDir, model, cfg: TrainConfig, strategy, jit: bool,
                 callbacks=(), verbose="auto", log=print):
        self.run, self.model, self.cfg, self.strategy = run, model, cfg, strategy
        self.jit, self.verbose, self.log = jit, verbose, log
        self.user_callbacks = list(callbacks)
        data = cfg.data
        self.global_batch = data.batch_size
        replicas = strategy.num_replicas_in_sync
        if self.global_batch % replicas:
            raise ValueError(f"batch_size {self.global_batch} is not divisible by the "
                             f"{replicas} replicas")
        self.stateful = cfg.stateful
        if self.stateful:
            if not hasattr(model, "step"):
                raise UserInputError("--stateful needs a recurrent model (rnn or lstm)")
            if getattr(model, "max_len", None):
                raise UserInputError("--stateful is for recurrent models, not the Transformer")
            if data.shift_windows:
                raise UserInputError("--shift-windows is for independent windows, not "
                                     "--stateful streams")
            tokens = os.path.getsize(run / rd.TRAIN_IDS) // lm_data.ID_DTYPE.itemsize
            self.steps_per_epoch = (tokens // self.global_batch - 1) // data.seq_len
            self.windows = self.steps_per_epoch * self.global_batch
        else:  # with shift_windows, as many windows as the latest cut leaves
            self.windows = lm_data.num_windows(run / rd.TRAIN_IDS, data.seq_len,
                                               skip=data.seq_len if data.shift_windows else 0)
            self.steps_per_epoch = self.windows // self.global_batch
        self.state = None  # the carried recurrent state (stateful), one value per replica
        # the output layer and its loss fused and chunked (float32 models that expose it,
        # and the §5 listing's functional graph, whose layers are found by type)
        self._features, self._output_head = fused_output_parts(model, self.stateful)
        self.fused = bool(cfg.runtime.fused_loss and self._output_head is not None
                          and model.compute_dtype == "float32")
        self.split = split_output_dtype(cfg, self.fused, jit)
        self._step_fn = self._make_step()
        self._eval_fn = tf.function(self._eval_batch, jit_compile=jit, reduce_retracing=True)
        self._stop_signal = False
        self._stream_fn_eval = None

    # ---- data
    def _train_dataset(self, epoch: int, skip: int):
        data, seed = self.cfg.data, self.cfg.seed
        steps = self.steps_per_epoch

        def dataset_fn(ctx: tf.distribute.InputContext):
            per_replica = ctx.get_per_replica_batch_size(self.global_batch)
            per_pipeline = ctx.num_replicas_in_sync // ctx.num_input_pipelines
            ds = lm_data.window_records(self.run / rd.TRAIN_IDS, data.seq_len,
                                        self.window_offset(epoch))
            ds = ds.shard(ctx.num_input_pipelines, ctx.input_pipeline_id)
            ds = ds.shuffle(min(10_000, max(1, self.windows)), seed=seed + epoch,
                            reshuffle_each_iteration=False)
            ds = ds.batch(per_replica, drop_remainder=True).take(steps * per_pipeline)
            ds = ds.skip(skip * per_pipeline).map(lm_data.split_windows)
            return pipeline.finish(ds)

        if self.stateful:
            dataset_fn = self._stream_fn(skip)
        return self.strategy.distribute_datasets_from_function(dataset_fn)

    def window_offset(self, epoch: int) -> int:
        """Where epoch ``epoch`` cuts the stream into windows: 0, or with
        ``shift_windows`` an offset in [0, seq_len] from the seed and the epoch (so a
        resumed epoch replays it)."""
        data = self.cfg.data
        if not data.shift_windows:
            return 0
        return int(np.random.default_rng([self.cfg.seed, epoch]).integers(0, data.seq_len + 1))

    def _stream_fn(self, skip: int):
        """Truncated BPTT: the token stream cut into ``batch_size`` contiguous rows; batch s is
        columns ``s*T .. (s+1)*T`` of every row; each replica keeps its own rows."""
        T, steps, G = self.cfg.data.seq_len, self.steps_per_epoch, self.global_batch
        ids = lm_data.read_ids(self.run / rd.TRAIN_IDS)  # memory-mapped: read as batches go
        width = steps * T + 1
        rows = ids[: G * (len(ids) // G)].reshape(G, -1)[:, :width]  # (G, steps*T+1), a view

        def dataset_fn(ctx: tf.distribute.InputContext):
            b = ctx.get_per_replica_batch_size(G)
            local = ctx.num_replicas_in_sync // ctx.num_input_pipelines
            first = ctx.input_pipeline_id * local * b
            mine = rows[first : first + local * b].reshape(local, b, width)

            def batches():  # step-major, then replica: (b, T) inputs and targets
                for s in range(skip, steps):
                    block = np.asarray(mine[:, :, s * T : s * T + T + 1], np.int32)
                    for r in range(local):
                        yield block[r, :, :-1], block[r, :, 1:]

            spec = tf.TensorSpec((b, T), tf.int32)
            ds = tf.data.Dataset.from_generator(batches, output_signature=(spec, spec))
            return pipeline.finish(ds)

        return dataset_fn

    def initial_state(self):
        b = self.global_batch // self.strategy.num_replicas_in_sync
        return self.strategy.experimental_distribute_values_from_function(
            lambda ctx: self.model.init_state(b))

    def _state_arrays(self) -> list[np.ndarray]:
        """The carried state, (replicas, b, U) per tensor, for a checkpoint."""
        return [np.stack([np.asarray(t) for t in self.strategy.experimental_local_results(s)])
                for s in self.state]

    def _restore_state(self, arrays) -> None:
        self.state = self.strategy.experimental_distribute_values_from_function(
            lambda ctx: [tf.constant(a[ctx.replica_id_in_sync_group]) for a in arrays])

    # ---- the step
    def _make_step(self):
        model, strategy, global_batch = self.model, self.strategy, self.global_batch
        optimizer = model.optimizer
        scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)

        stateful = self.stateful

        fused = self.fused

        def fused_loss(features, y):  # (b, T, D) -> the step's loss, no (b, T, V) tensor
            kernel, bias, tied = self._output_head()
            b = global_batch // strategy.num_replicas_in_sync  # per replica, every step
            t, d = self.cfg.data.seq_len, features.shape[-1]
            args = (tf.reshape(features, (b * t, d)), kernel, tf.reshape(y, (-1,)), bias)
            if self.split:  # matmuls by TensorFlow's kernels, softmax by XLA
                total = split_cross_entropy_sum(*args, tied=tied, dtype=self.split)
            else:
                total = chunked_cross_entropy_sum(*args, tied=tied)
            return total / tf.cast(t * global_batch, total.dtype)  # = compute_average_loss

        def average(per_token):  # (b, T) -> mean over T, summed over b / the global batch
            return tf.nn.compute_average_loss(tf.reduce_mean(per_token, -1),
                                              global_batch_size=global_batch)

        def loss_and_grads(x, y, state):
            with tf.GradientTape() as tape:
                if stateful:  # from the carried state; no gradient flows into earlier batches
                    state = [tf.stop_gradient(t) for t in state]
                    if fused:
                        features, state = model.step_features(x, state, training=True)
                        loss = fused_loss(features, y)
                    else:
                        logits, state = model.step(x, state, training=True)  # (b, T, V)
                        loss = average(keras.losses.sparse_categorical_crossentropy(
                            y, logits, from_logits=True))
                elif fused:
                    loss = fused_loss(self._features(x, training=True), y)
                else:
                    probs = model(x, training=True)  # (b, T, V), float32
                    loss = average(keras.losses.sparse_categorical_crossentropy(y, probs))
                target = optimizer.scale_loss(loss) if scaled else loss
            return loss, tape.gradient(target, model.trainable_variables), state

        one = strategy.num_replicas_in_sync == 1
        if one:  # one device: XLA may fuse the update with the step (split: a graph
            # around the split loss, the update compiled on its own)
            def update(grads):
                optimizer.apply(grads, model.trainable_variables)

            if self.split:
                update = tf.function(update, jit_compile=self.jit)

            def replica_step(x, y, state):
                loss, grads, state = loss_and_grads(x, y, state)
                update(grads)
                return loss, state
            if not self.split:
                replica_step = tf.function(replica_step, jit_compile=self.jit)
        else:  # replicas: the all-reduce in apply stays outside XLA
            grads_fn = tf.function(loss_and_grads, jit_compile=self.jit and not self.split)

            def replica_step(x, y, state):
                loss, grads, state = grads_fn(x, y, state)
                optimizer.apply(grads, model.trainable_variables)
                return loss, state

        @tf.function
        def train_step(iterator, state):
            x, y = next(iterator)
            loss, state = strategy.run(replica_step, args=(x, y, state))
            return strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None), state

        return train_step

    def _eval_batch(self, x, y):
        probs = self.model(x, training=False)
        nll = keras.losses.sparse_categorical_crossentropy(y, probs)
        return tf.reduce_sum(tf.cast(nll, tf.float64)), tf.cast(tf.size(nll), tf.float64)

    def evaluate(self, path) -> float:
        """Mean cross-entropy (nats per token) on an id file: in windows of ``seq_len``, or
        (stateful) as ``batch_size`` contiguous streams with the state carried."""
        data = self.cfg.data
        if self.stateful:
            return self._evaluate_stream(path)
        n = lm_data.num_windows(path, data.seq_len)
        if n == 0:
            return math.nan
        ds = lm_data.lm_dataset(path, data.seq_len, min(data.batch_size, n), shuffle=False,
                                drop_remainder=False)
        total = count = 0.0
        for x, y in ds:
            s, c = self._eval_fn(x, y)
            total, count = total + float(s), count + float(c)
        return total / count

    def _evaluate_stream(self, path) -> float:
        ids = np.asarray(lm_data.read_ids(path))
        T = self.cfg.data.seq_len
        rows = max(1, min(self.cfg.data.batch_size, (len(ids) - 1) // T))
        width = (len(ids) - 1) // rows
        if width < 1:
            return math.nan
        x = ids[: rows * width].reshape(rows, width)
        y = ids[1 : rows * width + 1].reshape(rows, width)
        if self._stream_fn_eval is None:
            def score(xb, yb, state):
                logits, state = self.model.step(xb, state, training=False)
                nll = keras.losses.sparse_categorical_crossentropy(yb, logits, from_logits=True)
                return tf.reduce_sum(tf.cast(nll, tf.float64)), state
            self._stream_fn_eval = tf.function(score, jit_compile=self.jit,
                                               reduce_retracing=True)
        state, total = self.model.init_state(rows), 0.0
        for start in range(0, width, T):
            s, state = self._stream_fn_eval(x[:, start : start + T], y[:, start : start + T],
                                            state)
            total += float(s)
        return total / (rows * width)

    # ---- checkpoints
    def save(self, progress: Progress, name: str = rd.CHECKPOINT) -> None:
        """Model + optimizer, then the progress: both atomic; only the chief keeps them."""
        chief = is_chief()
        folder = self.run.path if chief else self.run.path / f".worker-{os.getpid()}"
        folder.mkdir(parents=True, exist_ok=True)
        save_model(self.model, folder / name)
        if name == rd.CHECKPOINT:
            progress.rng = rng_state(self.model)
            if self.stateful and self.state is not None and progress.batch:
                with atomic_path(folder / CARRIED, ".npz") as tmp:
                    np.savez(tmp, *self._state_arrays())
            write_json_atomic(folder / rd.STATE, progress.to_json())
        if not chief:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)

    # ---- the epochs
    def _callbacks(self, epochs: int):
        verbose = 1 if self.verbose == "auto" else self.verbose
        from llm_tf.training.callbacks import PerplexityLogger

        cbs = [PerplexityLogger(),
               keras.callbacks.TensorBoard(log_dir=str(self.run / rd.LOGS), write_graph=False),
               *self.user_callbacks]
        return keras.callbacks.CallbackList(cbs, add_history=False, add_progbar=verbose != 0,
                                            model=self.model, verbose=verbose, epochs=epochs,
                                            steps=self.steps_per_epoch)

    def _on_sigint(self, signum, frame):
        if self._stop_signal:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self._stop_signal = True

    def fit(self, progress: Progress) -> Progress:
        cfg, opt = self.cfg, self.cfg.optim
        if self.steps_per_epoch < 1:
            raise ValueError("fewer training windows than one batch")
        callbacks = self._callbacks(opt.epochs)
        save_every = cfg.runtime.save_every
        previous = signal.getsignal(signal.SIGINT)
        in_main = sys.modules["threading"].current_thread() is sys.modules["threading"].main_thread()
        if in_main:
            signal.signal(signal.SIGINT, self._on_sigint)
        self.model.stop_training = False
        callbacks.on_train_begin()
        start = time.perf_counter()
        base_seconds, last_save, calls = progress.seconds, time.perf_counter(), 0
        warming = opt.lr_schedule == "plateau" and opt.warmup_steps > 0
        if progress.lr_scale is None:  # a run saved before lr_scale: the rate it had reached
            progress.lr_scale = 1.0
            if opt.lr_schedule == "plateau":
                progress.lr_scale = float(keras.ops.convert_to_numpy(
                    self.model.optimizer.learning_rate)) / opt.learning_rate
        try:
            while progress.epoch < opt.epochs and not progress.stopped:
                epoch = progress.epoch
                callbacks.on_epoch_begin(epoch)
                iterator = iter(self._train_dataset(epoch, progress.batch))
                if self.stateful:  # reset each epoch; restored when resuming mid-epoch
                    saved = self.run / CARRIED
                    if progress.batch and saved.is_file():
                        with np.load(saved) as z:
                            self._restore_state([z[k] for k in z.files])
                    else:
                        self.state = self.initial_state()
                losses = []
                for batch in range(progress.batch, self.steps_per_epoch):
                    callbacks.on_train_batch_begin(batch)
                    if warming and progress.step <= opt.warmup_steps:  # plateau's warm-up
                        self.model.optimizer.learning_rate.assign(
                            plateau_rate(opt, progress.step, progress.lr_scale))
                    t0 = time.perf_counter()
                    loss, self.state = self._step_fn(iterator, self.state)
                    loss = float(loss)
                    calls += 1
                    if calls > 5:
                        progress.steady_seconds += time.perf_counter() - t0
                        progress.steady_tokens += self.global_batch * cfg.data.seq_len
                    losses.append(loss)
                    progress.batch, progress.step = batch + 1, progress.step + 1
                    progress.tokens += self.global_batch * cfg.data.seq_len
                    progress.seconds = base_seconds + time.perf_counter() - start
                    callbacks.on_train_batch_end(batch, {"loss": float(np.mean(losses))})
                    if not math.isfinite(loss):
                        progress.stopped = f"the loss became {loss} at step {progress.step}"
                    elif opt.max_steps and progress.step >= opt.max_steps:
                        progress.stopped = f"--max-steps {opt.max_steps} reached"
                    elif opt.time_budget and progress.seconds >= opt.time_budget:
                        progress.stopped = f"--time-budget {opt.time_budget:g} s reached"
                    if self._stop_signal:
                        self.save(progress)
                        raise Interrupted(f"saved at epoch {epoch + 1}, batch {batch + 1}")
                    due = (save_every and progress.step % save_every == 0) or (
                        not save_every and time.perf_counter() - last_save > SAVE_SECONDS)
                    if due and progress.batch < self.steps_per_epoch and not progress.stopped:
                        self.save(progress)
                        last_save = time.perf_counter()
                    if self.model.stop_training and not progress.stopped:  # mid-epoch: end
                        progress.stopped = "stopped by a callback"  # it (validation, save)
                    if progress.stopped:
                        break
                logs = {"loss": float(np.mean(losses)) if losses else math.nan}
                if progress.batch >= self.steps_per_epoch or progress.stopped:
                    self._end_epoch(progress, logs)
                    callbacks.on_epoch_end(epoch, logs)
                    if self.model.stop_training and not progress.stopped:
                        progress.stopped = "stopped by a callback"
                    self.save(progress)
                    last_save = time.perf_counter()
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        callbacks.on_train_end()
        return progress

    def _end_epoch(self, progress: Progress, logs: dict) -> None:
        """Validation, history, best model, plateau schedule and early stopping."""
        opt = self.cfg.optim
        with averaged_weights(self.model):  # --ema: validation and best.keras use the average
            val = self.evaluate(self.run / rd.VAL_IDS)
            improved = val < progress.best_val_loss
            if improved:
                self.save(progress, rd.BEST)
        logs["val_loss"] = val
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(
            self.model.optimizer.learning_rate))
        progress.epoch += 1
        progress.batch = 0
        for k, v in logs.items():
            progress.history.setdefault(k, []).append(float(v))
        for k in ("loss", "val_loss"):
            progress.history.setdefault(k.replace("loss", "perplexity"), []).append(
                float(math.exp(min(logs[k], 50.0))))
        if improved:
            progress.best_val_loss, progress.best_epoch, progress.bad_epochs = val, progress.epoch, 0
        else:
            progress.bad_epochs += 1
            if opt.lr_schedule == "plateau":
                progress.lr_scale /= opt.decay_factor
                self.model.optimizer.learning_rate.assign(
                    plateau_rate(opt, progress.step, progress.lr_scale))
            if opt.patience and progress.bad_epochs >= opt.patience:
                progress.stopped = (f"validation has not improved for {opt.patience} epochs "
                                    f"(best: epoch {progress.best_epoch})")
