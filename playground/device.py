"""Which device trains, how many CPU threads a job may use, and TensorFlow's GPU manners.

Measured on a 2-core machine: a torch training with 2 threads ran ~15x slower than with
1 thread while the other core was busy. So every job gets an explicit thread budget.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import torch


@dataclass(frozen=True)
class DeviceInfo:
    """What the sidebar shows: ``kind`` is cuda, mps or cpu."""

    kind: str
    name: str
    memory_gb: float | None
    threads: int


def pick_device() -> torch.device:
    """cuda, then mps, then cpu. ``PLAYGROUND_DEVICE=cpu`` forces the CPU."""
    forced = os.environ.get("PLAYGROUND_DEVICE", "").strip().lower()
    if forced:
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cpu_count() -> int:
    """CPUs this process may run on (respects affinity masks and containers)."""
    from playground import limits

    return limits.cpu_count()


def max_concurrent_jobs() -> int:
    """How many trainings may run at once: see ``playground.limits.max_jobs``."""
    from playground import limits

    return limits.max_jobs()


def job_threads() -> int:
    """The per-job CPU thread budget: see ``playground.limits.job_threads``."""
    from playground import limits

    return limits.job_threads()


def describe() -> DeviceInfo:
    """Name and memory of the training device, for the sidebar panel."""
    dev = pick_device()
    if dev.type == "cuda":
        props = torch.cuda.get_device_properties(dev)
        return DeviceInfo("cuda", props.name, round(props.total_memory / 2**30, 1), job_threads())
    if dev.type == "mps":
        return DeviceInfo("mps", "Apple MPS", None, job_threads())
    return DeviceInfo("cpu", "CPU", None, job_threads())


def _load_triton_first() -> None:
    import torch._dynamo  # noqa: F401


@lru_cache(maxsize=1)
def configure_tensorflow():
    """Import TensorFlow once, with GPU memory growth and the thread budget, and return it.

    Memory growth keeps TensorFlow from reserving the whole GPU that PyTorch also needs.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Load triton (through torch._dynamo) BEFORE TensorFlow: with TF 2.21 and torch 2.14 in one
    # process, triton loaded after TensorFlow segfaults (first torch.optim optimizer or torchvision
    # import). The server trains with both frameworks, so every TF import goes through here.
    # Two statements on purpose: an import sorter must not swap them (it did once).
    _load_triton_first()
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised by someone else; nothing to change then
            pass
    try:
        tf.config.threading.set_intra_op_parallelism_threads(job_threads())
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    return tf
