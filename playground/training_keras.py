"""The Keras backend of ``playground.training.train``: ``model.fit`` yielding the PyTorch loop's events.

``fit`` runs in a worker thread; a ``keras.callbacks.Callback`` pushes StepEvents (every batch)
and EpochEvents (every epoch, with fit's validation metrics) into a one-slot queue that this
generator yields from in the caller's thread, so events stream while training runs and a slow
reader holds the training back by at most one batch (as the PyTorch generator does).

The course notes' callbacks do the rest: LearningRateScheduler (with ``lr_at``, shared with the
PyTorch loop), EarlyStopping(monitor="val_loss") and, when a path is given, ModelCheckpoint.

Where the backends differ, on purpose or because Keras does it its own way:

* stop: the flag is read after each batch (Keras cannot skip a batch that has begun), so at most
  one batch trains after it is set; that batch's StepEvent is not yielded and its update is kept.
* loss: Keras' loss includes the L1/L2 penalty and the weight decay term (PyTorch reports the
  data loss alone); the per-batch loss is recovered from fit's running epoch mean.
* weight_decay: as torch's optimizers, coupled for sgd/momentum/rmsprop/adam (a wd/2·w² term
  whose gradient is torch's wd·w; Keras' own ``weight_decay`` would be decoupled and make adam
  the same as adamw) and decoupled for adamw. RMSprop keeps Keras' rho=0.9 and epsilon=1e-7.
* threads: TensorFlow takes its thread budget once, when it starts (``configure_tensorflow``);
  ``config.threads`` applies only if TensorFlow has not run anything yet in this process.
"""
from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from playground.builders import build_keras
from playground.data import Dataset
from playground.layers import IMAGE, TOKENS
from playground.spec import ModelSpec
from playground.training import (
    DIVERGENCE_FACTOR,
    DoneEvent,
    EpochEvent,
    ErrorEvent,
    StartEvent,
    StepEvent,
    StopFlag,
    Task,
    TaskMismatch,
    TrainConfig,
    TrainEvent,
    lr_at,
    resolve_task,
)

_END = object()  # the worker's last item in the queue


def keras_loss(task: Task, keras):
    if task.mode == "ce_logits":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if task.mode == "nll_probs":
        return "sparse_categorical_crossentropy"
    if task.mode in ("bce_logits", "bce_probs"):
        return keras.losses.BinaryCrossentropy(from_logits=task.mode == "bce_logits")
    return keras.losses.MeanSquaredError()


def keras_metrics(task: Task, keras) -> list:
    """Accuracy as ``task.correct`` counts it (logits above 0, probabilities above 0.5); none for regression."""
    if task.mode in ("ce_logits", "nll_probs"):
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    if task.mode == "bce_logits":
        return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]
    if task.mode == "bce_probs":
        return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.5)]
    return []


def keras_optimizer(config: TrainConfig, keras):
    """The optimizer; only adamw takes weight_decay here, the others get it from ``add_weight_penalty``."""
    name, lr = config.optimizer, config.lr
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr)
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate=lr, momentum=config.momentum)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr)
    if name == "adamw":
        return keras.optimizers.AdamW(learning_rate=lr, weight_decay=config.weight_decay)
    return keras.optimizers.Adam(learning_rate=lr)


def add_weight_penalty(model, config: TrainConfig, keras) -> int:
    """L1/L2 on every weight matrix and kernel, as ``kernel_regularizer`` would put it, plus coupled weight decay.

    The layers are already built, so their ``kernel_regularizer`` argument is gone; instead the
    built variables get the regularizer that ``add_weight(regularizer=...)`` would have given
    them, and ``model.losses`` (which ``fit`` adds to the loss) picks it up. Same rule as the
    PyTorch loop's penalty: every trainable tensor with more than one dimension. Weight decay for
    the optimizers other than adamw is a wd/2·w² term on every trainable tensor (biases too), whose
    gradient wd·w is what torch adds. Returns how many variables got a regularizer.
    """
    decay = config.weight_decay / 2 if config.optimizer != "adamw" else 0.0
    if not (config.l1 or config.l2 or decay):
        return 0
    count = 0
    for variable in model.trainable_variables:
        if len(variable.shape) > 1 and (config.l1 or config.l2):
            variable.regularizer = keras.regularizers.L1L2(l1=config.l1, l2=config.l2 + decay)
        elif decay:
            variable.regularizer = keras.regularizers.L2(decay)
        else:
            continue
        count += 1
    return count


def to_keras_x(x, spec: ModelSpec) -> np.ndarray:
    """Torch tensors to numpy, images (N, C, H, W) to channels-last (N, H, W, C)."""
    arr = x.detach().cpu().numpy()
    kind = spec.input().kind
    if kind == IMAGE:
        return np.ascontiguousarray(arr.transpose(0, 2, 3, 1), dtype=np.float32)
    if kind == TOKENS:
        return arr.astype(np.int32)
    return arr.astype(np.float32, copy=False)


