"""Background training jobs: a bounded number at once, FIFO queue positions, a stop flag each.

One process-wide ``JobManager`` (the app keeps it in ``st.cache_resource``). A job's thread
never touches Streamlit: it pushes events into the job's queue, and the page drains them from a
fragment. A rerun of the page never kills or restarts a job; ``stop()`` acts within one batch.
"""
from __future__ import annotations

import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

QUEUED, RUNNING, DONE, STOPPED, ERROR = "queued", "running", "done", "stopped", "error"


def default_max_jobs() -> int:
    """One job per GPU; on the CPU max(1, cores // 2), so jobs never fight over cores."""
    import os

    raw = os.environ.get("PLAYGROUND_MAX_JOBS")
    if raw:
        return max(1, int(raw))
    import torch

    if torch.cuda.is_available():
        return torch.cuda.device_count()
    from playground.device import cpu_count

    return max(1, cpu_count() // 2)


@dataclass
class Job:
    """One training run. ``events`` is drained by the page; ``last`` keeps the final event."""

    id: int
    owner: str
    label: str
    run: Callable[[threading.Event], Iterator[Any]]
    status: str = QUEUED
    stop_flag: threading.Event = field(default_factory=threading.Event)
    events: queue.Queue = field(default_factory=queue.Queue)
    last: Any = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.stop_flag.set()

    def drain(self, limit: int = 10_000) -> list:
        """Every event queued since the last drain (at most ``limit``)."""
        out = []
        while len(out) < limit:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                break
        return out

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)


class JobManager:
    """Runs jobs in threads, at most ``max_jobs`` at a time, first come first served."""

    def __init__(self, max_jobs: int | None = None):
        self.max_jobs = max_jobs or default_max_jobs()
        self._cond = threading.Condition()
        self._waiting: deque[Job] = deque()
        self._running: set[int] = set()
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)

    def submit(self, owner: str, run: Callable[[threading.Event], Iterator[Any]], label: str = "") -> Job:
        """Queue ``run(stop_flag)``, a generator of events; returns the Job at once."""
        job = Job(next(self._ids), owner, label, run)
        with self._cond:
            self._jobs[job.id] = job
            self._waiting.append(job)
        job.thread = threading.Thread(target=self._work, args=(job,), name=f"train-job-{job.id}", daemon=True)
        job.thread.start()
        return job

    def position(self, job: Job) -> int:
        """0 while running or finished; 1 for the next job to start, and so on."""
        with self._cond:
            try:
                return list(self._waiting).index(job) + 1
            except ValueError:
                return 0

    def jobs_of(self, owner: str) -> list[Job]:
        with self._cond:
            return [j for j in self._jobs.values() if j.owner == owner]

    def cancel_owner(self, owner: str) -> int:
        """Stop every active job of a session (called when the session ends); returns how many."""
        jobs = [j for j in self.jobs_of(owner) if j.active]
        for job in jobs:
            job.stop()
        with self._cond:
            self._cond.notify_all()
        return len(jobs)

    def forget(self, job: Job) -> None:
        """Drop a finished job from the registry (its events and model go with it)."""
        with self._cond:
            if not job.active:
                self._jobs.pop(job.id, None)

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._running)

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def _work(self, job: Job) -> None:
        with self._cond:
            while not job.stop_flag.is_set() and not (
                self._waiting and self._waiting[0] is job and len(self._running) < self.max_jobs
            ):
                self._cond.wait(timeout=0.5)
            self._waiting.remove(job)
            if job.stop_flag.is_set():
                job.status, job.finished = STOPPED, time.time()
                self._cond.notify_all()
                return
            self._running.add(job.id)
            job.status, job.started = RUNNING, time.time()
        try:
            for event in job.run(job.stop_flag):
                job.events.put(event)
                job.last = event
            kind = type(job.last).__name__
            job.status = ERROR if kind == "ErrorEvent" else STOPPED if job.stop_flag.is_set() else DONE
        except Exception as exc:  # a bug must not kill the server: the page shows it as a message
            job.status, job.error = ERROR, f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = time.time()
            with self._cond:
                self._running.discard(job.id)
                self._cond.notify_all()
