"""Teacher-set limits for a classroom server: one place that says how big and how long a training may be.

A teacher sets them as environment variables or in ``.streamlit/secrets.toml`` under ``[limits]``::

    [limits]
    max_params = 200000          # largest model a student may build
    max_epochs = 20              # epochs per run
    max_samples_per_epoch = 2000 # training samples each epoch sees (a seeded random subset)
    max_jobs = 2                 # trainings at once (the rest wait in a queue)
    job_threads = 1              # CPU threads per training
    jobs_per_gpu = 1             # trainings sharing one GPU at a time
    orphan_grace_s = 30          # a closed tab's trainings are stopped after this many seconds

An environment variable (``PLAYGROUND_MAX_PARAMS`` ...) wins over the secrets file. ``export_to_env``
copies the secrets into the environment once at start-up, so every part of the core reads one source.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

ENV: dict[str, str] = {
    "max_params": "PLAYGROUND_MAX_PARAMS",
    "max_epochs": "PLAYGROUND_MAX_EPOCHS",
    "max_samples_per_epoch": "PLAYGROUND_MAX_SAMPLES",
    "max_jobs": "PLAYGROUND_MAX_JOBS",
    "job_threads": "PLAYGROUND_JOB_THREADS",
    "jobs_per_gpu": "PLAYGROUND_JOBS_PER_GPU",
    "orphan_grace_s": "PLAYGROUND_ORPHAN_GRACE_S",
}


@dataclass(frozen=True)
class Limits:
    """The limits in force. ``None`` means "no limit" (samples) or "choose from the hardware" (jobs, threads)."""

    max_params: int = 20_000_000
    max_epochs: int = 100
    max_samples_per_epoch: int | None = None
    max_jobs: int | None = None
    job_threads: int | None = None
    jobs_per_gpu: int = 1
    orphan_grace_s: float = 30.0


class LimitsError(ValueError):
    """A limit a teacher set that cannot be used (not a number, or not positive)."""


def _parse(name: str, raw: object) -> int | float:
    kind = float if name == "orphan_grace_s" else int
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise LimitsError(f"limit {name} ({ENV[name]}) must be a number, got {raw!r}") from None
    if value <= 0:
        raise LimitsError(f"limit {name} ({ENV[name]}) must be positive, got {raw!r}")
    return value


def export_to_env(secrets: Mapping | None) -> list[str]:
    """Copy ``[limits]`` from secrets.toml into the environment, never over a variable already set.

    Returns the names exported. Unknown keys raise LimitsError, so a typo does not pass silently.
    """
    exported = []
    for name, raw in dict(secrets or {}).items():
        if name not in ENV:
            raise LimitsError(f"unknown limit {name!r}; known: {', '.join(ENV)}")
        _parse(name, raw)
        if ENV[name] not in os.environ:
            os.environ[ENV[name]] = str(raw)
            exported.append(name)
    return exported


def current() -> Limits:
    """The limits from the environment (after ``export_to_env``), defaults elsewhere."""
    values = {}
    for f in fields(Limits):
        raw = os.environ.get(ENV[f.name], "").strip()
        if raw:
            values[f.name] = _parse(f.name, raw)
    return Limits(**values)


def cpu_count() -> int:
    """CPUs this process may run on (respects affinity masks and containers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def gpu_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def max_jobs(limits: Limits | None = None) -> int:
    """Trainings at once: the teacher's number, else ``jobs_per_gpu`` per GPU, else half the cores.

    Half the cores (at least one): the Streamlit server and the students' page redraws need CPU too.
    """
    limits = limits or current()
    if limits.max_jobs:
        return limits.max_jobs
    if gpu_count():
        return gpu_count() * limits.jobs_per_gpu
    return max(1, cpu_count() // 2)


def job_threads(limits: Limits | None = None) -> int:
    """CPU threads per training: the teacher's number, else the cores left after one for the server,
    shared among the jobs that may run at once (never below one).

    Measured on a 2-core machine: a torch job with 2 threads ran ~15x slower than with 1 thread while
    the other core was busy, so the default never hands a job a core the server is using.
    """
    limits = limits or current()
    if limits.job_threads:
        return limits.job_threads
    return max(1, (cpu_count() - 1) // max_jobs(limits))


def cap_training_set(data, limit: int | None, seed: int = 0):
    """The dataset with at most ``limit`` training samples (a seeded random subset), and whether it was cut.

    The test split is untouched, so accuracies stay comparable across runs.
    """
    import torch

    n = len(data.x_train)
    if not limit or n <= limit:
        return data, False
    idx = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:limit].sort().values
    meta = {**data.meta, "n_train": limit, "capped_from": n}
    return type(data)(data.x_train[idx], data.y_train[idx], data.x_test, data.y_test, meta), True