def to_keras_y(y, task: Task, output_shape) -> np.ndarray:
    arr = y.detach().cpu().numpy()
    if task.mode in ("ce_logits", "nll_probs"):
        return arr.astype(np.int32)
    return arr.astype(np.float32).reshape((-1, *[d or 1 for d in output_shape[1:]]))  # (N, 1) as the output


def _augmenter(config: TrainConfig, keras):
    """RandomRotation/RandomTranslation/RandomFlip, zero fill as the PyTorch loop's grid_sample."""
    steps = []
    if config.rotation:
        steps.append(keras.layers.RandomRotation(config.rotation / 360.0, fill_mode="constant", seed=config.seed))
    if config.shift:
        steps.append(keras.layers.RandomTranslation(config.shift, config.shift, fill_mode="constant",
                                                    seed=config.seed + 1))
    if config.flip:
        steps.append(keras.layers.RandomFlip("horizontal", seed=config.seed + 2))
    return keras.Sequential(steps) if steps else None


def _train_input(tf, keras, x, y, config: TrainConfig, bs: int, threads: int):
    """(fit kwargs) numpy arrays, or a tf.data pipeline that shuffles, batches and augments them."""
    augment = _augmenter(config, keras) if config.augment and x.ndim == 4 else None
    if augment is None:
        return {"x": x, "y": y, "batch_size": bs, "shuffle": True}
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    ds = ds.shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True).batch(bs)
    ds = ds.map(lambda a, b: (augment(a, training=True), b), num_parallel_calls=1).prefetch(1)
    options = tf.data.Options()
    options.threading.private_threadpool_size = max(1, threads)
    options.threading.max_intra_op_parallelism = 1
    return {"x": ds.with_options(options), "shuffle": False}  # shuffled above, every epoch


def _stream_callback(keras):
    class Stream(keras.callbacks.Callback):
        """Turns fit's batch and epoch ends into events; watches the stop flag and the divergence rule."""

        def __init__(self, events: queue.Queue, stop: StopFlag | None, abort: threading.Event,
                     config: TrainConfig, task: Task, n: int, bs: int, total_steps: int):
            super().__init__()
            self.events, self.stop, self.abort = events, stop, abort
            self.config, self.task, self.n, self.bs, self.total_steps = config, task, n, bs, total_steps
            self.history: list[EpochEvent] = []
            self.outcome: str | None = None  # stopped or diverged, once training must end
            self.diverged: dict = {}
            self.step, self.first_loss = 0, None
            self.best_loss, self.best_epoch, self.best_weights = math.inf, None, None
            self.initial_weights = self.final_weights = None

        def put(self, event) -> None:
            while not self.abort.is_set():  # the reader went away: drop the event, stop soon
                try:
                    self.events.put(event, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def on_train_begin(self, logs=None):
            self.initial_weights = self.model.get_weights()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.seen, self.prev_mean = epoch, 0, 0.0
            self.t0 = self.t_last = time.perf_counter()

        def _end(self, outcome: str) -> None:
            self.outcome = outcome
            self.model.stop_training = True

        def on_train_batch_end(self, batch, logs=None):
            if self.outcome:
                return
            if self.abort.is_set() or (self.stop is not None and self.stop.is_set()):
                self._end("stopped")
                self.final_weights = self.model.get_weights()  # EarlyStopping restores its best at the end
                return
            # fit logs the running mean of the epoch's batch losses, weighted by batch size
            mean = float(logs["loss"])
            seen = min(self.seen + self.bs, self.n)
            value = (mean * seen - self.prev_mean * self.seen) / max(seen - self.seen, 1)
            if not math.isfinite(mean):
                value = mean
            self.step += 1
            self.first_loss = value if self.first_loss is None else self.first_loss
            if not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(self.first_loss, 1.0):
                self.diverged = {"loss": f"{value:.3g}", "start": f"{self.first_loss:.3g}", "lr": f"{self.config.lr:g}"}
                self._end("diverged")
                return
            self.seen, self.prev_mean = seen, mean
            self.t_last = time.perf_counter()
            self.put(StepEvent(self.epoch + 1, self.step, self.total_steps, value,
                               seen / max(self.t_last - self.t0, 1e-9)))

        def on_epoch_end(self, epoch, logs=None):
            if self.outcome:
                return
            logs = logs or {}
            val_loss = float(logs.get("val_loss", 0.0))
            if not math.isfinite(val_loss):
                self.diverged = {"loss": f"{val_loss:.3g}", "start": f"{self.first_loss:.3g}",
                                 "lr": f"{self.config.lr:g}"}
                self._end("diverged")
                return
            has_acc = self.task.mode != "mse"
            seconds = self.t_last - self.t0
            # the optimizer's float32 learning rate, reported as lr_at's value when it is that one
            lr = float(np.asarray(self.model.optimizer.learning_rate))
            scheduled = lr_at(epoch, self.config)
            lr = scheduled if math.isclose(lr, scheduled, rel_tol=1e-6) else lr
            event = EpochEvent(epoch + 1, self.config.epochs, float(logs["loss"]),
                               float(logs["accuracy"]) if has_acc else None, val_loss,
                               float(logs["val_accuracy"]) if has_acc and "val_accuracy" in logs else None,
                               lr, self.seen / max(seconds, 1e-9), seconds)
            self.history.append(event)
            self.put(event)
            if val_loss < self.best_loss:
                self.best_loss, self.best_epoch = val_loss, epoch + 1
                self.best_weights = self.model.get_weights()

    return Stream


def train_keras(spec: ModelSpec, data: Dataset, config: TrainConfig, stop: StopFlag | None = None, *,
                checkpoint_path: str | None = None, callbacks: Sequence[Any] = ()) -> Iterator[TrainEvent]:
    """Train ``spec`` with Keras; yields the same events as the PyTorch loop (backend="keras").

    ``checkpoint_path`` adds ModelCheckpoint (best val_loss; ``.keras`` saves the model,
    ``.weights.h5`` the weights); ``callbacks`` are more Keras callbacks, run after ours.
    """
    try:
        task = resolve_task(spec, data)
    except TaskMismatch as exc:
        yield ErrorEvent(exc.key, exc.kwargs, backend="keras")
        return
    # torch.optim imports torch._dynamo, which loads triton's libtriton; loaded after TensorFlow that
    # segfaults (LLVM symbols clash), so every later PyTorch training in this process would crash.
    import torch._dynamo  # noqa: F401

    from playground.device import configure_tensorflow, job_threads, pick_device

    tf = configure_tensorflow()
    threads = config.threads or job_threads()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already runs with the budget configure_tensorflow gave it
        pass
    import keras

    gpus = tf.config.list_physical_devices("GPU")
    wanted = pick_device().type if config.device == "auto" else config.device
    on_gpu = bool(gpus) and wanted == "cuda"
    device = "/GPU:0" if on_gpu else "/CPU:0"  # the variables live where fit computes

    keras.utils.set_random_seed(config.seed)
    with tf.device(device):
        model = build_keras(spec)
        add_weight_penalty(model, config, keras)
        model.compile(optimizer=keras_optimizer(config, keras), loss=keras_loss(task, keras),
                      metrics=keras_metrics(task, keras))
    x_train = to_keras_x(data.x_train, spec)
    y_train = to_keras_y(data.y_train, task, model.output_shape)
    n_val = min(len(data.x_test), config.max_eval)
    x_val = to_keras_x(data.x_test[:n_val], spec)
    y_val = to_keras_y(data.y_test[:n_val], task, model.output_shape)
    n, bs = len(x_train), max(1, min(config.batch_size, len(x_train)))
    steps_per_epoch = math.ceil(n / bs)
    yield StartEvent(config.epochs, steps_per_epoch, n, n_val, "cuda" if on_gpu else "cpu", "keras",
                     int(model.count_params()))
    if stop is not None and stop.is_set():  # Keras cannot refuse the first batch; do not start
        yield DoneEvent(model, (), "stopped", None, backend="keras")
        return

    events: queue.Queue = queue.Queue(maxsize=1)
    abort = threading.Event()
    stream = _stream_callback(keras)(events, stop, abort, config, task, n, bs, steps_per_epoch * config.epochs)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, _lr: lr_at(epoch, config))
    callbacks = [schedule, stream, *_optional_callbacks(keras, config, checkpoint_path), *callbacks]
    early = next((c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)), None)
    fit_kwargs = _train_input(tf, keras, x_train, y_train, config, bs, threads)
    if n_val:
        fit_kwargs.update(validation_data=(x_val, y_val), validation_batch_size=512)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            with tf.device(device):  # device scopes are per thread
                model.fit(epochs=config.epochs, callbacks=callbacks, verbose=0, **fit_kwargs)
        except BaseException as exc:  # handed to the reader, raised there
            failure.append(exc)
        finally:
            stream.put(_END)

    worker = threading.Thread(target=work, name="keras-fit", daemon=True)
    worker.start()
    try:
        while (item := events.get()) is not _END:
            yield item
    finally:  # also when the reader closes the generator: stop fit and wait for it
        abort.set()
        worker.join()
    if failure:
        raise failure[0]

    history = tuple(stream.history)
    if stream.outcome == "diverged":
        model.set_weights(stream.best_weights if stream.best_weights is not None else stream.initial_weights)
        yield ErrorEvent("train.diverged", stream.diverged, model, history, backend="keras")
    elif stream.outcome == "stopped":
        model.set_weights(stream.final_weights)
        yield DoneEvent(model, history, "stopped", stream.best_epoch, backend="keras")
    else:
        reason = "early_stopped" if early is not None and early.stopped_epoch > 0 else "finished"
        yield DoneEvent(model, history, reason, stream.best_epoch, backend="keras")


def _optional_callbacks(keras, config: TrainConfig, checkpoint_path: str | None) -> list:
    out = []
    if config.early_stopping:  # restores the best weights at the end of fit, as the PyTorch loop does
        out.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                 restore_best_weights=config.restore_best))
    if checkpoint_path:
        out.append(keras.callbacks.ModelCheckpoint(str(checkpoint_path), monitor="val_loss", save_best_only=True,
                                                   save_weights_only=str(checkpoint_path).endswith(".weights.h5")))
    return out
